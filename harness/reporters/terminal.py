"""Live progress (one line per case) and, from the report, the end-of-run summary, with rich.

On a terminal: colours, a transient spinner naming the running case (or the fuzz phase's
progress), tables as wide as the terminal. Anywhere else (a CI log, a pipe, a file) nothing is
hard-wrapped: the console is as wide as a line needs (``PIPE_WIDTH``), soft-wraps instead of
folding, and no line ends with a space; there is no spinner, the fuzz phase's progress is one
line per step instead.

Every phase opens with a header (``== phase scenarios: 125 case(s) ==``) and closes with one
line (its record count and, for the fuzz phase, its seed); the summary opens with the causes to
fix first when the report has them (``harness.reporters.causes_text``).
"""

from __future__ import annotations

import io
import re
import sys
from typing import IO

from rich.console import Console
from rich.markup import escape
from rich.status import Status as Status_
from rich.table import Table

from harness.report.model import Counts, Report, Target
from harness.reporters.causes_text import HEADING, fix_these_first_lines
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
#: the width of the status column of the live lines (NOT-APPLICABLE and NOT-CONFIGURED)
STATUS_WIDTH = max(len(str(s)) for s in Status)

#: The console width when the output is not a terminal: wider than any line the harness prints,
#: so that rich never folds a case id or a message (a CI log wraps, or scrolls, by itself).
PIPE_WIDTH = 10_000

_TRAILING = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)(?=\n|$)")
_FUZZ_COUNT = re.compile(r"(\d+) case\(s\)\s*$")
_FUZZ_PLANNED = re.compile(r"(\d+)/(\d+) case\(s\)\s*$")


