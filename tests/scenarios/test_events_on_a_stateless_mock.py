"""The events cases against a stateless mock of Twilio's spec (not the reference): it has no
Events resource and no Workspace resource, so nothing passes: the pull case fails and the push
case is an error that says the target could not be pointed at the receiver."""

from __future__ import annotations

from harness.clauses import load_clauses
from harness.reference.fixture import default_fixture
from harness.resources import scenarios_dir
from harness.results.model import Status
from harness.scenarios.discovery import discover
from harness.scenarios.engine import ScenarioEngine
from harness.targets.profile import profile_from_fixture
from harness.targets.resolve import ReadyTarget
from harness.targets.target import Credentials
from tests.fakes import ACCOUNT, TOKEN, serve
from tests.fakes_stateless import StatelessMock

CASES = {"events.pull.errors", "events.push.callback-fields"}


def test_a_stateless_mock_passes_no_events_case() -> None:
    clauses = load_clauses()
    cases = [s for s in discover(scenarios_dir() / "events", clauses) if s.id in CASES]
    assert {s.id for s in cases} == CASES
    with serve(StatelessMock(fresh_sids=True)) as base:
        profile = profile_from_fixture(default_fixture(), 2)
        ready = ReadyTarget("mock", base, Credentials(ACCOUNT, TOKEN), profile)
        with ScenarioEngine(ready, "20260101T000000Z-abc123", clauses=clauses) as engine:
            records = {r.id: r for r in engine.run(cases)}
    assert records["events.pull.errors"].status is Status.FAIL
    push = records["events.push.callback-fields"]
    assert push.status is Status.ERROR
    assert "could not configure callbacks" in (push.reason or "")
