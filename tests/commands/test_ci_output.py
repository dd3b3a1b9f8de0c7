"""`trc run` with its output in a pipe (a CI log): no hard wrap, no trailing spaces, a header per
phase, the fuzz phase's progress with a running count, the seed; spinners end with their phase."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from harness.commands.run import run_command
from harness.phases import PhaseContext, PhaseResult, register_phase, unregister_phase
from harness.reporters.terminal import TerminalReporter, TrimmedLines, make_console
from harness.results.model import CaseRecord, Failure, Status
from tests.report.helpers import SMOKE, invoke

#: longer than 80 columns on its own, so a hard wrap at 80 would have to break it
LONG_ID = (
    "smoke.etag-if-match-" + "with-a-case-identifier-far-longer-than-any-terminal-" * 2 + "end"
)


@pytest.fixture
def long_library(tmp_path: Path) -> Path:
    """scenarios/smoke, with the ETag case (the one etag-ignored breaks) renamed to LONG_ID."""
    folder = tmp_path / "library"
    shutil.copytree(SMOKE, folder)
    etag = folder / "etag.yaml"
    etag.write_text(
        etag.read_text().replace("id: smoke.etag-if-match", f"id: {LONG_ID}", 1), "utf-8"
    )
    return folder


class ProgressFuzz:
    """A fuzz phase that reports progress per step as harness.fuzz does, then its records."""

    name = "fuzz"
    description = "fake fuzzing with progress"
    default = False

    def run(self, ctx: PhaseContext) -> PhaseResult:
        assert ctx.on_start is not None
        ctx.on_start("fuzz examples   CreateTask  12 case(s)")
        ctx.on_start("fuzz coverage   ListTask    30 case(s)")
        record = CaseRecord(
            "fuzz.CreateTask.not_a_server_error", "CreateTask: held", "fuzz", "fuzz", Status.PASS
        )
        if ctx.on_record is not None:
            ctx.on_record(record)
        return PhaseResult(records=[record], seed=ctx.options.seed)


@pytest.fixture
def progress_fuzz() -> Iterator[None]:
    register_phase(ProgressFuzz())
    yield
    unregister_phase("fuzz")


def assert_ci_readable(output: str) -> list[str]:
    lines = output.splitlines()
    trailing = [line for line in lines if line != line.rstrip()]
    assert trailing == [], trailing
    pieces = [line for line in lines if "smoke.etag-if-match" in line]
    assert pieces and all(LONG_ID in line for line in pieces), pieces
    # the tail of the id never stands alone on a line of its own (an orphaned fragment)
    assert not [line for line in lines if "end" in line.split() and LONG_ID not in line]
    assert max(len(line) for line in lines) > 80  # lines are as long as they need
    return lines


@pytest.mark.usefixtures("progress_fuzz")
def test_a_piped_run_is_readable(tmp_path: Path, long_library: Path) -> None:
    result = invoke(
        run_command,
        [
            "--scenarios",
            str(long_library),
            "--phases",
            "scenarios,fuzz",
            "--fault",
            "etag-ignored",
            "--seed",
            "42",
            "--report-dir",
            str(tmp_path / "reports"),
        ],
    )
    assert result.exit_code == 1, result.output
    lines = assert_ci_readable(result.output)
    assert sum(LONG_ID in line for line in lines) >= 2  # its live line and its failures row
    assert "== phase scenarios: 4 case(s) ==" in lines
    assert "== phase fuzz · seed 42 ==" in lines
    assert "  fuzz examples CreateTask 12 case(s) · 12 case(s) so far" in lines
    assert "  fuzz coverage ListTask 30 case(s) · 42 case(s) so far" in lines
    assert "== phase fuzz done: 1 record(s) · seed 42 ==" in lines
    assert any(line.startswith("seed: 42 ") for line in lines)
    assert any(" · seed 42" in line and "trc run" in line for line in lines)
    assert not any("\x1b[" in line for line in lines)  # no colour codes in a log
    # the summary opens with the root causes, the broken ETag case among them
    first = next(i for i, line in enumerate(lines) if line.startswith("Fix these first"))
    assert first < lines.index("Summary by category")
    assert "412" in lines[first + 1] and "1 case(s)" in lines[first + 1]


def test_a_run_piped_by_the_shell_is_readable(tmp_path: Path, long_library: Path) -> None:
    """The real thing: `python -m harness run` writing into a pipe, COLUMNS unset."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "run",
            "--scenarios",
            str(long_library),
            "--phases",
            "scenarios",
            "--fault",
            "etag-ignored",
            "--report-dir",
            str(tmp_path / "reports"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    lines = assert_ci_readable(done.stdout)
    assert "== phase scenarios: 4 case(s) ==" in lines
    assert any(line.startswith("[4/4] PASS ") for line in lines)


def test_trimmed_lines_drop_trailing_spaces_only() -> None:
    sink = io.StringIO()
    stream = TrimmedLines(sink)
    stream.write("a b   \n  c\t\n")
    stream.write("d \x1b[0m\nlast  ")
    assert sink.getvalue() == "a b\n  c\nd\x1b[0m\nlast"
    assert not stream.isatty()


def test_the_console_of_a_pipe_is_wide_and_soft_wrapping() -> None:
    console = make_console(io.StringIO())
    assert not console.is_terminal and console.width > 1000 and console.soft_wrap


def test_spinners_end_when_their_phase_ends() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    reporter = TerminalReporter(console)
    reporter.phase_start("scenarios", 2)
    reporter.begin("a.first")
    reporter.begin("a.second")  # one spinner, updated: never two live displays
    assert reporter.spinning
    reporter.phase_end("scenarios", 0)
    assert not reporter.spinning
    reporter.phase_start("fuzz")
    reporter.progress("fuzz examples CreateTask 3 case(s)")
    assert reporter.spinning
    reporter.phase_end("fuzz", 0, seed=0)  # a phase that ends without a record
    assert not reporter.spinning
    reporter.begin("replay:x")
    reporter.close()
    assert not reporter.spinning


def test_the_case_counter_follows_the_phase() -> None:
    console = Console(file=io.StringIO(), width=200)
    reporter = TerminalReporter(console)
    reporter.phase_start("scenarios", 2)
    record = CaseRecord("a.b", "t", "a", "scenarios", Status.FAIL)
    record.failure = Failure("s", "status", 1, 2, "expected 1, got 2")
    reporter.case(record)
    reporter.phase_start("replay")
    reporter.case(CaseRecord("replay:c:a.b", "t", "a", "replay", Status.PASS))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "[1/2] FAIL " in text and "[1] PASS " in text and "== phase replay ==" in text


def test_fuzz_progress_counts_up_or_shows_the_plan() -> None:
    console = Console(file=io.StringIO(), width=200)
    reporter = TerminalReporter(console)
    reporter.phase_start("fuzz")
    reporter.progress("fuzz examples CreateTask 12 case(s)")
    reporter.progress("fuzz examples ListTask 8 case(s)")
    reporter.progress("fuzz fuzzing UpdateTask 120/554 case(s)")
    reporter.phase_start("fuzz")  # a new phase counts from zero
    reporter.progress("fuzz examples CreateTask 3 case(s)")
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert "  fuzz examples ListTask 8 case(s) · 20 case(s) so far" in lines
    assert "  fuzz fuzzing UpdateTask 120/554 case(s) · 120/554" in lines
    assert "  fuzz examples CreateTask 3 case(s) · 3 case(s) so far" in lines
