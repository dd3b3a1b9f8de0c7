"""The clean reference, fuzzed at the default budget: enough cases, nothing broken, no leftovers."""

from __future__ import annotations

import json

import pytest

from harness.fuzz import DEFAULT_MAX_EXAMPLES, DEFAULT_SEED, OPERATIONS, PHASES
from harness.results.model import Status

pytestmark = pytest.mark.slow

#: Findings on the clean reference that were reviewed by hand and reported as reference/spec
#: defects (not suppressed: the checks stay on and the records stay in every report):
#: - the reference answers an undeclared method with 405 but no ``Allow`` header, which
#:   RFC 9110 section 15.5.6 requires (reported by schemathesis' unsupported_method);
#: - ListTask accepts ``Ordering=`` (empty) with 200, where the spec's pattern makes the empty
#:   string invalid and the reference itself rejects other empty parameters with 400.
#: Keyed by (operation, check, signature); the message must name the cause too.
REPORTED_REFERENCE_DEFECTS = {
    ("CreateTask", "unsupported_method", "UnsupportedMethodResponse:missing_allow_header"): "Allow",
    ("FetchTask", "unsupported_method", "UnsupportedMethodResponse:missing_allow_header"): "Allow",
    ("ListTask", "negative_data_rejection", "AcceptedNegativeData:200"): "Ordering",
}


def _key(record):  # type: ignore[no-untyped-def]
    operation, check = record.id.split(".")[1:3]
    signature = record.note.split(";")[0].removeprefix("signature ")
    return operation, check, signature


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


def test_clean_reference_has_no_failure_but_the_reported_defects(default_run) -> None:
    _, outcome = default_run
    assert not [r.id for r in outcome.records if r.status is Status.ERROR]
    unexpected = []
    for record in outcome.failures:
        cause = REPORTED_REFERENCE_DEFECTS.get(_key(record))
        if cause is None or cause not in record.failure.message:
            unexpected.append((record.id, record.note, record.failure.message[:300]))
    assert not unexpected


@pytest.mark.xfail(
    strict=True,
    reason="reference defects reported to the lead (405 without Allow; empty Ordering "
    "accepted): remove this mark once the reference is fixed",
)
def test_clean_reference_passes_every_check(default_run) -> None:
    _, outcome = default_run
    assert not outcome.failures


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
    token = reference.fixture.auth_token
    text = json.dumps([r.to_dict() for r in outcome.records], default=str)
    assert token not in text
    assert all("$TWILIO_AUTH_TOKEN" in r.curl for r in outcome.failures if r.curl)
    # The Authorization header is kept, but redacted.
    headers = [e.request.headers for r in outcome.failures for e in r.exchanges]
    assert headers and all(h.get("Authorization") == "Basic <redacted>" for h in headers)
