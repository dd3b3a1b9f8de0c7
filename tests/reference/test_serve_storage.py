"""``trc serve`` / ``trc fixture`` as processes, and SQLite persistence across kill -9."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from harness.reference.fixture import default_fixture

FX = default_fixture()
AUTH = (FX.account_sid, FX.auth_token)


@contextmanager
def serve(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``trc serve --port 0`` in a subprocess; yields it and the base URL it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)", first)
        assert match, first + (proc.stdout.read() if proc.poll() is not None else "")
        base = match.group(1)
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base, timeout=1)
                break
            except httpx.TransportError as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"server at {base} never answered") from exc
                time.sleep(0.05)
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)


def test_fixture_command_prints_json() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "harness", "fixture"], capture_output=True, text=True, check=True
    ).stdout
    data = json.loads(out)
    assert data["account_sid"] == FX.account_sid
    assert len(data["workspaces"]["single"]["workflows"]) == 1
    assert len(data["workspaces"]["multi"]["workflows"]) == 2
    channels = {c["unique_name"] for c in data["workspaces"]["single"]["task_channels"]}
    assert channels == {"default", "voice", "sms", "chat"}
    assert data["workspaces"]["single"]["workers"][0]["sid"].startswith("WK")


def test_serve_prints_url_and_credentials_and_serves(tmp_path: Path) -> None:
    with serve() as (proc, base):
        tasks = f"{base}/v1/Workspaces/{FX.single.sid}/Tasks"
        created = httpx.post(tasks, auth=AUTH, data={"Attributes": '{"a": 1}'})
        assert created.status_code == 201
        assert created.json()["url"].startswith(f"{base}/v1/")
        assert created.headers["etag"] == "0"
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
        assert proc.stdout is not None
        output = proc.stdout.read()  # not communicate(): it would skip readline's buffer
    assert f"TWILIO_ACCOUNT_SID={FX.account_sid}" in output
    assert f"TWILIO_AUTH_TOKEN={FX.auth_token}" in output and FX.single.sid in output
    assert "Traceback" not in output


def test_db_keeps_acknowledged_tasks_across_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "tasks.db"
    with serve("--db", str(db)) as (proc, base):
        tasks = f"{base}/v1/Workspaces/{FX.single.sid}/Tasks"
        sids = [httpx.post(tasks, auth=AUTH).json()["sid"] for _ in range(5)]
        httpx.post(f"{tasks}/{sids[0]}", auth=AUTH, data={"Priority": "9"})
        proc.kill()
        proc.wait(10)
    with serve("--db", str(db)) as (_, base):
        tasks = f"{base}/v1/Workspaces/{FX.single.sid}/Tasks"
        listed = httpx.get(tasks, auth=AUTH).json()["tasks"]
        assert [t["sid"] for t in listed] == sids
        first = httpx.get(f"{tasks}/{sids[0]}", auth=AUTH)
        assert first.json()["priority"] == 9 and first.headers["etag"] == "1"


def test_without_db_tasks_are_in_memory() -> None:
    with serve() as (proc, base):
        tasks = f"{base}/v1/Workspaces/{FX.single.sid}/Tasks"
        httpx.post(tasks, auth=AUTH)
        proc.kill()
        proc.wait(10)
    with serve() as (_, base):
        tasks = f"{base}/v1/Workspaces/{FX.single.sid}/Tasks"
        assert httpx.get(tasks, auth=AUTH).json()["tasks"] == []
