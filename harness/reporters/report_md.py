"""``report.md``: the run at a glance for ``$GITHUB_STEP_SUMMARY`` or a PR comment.

Score and gate, "Fix these first" (the root causes ranked by points lost), a table per target,
the parity matrix, failures (with clause quote and curl in
a fold), expected deviations, stale deviations, regressions, the side-by-side table of cases
whose status differs between targets, and what was unsupported or left out.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.report.causes import cause_id
from harness.report.matrix import cell_text
from harness.report.model import Case, Cause, Deviations, FieldMatrix, Matrix, Report
from harness.reporters.causes_text import TOP, cause_facts
from harness.results.vocab import CellState, FieldState, PhaseStatus, Status, Strength

MAX_ROWS = 200
MAX_EVIDENCE = 50
STATE_MARK = {
    CellState.PASS: "✅",
    CellState.FAIL: "❌",
    CellState.DEVIATION: "⚠️",
    CellState.INCOMPLETE: "⏸",
    CellState.UNSUPPORTED: "➖",
    CellState.NONE: "",
}
FIELD_MARK = {
    FieldState.PASS: "✅",
    FieldState.PARTIAL: "◐",
    FieldState.FAIL: "❌",
    FieldState.NONE: "",
}
STATUS_MARK: dict[Status | None, str] = {
    Status.PASS: "✅ pass",
    Status.FAIL: "❌ fail",
    Status.ERROR: "💥 error",
    Status.UNSUPPORTED: "➖ unsupported",
    Status.SKIPPED: "⏸ could not run",
    Status.NOT_APPLICABLE: "◻ not applicable",
    Status.NOT_CONFIGURED: "⚙ not configured",
    None: "—",
}


def cell(text: object, limit: int = 160) -> str:
    value = " ".join(str(text).split())
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value.replace("|", "\\|")


def _matrix_md(matrix: Matrix) -> list[str]:
    used = [c for c in matrix.columns if any(matrix.cells[r][c].cases for r in matrix.rows)]
    if not used:
        return ["_No case ran._", ""]
    lines = [
        "| operation | " + " | ".join(used) + " |",
        "|---|" + "---|" * len(used),
    ]
    for row in matrix.rows:
        cells = []
        for column in used:
            c = matrix.cells[row][column]
            if not c.cases:
                cells.append("")
                continue
            cells.append(f"{STATE_MARK[c.state]} {cell_text(c)}".strip())
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    empty = [c for c in matrix.columns if c not in used]
    lines.append("")
    if empty:
        lines += [f"No cases in: {', '.join(empty)}.", ""]
    return lines


def _field_matrix_md(fm: FieldMatrix) -> list[str]:
    lines = [
        "#### Operation × response field (replay)",
        "",
        "| operation | " + " | ".join(cell(f, 40) for f in fm.columns) + " |",
        "|---|" + "---|" * len(fm.columns),
    ]
    for row in fm.rows:
        marks = [FIELD_MARK[fm.cell(row, f).state] for f in fm.columns]
        lines.append(f"| {row} | " + " | ".join(marks) + " |")
    lines.append("")
    return lines


def _head(report: Report) -> list[str]:
    run, gate, score = report.run, report.gate, report.score
    verdict = "✅ gate passed" if gate.passed else "❌ **gate failed**"
    lines = [
        f"## TaskRouter conformance: {cell(report.title)}",
        "",
        f"**Score {score.display}**{'' if score.value is None else ' / 100'} · {verdict}"
        + (" · **interrupted**" if run.interrupted else ""),
        "",
    ]
    ran = [p.name for p in report.phases if p.status is PhaseStatus.RAN]
    other = [
        f"{p.name} ({p.status}: {p.reason or ''})"
        for p in report.phases
        if p.status is not PhaseStatus.RAN
    ]
    meta = (
        f"Run `{run.run_id}` · harness {report.harness.version} · "
        f"{run.duration_s:.1f}s · phases: {', '.join(ran) or 'none'}"
    )
    if report.seed is not None:
        meta += f" · seed {report.seed}"
    if run.rerun_of:
        meta += f" · rerun of `{run.rerun_of}`"
    lines += [meta, ""]
    if other:
        lines += [f"Phases not run: {cell('; '.join(other), 400)}", ""]
    return lines


def _targets(report: Report) -> list[str]:
    lines = [
        "| target | score | pass | fail | error | unsupported | could not run "
        "| expected deviations | gate |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for t in report.targets:
        c = t.counts
        faults = f" (faults: {cell(', '.join(t.faults))})" if t.faults else ""
        reach = "" if t.reachable else " — **unreachable**"
        lines.append(
            f"| {cell(t.label)}{faults}{reach} | {t.score.display} | {c.passed} | "
            f"{c.fail} | {c.error} | {c.unsupported} | {c.skipped} | "
            f"{c.expected_deviation} | {'✅' if t.gate.passed else '❌'} |"
        )
    lines += ["", "### Gate", ""]
    for t in report.targets:
        prefix = f"{t.label}: " if report.several else ""
        for check in t.gate.checks:
            mark = "✅" if check.passed else "❌"
            lines.append(f"- {mark} {cell(prefix)}**{check.name}**: {cell(check.detail, 400)}")
    lines.append("")
    score = report.score
    lines += [
        f"<sub>Score: {cell(score.formula, 400)} — see docs/scoring.md. "
        f"Weighted {score.earned}/{score.possible}.</sub>",
        "",
    ]
    for t in report.targets:
        heading = "### Parity: operation × feature" + (
            f" — {cell(t.label)}" if report.several else ""
        )
        lines += [heading, ""]
        lines += _matrix_md(t.matrix)
        if t.field_matrix:
            lines += _field_matrix_md(t.field_matrix)
    return lines


def _clauses_text(case: Case) -> str:
    return ", ".join(
        c.id + ("" if c.strength == Strength.DOCUMENTED else f" ({c.strength})")
        for c in case.clauses
    )


def _evidence(report: Report, case: Case) -> list[str]:
    failure = case.failure
    lines = [f"#### `{case.id}` ({case.target})", ""]
    if failure:
        lines.append(
            f"Step **{cell(failure.step, 120)}**, expectation "
            f"`{cell(failure.expectation, 80)}`: expected "
            f"`{cell(json.dumps(failure.expected, default=str), 200)}`, got "
            f"`{cell(json.dumps(failure.actual, default=str), 200)}`."
        )
        lines.append("")
    for ref in case.clauses:
        clause = report.clauses.get(ref.id)
        if clause is not None and clause.quote:
            link = f" ([source]({clause.url}))" if clause.url else ""
            lines.append(f"> **{ref.id}** ({ref.strength}): {cell(clause.quote, 500)}{link}")
            lines.append(">")
        elif clause is not None and clause.url:
            lines += [f"> **{ref.id}** ({ref.strength}): [source]({clause.url})", ">"]
    if lines[-1] == ">":
        lines.pop()
    lines.append("")
    if case.curl:
        lines += ["```sh", case.curl, "```", ""]
    return lines


def _failures(report: Report) -> list[str]:
    # grouped by their first cause, in the order of "Fix these first"
    rank = {(t.label, c.signature): i for t in report.targets for i, c in enumerate(t.causes)}
    problems = sorted(
        report.unexpected,
        key=lambda c: rank.get((c.target, c.causes[0] if c.causes else ""), len(rank)),
    )
    if not problems:
        return []
    lines = [
        f"### Failures ({len(problems)})",
        "",
        "| case | target | status | clauses | step | what went wrong | cause |",
        "|---|---|---|---|---|---|---|",
    ]
    for case in problems[:MAX_ROWS]:
        failure = case.failure
        step = failure.step if failure else ""
        message = (failure.message if failure else "") or case.reason or ""
        cause = f"`{cause_id(case.causes[0])}`" if case.causes else ""
        lines.append(
            f"| `{cell(case.id)}` | {cell(case.target, 40)} | {case.status} | "
            f"{cell(_clauses_text(case))} | {cell(step, 60)} | {cell(message, 240)} | {cause} |"
        )
    if len(problems) > MAX_ROWS:
        lines.append(f"| … {len(problems) - MAX_ROWS} more in report.html | | | | | | |")
    lines.append("")
    lines += ["<details><summary>Evidence: expectation, clause quotes, reproducer</summary>", ""]
    for case in problems[:MAX_EVIDENCE]:
        lines += _evidence(report, case)
    lines += ["</details>", ""]
    return lines


def _cause_row(rank: int, cause: Cause) -> str:
    shown = ", ".join(f"`{cell(i, 80)}`" for i in cause.case_ids[:3])
    more = len(cause.case_ids) - 3
    if more > 0:
        shown += f" and {more} more"
    return (
        f"| {rank} | `{cause.id}` | {cell(cause.title, 200)} | {len(cause.case_ids)} | "
        f"{cause.points_lost} | {cause.strength} | {shown} |"
    )


def _fix_first(report: Report) -> list[str]:
    """The root causes of every target, ranked by points lost (harness/report/causes.py)."""
    lines: list[str] = []
    for t in report.targets:
        if not t.causes:
            continue
        where = f" — {cell(t.label)}" if report.several else ""
        lines += [
            f"### Fix these first{where}",
            "",
            "| # | cause | what | cases | points lost | strength | cases (first) |",
            "|---:|---|---|---:|---:|---|---|",
        ]
        lines += [_cause_row(i, c) for i, c in enumerate(t.causes[:TOP], 1)]
        lines.append("")
        if len(t.causes) > TOP:
            lines += [f"… and {len(t.causes) - TOP} more cause(s) in report.json.", ""]
        top = t.causes[0]
        if top.reproducer:
            lines += [
                f"<details><summary>Reproduce <code>{top.id}</code> "
                f"({cell(cause_facts(top), 200)})</summary>",
                "",
                "```sh",
                top.reproducer,
                "```",
                "",
                "</details>",
                "",
            ]
    return lines


def _deviations(deviations: Deviations | None) -> list[str]:
    if not deviations:
        return []
    lines = []
    if deviations.expected:
        lines += [
            f"### Expected deviations ({len(deviations.expected)})",
            "",
            "| case | target | matched | reason |",
            "|---|---|---|---|",
        ]
        for item in deviations.expected[:MAX_ROWS]:
            lines.append(
                f"| `{cell(item.id)}` | {cell(item.target, 40)} | {cell(item.match)} | "
                f"{cell(item.reason, 240)} |"
            )
        lines.append("")
    if deviations.stale:
        lines += ["### ⚠️ Listed deviations that now pass (remove them from the file)", ""]
        for stale in deviations.stale:
            lines.append(
                f"- {cell(stale.match)} on {cell(stale.target)}: passing now "
                f"({cell(', '.join(stale.passing), 200)})"
            )
        lines.append("")
    if deviations.unmatched:
        lines += ["<details><summary>Listed deviations that matched no case</summary>", ""]
        lines += [f"- {cell(i.match)} on {cell(i.target)}" for i in deviations.unmatched]
        lines += ["", "</details>", ""]
    return lines


def _baseline(report: Report) -> list[str]:
    baseline = report.baseline
    if not baseline:
        return []
    lines = [f"### Against baseline `{baseline.run_id}`", ""]
    for t in baseline.targets:
        delta = t.score_delta
        change = "" if delta is None else f" ({'+' if delta >= 0 else ''}{delta:g})"
        lines.append(
            f"- **{cell(t.target or '')}**: score {t.score_before} → {t.score_after}"
            f"{change}; {len(t.regressions)} regression(s), {len(t.fixes)} fix(es), "
            f"{len(t.new_failures) - len(t.regressions)} other new failure(s)"
        )
        for item in t.regressions[:MAX_ROWS]:
            lines.append(f"  - ❌ regression `{cell(item.id)}`: {cell(item.message, 200)}")
        for item in t.fixes[:MAX_ROWS]:
            lines.append(f"  - ✅ fixed `{cell(item.id)}`")
    lines.append("")
    return lines


def _comparison(report: Report) -> list[str]:
    comparison = report.comparison
    if not comparison:
        return []
    labels = comparison.targets
    rows = [r for r in comparison.rows if r.differs]
    lines = [
        f"### Side by side: {comparison.differing} of {len(comparison.rows)} case(s) "
        "differ between targets",
        "",
    ]
    if rows:
        lines += [
            "| case | " + " | ".join(cell(label, 40) for label in labels) + " |",
            "|---|" + "---|" * len(labels),
        ]
        for row in rows[:MAX_ROWS]:
            statuses = []
            for label in labels:
                mark = STATUS_MARK[row.statuses[label]]
                if row.expected.get(label):
                    mark += " (expected)"
                statuses.append(mark)
            lines.append(f"| `{cell(row.id)}` | " + " | ".join(statuses) + " |")
        lines.append("")
    return lines


def _left_out(report: Report) -> list[str]:
    lines = []
    unsupported = [c for c in report.cases if c.status is Status.UNSUPPORTED]
    if unsupported:
        lines += [
            f"<details><summary>Unsupported by the target ({len(unsupported)}): left out of "
            "the score</summary>",
            "",
        ]
        lines += [
            f"- `{c.id}` ({c.target}): {cell(c.reason or '')}" for c in unsupported[:MAX_ROWS]
        ]
        lines += ["", "</details>", ""]
    missing = [c for c in report.cases if c.status is Status.NOT_CONFIGURED]
    if missing:
        lines += [
            f"### Not configured ({len(missing)}): add these profile keys to run them",
            "",
        ]
        lines += [
            f"- `{c.id}` ({c.target}): {cell(c.reason or 'a profile key is missing', 300)}"
            for c in missing[:MAX_ROWS]
        ]
        lines.append("")
    selection = report.selection
    if selection.excluded:
        lines += [
            f"{selection.excluded} case(s) of the library were left out by selection "
            f"({cell(selection.reason or '', 200)}) and are not in the score.",
            "",
        ]
    for t in report.targets:
        if t.cleanup.get("left"):
            lines.append(
                f"> ⚠ {cell(t.label)}: {t.cleanup['left']} task(s) left behind (run `trc sweep`)."
            )
    for warning in report.warnings:
        lines.append(f"> ⚠ {cell(warning, 300)}")
    return lines


def report_markdown(report: Report) -> str:
    lines = [
        *_head(report),
        *_fix_first(report),
        *_targets(report),
        *_failures(report),
        *_deviations(report.deviations),
        *_baseline(report),
        *_comparison(report),
        *_left_out(report),
    ]
    return "\n".join(lines).rstrip() + "\n"


def write_report_md(path: Path, report: Report) -> Path:
    path.write_text(report_markdown(report), encoding="utf-8")
    return path
