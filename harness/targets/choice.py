"""Several labelled ``--target`` values in one run (``trc run``): parse, label, attach
profiles and faults.

``[LABEL=]embedded``, ``[LABEL=]embedded+fault:NAME[,NAME]`` (the reference with named
faults), ``[LABEL=]URL`` or ``[LABEL=]cassette:PATH``. The label names the target in the report
(default: the value itself). ``--profile FILE`` applies to every target; ``--profile
LABEL=FILE`` to one. ``--fault NAME`` is the one-target shorthand for ``embedded+fault:NAME``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from harness.targets.embedded import check_faults
from harness.targets.errors import TargetConfigError
from harness.targets.resolve import TargetOptions
from harness.targets.target import EMBEDDED, parse_target

_LABEL = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.@-]*)=(.+)$")
_FAULTS = re.compile(r"^embedded\+fault:([a-z0-9,+:-]+)$")


@dataclass(frozen=True)
class TargetChoice:
    """One ``--target``: how to reach it and what to call it."""

    label: str
    text: str
    kind: str  # "embedded" | "url" | "cassette"
    url: str | None = None
    faults: tuple[str, ...] = ()
    profile: str | None = None
    #: what ``TargetOptions.target`` gets: embedded, the URL, or cassette:PATH
    target: str = EMBEDDED

    def options(
        self, account_sid: str | None, auth_token: str | None, allow_live: bool
    ) -> TargetOptions:
        return TargetOptions(
            self.target, self.profile, account_sid, auth_token, allow_live, self.faults
        )


def parse_target_arg(text: str) -> TargetChoice:
    """``[LABEL=]embedded``, ``[LABEL=]embedded+fault:A[,B]``, ``[LABEL=]URL`` or
    ``[LABEL=]cassette:PATH`` (a recording served back, when harness.replay provides it)."""
    raw = (text or "").strip()
    label = None
    match = _LABEL.match(raw)
    if match and "://" not in match.group(1):
        label, raw = match.group(1), match.group(2).strip()
    if raw.startswith("embedded+"):
        fault_match = _FAULTS.match(raw)
        if not fault_match:
            raise TargetConfigError(
                f"target {text!r}: expected embedded+fault:NAME[,NAME] "
                "(e.g. embedded+fault:etag-ignored)"
            )
        names = [n for n in re.split(r"[,+]", fault_match.group(1).replace("fault:", "")) if n]
        faults = tuple(dict.fromkeys(names))
        return TargetChoice(
            label or f"embedded+fault:{','.join(faults)}", text, EMBEDDED, faults=faults
        )
    spec = parse_target(raw)
    if spec.kind == EMBEDDED:
        return TargetChoice(label or EMBEDDED, text, EMBEDDED)
    if spec.kind == "url":
        return TargetChoice(label or str(spec.url), text, "url", url=spec.url, target=raw)
    return TargetChoice(label or spec.name, text, spec.kind, target=raw)


def resolve_targets(
    targets: tuple[str, ...] | list[str],
    profiles: tuple[str, ...] | list[str] | str | None,
    faults: tuple[str, ...] | list[str] = (),
) -> list[TargetChoice]:
    """Parse every ``--target``, attach profiles and ``--fault``; TargetConfigError if wrong."""
    choices = [parse_target_arg(t) for t in (targets or (EMBEDDED,))]
    labels = [c.label for c in choices]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise TargetConfigError(
            f"two targets are labelled {duplicates[0]!r}: name them, e.g. "
            f"--target a={choices[0].text} --target b=..."
        )
    if faults:
        if len(choices) > 1:
            raise TargetConfigError(
                "--fault applies to a single target; with several, write "
                "--target embedded+fault:NAME for the one that should have it"
            )
        if choices[0].kind != EMBEDDED:
            raise TargetConfigError("--fault applies to the embedded target only")
        merged = tuple(dict.fromkeys([*choices[0].faults, *faults]))
        # The label stays as it was ("embedded"): the report lists the target's faults.
        choices[0] = replace(choices[0], faults=merged)
    if isinstance(profiles, str):
        profiles = (profiles,)
    shared: str | None = None
    by_label: dict[str, str] = {}
    for value in profiles or ():
        match = _LABEL.match(value)
        if match and match.group(1) in labels:
            by_label[match.group(1)] = match.group(2)
        elif shared is not None:
            raise TargetConfigError(
                "--profile given twice without a label: write --profile LABEL=FILE per target"
            )
        else:
            shared = value
    out = []
    for choice in choices:
        check_faults(choice.faults)
        out.append(replace(choice, profile=by_label.get(choice.label, shared)))
    return out
