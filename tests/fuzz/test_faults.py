"""Faults only fuzzing can see are caught by fuzzing alone (no scenario, no hint)."""

from __future__ import annotations

import json

import pytest

from tests.fuzz.support import SMALL, Reference

pytestmark = pytest.mark.slow

#: fault -> the checks, any of which catching it counts.
FAULTS = {
    "server-error-on-bad-priority": {"not_a_server_error"},
    "etag-missing": {"response_headers_conformance"},
    "wrong-content-type": {"content_type_conformance"},
    "priority-as-string": {"response_schema_conformance"},
    "invalid-attributes-accepted": {"invalid_attributes_rejection", "negative_data_rejection"},
    "created-task-unfetchable": {"ensure_resource_availability"},
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_is_caught_by_fuzzing(fault: str) -> None:
    reference = Reference(frozenset({fault}))
    outcome = reference.fuzz(max_examples=SMALL)
    checks = {r.failure.expectation for r in outcome.failures if r.failure}
    assert checks & FAULTS[fault], sorted(checks)
    record = next(r for r in outcome.failures if r.failure.expectation in FAULTS[fault])
    assert record.exchanges and record.exchanges[-1].response is not None
    assert record.curl and record.curl.startswith("curl ")
    # No secret in the records (the Authorization header is kept, redacted; the curl line
    # reads the credentials from the environment), and nothing left behind.
    assert reference.fixture.auth_token not in json.dumps(
        [r.to_dict() for r in outcome.records], default=str
    )
    assert "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN" in record.curl
    assert all(
        e.request.headers.get("Authorization") == "Basic <redacted>" for e in record.exchanges
    )
    assert reference.stored_task_sids() == []


def test_ignored_auth_catches_a_server_that_accepts_any_credentials() -> None:
    reference = Reference(frozenset({"auth-ignored"}))
    outcome = reference.fuzz(max_examples=3, phases=("fuzzing",), operations=("ListTask",))
    assert "fuzz.ListTask.ignored_auth" in {r.id for r in outcome.failures}


def test_valid_data_answered_401_is_a_failure() -> None:
    """positive_data_acceptance does not take 401 for an answer to valid credentials."""
    reference = Reference()
    outcome = run_with_token(reference, "not-the-token")
    failed = {r.id: r for r in outcome.failures}
    record = failed["fuzz.ListTask.positive_data_acceptance"]
    assert record.failure.actual == 401


def run_with_token(reference: Reference, token: str):  # type: ignore[no-untyped-def]
    from harness.fuzz import options_for_fixture, run_fuzz

    options = options_for_fixture(
        reference.fixture,
        app=reference.app,
        max_examples=3,
        phases=("fuzzing",),
        operations=("ListTask",),
    )
    options.auth_token = token
    return run_fuzz(options)
