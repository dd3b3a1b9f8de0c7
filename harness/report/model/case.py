"""The cases of the report: one record per case and target, and the clauses they cite."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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
class CutBody:
    """A body of a kept exchange that the report cut (``size``: its length before, in
    characters of its JSON text)."""

    exchange: Count
    part: Literal["request", "response"]
    size: Count


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
    #: the signatures of the causes it belongs to, first first (harness/report/causes.py)
    causes: list[str] = field(default_factory=list)
    #: exchanges the report did not keep (it keeps the failing one and its neighbours)
    exchanges_dropped: Count = 0
    #: replay field verdicts that matched, counted in the field matrix and not kept here
    fields_dropped: Count = 0
    #: bodies of kept exchanges cut to bound report.json, with their sizes before
    cut: list[CutBody] = field(default_factory=list)

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
    #: the public page (with its anchor) the clause cites
    url: str | None = None
