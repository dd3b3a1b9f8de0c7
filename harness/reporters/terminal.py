"""Live progress (one line per case) and, from the report, the end-of-run summary, with rich."""

from __future__ import annotations

from rich.console import Console
from rich.status import Status as Status_
from rich.table import Table

from harness.report.model import Counts, Report, Target
from harness.results.model import CaseRecord, RunMeta
from harness.results.vocab import PhaseStatus, Status

STYLES = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.ERROR: "bold magenta",
    Status.UNSUPPORTED: "yellow",
    Status.NOT_APPLICABLE: "dim",
    Status.NOT_CONFIGURED: "cyan",
    Status.SKIPPED: "dim",
}

QUIET = frozenset({Status.NOT_APPLICABLE, Status.NOT_CONFIGURED})


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


def _category_table(report: Report, target: Target) -> Table:
    suffix = f" · {target.label}" if report.several else ""
    table = Table(title="Summary by category" + suffix, show_lines=False)
    table.add_column("category")
    # the two quiet statuses get a column only when a case has them
    shown = [s for s in Status if s not in QUIET or target.counts.of(s)]
    for status in shown:
        table.add_column(str(status), justify="right", style=STYLES[status])
    cases = report.cases_of(target.label)
    for category in sorted({c.category for c in cases}):
        sub = Counts.tally(c for c in cases if c.category == category)
        table.add_row(category, *(str(sub.of(s)) for s in shown))
    table.add_row("[bold]total[/]", *(f"[bold]{target.counts.of(s)}[/]" for s in shown))
    return table


def _failures_table(report: Report, target: Target) -> Table | None:
    problems = [c for c in report.cases_of(target.label) if c.status.is_problem]
    if not problems:
        return None
    failures = Table(title="Failures" + (f" · {target.label}" if report.several else ""))
    failures.add_column("case")
    failures.add_column("clauses")
    failures.add_column("what went wrong", overflow="fold")
    for case in problems:
        message = (case.failure.message if case.failure else "") or case.reason or ""
        if case.expected_deviation is not None:
            message = f"[expected deviation: {case.expected_deviation.reason}] {message}"
        failures.add_row(case.id, ", ".join(c.id for c in case.clauses), message[:300])
    return failures


def _target_summary(console: Console, report: Report, target: Target) -> None:
    if report.cases_of(target.label):
        console.print(_category_table(report, target))
    failures = _failures_table(report, target)
    if failures is not None:
        console.print(failures)
    unexpected = any(c.unexpected for c in report.cases_of(target.label))
    verdict = "[bold red]NOT CONFORMANT[/]" if unexpected else "[bold green]CONFORMANT[/]"
    if not target.reachable:
        verdict = f"[bold red]UNREACHABLE[/] ({target.error})"
    score = target.score
    extra = " (interrupted)" if target.interrupted else ""
    label = f"{target.label}: " if report.several else ""
    console.print(
        f"{label}{verdict}{extra} · score [bold]{score.display}[/]"
        f"{'' if score.value is None else '/100'} "
        f"(weighted {score.earned}/{score.possible}) · {target.duration_s:.1f}s"
    )
    cleanup = target.cleanup
    if cleanup:
        left = cleanup.get("left", 0)
        note = f", [bold red]{left} left behind[/] (run `trc sweep`)" if left else ""
        console.print(
            f"cleanup: {cleanup.get('created', 0)} task(s) created, "
            f"{cleanup.get('deleted', 0)} deleted by the cleanup{note}"
        )


def final_summary(console: Console, report: Report, folder: str | None) -> None:
    """The end of ``trc run``: per target a category table, failures, score and gate."""
    for target in report.targets:
        _target_summary(console, report, target)
    for item in report.deviations.stale if report.deviations else []:
        console.print(
            f"deviation {item.match} now passes on {item.target}: remove it from the file",
            style="yellow",
            markup=False,
        )
    baseline = report.baseline
    if baseline:
        console.print(
            f"against baseline {baseline.run_id}: {baseline.regressions} regression(s), "
            f"{baseline.fixes} fix(es), {baseline.new_failures} new failure(s)",
            markup=False,
        )
    for phase in report.phases:
        if phase.status is not PhaseStatus.RAN:
            console.print(
                f"phase {phase.name}: {phase.status} ({phase.reason or ''})",
                style="yellow",
                markup=False,
            )
    for warning in report.warnings:
        console.print(f"warning: {warning}", style="yellow", markup=False)
    gate = report.gate
    style = "bold green" if gate.passed else "bold red"
    console.print(f"[{style}]{gate.summary.upper() if gate.passed else gate.summary}[/]")
    if folder:
        console.print(f"reports: {folder}", markup=False)
