"""Interrupts of a real ``trc run`` process at chosen moments: nothing is left on the target,
the exit code is 130, the partial report is written and its ``left`` is the server's truth.

The target is the reference behind a tripwire (``tests.fakes_tripwire``) that sends the
signal to the ``trc run`` process itself when a given request reaches the server: a create
the server committed but whose 201 has not left yet (the window where a bookkeeping cleanup
leaks), the fuzz phase's and the replay phase's creates, a probe that hangs, and a second
Ctrl-C in the middle of the cleanup.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.asgi_server import start_in_thread
from tests.fakes_tripwire import (
    Moment,
    Trip,
    Tripwire,
    anything,
    creates,
    deletes,
)

#: a ``trc run`` that does not end within this is a failure (it would hang a user's CI)
PROCESS_DEADLINE_S = 120


@dataclass
class Interrupted:
    code: int
    output: str
    report: dict[str, Any] | None
    left_on_server: list[dict[str, Any]]
    wire: Tripwire
    base_url: str


def _run(tmp_path: Path, trips: list[Trip], *args: str) -> Interrupted:
    wire = Tripwire(trips)
    reports = tmp_path / "reports"
    with start_in_thread(wire) as server:
        command = [
            sys.executable, "-m", "harness", "run", "--target", server.base_url,
            "--profile", str(wire.write_profile(tmp_path)), "--report-dir", str(reports), *args,
        ]  # fmt: skip
        # a run that hangs is shown with every thread's stack (SIGABRT -> faulthandler)
        env = {**os.environ, **wire.env, "COLUMNS": "120", "PYTHONFAULTHANDLER": "1"}
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        wire.pid = process.pid
        try:
            output, _ = process.communicate(timeout=PROCESS_DEADLINE_S)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)
            stacks, _ = process.communicate(timeout=10)
            pytest.fail(f"trc run hung for {PROCESS_DEADLINE_S} s; its threads:\n{stacks}")
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        left = wire.tasks(server.base_url)
    wire.close()
    report_file = reports / "latest" / "report.json"
    report = json.loads(report_file.read_text()) if report_file.exists() else None
    return Interrupted(process.returncode, output, report, left, wire, server.base_url)


def _check_clean(run: Interrupted) -> None:
    assert all(t.fired for t in run.wire.trips), ("the tripwire never fired", run.output)
    assert run.code == 130, run.output
    assert "Aborted!" not in run.output and "Traceback" not in run.output, run.output
    assert run.left_on_server == [], run.output
    assert run.report is not None, run.output
    assert run.report["run"]["interrupted"] is True
    (target,) = run.report["targets"]
    assert target["cleanup"]["left"] == 0


@pytest.mark.parametrize("nth", [1, 7, 40])
def test_an_interrupt_between_a_create_and_its_201_leaves_nothing(tmp_path: Path, nth: int) -> None:
    run = _run(
        tmp_path,
        [Trip(creates, nth=nth, moment=Moment.COMMITTED)],
        "--phases", "scenarios",
    )  # fmt: skip
    _check_clean(run)
    (target,) = run.report["targets"]  # type: ignore[index]
    # every create the server committed is counted, the one whose 201 was held too
    assert target["cleanup"]["created"] == run.wire.created()
    # the run stopped: far fewer creates than a whole run sends (about 600)
    assert sum(1 for m, p, _ in run.wire.log if m == "POST" and p.endswith("/Tasks")) < nth + 30


def test_sigterm_at_a_create_is_the_same_as_ctrl_c(tmp_path: Path) -> None:
    run = _run(
        tmp_path,
        [Trip(creates, nth=3, moment=Moment.COMMITTED, signum=signal.SIGTERM)],
        "--phases", "scenarios",
    )  # fmt: skip
    _check_clean(run)


def test_an_interrupt_in_the_fuzz_phase_leaves_nothing(tmp_path: Path) -> None:
    run = _run(
        tmp_path,
        # only the fuzz phase runs, so every create is one of its cases
        [Trip(creates, nth=5, moment=Moment.COMMITTED)],
        "--phases", "fuzz", "--fuzz-budget", "4:30",
    )  # fmt: skip
    _check_clean(run)
    phases = {p["name"]: p["status"] for p in run.report["targets"][0]["phases"]}  # type: ignore[index]
    assert phases["fuzz"] == "interrupted"


@pytest.mark.parametrize("jobs", ["1", "8"], ids=["in-turn", "side-by-side"])
def test_an_interrupt_in_the_replay_phase_leaves_nothing(tmp_path: Path, jobs: str) -> None:
    run = _run(
        tmp_path,
        [Trip(creates, nth=4, moment=Moment.COMMITTED)],
        "--phases", "replay", "--jobs", jobs,
    )  # fmt: skip
    _check_clean(run)


def test_sigterm_while_the_probe_hangs_exits_130_at_once(tmp_path: Path) -> None:
    # the probe's answer is held for 8 s; the run must not wait for it
    run = _run(
        tmp_path,
        [Trip(anything, nth=1, moment=Moment.ARRIVAL, signum=signal.SIGTERM, hold=8.0)],
        "--phases", "scenarios",
    )  # fmt: skip
    assert run.code == 130, run.output
    assert "Aborted!" not in run.output and "Traceback" not in run.output
    assert run.report is not None and run.report["run"]["interrupted"] is True
    assert run.report["cases"] == [] or all(c["status"] == "skipped" for c in run.report["cases"])
    assert run.left_on_server == []
    assert len(run.wire.log) == 1  # nothing but the probe was sent


@pytest.fixture
def abandoned(tmp_path: Path) -> Iterator[Interrupted]:
    run = _run(
        tmp_path,
        [
            # the paging cases create many tasks in one case: several are live at the stop
            Trip(creates, nth=8, moment=Moment.COMMITTED),
            # the second Ctrl-C lands while the cleanup deletes
            Trip(deletes, nth=2, moment=Moment.ARRIVAL, after=0),
        ],
        "--phases", "scenarios", "--select", "paging",
    )  # fmt: skip
    yield run


def test_a_second_ctrl_c_skips_the_cleanup_and_names_the_sweep_command(
    abandoned: Interrupted,
) -> None:
    run = abandoned
    assert all(t.fired for t in run.wire.trips), run.output
    assert run.code == 130, run.output
    assert "Traceback" not in run.output
    assert "cleanup skipped" in run.output
    assert run.left_on_server, "the cleanup was skipped, so something is left"
    line = next(x.strip() for x in run.output.splitlines() if x.strip().startswith("trc sweep"))
    words = shlex.split(line)
    assert words[:4] == ["trc", "sweep", "--target", run.base_url]
    assert run.report is not None and run.report["run"]["interrupted"] is True
    warnings = " ".join(run.report["targets"][0].get("warnings", []) + run.report["warnings"])
    assert "trc sweep" in warnings
    # the command it names deletes exactly what was left
    wire = run.wire
    with start_in_thread(wire) as server:  # the same app (same state) on a new socket
        words[3] = server.base_url
        env = {**os.environ, **wire.env}
        done = subprocess.run(
            [sys.executable, "-m", "harness", *words[1:]],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert wire.tasks(server.base_url) == []
