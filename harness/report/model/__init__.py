"""The typed report model: one ``Report`` per run, exactly what ``report.json`` holds.

Records in (``harness.results``), a ``Report`` out (``harness.report.document.build_report``);
every reporter (report.json, report.md, report.html, junit.xml, badge.svg, the terminal
summary) reads this model, and ``load_report`` gives it back from a file, validated. The JSON
Schema of ``report.json`` (docs/report-schema.json) is generated from these classes
(``python -m harness.report.schema``).

The classes are plain dataclasses; pydantic reads them for validation and the schema only.
JSON field names are the attribute names, except where an ``Annotated[..., Field(alias=...)]``
names a JSON key that is no Python name (``pass``, ``normalised-equal``). Versioning:
``SCHEMA_VERSION`` is bumped when a field is removed, renamed or changes meaning; new fields do
not bump it, and readers ignore fields they do not know.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

from harness.report.model.base import CLOSED, FORMAT, REDACTED, SCHEMA_VERSION, Count
from harness.report.model.case import Case, CaseOperation, Clause, CutBody, ExpectedDeviation
from harness.report.model.cause import Cause
from harness.report.model.compare import (
    Baseline,
    Change,
    Comparison,
    ComparisonRow,
    DeviationEntry,
    Deviations,
    DeviationTarget,
    ExpectedCase,
    Removal,
    StaleEntry,
    TargetDiff,
    UnmatchedEntry,
)
from harness.report.model.run import (
    HarnessInfo,
    PhaseRow,
    RunConfig,
    RunInfo,
    Selection,
    TargetPhase,
)
from harness.report.model.target import (
    Cell,
    Counts,
    FieldCell,
    FieldMatrix,
    Gate,
    GateCheck,
    LostCase,
    Matrix,
    Score,
    StrengthTally,
    Target,
    TargetGate,
)
from harness.results.data import to_data

__all__ = [
    "FORMAT",
    "REDACTED",
    "SCHEMA_VERSION",
    "Baseline",
    "Case",
    "CaseOperation",
    "Cause",
    "Cell",
    "Change",
    "Clause",
    "Comparison",
    "ComparisonRow",
    "Count",
    "Counts",
    "CutBody",
    "DeviationEntry",
    "DeviationTarget",
    "Deviations",
    "ExpectedCase",
    "ExpectedDeviation",
    "FieldCell",
    "FieldMatrix",
    "Gate",
    "GateCheck",
    "HarnessInfo",
    "LostCase",
    "Matrix",
    "PhaseRow",
    "Removal",
    "Report",
    "RunConfig",
    "RunInfo",
    "Score",
    "Selection",
    "StaleEntry",
    "StrengthTally",
    "Target",
    "TargetDiff",
    "TargetGate",
    "TargetPhase",
    "UnmatchedEntry",
    "adapter",
    "report_data",
]


@dataclass
class Report:
    """One document per ``trc run``: configuration (redacted), targets, every case with its
    clauses and evidence, per-target score, parity matrices and gate. Formula of the score:
    docs/scoring.md. Gate and exit codes: docs/ci.md."""

    __pydantic_config__ = CLOSED
    format: Literal["trc-report"]
    schema_version: Literal[1]
    harness: HarnessInfo
    run: RunInfo
    config: RunConfig
    seed: Annotated[int | None, Field(description="The fuzz seed used (null: no fuzz phase).")]
    phases: list[PhaseRow]
    selection: Selection
    targets: list[Target]
    cases: list[Case]
    clauses: dict[str, Clause]
    warnings: list[str]
    deviations: Deviations | None
    baseline: Baseline | None
    gate: Gate
    score: Annotated[Score, Field(description="The first target's score (also the badge's).")]
    comparison: Comparison | None

    def cases_of(self, label: str) -> list[Case]:
        return [c for c in self.cases if c.target == label]

    def target(self, label: str | None) -> Target | None:
        return next((t for t in self.targets if t.label == label), None)

    @property
    def several(self) -> bool:
        """More than one target: reporters name the target of every case."""
        return len(self.targets) > 1

    @property
    def title(self) -> str:
        return ", ".join(t.label for t in self.targets) or "(no target)"

    @property
    def unexpected(self) -> list[Case]:
        """Failed or errored cases that no expected deviation accepts."""
        return [c for c in self.cases if c.unexpected]


@functools.cache
def adapter() -> TypeAdapter[Report]:
    """pydantic's view of ``Report`` (validation and JSON Schema); built once, on demand."""
    return TypeAdapter(Report)


def report_data(report: Report) -> dict[str, Any]:
    """``report`` as JSON data, exactly as report.json holds it."""
    data: dict[str, Any] = to_data(report)
    return data
