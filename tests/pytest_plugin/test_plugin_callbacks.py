"""The pytest plugin and the push channel: a push case passes in one process against a URL
target; under xdist the workers would fight over the target's callback URLs, so there the push
cases are skipped as not configured (and the target is never pointed at any receiver)."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from harness.reference.config import ServerConfig
from harness.reference.server import RunningServer, start_in_thread
from harness.resources import scenarios_dir
from harness.targets.profile import profile_from_fixture

pytest_plugins = ["pytester"]
QUIET = ["-p", "no:benchmark", "-p", "no:schemathesis", "-p", "no:hypothesispytest"]
SELECT = "events.push.task-created or events.pull.task-created"


def _plugin_args() -> list[str]:
    names = {ep.value for ep in importlib.metadata.entry_points(group="pytest11")}
    own = [] if "harness.pytest_plugin" in names else ["-p", "harness.pytest_plugin"]
    return [*own, *QUIET]


@pytest.fixture
def server() -> Iterator[RunningServer]:
    running = start_in_thread(ServerConfig(retention_seconds=2))
    try:
        yield running
    finally:
        running.stop()


def _run(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    server: RunningServer,
    *extra: str,
) -> pytest.RunResult:
    fixture = server.config.fixture
    profile = pytester.path / "profile.yaml"
    profile.write_text(yaml.safe_dump(profile_from_fixture(fixture, 2).data))
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", fixture.account_sid)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", fixture.auth_token)
    return pytester.runpytest_subprocess(
        *_plugin_args(), "--trc-target", server.base_url, "--trc-profile", str(profile),
        "--trc-scenarios", str(scenarios_dir() / "events"), "-k", SELECT,
        "-p", "no:cacheprovider", "-rs", *extra,
    )  # fmt: skip


def _event_callback_urls(server: RunningServer) -> set[object]:
    fixture = server.config.fixture
    auth = (fixture.account_sid, fixture.auth_token)
    return {
        httpx.get(f"{server.base_url}/v1/Workspaces/{ws.sid}", auth=auth).json()[
            "event_callback_url"
        ]
        for ws in fixture.workspaces
    }


def test_a_push_case_passes_in_one_process(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: RunningServer
) -> None:
    result = _run(pytester, monkeypatch, server)
    result.assert_outcomes(passed=2)
    assert _event_callback_urls(server) == {None}  # put back
    fixture = server.config.fixture
    auth = (fixture.account_sid, fixture.auth_token)
    single = httpx.get(f"{server.base_url}/v1/Workspaces/{fixture.single.sid}", auth=auth)
    assert single.json()["date_updated"] is not None  # it was pointed at the receiver


def test_under_xdist_push_cases_are_not_configured(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: RunningServer
) -> None:
    result = _run(pytester, monkeypatch, server, "-n", "2")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*not-configured*pytest-xdist workers share*"])
    assert _event_callback_urls(server) == {None}
    # the target was never pointed at a receiver: its workspaces were never updated
    fixture = server.config.fixture
    auth = (fixture.account_sid, fixture.auth_token)
    for ws in fixture.workspaces:
        body = httpx.get(f"{server.base_url}/v1/Workspaces/{ws.sid}", auth=auth).json()
        assert body["date_updated"] is None, ws.sid


def test_the_channel_warnings_reach_the_terminal_summary(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: RunningServer
) -> None:
    fixture = server.config.fixture
    auth = (fixture.account_sid, fixture.auth_token)
    ws_url = f"{server.base_url}/v1/Workspaces/{fixture.single.sid}"
    httpx.post(ws_url, data={"EventsFilter": "task.created"}, auth=auth)
    result = _run(pytester, monkeypatch, server)
    result.assert_outcomes(passed=2)  # task.created is inside the filter
    result.stdout.fnmatch_lines(["*trc: warning: *EventsFilter=task.created*"])
