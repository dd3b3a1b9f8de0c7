"""The record model every runner fills in: scenarios now, fuzzing and replay later.

``fail`` means the target broke an expectation; ``error`` means the harness itself could not
run the case (a scenario bug, a refused request, a crash); ``unsupported`` means the target
profile declares a feature the case needs unsupported; ``skipped`` means the case was not run
(selection, missing profile value, interrupted run). Only ``fail`` and ``error`` make a run
non-conformant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.results.data import to_data
from harness.results.vocab import Status, Strength, Verdict

__all__ = [
    "CaseRecord",
    "ClauseRef",
    "Exchange",
    "Failure",
    "FieldVerdict",
    "RecordedRequest",
    "RecordedResponse",
    "RunMeta",
    "Status",
    "Strength",
    "Verdict",
    "conformant",
    "count_statuses",
]


@dataclass
class ClauseRef:
    """A clause a case cites (spec/clauses.yaml), with the clause's strength."""

    id: str
    strength: Strength


@dataclass
class RecordedRequest:
    """A request as sent (secrets redacted)."""

    method: str
    url: str
    headers: dict[str, str]
    body: str | None = None


@dataclass
class RecordedResponse:
    """A response as received (secrets redacted); ``body`` is parsed JSON when it was JSON."""

    status: int
    headers: dict[str, str]
    body: Any = None


@dataclass
class Exchange:
    """One HTTP request and its response (``response`` is None when none arrived)."""

    step: str
    request: RecordedRequest
    response: RecordedResponse | None = None
    duration_s: float = 0.0
    error: str | None = None


@dataclass
class Failure:
    """The first expectation a case broke: at which step, what was expected, what came."""

    step: str
    expectation: str
    expected: Any = None
    actual: Any = None
    message: str = ""


@dataclass
class FieldVerdict:
    """How one response field of one exchange compared with the recorded answer (replay).

    ``field`` is a path into the response: a body path such as ``assignment_status`` or
    ``links.reservations``, or ``status`` / ``header:ETag``. ``verdict``: see ``Verdict``.
    """

    operation: str
    field: str
    verdict: Verdict
    exchange: str | None = None
    expected: Any = None
    actual: Any = None
    detail: str | None = None  #: why it differs, e.g. "order reversed" (replay fills it)


@dataclass
class CaseRecord:
    """The result of one case (a scenario, a fuzz check, a replayed scenario)."""

    id: str
    title: str
    category: str
    phase: str
    status: Status
    duration_s: float = 0.0
    clauses: list[ClauseRef] = field(default_factory=list)
    strength: Strength = Strength.DOCUMENTED
    tags: list[str] = field(default_factory=list)
    source: str | None = None
    note: str | None = None
    reason: str | None = None
    failure: Failure | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    exchange_count: int = 0
    curl: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: Per-field verdicts (replay); empty for runners that do not compare field by field.
    fields: list[FieldVerdict] = field(default_factory=list)
    #: The root-cause signature when the runner knows it (e.g. ``state.not-kept``,
    #: ``status:UpdateTask:422!=400``); the report groups failures by it (harness/report/causes)
    #: and derives one from ``failure`` when it is None.
    cause: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = to_data(self)
        return data


@dataclass
class RunMeta:
    """How one target's run went: ids, times, phases, faults, cleanup, warnings."""

    run_id: str
    run_tag: str
    target: str
    harness_version: str
    started_at: str
    finished_at: str | None = None
    duration_s: float = 0.0
    phases: list[str] = field(default_factory=lambda: ["scenarios"])
    profile: str | None = None
    faults: list[str] = field(default_factory=list)
    spec: str | None = None
    interrupted: bool = False
    cleanup: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = to_data(self)
        return data


def count_statuses(records: list[CaseRecord]) -> dict[str, int]:
    counts = {str(s): 0 for s in Status}
    for record in records:
        counts[str(record.status)] += 1
    return counts


def conformant(records: list[CaseRecord]) -> bool:
    """True when no case failed and none errored."""
    return not any(r.status.is_problem for r in records)