class TrimmedLines(io.TextIOBase):
    """A text stream that drops the spaces at the end of every line before passing it on to
    ``sys.stdout`` (looked up at each write, as rich does, so that a CLI runner's capture
    works)."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self._stream = stream

    @property
    def stream(self) -> IO[str]:
        return self._stream or sys.stdout

    def write(self, text: str) -> int:
        self.stream.write(_TRAILING.sub(r"\1", text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


def make_console(stream: IO[str] | None = None) -> Console:
    """The run's console: rich's own on a terminal; unwrapped and trimmed anywhere else."""
    probe = Console(file=stream) if stream is not None else Console()
    if probe.is_terminal:
        return Console(file=stream, highlight=False)
    return Console(
        file=TrimmedLines(stream),
        highlight=False,
        soft_wrap=True,
        width=PIPE_WIDTH,
    )


class TerminalReporter:
    """The live lines of a run: a start line per target, a header per phase, a line per case."""

    def __init__(
        self, console: Console | None = None, verbose: bool = False, prog: str = "trc run"
    ) -> None:
        self.console = console or make_console()
        self.verbose = verbose
        self.prog = prog
        self.done = 0
        #: cases the running phase announced (None: it announces none)
        self.total: int | None = 0
        self._status: Status_ | None = None
        self._fuzz_cases = 0

    def start(
        self,
        meta: RunMeta,
        total: int,
        base_url: str,
        seed: int | None = None,
        rerun_of: str | None = None,
    ) -> None:
        self._end_spinner()
        self.total = total
        self.done = 0
        faults = f" · faults: {', '.join(meta.faults)}" if meta.faults else ""
        rerun = f" · rerun of {rerun_of}" if rerun_of else ""
        phases = f" · phases: {', '.join(meta.phases)}" if meta.phases else ""
        seeded = f" · seed {seed}" if seed is not None else ""
        self.console.print(
            f"[bold]{escape(self.prog)}[/] {escape(meta.run_id)}{escape(rerun)} → "
            f"{escape(meta.target)} ({escape(base_url)}){escape(phases)}{seeded}"
            f"{escape(faults)}"
        )

    def phase_start(self, name: str, total: int | None = None, detail: str = "") -> None:
        """The header of a phase; ``total``: the cases it will run, when known beforehand."""
        self._end_spinner()
        self.done = 0
        self.total = total
        self._fuzz_cases = 0
        count = f": {total} case(s)" if total is not None else ""
        extra = f" · {detail}" if detail else ""
        self.console.print(f"== phase {name}{count}{extra} ==", style="bold", markup=False)

    def phase_end(self, name: str, records: int, seed: int | None = None, status: str = "") -> None:
        """The line closing a phase: its spinner ends here, whatever the phase reported."""
        self._end_spinner()
        seeded = f" · seed {seed}" if seed is not None else ""
        state = f" · {status}" if status else ""
        self.console.print(
            f"== phase {name} done: {records} record(s){seeded}{state} ==",
            style="dim",
            markup=False,
        )

    def note(self, text: str, style: str = "dim") -> None:
        self._end_spinner()
        self.console.print(text, style=style, markup=False)

    def begin(self, case_id: str) -> None:
        """A transient spinner naming the running case (terminals only)."""
        self._spin(f"{case_id} …")

    def progress(self, text: str) -> None:
        """A step of a phase that reports progress rather than cases (the fuzz phase: one text
        per step ending in "N case(s)", counted up here; or "DONE/PLANNED case(s)" when the
        phase knows its plan, shown as it is)."""
        text = " ".join(text.split())
        planned = _FUZZ_PLANNED.search(text)
        counted = None if planned else _FUZZ_COUNT.search(text)
        if planned:
            line = f"{text} · {planned.group(1)}/{planned.group(2)}"
        elif counted:
            self._fuzz_cases += int(counted.group(1))
            line = f"{text} · {self._fuzz_cases} case(s) so far"
        else:
            line = text
        if self.console.is_terminal:
            self._spin(line)
        else:
            self.console.print(f"  {line}", style="dim", markup=False)

    def _spin(self, text: str) -> None:
        if not self.console.is_terminal:
            return
        if self._status is None:
            self._status = self.console.status(escape(text), spinner="dots")
            self._status.start()
        else:
            self._status.update(escape(text))

    def _end_spinner(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    @property
    def spinning(self) -> bool:
        """Whether a spinner is live."""
        return self._status is not None

    def close(self) -> None:
        """End whatever is live (before the summary, and on the way out of a run)."""
        self._end_spinner()

    def case(self, record: CaseRecord) -> None:
        self._end_spinner()
        self.done += 1
        style = STYLES[record.status]
        total = self.total
        # Past the announced count (or without one) there is no total to show: "[126/126]"
        # would read as finished while cases are still coming.
        if total is not None and 0 < self.done <= total:
            counter = f"{self.done:>{len(str(total))}}/{total}"
        else:
            counter = str(self.done)
        line = (
            f"[{counter}] [{style}]{str(record.status).upper():<{STATUS_WIDTH}}[/] "
            f"{escape(record.id)} [dim]({record.duration_s:.2f}s)[/]"
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
    score = target.score
    if not target.reachable:
        verdict = f"[bold red]UNREACHABLE[/] ({target.error})"
    elif unexpected:
        verdict = "[bold red]NOT CONFORMANT[/]"
    elif target.interrupted:
        verdict = "[bold yellow]INCOMPLETE[/]"  # no failure, but not everything ran
    elif score.value is None:
        verdict = "[bold yellow]NOTHING COUNTED[/]"
    else:
        verdict = "[bold green]CONFORMANT[/]"
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
    """The end of ``trc run``: per target its causes, a category table, failures, score; then
    the seed, the gate and the report folder."""
    if report.run.rerun_of:
        console.print(f"rerun of {report.run.rerun_of}: only its failed cases ran", markup=False)
    for line in fix_these_first_lines(report):
        console.print(line, markup=False, style="bold" if line.startswith(HEADING) else None)
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
    for target in report.targets:
        for warning in target.warnings:
            if warning not in report.warnings:
                console.print(f"warning: {warning}", style="yellow", markup=False)
    if report.seed is not None:
        console.print(f"seed: {report.seed} (rerun the fuzz phase with --seed {report.seed})")
    gate = report.gate
    style = "bold green" if gate.passed else "bold red"
    console.print(f"[{style}]{gate.summary.upper() if gate.passed else gate.summary}[/]")
    if folder:
        console.print(f"reports: {folder}", markup=False)
