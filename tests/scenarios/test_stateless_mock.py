"""The shipped library against a stateless spec-driven mock (tests/fakes_stateless.py): no case
passes whose expectation depends on state the mock does not keep, and the top cause names the
missing state."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from harness.results.model import CaseRecord, Status
from harness.scenarios.discovery import discover, load_clause_registry
from harness.scenarios.engine import ScenarioEngine
from harness.scenarios.identity import depends_on_identity
from harness.speccheck.openapi import SpecChecker
from harness.targets.profile import TargetProfile
from harness.targets.resolve import ReadyTarget
from harness.targets.target import Credentials
from tests.fakes import ACCOUNT, TOKEN, serve
from tests.fakes_stateless import StatelessMock
from tests.fixtures.engine import FAKE_URL, Sleeper

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

#: the 8 filtering scenarios issue 12 saw pass against such a mock
NAMED = {
    "filtering.expr-nested-keys",
    "filtering.expr-constant-either-side",
    "filtering.expr-boolean-literal",
    "filtering.expr-mixed-types",
    "filtering.expr-string-case",
    "filtering.expr-eq-single",
    "filtering.expr-has-alias",
    "filtering.expr-and",
}

#: cases that may pass against a stateless mock, and why their verdict does not rest on state
STATE_FREE = {
    "smoke.auth-required": "a request without credentials is refused (401)",
    "auth.wrong-account-sid": "requests with a foreign Account SID or a Bearer token get 401",
    "auth.no-credentials": "requests without credentials get 401",
    "auth.wrong-token": "requests with a wrong token get 401",
    "validation.ignore-capacity-without-worker": "a create with IgnoreCapacity is accepted",
    "validation.unknown-task-404": "an unknown SID is 404 (the mock answers 200: it fails)",
}


def run_library(engine: ScenarioEngine) -> list[CaseRecord]:
    clauses, _ = load_clause_registry()
    return engine.run(discover(SCENARIOS, clauses))


def run_against(mock: StatelessMock, profile: TargetProfile, spec: SpecChecker) -> list[CaseRecord]:
    sleeper = Sleeper()
    target = ReadyTarget("mock", FAKE_URL, Credentials(ACCOUNT, TOKEN), profile)
    engine = ScenarioEngine(
        target,
        "20260101T000000Z-abc123",
        spec=spec,
        transport=mock.transport(),
        sleep=sleeper.sleep,
    )
    engine.services.monotonic = sleeper.monotonic
    with engine:
        return run_library(engine)


@pytest.fixture(scope="module")
def records(profile: TargetProfile, spec_checker: SpecChecker) -> list[CaseRecord]:
    return run_against(StatelessMock(), profile, spec_checker)


def test_no_case_passes_that_depends_on_state(records: list[CaseRecord]) -> None:
    passed = {r.id for r in records if r.status is Status.PASS}
    assert passed <= set(STATE_FREE), sorted(passed - set(STATE_FREE))
    assert not passed & NAMED
    for category in ("filtering", "paging", "ordering", "etag", "lifecycle", "retention"):
        assert not {p for p in passed if p.startswith(category + ".")}, category
    assert len(records) >= 120


def test_the_named_filtering_cases_could_not_run_for_the_missing_state(
    records: list[CaseRecord],
) -> None:
    named = {r.id: r for r in records if r.id in NAMED}
    assert set(named) == NAMED
    for record in named.values():
        assert record.status in (Status.SKIPPED, Status.FAIL), record.id
        assert (record.cause or "").startswith("state."), (record.id, record.cause)


def test_the_missing_state_is_the_top_cause_and_is_detected_once(
    records: list[CaseRecord],
) -> None:
    problems = [r for r in records if r.status is not Status.PASS]
    causes = Counter(r.cause for r in problems)
    top, count = causes.most_common(1)[0]
    assert top == "state.sids-reused" and count >= 0.8 * len(problems), causes
    state = [r for r in problems if (r.cause or "").startswith("state.")]
    assert len(state) >= 0.8 * len(problems)
    detected = [r for r in records if r.cause == "state.sids-reused" and r.status is Status.FAIL]
    assert len(detected) == 1 and detected[0].failure is not None
    assert "SIDs are reused" in detected[0].failure.message
    skipped = [r for r in records if r.status is Status.SKIPPED]
    assert all(r.cause and "does not keep state" in (r.reason or "") for r in skipped)
    # every case that could not run depends on the identity of its tasks
    clauses, _ = load_clause_registry()
    library = {s.id: s for s in discover(SCENARIOS, clauses)}
    assert all(depends_on_identity(library[r.id]) for r in skipped)


def test_a_mock_with_fresh_sids_gets_no_false_pass_either(
    profile: TargetProfile, spec_checker: SpecChecker
) -> None:
    records = run_against(StatelessMock(fresh_sids=True), profile, spec_checker)
    passed = {r.id for r in records if r.status is Status.PASS}
    assert passed <= set(STATE_FREE), sorted(passed - set(STATE_FREE))
    causes = Counter(r.cause for r in records if r.status is not Status.PASS)
    # SIDs are new, but lists and fetches still answer the one example task
    assert causes["state.foreign-tasks"] + causes["state.other-task"] >= 0.5 * sum(causes.values())
    assert causes["state.sids-reused"] == 0


def test_over_a_real_socket_the_smoke_cases_are_flagged(profile: TargetProfile) -> None:
    clauses, _ = load_clause_registry()
    smoke = discover(SCENARIOS / "smoke", clauses)
    with serve(StatelessMock()) as url:  # type: ignore[arg-type]
        target = ReadyTarget("mock", url, Credentials(ACCOUNT, TOKEN), profile)
        with ScenarioEngine(target, "20260101T000000Z-abc123") as engine:
            records = engine.run(smoke)
    statuses = {r.id: (r.status, r.cause) for r in records}
    assert statuses.pop("smoke.auth-required") == (Status.PASS, None)
    assert statuses and all(status is not Status.PASS for status, _ in statuses.values())
    # the run's first create cannot know yet; every later create finds the SID reused
    assert statuses["smoke.etag-if-match"] == (Status.FAIL, "state.sids-reused")
    assert statuses["smoke.list-filtered-by-run-tag"] == (Status.SKIPPED, "state.sids-reused")


def test_the_report_opens_with_the_missing_state(records: list[CaseRecord]) -> None:
    """The typed report of that run: its first cause is "the target does not keep state", and
    it covers most of what did not pass and most of the points lost."""
    from tests.report.helpers import document

    report = document({"mock": records})
    (target,) = report.targets
    top = target.causes[0]
    assert top.signature == "state.sids-reused"
    assert "does not keep state" in top.title
    not_passed = [r for r in records if r.status is not Status.PASS]
    assert len(top.case_ids) >= 0.8 * len(not_passed)
    lost = sum(c.points_lost for c in target.causes)
    assert top.points_lost >= 0.8 * lost
    assert target.score.value is not None and target.score.value < 10
