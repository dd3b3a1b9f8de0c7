"""The closed vocabularies of records and reports, defined once.

Every one is a ``StrEnum``: a member *is* its string (``Status.PASS == "pass"``), so JSON
written from them reads exactly as before and code that compares with the plain spelling keeps
working. ``report.json``'s schema (docs/report-schema.json) lists the same values, generated
from these classes.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """The outcome of one case (see harness/results/model.py)."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    UNSUPPORTED = "unsupported"  #: the target profile declares a feature the case needs
    #: the check cannot observe the behaviour on this operation (e.g. a schemathesis check that
    #: never runs for it); never a pass. Not counted in the score.
    NOT_APPLICABLE = "not-applicable"
    #: an optional profile key the case needs is missing; listed with the key, not counted
    NOT_CONFIGURED = "not-configured"
    #: the case could not run (a prerequisite cause, such as a target that keeps no state, or
    #: an interrupted run); counted in the score, as earning nothing
    SKIPPED = "skipped"

    @property
    def is_problem(self) -> bool:
        """``fail`` and ``error``: the statuses that make a run non-conformant."""
        return self in (Status.FAIL, Status.ERROR)


#: the statuses that make a run non-conformant (``fail``, ``error``)
PROBLEMS: frozenset[Status] = frozenset({Status.FAIL, Status.ERROR})


class Strength(StrEnum):
    """How firmly the documentation says something (spec/clauses.yaml; docs/scoring.md)."""

    DOCUMENTED = "documented"
    INFERRED = "inferred"


class Verdict(StrEnum):
    """How one response field compared with the recorded answer (replay), best first."""

    EQUAL = "equal"
    NORMALISED_EQUAL = "normalised-equal"
    TYPE_ONLY = "type-only"
    MISSING = "missing"
    EXTRA = "extra"
    DIFFERENT = "different"

    @property
    def is_match(self) -> bool:
        """Equal, or equal once volatile values (SIDs, dates, ETags) are normalised."""
        return self in (Verdict.EQUAL, Verdict.NORMALISED_EQUAL)

    @property
    def is_partial(self) -> bool:
        """Same JSON type, another value."""
        return self is Verdict.TYPE_ONLY


class PhaseStatus(StrEnum):
    """What became of one phase of a run (a row of ``phases``)."""

    RAN = "ran"
    INTERRUPTED = "interrupted"
    ERROR = "error"
    UNAVAILABLE = "unavailable"
    NOT_RUN = "not-run"


class TargetKind(StrEnum):
    """How a target is reached."""

    EMBEDDED = "embedded"
    URL = "url"
    CASSETTE = "cassette"


class Operation(StrEnum):
    """The five Task operations (OpenAPI operation ids), and ``Support`` for everything else
    (Workers, Activities, Reservations, other methods)."""

    CREATE = "CreateTask"
    FETCH = "FetchTask"
    LIST = "ListTask"
    UPDATE = "UpdateTask"
    DELETE = "DeleteTask"
    SUPPORT = "Support"


class CellState(StrEnum):
    """One word for a cell of the operation x feature matrix."""

    FAIL = "fail"
    DEVIATION = "deviation"
    INCOMPLETE = "incomplete"
    PASS = "pass"
    UNSUPPORTED = "unsupported"
    NONE = "none"


class FieldState(StrEnum):
    """One word for a cell of the operation x response field matrix (replay)."""

    FAIL = "fail"
    PARTIAL = "partial"
    PASS = "pass"
    NONE = "none"


class CheckName(StrEnum):
    """The gate's checks (harness/report/gate.py, docs/ci.md)."""

    RAN = "ran"
    REACHABLE = "reachable"
    CONFORMANCE = "conformance"
    REGRESSIONS = "regressions"
    FAIL_UNDER = "fail-under"


class GateMode(StrEnum):
    """What the gate judges: conformance, or regressions against a baseline."""

    CONFORMANCE = "conformance"
    BASELINE = "baseline"


class DeviationKind(StrEnum):
    """What an expected-deviation entry matches: a case id or a clause id (globs allowed)."""

    CASE = "case"
    CLAUSE = "clause"


class DeviationState(StrEnum):
    """An expected-deviation entry on one target."""

    ACTIVE = "active"  #: it matches a failing case
    NOW_PASSES = "now-passes"  #: every case it matches passes now: time to remove it
    UNMATCHED = "unmatched"  #: it matches no case
    NOT_RUN = "not-run"  #: it matches cases that neither failed nor passed
