"""Runner-agnostic result records (one per case) and the helpers that make them safe to share."""

from harness.results.model import (
    CaseRecord,
    ClauseRef,
    Exchange,
    Failure,
    FieldVerdict,
    RecordedRequest,
    RecordedResponse,
    RunMeta,
)
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
]
