"""Parity matrices: operation x feature category, and operation x response field (replay).

A case lands in one feature column: its category when that is a feature, else its first tag
that is one, else the most common category of the clauses it cites, else its own category
(an extra column). It lands in every operation row it touched, with the status it has there
(``operations.case_operations``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from harness.report.model import Case, Cell, Clause, FieldCell, FieldMatrix, Matrix
from harness.report.operations import ROWS, SUPPORT
from harness.results.vocab import CellState, FieldState, Verdict

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
    "events",
    "fuzz",
    "replay",
)
#: phases whose cases form their own feature column
PHASE_FEATURES = frozenset({"fuzz", "replay"})


def feature_of(case: Case, clauses: Mapping[str, Clause]) -> str:
    if case.phase in PHASE_FEATURES:
        return case.phase
    if case.category in FEATURES:
        return case.category
    for tag in case.tags:
        if tag in FEATURES:
            return tag
    counts = Counter(
        clauses[c.id].category
        for c in case.clauses
        if c.id in clauses and clauses[c.id].category in FEATURES
    )
    if counts:
        return str(counts.most_common(1)[0][0])
    return case.category or "other"


def cell_text(cell: Cell) -> str:
    """What a cell shows: passed/counted, or why nothing in it counts."""
    if cell.counted:
        return f"{cell.passed}/{cell.counted}"
    if cell.unsupported:
        return "unsup."
    if cell.not_configured:
        return "not conf."
    return "n/a"


def cell_state(cell: Cell) -> CellState:
    """One word for a cell: fail, deviation, incomplete, pass, unsupported or none. Only
    ``pass`` cases make a cell ``pass``: one that holds only not-applicable, not-configured
    or could-not-run cases never does."""
    if cell.fail + cell.error > cell.expected:
        return CellState.FAIL
    if cell.expected:
        return CellState.DEVIATION
    if cell.skipped:
        return CellState.INCOMPLETE
    if cell.passed:
        return CellState.PASS
    if cell.unsupported:
        return CellState.UNSUPPORTED
    return CellState.NONE


def feature_matrix(cases: Iterable[Case]) -> Matrix:
    """Operation x feature: per cell, the cases of that feature on that operation."""
    cases = list(cases)
    extra = sorted({c.feature for c in cases} - set(FEATURES))
    columns = [*FEATURES, *extra]
    cells: dict[str, dict[str, Cell]] = {row: {col: Cell() for col in columns} for row in ROWS}
    for case in cases:
        for item in case.operations:
            row = item.operation if item.operation in cells else SUPPORT
            cell = cells[row][case.feature]
            cell.add(item.status)
            cell.cases += 1
            cell.ids.append(case.id)
            if item.status.is_problem and case.expected_deviation is not None:
                cell.expected += 1
    for by_column in cells.values():
        for cell in by_column.values():
            cell.state = cell_state(cell)
    rows = [r for r in ROWS if r != SUPPORT or any(c.cases for c in cells[r].values())]
    return Matrix(rows=list(rows), columns=columns, cells={r: cells[r] for r in rows})


def field_state(cell: FieldCell) -> FieldState:
    if any(cell.count(v) for v in Verdict if not (v.is_match or v.is_partial)):
        return FieldState.FAIL
    if any(cell.count(v) for v in Verdict if v.is_partial):
        return FieldState.PARTIAL
    if any(cell.count(v) for v in Verdict if v.is_match):
        return FieldState.PASS
    return FieldState.NONE


def _verdict(value: str) -> Verdict:
    try:
        return Verdict(value)
    except ValueError:
        return Verdict.DIFFERENT


def matrix_rows(cells: Iterable[str]) -> list[str]:
    """Rows of the field matrix: the Task operations in their order, then the others sorted."""
    present = set(cells)
    return [r for r in ROWS if r in present] + sorted(present - set(ROWS))


def field_matrix(cases: Iterable[Case]) -> FieldMatrix | None:
    """Operation x response field from replay's per-field verdicts; None when there are none."""
    cells: dict[str, dict[str, FieldCell]] = {}
    fields: list[str] = []
    for case in cases:
        for verdict in case.fields:
            op, name = verdict.operation or SUPPORT, verdict.field
            if name not in fields:
                fields.append(name)
            cells.setdefault(op, {}).setdefault(name, FieldCell()).add(_verdict(verdict.verdict))
    if not cells:
        return None
    rows = matrix_rows(cells)
    # columns in name order: the same whichever cases (or shards) met a field first
    fields = sorted(fields)
    out: dict[str, dict[str, FieldCell]] = {}
    for row in rows:
        # only the fields the operation was compared on: an empty cell is left out
        out[row] = {}
        for name in fields:
            cell = cells[row].get(name)
            if cell is not None:
                cell.state = field_state(cell)
                out[row][name] = cell
    return FieldMatrix(rows=rows, columns=fields, cells=out)
