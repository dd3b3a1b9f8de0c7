"""The plugin's errors under pytest and pytest-xdist: one line naming the cause and the fix,
a non-zero exit, never INTERNALERROR (issue 13, point 8).

Each test runs pytest in a subprocess from a temporary folder holding one trivial test file,
the way a user's CI job would."""

from __future__ import annotations

import importlib.metadata
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.resources import scenarios_dir

#: Plugins the inner runs do not need (faster start, no benchmark-under-xdist warnings).
QUIET = ["-p", "no:benchmark", "-p", "no:schemathesis", "-p", "no:hypothesispytest"]
QUIET += ["-p", "no:cacheprovider", "-p", "no:randomly"]

#: pytest's exit codes this plugin uses: usage error (bad options) and unreachable target.
USAGE_ERROR = int(pytest.ExitCode.USAGE_ERROR)
UNREACHABLE = 3

XDIST = ["-p", "xdist", "-n", "2"]


def _plugin_args() -> list[str]:
    """``-p harness.pytest_plugin`` unless the installed entry point already loads it."""
    names = {ep.value for ep in importlib.metadata.entry_points(group="pytest11")}
    own = [] if "harness.pytest_plugin" in names else ["-p", "harness.pytest_plugin"]
    return [*own, *QUIET]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A user's folder: one trivial test and the smoke scenarios."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_trivial.py").write_text("def test_trivial_smoke():\n    assert True\n")
    return tmp_path


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "PYTEST_", "COV_CORE"))
    }
    env.update(extra)
    return env


CREDENTIALS = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "secret-token"}


def _pytest(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", *_plugin_args(), *args],
        cwd=project,
        env=env if env is not None else _env(**CREDENTIALS),
        capture_output=True,
        text=True,
        timeout=240,
    )


def _the_line(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """The one output line holding every needle; no INTERNALERROR and no traceback anywhere."""
    out = result.stdout + result.stderr
    assert "INTERNALERROR" not in out, out
    assert "Traceback" not in out, out
    lines = [line for line in out.splitlines() if all(n in line for n in needles)]
    assert len(lines) == 1, out
    return lines[0]


@pytest.fixture
def closed_url() -> Iterator[str]:
    """A local port that is bound but never listens: every connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.parametrize("workers", [[], XDIST], ids=["plain", "xdist"])
def test_an_unreachable_target_is_one_line_and_exit_3(
    project: Path, closed_url: str, workers: list[str]
) -> None:
    result = _pytest(project, *workers, "--trc-target", closed_url, "--trc-profile", "reference")
    line = _the_line(result, "unreachable")
    assert closed_url in line and "--trc-target" in line
    assert result.returncode == UNREACHABLE
    assert "test_trivial" not in result.stdout  # stopped before anything ran


@pytest.mark.parametrize("workers", [[], XDIST], ids=["plain", "xdist"])
def test_missing_credentials_name_the_environment_variables(
    project: Path, closed_url: str, workers: list[str]
) -> None:
    result = _pytest(
        project, *workers, "--trc-target", closed_url, "--trc-profile", "reference", env=_env()
    )
    line = _the_line(result, "credentials")
    assert "TWILIO_ACCOUNT_SID" in line and "TWILIO_AUTH_TOKEN" in line
    assert result.returncode == USAGE_ERROR


def test_one_missing_credential_is_the_one_named(project: Path, closed_url: str) -> None:
    env = _env(TWILIO_ACCOUNT_SID=CREDENTIALS["TWILIO_ACCOUNT_SID"])
    result = _pytest(
        project, *XDIST, "--trc-target", closed_url, "--trc-profile", "reference", env=env
    )
    line = _the_line(result, "credentials")
    assert "TWILIO_AUTH_TOKEN" in line and "TWILIO_ACCOUNT_SID" not in line
    assert result.returncode == USAGE_ERROR


@pytest.mark.parametrize("workers", [[], XDIST], ids=["plain", "xdist"])
def test_a_missing_profile_file_names_the_option(
    project: Path, closed_url: str, workers: list[str]
) -> None:
    result = _pytest(project, *workers, "--trc-target", closed_url, "--trc-profile", "nope.yaml")
    line = _the_line(result, "nope.yaml")
    assert "--trc-profile" in line and "no such file" in line
    assert result.returncode == USAGE_ERROR


def test_a_malformed_profile_names_the_option_and_the_line(project: Path, closed_url: str) -> None:
    (project / "profile.yaml").write_text("workspaces: [1\n")
    result = _pytest(project, *XDIST, "--trc-target", closed_url, "--trc-profile", "profile.yaml")
    line = _the_line(result, "profile.yaml:")
    assert "--trc-profile" in line and "not a valid profile" in line
    assert result.returncode == USAGE_ERROR


def test_a_url_without_a_profile_names_the_option(project: Path, closed_url: str) -> None:
    result = _pytest(project, *XDIST, "--trc-target", closed_url)
    line = _the_line(result, "needs --trc-profile")
    assert closed_url in line
    assert result.returncode == USAGE_ERROR


def test_a_bad_target_value_is_one_line(project: Path) -> None:
    result = _pytest(project, *XDIST, "--trc-target", "ftp://example.invalid")
    _the_line(result, "ftp://example.invalid", "http(s)://")
    assert result.returncode == USAGE_ERROR


class _AnswersOnce:
    """A server that answers the first connection (the controller's probe) and then closes
    its listening socket, so every later connection (the workers') is refused: a target that
    goes down between the check and the run."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        self.sock.close()  # before answering: no later connection can get in
        with conn:
            conn.recv(65536)
            body = b'{"tasks": [], "meta": {}}'
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + b"Content-Length: %d\r\n\r\n" % len(body)
                + body
            )

    def close(self) -> None:
        self.sock.close()
        self.thread.join(timeout=10)


def test_a_target_lost_after_the_check_fails_items_in_workers_without_internalerror(
    project: Path,
) -> None:
    server = _AnswersOnce()
    try:
        result = _pytest(
            project, *XDIST, "--trc-target", server.url, "--trc-profile", "reference",
            "--trc-scenarios", str(scenarios_dir() / "smoke"), "-k", "etag or auth or trivial",
        )  # fmt: skip
    finally:
        server.close()
    out = result.stdout + result.stderr
    assert "INTERNALERROR" not in out, out
    assert result.returncode == int(pytest.ExitCode.TESTS_FAILED), out
    assert "1 passed" in out and "2 failed" in out, out  # the trivial test still passes
    failures = [line for line in out.splitlines() if line.startswith("FAILED")]
    assert len(failures) == 2, out
    reasons = [line for line in out.splitlines() if line.startswith("trc: target")]
    assert len(reasons) == 2, out
    assert all(f"{server.url} is unreachable" in line for line in reasons), out
    assert "During handling" not in out and "Traceback" not in out, out


def test_a_healthy_embedded_target_still_passes_under_xdist(project: Path) -> None:
    result = _pytest(project, *XDIST, "--trc-target", "embedded", "-k", "smoke", env=_env())
    out = result.stdout + result.stderr
    assert "INTERNALERROR" not in out, out
    assert result.returncode == int(pytest.ExitCode.OK), out
    assert "failed" not in out and " passed" in out, out
