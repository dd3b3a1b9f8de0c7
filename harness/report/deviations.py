"""Expected deviations (``--expect-deviations FILE``): known, accepted differences per target.

The file (YAML)::

    version: 1
    deviations:
      - case: smoke.etag-if-match            # a case id (glob patterns allowed: smoke.etag-*)
        reason: ETags land in release 2 (#41)
      - clause: task.auth.unauthorized       # or a clause id (glob allowed): every case citing it
        reason: we answer 403, see ADR-7
        targets: [staging]                   # optional: target labels (globs); default: all

A failing (or erroring) case that an entry matches is an *expected deviation*: it is shown as
such, with the reason, and does not fail the gate's conformance or regression check. It still
costs score points. An entry whose matching cases all pass now is flagged ``now-passes`` (time
to remove it); one that matched no case at all is flagged ``unmatched``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.report.model import (
    Case,
    DeviationEntry,
    Deviations,
    DeviationTarget,
    ExpectedCase,
    ExpectedDeviation,
    StaleEntry,
    UnmatchedEntry,
)
from harness.results.vocab import DeviationKind, DeviationState, Status
from harness.yamlsrc import SourceError, load_plain_file


class DeviationFileError(ValueError):
    """The deviations file cannot be used (names the file, the entry and the field)."""


@dataclass(frozen=True)
class Deviation:
    """One entry of the deviations file."""

    index: int
    kind: DeviationKind
    pattern: str
    reason: str
    targets: tuple[str, ...] = ()

    def applies_to_target(self, label: str) -> bool:
        return not self.targets or any(fnmatch.fnmatchcase(label, t) for t in self.targets)

    def matches(self, case: Case) -> bool:
        if self.kind is DeviationKind.CASE:
            return fnmatch.fnmatchcase(case.id, self.pattern)
        return any(fnmatch.fnmatchcase(c.id, self.pattern) for c in case.clauses)

    @property
    def label(self) -> str:
        return f"{self.kind}: {self.pattern}"

    def entry(self) -> DeviationEntry:
        return DeviationEntry(self.index, self.kind, self.pattern, self.reason, list(self.targets))


def load_deviations(path: Path) -> list[Deviation]:
    where = str(path)
    try:
        document = load_plain_file(path, where)
    except SourceError as exc:
        raise DeviationFileError(str(exc)) from None
    if document is None:
        return []
    if isinstance(document, list):
        entries: Any = document
    elif isinstance(document, dict):
        version = document.get("version", 1)
        if version != 1:
            raise DeviationFileError(f"{where}: version: expected 1, got {version!r}")
        unknown = sorted(set(document) - {"version", "deviations"})
        if unknown:
            raise DeviationFileError(
                f"{where}: {unknown[0]}: unknown key (allowed: version, deviations)"
            )
        entries = document.get("deviations") or []
    else:
        raise DeviationFileError(f"{where}: expected a mapping with a 'deviations' list")
    if not isinstance(entries, list):
        raise DeviationFileError(f"{where}: deviations: expected a list")
    return [_entry(where, i, e) for i, e in enumerate(entries)]


def _entry(where: str, index: int, entry: Any) -> Deviation:
    at = f"{where}: deviations[{index}]"
    if not isinstance(entry, dict):
        raise DeviationFileError(f"{at}: expected a mapping with case or clause, and reason")
    unknown = sorted(set(entry) - {*DeviationKind, "reason", "target", "targets"})
    if unknown:
        raise DeviationFileError(
            f"{at}.{unknown[0]}: unknown key (allowed: case, clause, reason, targets)"
        )
    kinds = [k for k in DeviationKind if k in entry]
    if len(kinds) != 1:
        raise DeviationFileError(f"{at}: give exactly one of case or clause")
    kind = kinds[0]
    pattern = entry[kind]
    if not isinstance(pattern, str) or not pattern.strip():
        raise DeviationFileError(f"{at}.{kind}: expected a non-empty string")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise DeviationFileError(f"{at}.reason: required (say why the deviation is accepted)")
    raw = entry.get("targets", entry.get("target", []))
    targets = [raw] if isinstance(raw, str) else raw
    if not isinstance(targets, list) or not all(isinstance(t, str) and t for t in targets):
        raise DeviationFileError(f"{at}.targets: expected a target label or a list of them")
    return Deviation(index, DeviationKind(kind), pattern.strip(), reason.strip(), tuple(targets))


def _state(matched: list[Case]) -> DeviationState:
    if not matched:
        return DeviationState.UNMATCHED
    if any(c.status.is_problem for c in matched):
        return DeviationState.ACTIVE
    if any(c.status is Status.PASS for c in matched):
        return DeviationState.NOW_PASSES
    return DeviationState.NOT_RUN


def apply_deviations(
    deviations: Iterable[Deviation],
    cases: list[Case],
    labels: Iterable[str],
    source: str | None = None,
) -> Deviations:
    """Mark matching failing cases (``case.expected_deviation``); return the summary block."""
    deviations = list(deviations)
    for case in cases:
        case.expected_deviation = None
        if not case.status.is_problem:
            continue
        for deviation in deviations:
            if deviation.applies_to_target(case.target) and deviation.matches(case):
                case.expected_deviation = ExpectedDeviation(
                    deviation.index, deviation.label, deviation.reason
                )
                break
    entries = []
    for deviation in deviations:
        entry = deviation.entry()
        for label in labels:
            if not deviation.applies_to_target(label):
                continue
            matched = [c for c in cases if c.target == label and deviation.matches(c)]
            entry.per_target.append(
                DeviationTarget(
                    label,
                    _state(matched),
                    [c.id for c in matched if c.status.is_problem],
                    [c.id for c in matched if c.status is Status.PASS],
                )
            )
        entries.append(entry)
    return Deviations(
        file=source,
        entries=entries,
        expected=[
            ExpectedCase(c.target, c.id, d.entry, d.match, d.reason)
            for c in cases
            if (d := c.expected_deviation) is not None
        ],
        stale=[
            StaleEntry(e.index, f"{e.kind}: {e.pattern}", t.target, t.passing)
            for e in entries
            for t in e.per_target
            if t.state is DeviationState.NOW_PASSES
        ],
        unmatched=[
            UnmatchedEntry(e.index, f"{e.kind}: {e.pattern}", t.target)
            for e in entries
            for t in e.per_target
            if t.state is DeviationState.UNMATCHED
        ],
    )
