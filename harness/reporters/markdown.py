"""``summary.md``: counts and a failure table, ready for ``$GITHUB_STEP_SUMMARY``."""

from __future__ import annotations

from pathlib import Path

from harness.results.model import CaseRecord, RunMeta, Status, conformant, count_statuses

ORDER = (Status.PASS, Status.FAIL, Status.ERROR, Status.UNSUPPORTED, Status.SKIPPED)


def _cell(text: object, limit: int = 160) -> str:
    value = " ".join(str(text).split())
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value.replace("|", "\\|")


def summary_markdown(records: list[CaseRecord], meta: RunMeta) -> str:
    counts = count_statuses(records)
    verdict = "conformant" if conformant(records) else "**not conformant**"
    lines = [
        f"## TaskRouter conformance: {_cell(meta.target)}",
        "",
        f"Run `{meta.run_id}` · harness {meta.harness_version} · {len(records)} cases · "
        f"{meta.duration_s:.1f}s · {verdict}" + (" · **interrupted**" if meta.interrupted else ""),
        "",
    ]
    if meta.faults:
        lines += [f"Faults switched on: {', '.join(meta.faults)}", ""]
    lines += [
        "| " + " | ".join(str(s) for s in ORDER) + " |",
        "|" + "---:|" * len(ORDER),
        "| " + " | ".join(str(counts[str(s)]) for s in ORDER) + " |",
        "",
    ]
    categories = sorted({r.category for r in records})
    if categories:
        lines += [
            "| category | pass | fail | error | unsupported | skipped |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for category in categories:
            subset = [r for r in records if r.category == category]
            sub = count_statuses(subset)
            lines.append(
                f"| {_cell(category)} | " + " | ".join(str(sub[str(s)]) for s in ORDER) + " |"
            )
        lines.append("")
    problems = [r for r in records if r.status.is_problem]
    if problems:
        lines += [
            "### Failures",
            "",
            "| case | status | clauses | step | what went wrong |",
            "|---|---|---|---|---|",
        ]
        for record in problems:
            clauses = ", ".join(
                f"{c.id}" + ("" if c.strength == "documented" else f" ({c.strength})")
                for c in record.clauses
            )
            step = record.failure.step if record.failure else ""
            message = record.failure.message if record.failure else record.reason or ""
            lines.append(
                f"| `{_cell(record.id)}` | {record.status} | {_cell(clauses)} | "
                f"{_cell(step, 60)} | {_cell(message, 240)} |"
            )
        lines.append("")
    unsupported = [r for r in records if r.status is Status.UNSUPPORTED]
    if unsupported:
        lines += ["<details><summary>Unsupported by the target</summary>", ""]
        lines += [f"- `{r.id}`: {_cell(r.reason or '')}" for r in unsupported]
        lines += ["", "</details>", ""]
    if meta.cleanup:
        lines.append(
            f"Cleanup: {meta.cleanup.get('created', 0)} task(s) created, "
            f"{meta.cleanup.get('left', 0)} left behind."
        )
    for warning in meta.warnings:
        lines.append(f"> ⚠ {_cell(warning, 300)}")
    return "\n".join(lines).rstrip() + "\n"


def write_summary(path: Path, records: list[CaseRecord], meta: RunMeta) -> Path:
    path.write_text(summary_markdown(records, meta), encoding="utf-8")
    return path
