"""The embedded reference in its child process (the default): served over loopback from another
interpreter, with the run's faults and clock, never outliving its run, surviving the terminal's
Ctrl-C so the run can clean up, and a one-line exit 3 when it cannot start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from harness.targets import child_process
from harness.targets.embedded import (
    EmbeddedMode,
    EmbeddedServer,
    embedded_mode,
    embedded_server,
)
from harness.targets.errors import TargetConfigError, TargetUnreachable

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 60


@pytest.fixture(autouse=True)
def _child_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRC_EMBEDDED", "process")


def _client(server: EmbeddedServer) -> httpx.Client:
    fixture = server.fixture
    return httpx.Client(
        base_url=server.base_url, auth=(fixture.account_sid, fixture.auth_token), timeout=10
    )


def _gone(url: str, deadline_s: float = DEADLINE_S) -> bool:
    """True once nothing listens on ``url`` any more (polled until the deadline)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            httpx.get(url, timeout=1)
        except httpx.TransportError:
            return True
        threading.Event().wait(0.05)
    return False


def _reference_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("trc-reference")}


def test_the_reference_answers_from_another_process_with_its_faults_and_clock() -> None:
    before = _reference_threads()  # other tests of this worker may have left some
    with embedded_server(["etag-missing"], 2.0, test_clock=True) as server:
        # nothing of this reference runs in this process
        assert not _reference_threads() - before
        with _client(server) as client:
            ws = server.fixture.single.sid
            created = client.post(f"/v1/Workspaces/{ws}/Tasks", data={"Attributes": "{}"})
            assert created.status_code == 201
            assert "etag" not in {k.lower() for k in created.headers}  # the fault is on
            advanced = client.post("/trc/v1/Clock", data={"Advance": "1"})
            assert advanced.status_code == 200
    assert _gone(server.base_url)


def test_without_the_test_clock_the_extension_is_absent() -> None:
    with embedded_server(test_clock=False) as server, _client(server) as client:
        assert client.post("/trc/v1/Clock", data={"Advance": "1"}).status_code == 404


def test_thread_mode_runs_it_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRC_EMBEDDED", "thread")
    assert embedded_mode() is EmbeddedMode.THREAD
    before = _reference_threads()
    with embedded_server() as server:
        assert _reference_threads() - before
        with _client(server) as client:
            ws = server.fixture.single.sid
            assert client.get(f"/v1/Workspaces/{ws}/Tasks").status_code == 200


def test_unset_it_is_a_child_process_where_one_can_be_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TRC_EMBEDDED")
    assert embedded_mode() is EmbeddedMode.PROCESS
    monkeypatch.setattr(sys, "executable", "")
    assert embedded_mode() is EmbeddedMode.THREAD


def test_an_unknown_mode_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRC_EMBEDDED", "fork")
    with pytest.raises(TargetConfigError, match="TRC_EMBEDDED='fork'"):
        embedded_mode()
    result = subprocess.run(
        [sys.executable, "-m", "harness", "run", "--phases", "scenarios", "-k", "smoke"],
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        env={**os.environ, "TRC_EMBEDDED": "fork"},
        check=False,
    )
    assert result.returncode == 2
    assert "TRC_EMBEDDED='fork'" in result.stderr and "Traceback" not in result.stderr


def test_a_child_that_cannot_start_is_one_line_and_exit_3(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'no module named harness' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(broken))
    with (
        pytest.raises(TargetUnreachable, match="did not start: no module named harness"),
        embedded_server(),
    ):
        pass


def test_a_warm_child_is_handed_over_and_an_unused_one_is_stopped() -> None:
    arguments = child_process.child_arguments((), 2.0, True)
    other = child_process.child_arguments(("etag-missing",), 2.0, True)
    child_process.warm_up(arguments)  # outside warming(): starts nothing
    assert not child_process._warm
    with child_process.warming():
        child_process.warm_up(arguments)
        child_process.warm_up(other)
        warm = child_process._warm[arguments][0]
        unused = child_process._warm[other][0]
        taken = child_process.take_or_spawn(arguments)
        assert taken is warm
        with httpx.Client(timeout=10) as client:
            assert client.get(taken.base_url() + "/v1/Workspaces").status_code == 401
        taken.stop()
    assert unused.process.poll() is not None and not child_process._warm


def test_the_child_does_not_outlive_a_killed_run() -> None:
    code = (
        "import sys; from harness.targets.embedded import embedded_server\n"
        "with embedded_server() as s:\n"
        "    print(s.base_url, flush=True); sys.stdin.read()\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TRC_EMBEDDED": "process"},
    )
    try:
        assert parent.stdout is not None
        url = parent.stdout.readline().strip()
        assert httpx.get(url + "/v1/Workspaces", timeout=5).status_code == 401
        parent.kill()  # kill -9: no cleanup code runs in the parent
        parent.wait(timeout=DEADLINE_S)
        assert _gone(url), "the reference's child process outlived the killed run"
    finally:
        parent.kill()
        parent.wait(timeout=DEADLINE_S)


def test_ctrl_c_to_the_terminals_process_group_leaves_the_run_its_server(tmp_path: Path) -> None:
    """The terminal sends SIGINT to the whole foreground group: the run stops, and its cleanup
    still reaches the reference (it is in a session of its own), so nothing is left."""
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harness",
            "run",
            "--phases",
            "scenarios",
            "--jobs",
            "2",
            "--report-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TRC_EMBEDDED": "process", "TRC_PHASES": "", "COLUMNS": "200"},
        start_new_session=True,  # its own group, standing in for the terminal's
    )
    try:
        assert run.stdout is not None
        for line in run.stdout:
            if "lifecycle." in line or "etag." in line or "filtering." in line:
                break  # cases are running
        os.killpg(run.pid, signal.SIGINT)
        run.communicate(timeout=DEADLINE_S)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert run.returncode == 130
    report = json.loads(next(tmp_path.glob("*/report.json")).read_text())
    cleanup = report["targets"][0]["cleanup"]
    assert report["run"]["interrupted"] is True
    assert cleanup["left"] == 0, cleanup
    assert cleanup["created"] >= 1, cleanup
