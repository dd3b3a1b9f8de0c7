"""Blocks that compare: targets side by side, expected deviations, the baseline."""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.report.model.base import Count
from harness.results.vocab import DeviationKind, DeviationState, Status


@dataclass
class ComparisonRow:
    """One case on every target (None: not run there)."""

    id: str
    phase: str
    title: str
    statuses: dict[str, Status | None]
    expected: dict[str, bool] = field(default_factory=dict)
    differs: bool = False


@dataclass
class Comparison:
    """Case x target, with several targets."""

    targets: list[str]
    rows: list[ComparisonRow]
    differing: Count


@dataclass
class DeviationTarget:
    """An expected-deviation entry on one target."""

    target: str
    state: DeviationState
    failing: list[str]
    passing: list[str]


@dataclass
class DeviationEntry:
    """One entry of the deviations file, and what it matched per target."""

    index: int
    kind: DeviationKind
    pattern: str
    reason: str
    targets: list[str]
    per_target: list[DeviationTarget] = field(default_factory=list)


@dataclass
class ExpectedCase:
    """A failing case that an entry accepts."""

    target: str
    id: str
    entry: int
    match: str
    reason: str


@dataclass
class StaleEntry:
    """An entry whose matching cases all pass now on a target: time to remove it."""

    entry: int
    match: str
    target: str
    passing: list[str]


@dataclass
class UnmatchedEntry:
    """An entry that matched no case on a target."""

    entry: int
    match: str
    target: str


@dataclass
class Deviations:
    """Expected deviations (``--expect-deviations FILE``)."""

    file: str | None
    entries: list[DeviationEntry]
    expected: list[ExpectedCase]
    stale: list[StaleEntry]
    unmatched: list[UnmatchedEntry]


@dataclass
class Removal:
    """A case of the first report that the second one lacks (``after`` is None)."""

    id: str
    phase: str
    before: Status | None
    after: Status | None


@dataclass
class Change(Removal):
    """A case whose status changed between two reports (None: absent), and why it fails."""

    message: str = ""


@dataclass
class TargetDiff:
    """What changed on one pair of targets (harness/report/diff.py)."""

    target: str | None
    target_before: str | None
    target_after: str | None
    score_before: float | None
    score_after: float | None
    score_delta: float | None
    new_failures: list[Change] = field(default_factory=list)
    regressions: list[Change] = field(default_factory=list)
    fixes: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    added: list[Change] = field(default_factory=list)
    removed: list[Removal] = field(default_factory=list)


@dataclass
class Baseline:
    """The comparison with ``--baseline REPORT``."""

    file: str | None
    run_id: str | None
    targets: list[TargetDiff]
    regressions: Count
    new_failures: Count
    fixes: Count
