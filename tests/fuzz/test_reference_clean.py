"""The clean reference, fuzzed at the default budget: enough cases, nothing broken, no leftovers."""

from __future__ import annotations

import json

import pytest

from harness.fuzz import DEFAULT_MAX_EXAMPLES, DEFAULT_SEED, OPERATIONS, PHASES
from harness.results.model import Status

pytestmark = pytest.mark.slow


def test_default_budget_generates_at_least_500_cases_stateful_included(default_run) -> None:
    _, outcome = default_run
    assert outcome.seed == DEFAULT_SEED
    assert outcome.total_cases >= 500, outcome.summary()
    by_phase = outcome.cases_by("phase")
    assert set(by_phase) == set(PHASES), by_phase
    assert by_phase["stateful"] >= DEFAULT_MAX_EXAMPLES, by_phase
    assert by_phase["fuzzing"] == DEFAULT_MAX_EXAMPLES * len(OPERATIONS), by_phase
    by_operation = outcome.cases_by("operation")
    assert all(by_operation.get(op, 0) > 20 for op in OPERATIONS), by_operation
    by_mode = outcome.cases_by("mode")
    assert by_mode["positive"] > 100 and by_mode["negative"] > 100, by_mode
    # Stateful scenarios reach every linked operation, not only creates.
    stateful = {op for (phase, op, _), n in outcome.cases.items() if phase == "stateful" and n}
    assert {"CreateTask", "FetchTask", "UpdateTask", "DeleteTask"} <= stateful
    assert not outcome.time_exhausted


def test_clean_reference_passes_every_check(default_run) -> None:
    _, outcome = default_run
    problems = [(r.id, r.note, r.failure.message[:300]) for r in outcome.failures if r.failure]
    assert not problems
    assert not [r.id for r in outcome.records if r.status is Status.ERROR]


def test_every_operation_and_check_has_a_record(default_run) -> None:
    _, outcome = default_run
    ids = {r.id.rsplit(".", 1)[0] if r.id.count(".") == 3 else r.id for r in outcome.records}
    for operation in OPERATIONS:
        for check in (
            "not_a_server_error",
            "status_code_conformance",
            "content_type_conformance",
            "response_headers_conformance",
            "response_schema_conformance",
            "negative_data_rejection",
            "positive_data_acceptance",
            "use_after_free",
            "ensure_resource_availability",
            "ignored_auth",
            "invalid_attributes_rejection",
        ):
            assert f"fuzz.{operation}.{check}" in ids
    for record in outcome.records:
        assert record.phase == "fuzz" and record.category == "fuzz"


def test_every_created_task_is_deleted(default_run) -> None:
    reference, outcome = default_run
    assert len(outcome.created) > 20
    assert sorted(outcome.deleted) == sorted(sid for _, sid in outcome.created)
    assert not outcome.cleanup_failures
    assert reference.stored_task_sids() == []


def test_no_auth_token_in_any_record(default_run) -> None:
    reference, outcome = default_run
    text = json.dumps([r.to_dict() for r in outcome.records], default=str)
    assert reference.fixture.auth_token not in text
