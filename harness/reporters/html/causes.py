"""report.html's "Fix these first" (root causes ranked by points lost) and the not-configured
cases with the profile keys they need."""

from __future__ import annotations

from harness.report.model import Report
from harness.reporters.causes_text import TOP, cause_facts
from harness.reporters.html.common import e
from harness.results.vocab import Status

#: causes shown open in the table before the rest fold away
MAX_IDS = 12


def causes_html(report: Report) -> str:
    """One table per target with causes: rank, id, title, cases, points, strength; a row's
    button lists its cases below."""
    parts = []
    for t in report.targets:
        if not t.causes:
            continue
        rows = []
        for rank, cause in enumerate(t.causes, 1):
            ids = " ".join(cause.case_ids)
            first = ", ".join(cause.case_ids[:MAX_IDS])
            more = len(cause.case_ids) - MAX_IDS
            listed = e(first) + (f" and {more} more" if more > 0 else "")
            hidden = " hidden" if rank > TOP else ""
            repro = (
                f'<details><summary>reproduce</summary><pre class="curl">{e(cause.reproducer)}'
                "</pre></details>"
                if cause.reproducer
                else ""
            )
            rows.append(
                f'<tr class="cause"{hidden} data-cause="{e(cause.id)}" '
                f'data-target="{e(t.label if report.several else "")}">'
                f"<td class='num'>{rank}</td><td><code>{e(cause.id)}</code></td>"
                f"<td><b>{e(cause.title)}</b><div class='muted'>{e(cause_facts(cause))}</div>"
                f"<div class='muted ids' title='{e(ids)}'>{listed}</div>{repro}</td>"
                f"<td class='num'>{len(cause.case_ids)}</td>"
                f"<td class='num'>{cause.points_lost}</td><td>{e(cause.strength)}</td>"
                '<td><button type="button" class="show-cause">show cases</button></td></tr>'
            )
        more = len(t.causes) - TOP
        toggle = (
            f'<button type="button" id="more-causes">show {more} more cause(s)</button>'
            if more > 0
            else ""
        )
        caption = f"<h3>{e(t.label)}</h3>" if report.several else ""
        parts.append(
            f"{caption}<table class='causes'><tr><th>#</th><th>cause</th><th>what</th>"
            "<th>cases</th><th>points lost</th><th>strength</th><th></th></tr>"
            f"{''.join(rows)}</table>{toggle}"
        )
    if not parts:
        return ""
    return (
        '<h2 id="causes">Fix these first</h2><p class="muted">The failures grouped by root '
        "cause (same expectation, field and observed value or status, across cases and "
        "phases), ranked by the score points they cost; a case lost to several causes counts "
        "for its first.</p>" + "".join(parts)
    )


def not_configured_html(report: Report) -> str:
    missing = [c for c in report.cases if c.status is Status.NOT_CONFIGURED]
    if not missing:
        return ""
    items = "".join(
        f"<li><code>{e(c.id)}</code>{' @ ' + e(c.target) if report.several else ''}: "
        f"{e(c.reason or 'a profile key is missing')}</li>"
        for c in missing
    )
    return (
        f'<h2 id="not-configured">Not configured ({len(missing)})</h2>'
        '<p class="muted">Left out of the score: add these keys to the target profile to run '
        f"them.</p><ul>{items}</ul>"
    )
