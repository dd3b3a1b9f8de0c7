"""Live progress (one line per case) and the end-of-run summary table, with rich."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.status import Status as Status_
from rich.table import Table

from harness.results.model import CaseRecord, RunMeta, Status, conformant, count_statuses

STYLES = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.ERROR: "bold magenta",
    Status.UNSUPPORTED: "yellow",
    Status.SKIPPED: "dim",
}


class TerminalReporter:
    def __init__(self, console: Console | None = None, verbose: bool = False) -> None:
        self.console = console or Console(highlight=False)
        self.verbose = verbose
        self.done = 0
        self.total = 0
        self._status: Status_ | None = None

    def start(self, meta: RunMeta, total: int, base_url: str) -> None:
        self.total = total
        self.done = 0
        faults = f" · faults: {', '.join(meta.faults)}" if meta.faults else ""
        self.console.print(
            f"[bold]trc run[/] {meta.run_id} → {meta.target} ({base_url}) · {total} case(s){faults}"
        )

    def note(self, text: str, style: str = "dim") -> None:
        self._end_spinner()
        self.console.print(text, style=style, markup=False)

    def begin(self, case_id: str) -> None:
        """A transient spinner naming the running case (terminals only)."""
        if self.console.is_terminal:
            self._status = self.console.status(f"{case_id} …", spinner="dots")
            self._status.start()

    def _end_spinner(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def case(self, record: CaseRecord) -> None:
        self._end_spinner()
        self.done += 1
        style = STYLES[record.status]
        width = len(str(self.total))
        # Past the announced scenario count (fuzz and replay records) there is no total to
        # show: "[126/126]" would read as finished while phases are still running.
        counter = (
            f"{self.done:>{width}}/{self.total}" if self.done <= self.total else f"{self.done}"
        )
        line = (
            f"[{counter}] [{style}]{str(record.status).upper():<11}[/] "
            f"{record.id} [dim]({record.duration_s:.2f}s)[/]"
        )
        self.console.print(line)
        if record.status.is_problem and record.failure:
            self.console.print(
                f"      step {record.failure.step!r}: {record.failure.message}",
                markup=False,
                style="red" if record.status is Status.FAIL else "magenta",
            )
        elif record.reason and record.status is not Status.PASS:
            self.console.print(f"      {record.reason}", markup=False, style="dim")

    def summary(self, records: list[CaseRecord], meta: RunMeta, folder: str | None) -> None:
        self._end_spinner()
        counts = count_statuses(records)
        table = Table(title="Summary by category", show_lines=False)
        table.add_column("category")
        for status in Status:
            table.add_column(str(status), justify="right", style=STYLES[status])
        for category in sorted({r.category for r in records}):
            sub = count_statuses([r for r in records if r.category == category])
            table.add_row(category, *(str(sub[str(s)]) for s in Status))
        table.add_row("[bold]total[/]", *(f"[bold]{counts[str(s)]}[/]" for s in Status))
        self.console.print(table)
        problems = [r for r in records if r.status.is_problem]
        if problems:
            failures = Table(title="Failures", show_lines=False)
            failures.add_column("case")
            failures.add_column("clauses")
            failures.add_column("what went wrong", overflow="fold")
            for record in problems:
                message = record.failure.message if record.failure else (record.reason or "")
                failures.add_row(record.id, ", ".join(c.id for c in record.clauses), message[:300])
            self.console.print(failures)
        verdict = (
            "[bold green]CONFORMANT[/]" if conformant(records) else "[bold red]NOT CONFORMANT[/]"
        )
        extra = " (interrupted)" if meta.interrupted else ""
        self.console.print(f"{verdict}{extra} · {meta.duration_s:.1f}s")
        if meta.cleanup:
            left = meta.cleanup.get("left", 0)
            note = f", [bold red]{left} left behind[/] (run `trc sweep`)" if left else ""
            self.console.print(
                f"cleanup: {meta.cleanup.get('created', 0)} task(s) created, "
                f"{meta.cleanup.get('deleted', 0)} deleted by the cleanup{note}"
            )
        for warning in meta.warnings:
            self.console.print(f"warning: {warning}", style="yellow", markup=False)
        if folder:
            self.console.print(f"reports: {folder}")


def _dict_counts(cases: list[Mapping[str, Any]]) -> dict[str, int]:
    counts = {str(s): 0 for s in Status}
    for case in cases:
        counts[case["status"]] += 1
    return counts


def final_summary(console: Console, document: Mapping[str, Any], folder: str | None) -> None:
    """The end of ``trc run``: per target a category table, failures, score and gate."""
    targets = document["targets"]
    several = len(targets) > 1
    for target in targets:
        cases = [c for c in document["cases"] if c["target"] == target["label"]]
        title = "Summary by category" + (f" · {target['label']}" if several else "")
        table = Table(title=title, show_lines=False)
        table.add_column("category")
        for status in Status:
            table.add_column(str(status), justify="right", style=STYLES[status])
        for category in sorted({c["category"] for c in cases}):
            sub = _dict_counts([c for c in cases if c["category"] == category])
            table.add_row(category, *(str(sub[str(s)]) for s in Status))
        total = _dict_counts(cases)
        table.add_row("[bold]total[/]", *(f"[bold]{total[str(s)]}[/]" for s in Status))
        if cases:
            console.print(table)
        problems = [c for c in cases if c["status"] in ("fail", "error")]
        if problems:
            failures = Table(title="Failures" + (f" · {target['label']}" if several else ""))
            failures.add_column("case")
            failures.add_column("clauses")
            failures.add_column("what went wrong", overflow="fold")
            for case in problems:
                failure = case.get("failure") or {}
                message = failure.get("message") or case.get("reason") or ""
                if case.get("expected_deviation"):
                    message = (
                        f"[expected deviation: {case['expected_deviation']['reason']}] {message}"
                    )
                failures.add_row(
                    case["id"], ", ".join(c["id"] for c in case.get("clauses") or []), message[:300]
                )
            console.print(failures)
        unexpected = [c for c in problems if not c.get("expected_deviation")]
        verdict = "[bold red]NOT CONFORMANT[/]" if unexpected else "[bold green]CONFORMANT[/]"
        if not target["reachable"]:
            verdict = f"[bold red]UNREACHABLE[/] ({target.get('error')})"
        score = target["score"]
        extra = " (interrupted)" if target.get("interrupted") else ""
        label = f"{target['label']}: " if several else ""
        console.print(
            f"{label}{verdict}{extra} · score [bold]{score['display']}[/]"
            f"{'' if score['value'] is None else '/100'} "
            f"(weighted {score['earned']}/{score['possible']}) · {target.get('duration_s', 0):.1f}s"
        )
        cleanup = target.get("cleanup") or {}
        if cleanup:
            left = cleanup.get("left", 0)
            note = f", [bold red]{left} left behind[/] (run `trc sweep`)" if left else ""
            console.print(
                f"cleanup: {cleanup.get('created', 0)} task(s) created, "
                f"{cleanup.get('deleted', 0)} deleted by the cleanup{note}"
            )
    deviations = document.get("deviations") or {}
    for item in deviations.get("stale") or []:
        console.print(
            f"deviation {item['match']} now passes on {item['target']}: remove it from the file",
            style="yellow",
            markup=False,
        )
    baseline = document.get("baseline")
    if baseline:
        console.print(
            f"against baseline {baseline.get('run_id')}: {baseline['regressions']} regression(s), "
            f"{baseline['fixes']} fix(es), {baseline['new_failures']} new failure(s)",
            markup=False,
        )
    for phase in document.get("phases") or []:
        if phase["status"] != "ran":
            console.print(
                f"phase {phase['name']}: {phase['status']} ({phase.get('reason') or ''})",
                style="yellow",
                markup=False,
            )
    for warning in document.get("warnings") or []:
        console.print(f"warning: {warning}", style="yellow", markup=False)
    gate = document["gate"]
    style = "bold green" if gate["passed"] else "bold red"
    console.print(f"[{style}]{gate['summary'].upper() if gate['passed'] else gate['summary']}[/]")
    if folder:
        console.print(f"reports: {folder}", markup=False)
