"""The run-level sections of report.html: targets, side by side, deviations, baseline."""

from __future__ import annotations

from harness.report.model import Baseline, Comparison, Deviations, Removal, Report
from harness.reporters.html.common import EXPECTED, e


def targets_html(report: Report) -> str:
    rows = []
    for t in report.targets:
        c = t.counts
        checks = "<br>".join(
            f"{'✔' if ch.passed else '✘'} <b>{e(ch.name)}</b>: {e(ch.detail)}"
            for ch in t.gate.checks
        )
        where = e(t.base_url or "")
        faults = f"<br>faults: {e(', '.join(t.faults))}" if t.faults else ""
        unreachable = (
            f'<br><span class="pill fail">unreachable</span> {e(t.error)}'
            if not t.reachable
            else ""
        )
        rows.append(
            f"<tr><td><b>{e(t.label)}</b><br><span class='muted'>{e(t.spec)} {where}"
            f"{faults}</span>{unreachable}</td>"
            f"<td class='num'><b>{e(t.score.display)}</b><br><span class='muted'>"
            f"{e(t.score.earned)}/{e(t.score.possible)}</span></td>"
            f"<td class='num'>{c.passed}</td><td class='num'>{c.fail}</td>"
            f"<td class='num'>{c.error}</td><td class='num'>{c.skipped}</td>"
            f"<td class='num'>{c.unsupported}</td><td class='num'>{c.expected_deviation}</td>"
            f"<td class='{'st-pass' if t.gate.passed else 'st-fail'}'>{checks}</td></tr>"
        )
    return (
        "<table><tr><th>target</th><th>score</th><th>pass</th><th>fail</th><th>error</th>"
        "<th>could not run</th><th>unsupported</th><th>expected deviations</th><th>gate</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def comparison_html(comparison: Comparison) -> str:
    labels = comparison.targets
    head = "".join(f"<th>{e(label)}</th>" for label in labels)
    rows = []
    for row in sorted(comparison.rows, key=lambda r: (not r.differs, r.id)):
        cells = []
        for label in labels:
            status = row.statuses.get(label)
            key = EXPECTED if row.expected.get(label) else status
            cells.append(
                f'<td><span class="pill {e(key)}">{e(key or "not run")}</span></td>'
                if status
                else '<td class="muted">not run</td>'
            )
        mark = " ≠" if row.differs else ""
        rows.append(f"<tr><td><code>{e(row.id)}</code>{mark}</td>{''.join(cells)}</tr>")
    return (
        f"<p>{comparison.differing} of {len(comparison.rows)} case(s) differ between "
        f"targets (listed first, marked ≠).</p><table><tr><th>case</th>{head}</tr>"
        f"{''.join(rows)}</table>"
    )


def deviations_html(deviations: Deviations | None) -> str:
    if not deviations:
        return ""
    parts = [
        "<h2 id='deviations'>Expected deviations</h2>"
        f"<p class='muted'>From {e(deviations.file)}</p>"
    ]
    if deviations.expected:
        rows = "".join(
            f"<tr><td><code>{e(i.id)}</code></td><td>{e(i.target)}</td><td>{e(i.match)}</td>"
            f"<td>{e(i.reason)}</td></tr>"
            for i in deviations.expected
        )
        parts.append(
            "<table><tr><th>case</th><th>target</th><th>matched</th><th>reason</th></tr>"
            f"{rows}</table>"
        )
    else:
        parts.append("<p>No failing case matched a listed deviation.</p>")
    for stale in deviations.stale:
        parts.append(
            f"<div class='warn'>Listed deviation <b>{e(stale.match)}</b> now passes on "
            f"{e(stale.target)} ({e(', '.join(stale.passing))}): remove it from the file.</div>"
        )
    for unmatched in deviations.unmatched:
        parts.append(
            f"<p class='muted'>Listed deviation {e(unmatched.match)} matched no case on "
            f"{e(unmatched.target)}.</p>"
        )
    return "".join(parts)


BASELINE_LISTS = (
    ("Regressions", "regressions"),
    ("Fixes", "fixes"),
    ("Other new failures", "new_failures"),
    ("Other changes", "changed"),
)


def baseline_html(baseline: Baseline | None) -> str:
    if not baseline:
        return ""
    parts = [f"<h2 id='baseline'>Against baseline {e(baseline.run_id)}</h2>"]
    for t in baseline.targets:
        parts.append(f"<h3>{e(t.target)}: score {e(t.score_before)} → {e(t.score_after)}</h3>")
        for title, key in BASELINE_LISTS:
            items: list[Removal] = getattr(t, key)
            if key == "new_failures":
                ids = {r.id for r in t.regressions}
                items = [i for i in items if i.id not in ids]
            if items:
                lis = "".join(
                    f"<li><code>{e(i.id)}</code> {e(i.before or 'absent')} → "
                    f"{e(i.after or 'absent')} {e(getattr(i, 'message', ''))}</li>"
                    for i in items
                )
                parts.append(f"<h4>{title}</h4><ul>{lis}</ul>")
    return "".join(parts)
