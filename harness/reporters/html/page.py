"""The whole report.html page: head, table of contents, sections, inline CSS and JS."""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path

from harness.report.model import Report
from harness.reporters.badge import LOW, UNDEFINED, colour_for
from harness.reporters.html.cases import cases_section
from harness.reporters.html.causes import causes_html, not_configured_html
from harness.reporters.html.common import as_json, e
from harness.reporters.html.matrices import field_matrix_html, matrix_html
from harness.reporters.html.sections import (
    baseline_html,
    comparison_html,
    deviations_html,
    targets_html,
)
from harness.results.data import to_data
from harness.results.vocab import PhaseStatus

#: Badge colours light enough to need dark text on them.
LIGHT_COLOURS = frozenset({"#4c1", "#97ca00", "#dfb317"})
#: a passed gate's ring is green: the badge's colours from this score up, this one below
GREEN_FROM = 95
PASSED_COLOUR = "#4c1"


@functools.cache
def asset(name: str) -> str:
    """A file of harness/reporters/html/assets (the page's CSS and JS)."""
    return (files(__package__) / "assets" / name).read_text(encoding="utf-8")


def ring_colour(report: Report) -> str:
    """The score ring's colour: it follows the gate, then the number (a 97 whose gate failed
    is red, never green)."""
    value = report.score.value
    if value is None:
        return UNDEFINED
    if not report.gate.passed:
        return LOW
    return colour_for(value) if value >= GREEN_FROM else PASSED_COLOUR


def _head(report: Report) -> str:
    run, score, gate = report.run, report.score, report.gate
    colour = ring_colour(report)
    ink = "#1d2125" if colour in LIGHT_COLOURS else "#fff"
    state = "passed" if gate.passed else "failed"
    phases = ", ".join(
        p.name + ("" if p.status is PhaseStatus.RAN else f" ({p.status})") for p in report.phases
    )
    seed = report.seed
    return (
        f'<header class="top"><div class="score gate-{state}" data-gate="{state}" '
        f'style="background:{colour};color:{ink}" '
        f'title="{e(score.formula)}"><span class="num">{e(score.display)}</span>'
        f'<span class="of">{"score / 100" if score.value is not None else "no score"}'
        "</span></div>"
        f"<div><h1>TaskRouter conformance: {e(report.title)}</h1>"
        f'<div class="muted">run {e(run.run_id)} · '
        f"harness {e(report.harness.version)} · "
        f"started {e(run.started_at)} · {float(run.duration_s or 0):.1f}s · "
        f"phases: {e(phases)} · seed {e(seed if seed is not None else 'n/a (no fuzz phase)')}"
        f"{' · rerun of ' + e(run.rerun_of) if run.rerun_of else ''}"
        f"{' · <b>interrupted</b>' if run.interrupted else ''}</div>"
        f'<div class="gate {"ok" if gate.passed else "bad"}">{e(gate.summary)}</div>'
        "</div></header>"
    )


def _toc(report: Report) -> str:
    toc = ['<a href="#targets">Targets</a>', '<a href="#matrix">Parity matrix</a>']
    if any(t.causes for t in report.targets):
        toc.insert(0, '<a href="#causes">Fix these first</a>')
    if any(t.field_matrix for t in report.targets):
        toc.append('<a href="#fields">Fields</a>')
    if report.comparison:
        toc.append('<a href="#compare">Side by side</a>')
    if report.deviations:
        toc.append('<a href="#deviations">Deviations</a>')
    if report.baseline:
        toc.append('<a href="#baseline">Baseline</a>')
    toc += ['<a href="#cases">Cases</a>', '<a href="#config">Configuration</a>']
    return f'<nav class="toc">{" · ".join(toc)}</nav>'


def _matrices(report: Report) -> list[str]:
    several = report.several
    body = [
        '<h2 id="matrix">Parity matrix: operation × feature</h2>'
        '<p class="muted">Each cell: passed / counted cases that exercise the operation in that '
        "feature (not-applicable, not-configured and unsupported cases are not counted: "
        "n/a). Click a cell to list its cases.</p>"
        + "".join(matrix_html(t, several) for t in report.targets)
    ]
    if any(t.field_matrix for t in report.targets):
        body.append(
            '<h2 id="fields">Operation × response field (replay)</h2>'
            '<p class="muted">= equal (or equal after normalising) · ≈ type only · '
            "≠ missing, extra or different. Click a cell to list the cases that differ there "
            "(or, on =, the cases that compared it).</p>"
            + "".join(field_matrix_html(t, several) for t in report.targets)
        )
    return body


def report_html(report: Report) -> str:
    score = report.score
    body = [_head(report), _toc(report)]
    body += [f'<div class="warn">{e(warning)}</div>' for warning in report.warnings]
    body.append(causes_html(report))
    body.append(f'<h2 id="targets">Targets</h2>{targets_html(report)}')
    body.append(
        f'<p class="muted">Score: {e(score.formula)}. Excluded by selection: '
        f"{e(report.selection.excluded)} case(s).</p>"
    )
    body += _matrices(report)
    if report.comparison:
        body.append(f'<h2 id="compare">Side by side</h2>{comparison_html(report.comparison)}')
    body.append(deviations_html(report.deviations))
    body.append(baseline_html(report.baseline))
    body.append(not_configured_html(report))
    body.append(cases_section(report))
    selection = {"selection": to_data(report.selection), "phases": to_data(report.phases)}
    body.append(
        '<h2 id="config">Configuration (redacted)</h2>'
        f"<pre>{e(as_json(to_data(report.config)))}</pre>"
        f"<pre>{e(as_json(selection))}</pre>"
    )
    body.append(
        f"<footer>taskrouter-conformance {e(report.harness.version)} · report format "
        f"{e(report.format)} v{e(report.schema_version)} · this file is self-contained "
        "and loads nothing from the network.</footer>"
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>TaskRouter conformance: {e(report.title)} — {e(score.display)}</title>"
        f"<style>\n{asset('report.css')}</style></head><body><main>{''.join(body)}</main>"
        f"<script>\n{asset('report.js')}</script></body></html>\n"
    )


def write_report_html(path: Path, report: Report) -> Path:
    path.write_text(report_html(report), encoding="utf-8")
    return path
