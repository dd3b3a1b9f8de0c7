"""``report.md``: the run at a glance for ``$GITHUB_STEP_SUMMARY`` or a PR comment.

Score and gate, a table per target, the parity matrix, failures (with clause quote and curl in
a fold), expected deviations, stale deviations, regressions, the side-by-side table of cases
whose status differs between targets, and what was unsupported or left out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MAX_ROWS = 200
STATE_MARK = {
    "pass": "✅",
    "fail": "❌",
    "deviation": "⚠️",
    "incomplete": "⏸",
    "unsupported": "➖",
    "none": "",
}
STATUS_MARK = {
    "pass": "✅ pass",
    "fail": "❌ fail",
    "error": "💥 error",
    "unsupported": "➖ unsupported",
    "skipped": "⏸ skipped",
    None: "—",
}


def cell(text: object, limit: int = 160) -> str:
    value = " ".join(str(text).split())
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value.replace("|", "\\|")


def _matrix_md(matrix: Mapping[str, Any]) -> list[str]:
    used = [
        c for c in matrix["columns"] if any(matrix["cells"][r][c]["cases"] for r in matrix["rows"])
    ]
    if not used:
        return ["_No case ran._", ""]
    lines = [
        "| operation | " + " | ".join(used) + " |",
        "|---|" + "---|" * len(used),
    ]
    for row in matrix["rows"]:
        cells = []
        for column in used:
            c = matrix["cells"][row][column]
            if not c["cases"]:
                cells.append("")
                continue
            counted = c["pass"] + c["fail"] + c["error"] + c["skipped"]
            text = f"{c['pass']}/{counted}" if counted else "unsup."
            cells.append(f"{STATE_MARK[c['state']]} {text}".strip())
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    empty = [c for c in matrix["columns"] if c not in used]
    lines.append("")
    if empty:
        lines += [f"No cases in: {', '.join(empty)}.", ""]
    return lines


def _quote(document: Mapping[str, Any], clause_id: str) -> str | None:
    return ((document.get("clauses") or {}).get(clause_id) or {}).get("quote")


def report_markdown(document: Mapping[str, Any]) -> str:
    run = document["run"]
    targets = document["targets"]
    cases = document["cases"]
    gate = document["gate"]
    score = document["score"]
    title = ", ".join(t["label"] for t in targets) or "(no target)"
    verdict = "✅ gate passed" if gate["passed"] else "❌ **gate failed**"
    lines = [
        f"## TaskRouter conformance: {cell(title)}",
        "",
        f"**Score {score['display']}**{'' if score['value'] is None else ' / 100'} · {verdict}"
        + (" · **interrupted**" if run.get("interrupted") else ""),
        "",
    ]
    ran = [p["name"] for p in document["phases"] if p["status"] == "ran"]
    other = [
        f"{p['name']} ({p['status']}: {p.get('reason') or ''})"
        for p in document["phases"]
        if p["status"] != "ran"
    ]
    meta = (
        f"Run `{run['run_id']}` · harness {document['harness']['version']} · "
        f"{run.get('duration_s', 0):.1f}s · phases: {', '.join(ran) or 'none'}"
    )
    if document.get("seed") is not None:
        meta += f" · seed {document['seed']}"
    if run.get("rerun_of"):
        meta += f" · rerun of `{run['rerun_of']}`"
    lines += [meta, ""]
    if other:
        lines += [f"Phases not run: {cell('; '.join(other), 400)}", ""]
    lines += [
        "| target | score | pass | fail | error | unsupported | could not run "
        "| expected deviations | gate |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for t in targets:
        c = t["counts"]
        faults = f" (faults: {cell(', '.join(t['faults']))})" if t["faults"] else ""
        reach = "" if t["reachable"] else " — **unreachable**"
        lines.append(
            f"| {cell(t['label'])}{faults}{reach} | {t['score']['display']} | {c['pass']} | "
            f"{c['fail']} | {c['error']} | {c['unsupported']} | {c['skipped']} | "
            f"{c['expected_deviation']} | {'✅' if t['gate']['passed'] else '❌'} |"
        )
    lines.append("")
    lines += ["### Gate", ""]
    for t in targets:
        prefix = f"{t['label']}: " if len(targets) > 1 else ""
        for check in t["gate"]["checks"]:
            mark = "✅" if check["passed"] else "❌"
            lines.append(
                f"- {mark} {cell(prefix)}**{check['name']}**: {cell(check['detail'], 400)}"
            )
    lines.append("")
    lines += [
        f"<sub>Score: {cell(score['formula'], 400)} — see docs/scoring.md. "
        f"Weighted {score['earned']}/{score['possible']}.</sub>",
        "",
    ]
    for t in targets:
        heading = "### Parity: operation × feature" + (
            f" — {cell(t['label'])}" if len(targets) > 1 else ""
        )
        lines += [heading, ""]
        lines += _matrix_md(t["matrix"])
        if t.get("field_matrix"):
            fm = t["field_matrix"]
            lines += [
                "#### Operation × response field (replay)",
                "",
                "| operation | " + " | ".join(cell(f, 40) for f in fm["columns"]) + " |",
                "|---|" + "---|" * len(fm["columns"]),
            ]
            marks = {"pass": "✅", "partial": "◐", "fail": "❌", "none": ""}
            for row in fm["rows"]:
                lines.append(
                    f"| {row} | "
                    + " | ".join(marks[fm["cells"][row][f]["state"]] for f in fm["columns"])
                    + " |"
                )
            lines.append("")
    problems = [
        c for c in cases if c["status"] in ("fail", "error") and not c.get("expected_deviation")
    ]
    if problems:
        lines += [
            f"### Failures ({len(problems)})",
            "",
            "| case | target | status | clauses | step | what went wrong |",
            "|---|---|---|---|---|---|",
        ]
        for case in problems[:MAX_ROWS]:
            failure = case.get("failure") or {}
            clauses = ", ".join(
                c["id"] + ("" if c.get("strength") == "documented" else f" ({c.get('strength')})")
                for c in case.get("clauses") or []
            )
            lines.append(
                f"| `{cell(case['id'])}` | {cell(case['target'], 40)} | {case['status']} | "
                f"{cell(clauses)} | {cell(failure.get('step', ''), 60)} | "
                f"{cell(failure.get('message') or case.get('reason') or '', 240)} |"
            )
        if len(problems) > MAX_ROWS:
            lines.append(f"| … {len(problems) - MAX_ROWS} more in report.html | | | | | |")
        lines.append("")
        lines += [
            "<details><summary>Evidence: expectation, clause quotes, reproducer</summary>",
            "",
        ]
        for case in problems[:50]:
            failure = case.get("failure") or {}
            lines += [f"#### `{case['id']}` ({case['target']})", ""]
            if failure:
                lines.append(
                    f"Step **{cell(failure.get('step', ''), 120)}**, expectation "
                    f"`{cell(failure.get('expectation', ''), 80)}`: expected "
                    f"`{cell(json.dumps(failure.get('expected'), default=str), 200)}`, got "
                    f"`{cell(json.dumps(failure.get('actual'), default=str), 200)}`."
                )
                lines.append("")
            for ref in case.get("clauses") or []:
                quote = _quote(document, ref["id"])
                if quote:
                    lines.append(f"> **{ref['id']}** ({ref.get('strength')}): {cell(quote, 500)}")
                    lines.append(">")
            if lines[-1] == ">":
                lines.pop()
            lines.append("")
            if case.get("curl"):
                lines += ["```sh", case["curl"], "```", ""]
        lines += ["</details>", ""]
    deviations = document.get("deviations")
    if deviations and deviations["expected"]:
        lines += [
            f"### Expected deviations ({len(deviations['expected'])})",
            "",
            "| case | target | matched | reason |",
            "|---|---|---|---|",
        ]
        for item in deviations["expected"][:MAX_ROWS]:
            lines.append(
                f"| `{cell(item['id'])}` | {cell(item['target'], 40)} | {cell(item['match'])} | "
                f"{cell(item['reason'], 240)} |"
            )
        lines.append("")
    if deviations and deviations["stale"]:
        lines += ["### ⚠️ Listed deviations that now pass (remove them from the file)", ""]
        for item in deviations["stale"]:
            lines.append(
                f"- {cell(item['match'])} on {cell(item['target'])}: passing now "
                f"({cell(', '.join(item['passing']), 200)})"
            )
        lines.append("")
    if deviations and deviations["unmatched"]:
        lines += ["<details><summary>Listed deviations that matched no case</summary>", ""]
        lines += [f"- {cell(i['match'])} on {cell(i['target'])}" for i in deviations["unmatched"]]
        lines += ["", "</details>", ""]
    baseline = document.get("baseline")
    if baseline:
        lines += [f"### Against baseline `{baseline.get('run_id')}`", ""]
        for t in baseline["targets"]:
            delta = t.get("score_delta")
            change = "" if delta is None else f" ({'+' if delta >= 0 else ''}{delta:g})"
            lines.append(
                f"- **{cell(t['target'] or '')}**: score {t['score_before']} → {t['score_after']}"
                f"{change}; {len(t['regressions'])} regression(s), {len(t['fixes'])} fix(es), "
                f"{len(t['new_failures']) - len(t['regressions'])} other new failure(s)"
            )
            for item in t["regressions"][:MAX_ROWS]:
                lines.append(
                    f"  - ❌ regression `{cell(item['id'])}`: {cell(item['message'], 200)}"
                )
            for item in t["fixes"][:MAX_ROWS]:
                lines.append(f"  - ✅ fixed `{cell(item['id'])}`")
        lines.append("")
    comparison = document.get("comparison")
    if comparison:
        labels = comparison["targets"]
        rows = [r for r in comparison["rows"] if r["differs"]]
        lines += [
            f"### Side by side: {comparison['differing']} of {len(comparison['rows'])} case(s) "
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
                    mark = STATUS_MARK[row["statuses"][label]]
                    if row.get("expected", {}).get(label):
                        mark += " (expected)"
                    statuses.append(mark)
                lines.append(f"| `{cell(row['id'])}` | " + " | ".join(statuses) + " |")
            lines.append("")
    unsupported = [c for c in cases if c["status"] == "unsupported"]
    if unsupported:
        lines += [
            f"<details><summary>Unsupported by the target ({len(unsupported)}): left out of "
            "the score</summary>",
            "",
        ]
        lines += [
            f"- `{c['id']}` ({c['target']}): {cell(c.get('reason') or '')}"
            for c in unsupported[:MAX_ROWS]
        ]
        lines += ["", "</details>", ""]
    selection = document.get("selection") or {}
    if selection.get("excluded"):
        lines += [
            f"{selection['excluded']} case(s) of the library were left out by selection "
            f"({cell(selection.get('reason') or '', 200)}) and are not in the score.",
            "",
        ]
    for t in targets:
        cleanup = t.get("cleanup") or {}
        if cleanup.get("left"):
            lines.append(
                f"> ⚠ {cell(t['label'])}: {cleanup['left']} task(s) left behind (run `trc sweep`)."
            )
    for warning in document.get("warnings") or []:
        lines.append(f"> ⚠ {cell(warning, 300)}")
    return "\n".join(lines).rstrip() + "\n"


def write_report_md(path: Path, document: Mapping[str, Any]) -> Path:
    path.write_text(report_markdown(document), encoding="utf-8")
    return path
