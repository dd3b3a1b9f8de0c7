"""How close to the wire ``trc run`` is: every figure as a ratio to plain httpx requests.

In one run, on this machine:

1. **scenario phase, embedded**: ``trc run --phases scenarios`` against the embedded reference
   (test clock on, as by default), the harness in this process and the reference in its child
   process (``harness.reference.child``, the default); the wire for it is the same number of
   plain httpx requests, in series, from this process against such a child. The requests are
   counted on a second run of the same command with ``TRC_EMBEDDED=thread`` (the reference on
   a thread of this process, where its app can be wrapped); that run's time is printed too.
2. **scenario phase over a URL**: the same against a reference started here *without* the test
   clock (real waits), the harness in a subprocess (``trc run --target URL``); its wire is the
   same number of plain httpx requests from a subprocess against that server.
3. **full run, embedded**: ``trc run`` (scenarios, fuzz, replay), timed and counted the same
   way, against the embedded wire.

A "request" of the wire is one of a create, a fetch, a list and a delete, in turn, on the
Task resource: the same mix of writes and reads a run sends. Phase times are the report's
run duration (plan and report writing excluded; for the full run the command's wall time).
The fuzz phase's own comparison, with ``st run`` on the same budget and seed, is
``benchmarks/fuzz_throughput.py``. It measures and prints; it asserts nothing. Usage::

    python benchmarks/ratios.py [--jobs 4] [--repeat 1]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import yaml  # noqa: E402

import harness.reference.server as reference_server  # noqa: E402
from harness.reference.config import ServerConfig  # noqa: E402
from harness.reference.fixture import Fixture, default_fixture  # noqa: E402
from harness.targets.embedded import EmbeddedMode, embedded_server  # noqa: E402
from harness.targets.profile import profile_from_fixture  # noqa: E402

RETENTION_S = 2.0


class Counter:
    """Counts the requests an ASGI app answers (wraps the reference's app)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def wrap(self, app: Any) -> Any:
        async def counted(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                with self._lock:
                    self.count += 1
            await app(scope, receive, send)

        return counted


COUNTER = Counter()
_create_app = reference_server.create_app
reference_server.create_app = lambda config=None: COUNTER.wrap(_create_app(config))  # type: ignore[assignment]


def wire(base_url: str, fixture: Fixture, count: int) -> float:
    """Seconds for ``count`` plain httpx requests in series (create, fetch, list, delete)."""
    ws = fixture.single.sid
    tasks = f"{base_url}/v1/Workspaces/{ws}/Tasks"
    auth = (fixture.account_sid, fixture.auth_token)
    cycles = max(1, -(-count // 4))  # create, fetch, list, delete: four requests a cycle
    started = time.perf_counter()
    with httpx.Client(auth=auth, timeout=10) as client:
        for _ in range(cycles):
            sid = client.post(tasks, data={"Attributes": '{"type":"support"}'}).json()["sid"]
            client.get(f"{tasks}/{sid}")
            client.get(tasks, params={"PageSize": 20})
            client.delete(f"{tasks}/{sid}")
    # scaled to exactly ``count`` requests
    return (time.perf_counter() - started) * count / (4 * cycles)


def trc_in_process(
    args: list[str], mode: EmbeddedMode = EmbeddedMode.PROCESS
) -> tuple[float, dict[str, Any], int]:
    """``trc ARGS`` in this process with the embedded reference in ``mode``: (wall seconds,
    report.json, requests the reference got; counted only in thread mode, else 0)."""
    from harness.cli import main

    previous = os.environ.get("TRC_EMBEDDED")
    os.environ["TRC_EMBEDDED"] = mode.value
    try:
        with tempfile.TemporaryDirectory() as folder:
            before = COUNTER.count
            started = time.perf_counter()
            with (
                open(os.devnull, "w") as quiet,
                contextlib.redirect_stdout(quiet),
                contextlib.redirect_stderr(quiet),
                contextlib.suppress(SystemExit),
            ):
                main([*args, "--report-dir", folder], standalone_mode=False)
            elapsed = time.perf_counter() - started
            report = json.loads(next(Path(folder).glob("*/report.json")).read_text())
            return elapsed, report, COUNTER.count - before
    finally:
        if previous is None:
            os.environ.pop("TRC_EMBEDDED", None)
        else:
            os.environ["TRC_EMBEDDED"] = previous


def embedded(args: list[str]) -> tuple[float, dict[str, Any], int, float]:
    """``trc ARGS`` against the embedded reference (its child process, the default): (wall
    seconds, report, requests, report duration of the same run in thread mode)."""
    _, thread_report, count = trc_in_process(args, EmbeddedMode.THREAD)
    elapsed, report, _ = trc_in_process(args)
    return elapsed, report, count, thread_report["run"]["duration_s"]


def trc_subprocess(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [sys.executable, "-m", "harness", *args, "--report-dir", folder],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        return json.loads(next(Path(folder).glob("*/report.json")).read_text())


def wire_subprocess(base_url: str, count: int) -> float:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from benchmarks.ratios import wire; "
        "from harness.reference.fixture import default_fixture; "
        "print(wire(sys.argv[2], default_fixture(), int(sys.argv[3])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), base_url, str(count)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def score(report: dict[str, Any]) -> str:
    return str(report["score"]["display"])


def line(name: str, seconds: float, requests: int, wire_s: float, target: float) -> None:
    ratio = seconds / wire_s if wire_s else float("inf")
    mark = "ok" if ratio <= target else "OVER"
    print(
        f"{name:<34} {seconds:7.2f} s  {requests:6d} requests  wire {wire_s:6.2f} s  "
        f"ratio {ratio:5.2f}x  (target <= {target:g}x: {mark})"
    )


def best(times: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(times))


def embedded_wire(count: int, times: int) -> float:
    """The wire of the embedded set-up: the reference in its child process, httpx here."""
    with embedded_server(retention_seconds=RETENTION_S, mode=EmbeddedMode.PROCESS) as server:
        return best(times, lambda: wire(server.base_url, server.fixture, count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None, help="trc run --jobs (default: its own)")
    parser.add_argument("--repeat", type=int, default=1, help="best of N for the wire timings")
    options = parser.parse_args()
    jobs = ["--jobs", str(options.jobs)] if options.jobs else []
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")

    # 1. scenario phase, embedded (test clock on)
    _, report, count, thread_s = embedded(["run", "--phases", "scenarios", *jobs])
    phase_s = report["run"]["duration_s"]
    scenario_wire = embedded_wire(count, options.repeat)
    line(f"scenarios, embedded ({score(report)})", phase_s, count, scenario_wire, 1.5)
    line("  the same, TRC_EMBEDDED=thread", thread_s, count, scenario_wire, 1.5)

    # 2. scenario phase over a URL, no test clock
    server = reference_server.start_in_thread(ServerConfig(retention_seconds=RETENTION_S))
    try:
        fixture = server.config.fixture
        with tempfile.TemporaryDirectory() as folder:
            profile = Path(folder) / "profile.yaml"
            data = profile_from_fixture(default_fixture(), RETENTION_S).data
            profile.write_text(yaml.safe_dump(data))
            env = {
                **os.environ,
                "TWILIO_ACCOUNT_SID": fixture.account_sid,
                "TWILIO_AUTH_TOKEN": fixture.auth_token,
            }
            before = COUNTER.count
            args = ["run", "--target", server.base_url, "--profile", str(profile)]
            report = trc_subprocess([*args, "--phases", "scenarios", *jobs], env)
            count = COUNTER.count - before
        url_wire = best(options.repeat, lambda: wire_subprocess(server.base_url, count))
    finally:
        server.stop()
    line(f"scenarios, URL ({score(report)})", report["run"]["duration_s"], count, url_wire, 2.5)

    # 3. the full run, embedded
    full_s, report, count, _ = embedded(["run", *jobs])
    full_wire = embedded_wire(count, options.repeat)
    line(f"full trc run, embedded ({score(report)})", full_s, count, full_wire, 5.0)


if __name__ == "__main__":
    main()
