"""Root causes: a target's failures grouped by signature, ranked by the points they cost.

A failing case (``fail``, ``error``, or could-not-run: ``skipped`` with a ``cause``) belongs to
the causes of its signatures. A record may carry one (``CaseRecord.cause``, set by a runner:
``state.sids-reused``, ``status:CreateTask:422!=400``, ``accepted:CreateTask``,
``replay-field:FetchTask:ignore_capacity:missing``...); when it does not, one is derived from
the failure (harness/report/signatures.py): the same expectation, field and observed value or
status, whatever the case and the phase, so that one root cause seen by scenarios, fuzz and
replay is one cause. A replay case belongs to one cause per distinct field difference.

Warnings that start with ``schema (inferred): `` (a schema difference that rests on an
inferred rule, on a case that went on) form their own causes, at inferred strength, costing no
points of their own.

``points_lost`` is the weight the cause's cases lost in the score (docs/scoring.md); a case
lost to several causes counts for its first. Causes are ranked by points lost, then by cases.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from harness.report.model import Case, Cause
from harness.report.signatures import (
    INFERRED_SCHEMA_PREFIX,
    case_signatures,
    inferred_schema_signature,
    title_of,
)
from harness.results.vocab import Status, Strength

__all__ = ["INFERRED_SCHEMA_PREFIX", "build_causes", "cause_id", "is_failing"]


def cause_id(signature: str) -> str:
    """A short id that depends on the signature alone (stable across runs and targets)."""
    return "C" + hashlib.sha1(signature.encode("utf-8")).hexdigest()[:7]


def is_failing(case: Case) -> bool:
    """Failed, errored, or could not run because of a cause."""
    return case.status.is_problem or (case.status is Status.SKIPPED and bool(case.cause))


def lost_points(case: Case) -> int:
    """The weight ``case`` cost the score (0 when it is not counted or passed)."""
    return case.weight if case.counted and case.status is not Status.PASS else 0


@dataclass
class _Group:
    signature: str
    title: str
    inferred_schema: bool = False
    cases: list[Case] = field(default_factory=list)
    points: int = 0


def build_causes(cases: Iterable[Case]) -> list[Cause]:
    """The causes of one target's ``cases`` (each case's ``causes`` is set too)."""
    groups: dict[str, _Group] = {}

    def join(case: Case, signature: str, title: str, inferred: bool = False) -> None:
        group = groups.setdefault(signature, _Group(signature, title, inferred))
        if case not in group.cases:
            group.cases.append(case)
        if signature not in case.causes:
            case.causes.append(signature)

    for case in cases:
        case.causes = []
        if is_failing(case):
            for signature, title in case_signatures(case):
                join(case, signature, title)
            if case.causes:
                groups[case.causes[0]].points += lost_points(case)
        for warning in case.warnings:
            found = inferred_schema_signature(warning)
            if found is not None:
                join(case, *found, inferred=True)
    causes = [_cause(group) for group in groups.values()]
    causes.sort(key=lambda c: (-c.points_lost, c.inferred_schema, -len(c.case_ids), c.id))
    return causes


def _cause(group: _Group) -> Cause:
    cases = group.cases
    documented = any(c.effective_strength is Strength.DOCUMENTED for c in cases)
    statuses: dict[str, int] = {}
    for case in cases:
        statuses[str(case.status)] = statuses.get(str(case.status), 0) + 1
    return Cause(
        id=cause_id(group.signature),
        signature=group.signature,
        title=group.title or title_of(group.signature),
        case_ids=[c.id for c in cases],
        points_lost=group.points,
        strength=Strength.INFERRED
        if group.inferred_schema or not documented
        else Strength.DOCUMENTED,
        reproducer=next((c.curl for c in cases if c.curl), None),
        phases=list(dict.fromkeys(c.phase for c in cases)),
        statuses=statuses,
        expected_deviations=sum(1 for c in cases if c.expected_deviation is not None),
        inferred_schema=group.inferred_schema,
    )
