"""The cases of the report: one record per case and target, and the clauses they cite."""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.report.model.base import Count
from harness.results.model import CaseRecord
from harness.results.vocab import Status, Strength


@dataclass
class CaseOperation:
    """An operation a case exercised, and the status the case has there."""

    operation: str
    status: Status


@dataclass
class ExpectedDeviation:
    """The deviations-file entry that accepts a failing case."""

    entry: int
    match: str
    reason: str


@dataclass
class Case(CaseRecord):
    """A case record on one target, with what the report derives from it."""

    target: str = ""
    operations: list[CaseOperation] = field(default_factory=list)
    expected_deviation: ExpectedDeviation | None = None
    feature: str = ""
    effective_strength: Strength = Strength.DOCUMENTED
    weight: Count = 0
    counted: bool = False

    @property
    def key(self) -> tuple[str, str]:
        """A case is identified by its phase and id (on one target)."""
        return (self.phase, self.id)

    @property
    def unexpected(self) -> bool:
        """Failed or errored, and not an expected deviation: what fails the gate."""
        return self.status.is_problem and self.expected_deviation is None


@dataclass
class Clause:
    """A cited clause of spec/clauses.yaml (all None when the registry lacks it)."""

    quote: str | None = None
    section: str | None = None
    strength: Strength | None = None
    category: str | None = None
    source: str | None = None
    assumption: str | None = None
