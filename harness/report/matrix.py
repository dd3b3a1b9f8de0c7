"""Parity matrices: operation x feature category, and operation x response field (replay).

A case lands in one feature column: its category when that is a feature, else its first tag
that is one, else the most common category of the clauses it cites, else its own category
(an extra column). It lands in every operation row it touched, with the status it has there
(``operations.case_operations``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from harness.report.operations import ROWS

FEATURES = (
    "lifecycle",
    "filtering",
    "ordering",
    "paging",
    "etag",
    "validation",
    "auth",
    "retention",
    "workforce",
    "fuzz",
    "replay",
)
STATUSES = ("pass", "fail", "error", "unsupported", "skipped")
#: Field verdicts of replay, from best to worst.
FIELD_VERDICTS = ("equal", "normalised-equal", "type-only", "missing", "extra", "different")
FIELD_OK = frozenset({"equal", "normalised-equal"})
FIELD_PARTIAL = frozenset({"type-only"})


def feature_of(case: Mapping[str, Any], clauses: Mapping[str, Mapping[str, Any]]) -> str:
    if case.get("phase") in ("fuzz", "replay"):
        return str(case["phase"])
    category = str(case.get("category") or "")
    if category in FEATURES:
        return category
    for tag in case.get("tags") or []:
        if tag in FEATURES:
            return str(tag)
    counts = Counter(
        clauses[c["id"]]["category"]
        for c in case.get("clauses") or []
        if c["id"] in clauses and clauses[c["id"]].get("category") in FEATURES
    )
    if counts:
        return counts.most_common(1)[0][0]
    return category or "other"


def cell_state(cell: Mapping[str, int]) -> str:
    """One word for a cell: fail, deviation, incomplete, pass, unsupported or none."""
    if cell["fail"] + cell["error"] > cell["expected"]:
        return "fail"
    if cell["expected"]:
        return "deviation"
    if cell["skipped"]:
        return "incomplete"
    if cell["pass"]:
        return "pass"
    if cell["unsupported"]:
        return "unsupported"
    return "none"


def _empty() -> dict[str, Any]:
    return {**{s: 0 for s in STATUSES}, "expected": 0, "cases": 0, "ids": []}


def feature_matrix(cases: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """``{"rows": [...], "columns": [...], "cells": {row: {column: cell}}}``."""
    cases = list(cases)
    extra = sorted({c["feature"] for c in cases} - set(FEATURES))
    columns = [*FEATURES, *extra]
    cells = {row: {col: _empty() for col in columns} for row in ROWS}
    for case in cases:
        for item in case.get("operations") or []:
            row = item["operation"] if item["operation"] in cells else ROWS[-1]
            cell = cells[row][case["feature"]]
            cell[item["status"]] += 1
            cell["cases"] += 1
            cell["ids"].append(case["id"])
            if item["status"] in ("fail", "error") and case.get("expected_deviation"):
                cell["expected"] += 1
    for row in cells.values():
        for cell in row.values():
            cell["state"] = cell_state(cell)
    rows = [r for r in ROWS if r != ROWS[-1] or any(c["cases"] for c in cells[r].values())]
    return {"rows": rows, "columns": columns, "cells": {r: cells[r] for r in rows}}


def field_state(cell: Mapping[str, int]) -> str:
    bad = sum(cell.get(v, 0) for v in FIELD_VERDICTS if v not in FIELD_OK | FIELD_PARTIAL)
    if bad:
        return "fail"
    if any(cell.get(v, 0) for v in FIELD_PARTIAL):
        return "partial"
    if any(cell.get(v, 0) for v in FIELD_OK):
        return "pass"
    return "none"


def field_matrix(cases: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Operation x response field from replay's per-field verdicts; None when there are none."""
    cells: dict[str, dict[str, dict[str, int]]] = {}
    fields: list[str] = []
    for case in cases:
        for verdict in case.get("fields") or []:
            op, name = verdict.get("operation") or ROWS[-1], verdict["field"]
            if name not in fields:
                fields.append(name)
            cell = cells.setdefault(op, {}).setdefault(name, {v: 0 for v in FIELD_VERDICTS})
            key = verdict["verdict"] if verdict["verdict"] in FIELD_VERDICTS else "different"
            cell[key] += 1
    if not cells:
        return None
    rows = [r for r in ROWS if r in cells] + sorted(set(cells) - set(ROWS))
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        out[row] = {}
        for name in fields:
            cell = dict(cells[row].get(name) or {v: 0 for v in FIELD_VERDICTS})
            cell["state"] = field_state(cell)  # type: ignore[assignment]
            out[row][name] = cell
    return {"rows": rows, "columns": fields, "cells": out}
