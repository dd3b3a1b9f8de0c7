"""Normalisers: small, composable rules that say when two different values still agree.

Each normaliser looks at one field (its path, the recorded value, the candidate's value and a
``Context``) and either returns a ``Verdict`` or ``None`` ("not mine"). The comparator asks
them in order and falls back to strict JSON equality. Verdicts:

* ``equal``: identical values (and JSON types);
* ``normalised-equal``: different values that agree once normalised (a re-bound SID, a
  timestamp of the same format and order, an URL on another host, attributes that differ only
  in the harness's tags, an age within tolerance);
* ``type-only``: free text whose wording is not compared (error ``message``), same JSON type;
* ``missing`` / ``extra``: the field is absent on the candidate / absent in the recording;
* ``different``: anything else.

The first three are matches; the last three are differences.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from harness.replay.bindings import FULL_SID, PAGE_TOKEN, RUN_TAG, SID, Bindings, kind_of
from harness.results.vocab import Verdict as FieldVerdictKind
from harness.targets.safety import CASE_KEY, RUN_KEY

# The verdict vocabulary is ``harness.results.vocab.Verdict``; these names are short aliases.
EQUAL = FieldVerdictKind.EQUAL
NORMALISED_EQUAL = FieldVerdictKind.NORMALISED_EQUAL
TYPE_ONLY = FieldVerdictKind.TYPE_ONLY
MISSING = FieldVerdictKind.MISSING
EXTRA = FieldVerdictKind.EXTRA
DIFFERENT = FieldVerdictKind.DIFFERENT
#: best to worst (a field's row keeps its worst verdict)
VERDICTS = (EQUAL, NORMALISED_EQUAL, TYPE_ONLY, EXTRA, MISSING, DIFFERENT)
MATCHES = frozenset({EQUAL, NORMALISED_EQUAL, TYPE_ONLY})
SEVERITY = {name: rank for rank, name in enumerate(VERDICTS)}
MAX_SHOWN = 200
#: How a page token shows in a compared URL: by its role, whatever its spelling.
PAGE_TOKEN_ROLE = "<page_token>"

Path = tuple[str | int, ...]


@dataclass
class Verdict:
    verdict: str
    recorded: Any = None
    candidate: Any = None
    detail: str = ""

    @property
    def matches(self) -> bool:
        return self.verdict in MATCHES


@dataclass
class Context:
    bindings: Bindings
    recorded_netloc: str
    candidate_netloc: str
    #: the objects holding the field being compared (recorded, candidate)
    parents: tuple[Any, Any] = (None, None)
    #: the recorded SID of the object being compared (a task), for per-entity history
    entity: str | None = None
    #: (entity, field) -> (recorded epoch, candidate epoch) of the last observation
    history: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    #: seconds the replay waited beyond (negative: short of) the recording so far, for the
    #: candidate's windows
    stretch: float = 0.0


class Normaliser:
    name = ""

    def compare(self, path: Path, recorded: Any, candidate: Any, ctx: Context) -> Verdict | None:
        raise NotImplementedError


# -- helpers ---------------------------------------------------------------------------------
def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def json_equal(a: Any, b: Any) -> bool:
    """Equality that keeps JSON types apart (``1`` is not ``true``, ``1`` is not ``"1"``)."""
    if json_type(a) != json_type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def shown(value: Any) -> Any:
    """A value small enough for a report cell."""
    if isinstance(value, str) and len(value) > MAX_SHOWN:
        return value[:MAX_SHOWN] + "…"
    if isinstance(value, dict | list):
        text = json.dumps(value, sort_keys=True)
        return value if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"
    return value


def type_mismatch(recorded: Any, candidate: Any, recorded_shown: Any = None) -> Verdict:
    return Verdict(
        DIFFERENT,
        shown(recorded if recorded_shown is None else recorded_shown),
        shown(candidate),
        f"type: recorded {json_type(recorded)}, candidate {json_type(candidate)}",
    )


# -- the normalisers -------------------------------------------------------------------------
class AttributesJson(Normaliser):
    """``attributes`` is a JSON string: parse both, drop the harness's tags, compare."""

    name = "attributes-json"

    def __init__(
        self,
        fields: tuple[str, ...] = ("attributes",),
        ignore_keys: frozenset[str] = frozenset({RUN_KEY, CASE_KEY}),
    ) -> None:
        self.fields = fields
        self.ignore_keys = ignore_keys

    def compare(self, path: Path, recorded: Any, candidate: Any, ctx: Context) -> Verdict | None:
        if not path or path[-1] not in self.fields or not isinstance(recorded, str):
            return None
        try:
            rec_doc = json.loads(recorded)
        except ValueError:
            return None
        if not isinstance(candidate, str):
            return Verdict(
                DIFFERENT,
                shown(_untagged(recorded)),
                shown(_untagged(candidate)),
                f"type: recorded a JSON string, candidate {json_type(candidate)}",
            )
        try:
            cand_doc = json.loads(candidate)
        except ValueError:
            return Verdict(
                DIFFERENT, shown(_untagged(recorded)), shown(candidate), "not valid JSON"
            )
        rec_doc, cand_doc = self._strip(rec_doc), self._strip(cand_doc)
        if json_equal(rec_doc, cand_doc):
            verdict = EQUAL if recorded == candidate else NORMALISED_EQUAL
            return Verdict(verdict, shown(rec_doc), shown(cand_doc))
        return Verdict(DIFFERENT, shown(rec_doc), shown(cand_doc), _object_diff(rec_doc, cand_doc))

    def _strip(self, doc: Any) -> Any:
        if isinstance(doc, dict):
            return {k: v for k, v in doc.items() if k not in self.ignore_keys}
        return doc


