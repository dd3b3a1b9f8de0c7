"""Root causes: failures grouped by signature, ranked by the points they cost (one target)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from pydantic import Field

from harness.report.model.base import Count
from harness.results.vocab import Strength


@dataclass
class Cause:
    """One root cause on one target: the cases that broke the same expectation the same way
    (same field, observed value or status), across cases and phases (harness/report/causes.py).
    """

    id: Annotated[str, Field(description="Stable: derived from the signature alone.")]
    signature: Annotated[
        str,
        Field(
            description="What groups the cases: the runner's CaseRecord.cause, or one derived "
            "from the failure (e.g. status:CreateTask:422!=400, field:links.task_queue:missing)."
        ),
    ]
    title: str
    case_ids: list[str] = field(default_factory=list)
    points_lost: Annotated[
        Count,
        Field(
            description="Sum of the score weights its cases lost; a case lost to several "
            "causes counts for its first."
        ),
    ] = 0
    strength: Strength = Strength.DOCUMENTED
    reproducer: Annotated[
        str | None, Field(description="The curl command of its first case that has one.")
    ] = None
    phases: list[str] = field(default_factory=list)
    statuses: dict[str, Count] = field(default_factory=dict)
    expected_deviations: Count = 0
    #: inferred schema differences: reported, costing no points of their own
    inferred_schema: bool = False
