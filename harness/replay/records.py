"""The replay's result records: ``CaseRecord``s (phase ``replay``) with ``FieldVerdict`` rows.

One row per (operation, field, verdict) of a recorded scenario (list items folded as
``tasks[].sid``), naming the first exchange it occurred in::

    FieldVerdict(operation="UpdateTask", field="header:ETag", verdict="different",
                 exchange="#9 update with the current ETag (+1 more)",
                 expected="<etag:task:2#2>", actual="<etag:task:2#1>")

``exchange`` is ``#<index in the cassette> <step name>``, plus ``(+N more)`` when the same
operation, field and verdict occurred in N more exchanges of the scenario; ``expected`` (the
recording) and ``actual`` (the candidate) are filled only when the verdict is not a match, to
keep ``report.json`` small; a ``detail`` sentence is added when the model offers the field.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Any

from harness.results.model import CaseRecord, FieldVerdict

PHASE = "replay"
CATEGORY = "replay"
ReplayRecord = CaseRecord
_HAS_DETAIL = "detail" in {f.name for f in dataclasses.fields(FieldVerdict)}


def field_verdict(
    operation: str,
    field: str,
    verdict: str,
    exchange: str,
    expected: Any = None,
    actual: Any = None,
    detail: str = "",
) -> FieldVerdict:
    extra: dict[str, Any] = {"detail": detail} if _HAS_DETAIL and detail else {}
    return FieldVerdict(operation, field, verdict, exchange, expected, actual, **extra)


def field_matrix(records: list[Any]) -> dict[str, dict[str, dict[str, int]]]:
    """operation -> field -> verdict -> count over replay records (objects or dicts)."""
    matrix: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for record in records:
        rows = record.get("fields") if isinstance(record, dict) else record.fields
        for row in rows or []:
            row = row if isinstance(row, dict) else dataclasses.asdict(row)
            matrix[row["operation"]][row["field"]][row["verdict"]] += 1
    return {op: {f: dict(v) for f, v in fields.items()} for op, fields in matrix.items()}
