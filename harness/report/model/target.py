"""One target's blocks: counts, score, parity matrices, gate, and the target itself."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from harness.exitcodes import ExitCode
from harness.report.model.base import CLOSED, Count
from harness.report.model.cause import Cause
from harness.report.model.run import TargetPhase
from harness.results.vocab import (
    CellState,
    CheckName,
    FieldState,
    GateMode,
    Status,
    Strength,
    TargetKind,
    Verdict,
)

if TYPE_CHECKING:
    from harness.report.model.case import Case


def status_attribute(status: Status) -> str:
    """The attribute of ``Counts``/``Cell`` that tallies ``status`` (``pass`` is ``passed``,
    hyphens become underscores)."""
    return "passed" if status is Status.PASS else str(status).replace("-", "_")


@dataclass
class Counts:
    """Cases per status on one target, and how many failures are expected deviations."""

    __pydantic_config__ = CLOSED
    passed: Annotated[Count, Field(alias="pass")] = 0
    fail: Count = 0
    error: Count = 0
    unsupported: Count = 0
    not_applicable: Annotated[Count, Field(alias="not-applicable")] = 0
    not_configured: Annotated[Count, Field(alias="not-configured")] = 0
    skipped: Count = 0
    expected_deviation: Count = 0

    def of(self, status: Status) -> int:
        value: int = getattr(self, status_attribute(status))
        return value

    @classmethod
    def tally(cls, cases: Iterable[Case]) -> Counts:
        counts = cls()
        for case in cases:
            name = status_attribute(case.status)
            setattr(counts, name, getattr(counts, name) + 1)
            if case.expected_deviation is not None:
                counts.expected_deviation += 1
        return counts


@dataclass
class StrengthTally:
    """Weighted points of the cases of one strength."""

    earned: Count = 0
    possible: Count = 0
    cases: Count = 0


@dataclass
class LostCase:
    """A counted case that earned nothing, and the weight it cost."""

    id: str
    status: Status
    weight: int


@dataclass
class Score:
    """The conformance score of one target (formula: docs/scoring.md)."""

    __pydantic_config__ = CLOSED
    value: Annotated[float | None, Field(ge=0, le=100)] = None
    display: str = "n/a"
    earned: Count = 0
    possible: Count = 0
    counted: Count = 0
    passed: Count = 0
    failed: Count = 0
    errors: Count = 0
    could_not_run: Count = 0
    unsupported: Count = 0
    not_applicable: Count = 0
    not_configured: Count = 0
    excluded: Count = 0
    expected_deviations: Count = 0
    weights: dict[Strength, int] = field(default_factory=dict)
    #: the weight of a replay case, whatever its strength (replay re-runs the library's
    #: recordings: docs/scoring.md)
    replay_weight: Count = 0
    by_strength: dict[Strength, StrengthTally] = field(default_factory=dict)
    lost: list[LostCase] = field(default_factory=list)
    formula: str = ""


@dataclass
class Cell:
    """Cases of one operation x feature cell, per status."""

    passed: Annotated[Count, Field(alias="pass")] = 0
    fail: Count = 0
    error: Count = 0
    unsupported: Count = 0
    not_applicable: Annotated[Count, Field(alias="not-applicable")] = 0
    not_configured: Annotated[Count, Field(alias="not-configured")] = 0
    skipped: Count = 0
    expected: Count = 0
    cases: Count = 0
    ids: list[str] = field(default_factory=list)
    state: CellState = CellState.NONE

    @property
    def counted(self) -> int:
        """Cases that count for the score: pass, fail, error, could not run."""
        return self.passed + self.fail + self.error + self.skipped

    def add(self, status: Status) -> None:
        name = status_attribute(status)
        setattr(self, name, getattr(self, name) + 1)


@dataclass
class Matrix:
    """Operation (rows) x feature (columns) parity matrix."""

    rows: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    cells: dict[str, dict[str, Cell]] = field(default_factory=dict)


@dataclass
class FieldCell:
    """Replay verdicts of one operation x response field cell."""

    equal: Count = 0
    normalised_equal: Annotated[Count, Field(alias="normalised-equal")] = 0
    type_only: Annotated[Count, Field(alias="type-only")] = 0
    missing: Count = 0
    extra: Count = 0
    different: Count = 0
    state: FieldState = FieldState.NONE

    def count(self, verdict: Verdict) -> int:
        value: int = getattr(self, verdict.name.lower())
        return value

    def add(self, verdict: Verdict) -> None:
        name = verdict.name.lower()
        setattr(self, name, getattr(self, name) + 1)


@dataclass
class FieldMatrix:
    """Operation (rows) x response field (columns), from replay's per-field verdicts.
    ``cells[row]`` holds only the fields that operation was compared on (a missing cell is
    empty: ``cell()``)."""

    rows: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    cells: dict[str, dict[str, FieldCell]] = field(default_factory=dict)

    def cell(self, row: str, column: str) -> FieldCell:
        """The cell of ``row`` x ``column`` (an empty one when the operation had no such
        field)."""
        return self.cells.get(row, {}).get(column) or FieldCell()


@dataclass
class GateCheck:
    """One check of the gate on one target."""

    name: CheckName
    passed: bool
    detail: str


@dataclass
class TargetGate:
    """The gate on one target: every check must pass."""

    passed: bool = False
    checks: list[GateCheck] = field(default_factory=list)


@dataclass
class Gate:
    """The run's gate: passed when every target's passed (docs/ci.md)."""

    passed: bool
    exit_code: ExitCode
    mode: GateMode
    fail_under: float | None
    failed_checks: list[str]
    summary: str


@dataclass
class Target:
    """One target: how it was reached, its phases, counts, score, matrices and gate."""

    label: str
    spec: str
    kind: TargetKind = TargetKind.EMBEDDED
    base_url: str | None = None
    faults: list[str] = field(default_factory=list)
    profile: str | None = None
    reachable: bool = True
    error: str | None = None
    run_tag: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    duration_s: float = 0.0
    interrupted: bool = False
    cleanup: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seed: int | None = None
    phases: list[TargetPhase] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    score: Score = field(default_factory=Score)
    matrix: Matrix = field(default_factory=Matrix)
    field_matrix: FieldMatrix | None = None
    gate: TargetGate = field(default_factory=TargetGate)
    #: root causes of its failures, ranked by points lost (harness/report/causes.py)
    causes: list[Cause] = field(default_factory=list)
