"""``trc serve`` / ``trc fixture`` as processes, and SQLite persistence across kill -9."""

from __future__ import annotations

import json
import signal
import socket
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(base, timeout=0.5)
                break
            except httpx.TransportError as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    output = proc.stdout.read() if proc.stdout else "no output"
                    raise AssertionError(output) from exc
                time.sleep(0.05)
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)


def test_fixture_command_prints_json() -> None:
    out = subprocess.run([sys.executable, "-m", "harness", "fixture"], capture_output=True,
                         text=True, check=True).stdout
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
        output = proc.communicate(timeout=10)[0]
    assert base in output and FX.account_sid in output and FX.auth_token in output


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