def _untagged(value: Any) -> Any:
    """``value`` with run/case tags shown as ``<run_tag>`` (strings and objects)."""
    if isinstance(value, str):
        return RUN_TAG.sub("<run_tag>", value)
    if isinstance(value, dict):
        return {k: _untagged(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untagged(v) for v in value]
    return value


def _object_diff(a: Any, b: Any) -> str:
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return f"recorded {json_type(a)}, candidate {json_type(b)}"
    missing = [k for k in a if k not in b]
    extra = [k for k in b if k not in a]
    changed = [k for k in a if k in b and not json_equal(a[k], b[k])]
    parts = []
    for label, keys in (("missing", missing), ("extra", extra), ("different", changed)):
        if keys:
            parts.append(f"{label}: {', '.join(map(str, keys))}")
    return "; ".join(parts) or "different"


class UrlWithoutHost(Normaliser):
    """URLs on the recorded target's host: compared without the host, SIDs and page tokens
    as references, query parameters in any order. The candidate's URL must be on its own host.
    Every pair is learned, so a later request to a recorded ``next_page_url`` goes to the
    candidate's ``next_page_url``."""

    name = "url-without-host"

    def compare(self, path: Path, recorded: Any, candidate: Any, ctx: Context) -> Verdict | None:
        if not isinstance(recorded, str) or not recorded.startswith(("http://", "https://")):
            return None
        rec = urlsplit(recorded)
        if rec.netloc.lower() != ctx.recorded_netloc:
            return None
        if not isinstance(candidate, str):
            return type_mismatch(recorded, candidate)
        ctx.bindings.urls[recorded] = candidate
        cand = urlsplit(candidate)
        problems: list[str] = []
        if cand.scheme not in ("http", "https") or cand.netloc.lower() != ctx.candidate_netloc:
            problems.append(f"not on the target's host ({cand.netloc or 'relative URL'})")
        rec_path = self._path(rec.path, ctx, problems, candidate_path=cand.path)
        rec_query, cand_query = self._query(rec.query, cand.query, ctx)
        if sorted(rec_query) != sorted(cand_query):
            problems.append("query differs")
        rec_shown = rec_path + (
            "?" + "&".join(f"{k}={v}" for k, v in sorted(rec_query)) if rec_query else ""
        )
        cand_path = self._candidate_path(cand.path, ctx)
        cand_shown = cand_path + (
            "?" + "&".join(f"{k}={v}" for k, v in sorted(cand_query)) if cand_query else ""
        )
        if rec_path != cand_path:
            problems.append("path differs")
        if problems:
            return Verdict(DIFFERENT, shown(rec_shown), shown(cand_shown), "; ".join(problems))
        return Verdict(
            EQUAL if recorded == candidate else NORMALISED_EQUAL,
            shown(rec_shown),
            shown(cand_shown),
        )

    def _path(self, rec_path: str, ctx: Context, problems: list[str], candidate_path: str) -> str:
        rec_parts = rec_path.split("/")
        cand_parts = candidate_path.split("/")
        out = []
        for index, part in enumerate(rec_parts):
            other = cand_parts[index] if index < len(cand_parts) else None
            if FULL_SID.match(part) and other is not None and FULL_SID.match(other):
                ok, label, _ = ctx.bindings.sids.check(part, other)
                if not ok:
                    problems.append(f"{label} in the path is a different {kind_of(part)}")
                out.append(label)
            elif FULL_SID.match(part) or part in ctx.bindings.sids:
                out.append(ctx.bindings.sids.label(part))
            else:
                out.append(part)
        return "/".join(out)

    def _candidate_path(self, cand_path: str, ctx: Context) -> str:
        return "/".join(
            ctx.bindings.sids.candidate_label(p) if FULL_SID.match(p) else p
            for p in cand_path.split("/")
        )

    def _query(
        self, rec_query: str, cand_query: str, ctx: Context
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        rec_pairs = parse_qsl(rec_query, keep_blank_values=True)
        cand_pairs = parse_qsl(cand_query, keep_blank_values=True)
        rec_tokens = [v for k, v in rec_pairs if k == PAGE_TOKEN]
        cand_tokens = [v for k, v in cand_pairs if k == PAGE_TOKEN]
        for rec_token, cand_token in zip(rec_tokens, cand_tokens, strict=False):
            ctx.bindings.learn_token(rec_token, cand_token)
        # A page token is compared by its role (the page of this query it points to: the rest
        # of the query is compared), never by its spelling: offsets, cursors and opaque
        # strings are all fine.
        rec_out = [
            (k, PAGE_TOKEN_ROLE if k == PAGE_TOKEN else ctx.bindings.canonical(v, "recorded"))
            for k, v in rec_pairs
        ]
        cand_out = [
            (k, PAGE_TOKEN_ROLE if k == PAGE_TOKEN else ctx.bindings.canonical(v, "candidate"))
            for k, v in cand_pairs
        ]
        return rec_out, cand_out


class SidReference(Normaliser):
    """SIDs are compared as numbered references: ``<task:1>`` must stay the same task."""

    name = "sid-reference"

    def compare(self, path: Path, recorded: Any, candidate: Any, ctx: Context) -> Verdict | None:
        if not isinstance(recorded, str):
            return None
        table = ctx.bindings.sids
        if not (FULL_SID.match(recorded) or recorded in table):
            return None
        if not isinstance(candidate, str):
            return type_mismatch(recorded, candidate, table.label(recorded))
        if FULL_SID.match(candidate) and candidate[:2] != recorded[:2]:
            return Verdict(
                DIFFERENT,
                table.label(recorded),
                shown(candidate),
                f"SID prefix {candidate[:2]}, recorded {recorded[:2]}",
            )
        ok, rec_label, cand_label = table.check(recorded, candidate)
        if ok:
            return Verdict(
                EQUAL if recorded == candidate else NORMALISED_EQUAL, rec_label, cand_label
            )
        return Verdict(
            DIFFERENT,
            rec_label,
            cand_label,
            f"a different {kind_of(recorded)} than in the recording (candidate {candidate})",
        )


class RunTagText(Normaliser):
    """Strings that differ only in the harness's run/case tags."""

    name = "run-tag"

    def compare(self, path: Path, recorded: Any, candidate: Any, ctx: Context) -> Verdict | None:
        if not (isinstance(recorded, str) and isinstance(candidate, str)):
            return None
        if not RUN_TAG.search(recorded):
            return None
        if RUN_TAG.sub("<run_tag>", recorded) == RUN_TAG.sub("<run_tag>", candidate):
            return Verdict(
                NORMALISED_EQUAL,
                shown(RUN_TAG.sub("<run_tag>", recorded)),
                shown(RUN_TAG.sub("<run_tag>", candidate)),
            )
        return None


class ProfileName(Normaliser):
    """Friendly names of the profile's workspaces, workflows and queues map by role."""

    name = "profile-name"

    def compare(self, path: Path, recorded: Any, candidate: Any, ctx: Context) -> Verdict | None:
        names = ctx.bindings.names
        if not isinstance(recorded, str) or recorded not in names or recorded == candidate:
            return None
        if candidate == names[recorded]:
            label = ctx.bindings.name_labels.get(recorded, recorded)
            return Verdict(NORMALISED_EQUAL, label, label)
        return None


class FreeText(Normaliser):
    """Human wording (an error's ``message``): only the JSON type is compared."""

    name = "free-text"

    def __init__(self, paths: tuple[Path, ...] = (("message",),)) -> None:
        self.paths = paths

    def compare(self, path: Path, recorded: Any, candidate: Any, ctx: Context) -> Verdict | None:
        if path not in self.paths or not isinstance(recorded, str):
            return None
        if not isinstance(candidate, str):
            return type_mismatch(recorded, candidate)
        if recorded == candidate:
            return Verdict(EQUAL, shown(recorded), shown(candidate))
        rec = ctx.bindings.canonical(recorded, "recorded")
        cand = ctx.bindings.canonical(candidate, "candidate")
        if rec == cand:
            return Verdict(NORMALISED_EQUAL, shown(rec), shown(cand))
        return Verdict(TYPE_ONLY, shown(rec), shown(cand), "wording differs (not compared)")


__all__ = [
    "DIFFERENT",
    "EQUAL",
    "EXTRA",
    "MATCHES",
    "MISSING",
    "NORMALISED_EQUAL",
    "SID",
    "TYPE_ONLY",
    "VERDICTS",
    "AttributesJson",
    "Context",
    "FreeText",
    "Normaliser",
    "ProfileName",
    "RunTagText",
    "SidReference",
    "UrlWithoutHost",
    "Verdict",
]
