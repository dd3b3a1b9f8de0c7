"""The parity matrices of report.html: operation x feature, operation x response field."""

from __future__ import annotations

from harness.report.matrix import cell_text
from harness.report.model import Target
from harness.reporters.html.common import e
from harness.results.vocab import FieldState, Verdict

FIELD_MARK = {
    FieldState.PASS: "=",
    FieldState.PARTIAL: "≈",
    FieldState.FAIL: "≠",
    FieldState.NONE: "",
}
#: case ids listed in a cell's tooltip
MAX_TIP_IDS = 30


def matrix_html(target: Target, several: bool) -> str:
    matrix = target.matrix
    head = "".join(f"<th>{e(c)}</th>" for c in matrix.columns)
    rows = []
    for row in matrix.rows:
        cells = []
        for column in matrix.columns:
            c = matrix.cells[row][column]
            if not c.cases:
                cells.append('<td class="st-none"></td>')
                continue
            text = cell_text(c)
            if c.expected:
                text += f" ({c.expected} exp.)"
            tip = (
                f"{row} × {column}: {c.passed} pass, {c.fail} fail, {c.error} error, "
                f"{c.skipped} could not run, {c.unsupported} unsupported, "
                f"{c.not_applicable} not applicable, {c.not_configured} not configured, "
                f"{c.expected} expected deviation(s)\n" + "\n".join(c.ids[:MAX_TIP_IDS])
            )
            cells.append(
                f'<td class="has st-{e(c.state)}" title="{e(tip)}" data-op="{e(row)}" '
                f'data-feature="{e(column)}" data-target="{e(target.label if several else "")}">'
                f"{e(text)}</td>"
            )
        rows.append(f"<tr><th>{e(row)}</th>{''.join(cells)}</tr>")
    caption = f"<h3>{e(target.label)}</h3>" if several else ""
    return (
        f'{caption}<table class="matrix"><tr><th>operation \\ feature</th>{head}</tr>'
        f"{''.join(rows)}</table>"
    )


def field_matrix_html(target: Target, several: bool) -> str:
    fm = target.field_matrix
    if not fm:
        return ""
    head = "".join(f"<th><code>{e(c)}</code></th>" for c in fm.columns)
    rows = []
    for row in fm.rows:
        cells = []
        for column in fm.columns:
            c = fm.cell(row, column)
            counts = ", ".join(f"{v} {n}" for v in Verdict if (n := c.count(v)))
            if c.state in (FieldState.NONE, FieldState.PASS):
                # nothing to list: the cases keep their differences only
                cells.append(
                    f'<td class="st-{e(c.state)}" title="{e(counts)}">{FIELD_MARK[c.state]}</td>'
                )
                continue
            cells.append(
                f'<td class="has st-{e(c.state)}" title="{e(counts)}" data-op="{e(row)}" '
                f'data-field="{e(column)}" data-target="{e(target.label if several else "")}">'
                f"{FIELD_MARK[c.state]}</td>"
            )
        rows.append(f"<tr><th>{e(row)}</th>{''.join(cells)}</tr>")
    caption = f"<h3>{e(target.label)}</h3>" if several else ""
    # the field matrix is wide (one column per response field): it scrolls inside its box
    return (
        f'{caption}<div class="scrollbox"><table class="matrix fields">'
        f"<tr><th>operation \\ field</th>{head}</tr>{''.join(rows)}</table></div>"
    )
