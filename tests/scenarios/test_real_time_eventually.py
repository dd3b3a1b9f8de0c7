"""``eventually: {real_time: true}``: a poll for what the target does soon on its own (an event
logged, a callback answered) runs in real time even when the target has a test clock. It
never advances the clock, so the case need not hold the clock and runs beside others; a poll
for what time makes happen (a TTL) still advances it."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.scenarios.loader import ScenarioLoadError, load_file_scenarios
from harness.scenarios.model import Scenario
from harness.scenarios.schedule import claim_for
from harness.targets.embedded import EMBEDDED_RETENTION_SECONDS, embedded_server
from harness.targets.profile import profile_from_fixture
from tests.scenarios.test_test_clock import run_cases

HEAD = """\
id: rt.{name}
title: t
clauses: [task.create.timeout-ttl-cancel]
tags: [lifecycle]
steps:
  - name: create
    request:
      method: POST
      path: /v1/Workspaces/{{ws}}/Tasks
      form: {{Attributes: '{{"type":"support"}}', Timeout: {timeout}}}
    expect: {{status: 201}}
    save: {{task_sid: sid}}
  - name: poll
    request: {{method: GET, path: "/v1/Workspaces/{{ws}}/Tasks/{{task_sid}}"}}
    eventually: {{within: {within}, every: 0.1{extra}}}
    expect: {{status: 200, json: {{assignment_status: {status}}}}}
"""


def load(tmp_path: Path, name: str, **fields: object) -> Scenario:
    values = {"timeout": 3600, "within": 2, "extra": "", "status": "pending", **fields}
    path = tmp_path / "lifecycle" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEAD.format(name=name, **values))
    (scenario,) = load_file_scenarios(path, tmp_path)
    return scenario


def test_a_real_time_poll_does_not_hold_the_clock(tmp_path: Path) -> None:
    real = load(tmp_path, "real", extra=", real_time: true")
    clocked = load(tmp_path, "clocked")
    assert real.steps[1].eventually is not None and real.steps[1].eventually.real_time
    assert not claim_for(real, shared_clock=True).waits_on_clock
    assert claim_for(clocked, shared_clock=True).waits_on_clock


def test_with_a_test_clock_a_real_time_poll_advances_nothing(tmp_path: Path) -> None:
    with embedded_server((), EMBEDDED_RETENTION_SECONDS, test_clock=True) as server:
        profile = profile_from_fixture(server.fixture, EMBEDDED_RETENTION_SECONDS, test_clock=True)
        # passes at once
        records, engine = run_cases(
            server, profile, [load(tmp_path, "now", extra=", real_time: true")]
        )
        assert records[0].status.value == "pass", records[0].failure
        assert engine.services.clock is not None and engine.services.clock.advanced == 0
        # never holds within 0.5 real seconds: fails, still without advancing the clock
        never = load(tmp_path, "never", within=0.5, extra=", real_time: true", status="canceled")
        records, engine = run_cases(server, profile, [never])
    (record,) = records
    assert record.status.value == "fail"
    assert record.failure is not None and "eventually within 0.5s" in record.failure.message
    assert engine.services.clock is not None and engine.services.clock.advanced == 0
    assert record.duration_s >= 0.4


def test_a_ttl_poll_without_real_time_advances_the_clock(tmp_path: Path) -> None:
    ttl = load(tmp_path, "ttl", timeout=1, within=5, status="canceled")
    with embedded_server((), EMBEDDED_RETENTION_SECONDS, test_clock=True) as server:
        profile = profile_from_fixture(server.fixture, EMBEDDED_RETENTION_SECONDS, test_clock=True)
        records, engine = run_cases(server, profile, [ttl])
    assert records[0].status.value == "pass", records[0].failure
    # most of the 1 s TTL came from the clock, the rest from the real time the polls took
    assert engine.services.clock is not None and engine.services.clock.advanced >= 0.5


def test_real_time_must_be_a_boolean(tmp_path: Path) -> None:
    with pytest.raises(ScenarioLoadError) as caught:
        load(tmp_path, "bad", extra=", real_time: maybe")
    assert "real_time" in str(caught.value)
