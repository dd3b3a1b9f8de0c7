"""Honest fuzz verdicts: unsupported features are not fuzzed, a check that could not look is
not-applicable, one behaviour is one verdict, a 4xx with the wrong code is a rejection with the
wrong status, and every failure carries the root-cause signature the other phases share."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest

from harness.fuzz import FuzzOutcome, options_for_fixture, run_fuzz
from harness.fuzz.options import options_for_target
from harness.fuzz.verdicts import cause_of, unsupported_features, wrong_status_text
from harness.results.model import CaseRecord, RecordedRequest, Status
from harness.targets.features import features_of_request
from tests.fakes_partial import PartialClone
from tests.fuzz.support import SMALL, Reference

CREATE = {"responses": {"201": {}, "400": {}, "401": {}, "404": {}, "429": {}}}
UPDATE = {"responses": {"200": {}, "400": {}, "401": {}, "404": {}, "412": {}, "429": {}}}


def fuzz_clone(clone: PartialClone, unsupported: frozenset[str] = frozenset()) -> FuzzOutcome:
    return run_fuzz(
        options_for_fixture(clone.fixture, app=clone, max_examples=SMALL, unsupported=unsupported)
    )


def uses(request: RecordedRequest) -> set[str]:
    params = dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))
    params.update(parse_qsl(request.body or "", keep_blank_values=True))
    return {str(f) for f in features_of_request(params, request.headers)}


def failing_features(records: list[CaseRecord]) -> set[str]:
    return {
        feature
        for r in records
        if r.status.is_problem
        for e in r.exchanges[-1:]
        for feature in uses(e.request)
    }


def checks(outcome: FuzzOutcome, check: str) -> dict[str, CaseRecord]:
    return {r.id.split(".")[1]: r for r in outcome.records if r.id.split(".")[2:3] == [check]}


# -- unsupported means unsupported ---------------------------------------------------------------


@pytest.mark.slow
def test_a_partial_clone_fails_no_fuzz_case_that_uses_its_unsupported_feature() -> None:
    # Without the declaration, the clone's refusals of VirtualStartTime are failures: the
    # proof below is not vacuous.
    undeclared = PartialClone()
    assert "virtual-start-time" in failing_features(fuzz_clone(undeclared).records)
    assert undeclared.refused

    clone = PartialClone()
    outcome = fuzz_clone(clone, frozenset(clone.unsupported))
    assert clone.refused == []  # not one request with VirtualStartTime reached the clone
    assert "virtual-start-time" not in failing_features(outcome.records)
    assert not [r.id for r in outcome.records if r.status.is_problem]
    left_out = {r.id: r for r in outcome.records if r.status is Status.UNSUPPORTED}
    assert {"fuzz.CreateTask.unsupported.virtual-start-time"} <= set(left_out)
    assert "fuzz.ListTask.unsupported.virtual-start-time" in left_out
    record = left_out["fuzz.CreateTask.unsupported.virtual-start-time"]
    assert "declares unsupported: virtual-start-time" in (record.reason or "")
    assert record.curl and "VirtualStartTime" in record.curl
    assert any("were not sent" in w for w in outcome.warnings)


def test_the_fuzz_phase_takes_unsupported_features_from_the_profile() -> None:
    profile = SimpleNamespace(
        unsupported=frozenset({"virtual-start-time"}),
        timeout_seconds=5,
        max_body_bytes=1_000_000,
        retry_budget_seconds=30.0,
        data={"workspaces": {"single": {"sid": "WS" + "0" * 32, "workflows": []}}},
    )
    target = SimpleNamespace(
        base_url="http://127.0.0.1:9",
        credentials=SimpleNamespace(account_sid="AC1", auth_token="t"),
        profile=profile,
    )
    options = options_for_target(target)  # type: ignore[arg-type]
    assert options.unsupported == {"virtual-start-time"}


def test_unsupported_features_of_a_generated_case() -> None:
    def case(query=None, body=None, headers=None):  # type: ignore[no-untyped-def]
        return SimpleNamespace(query=query, body=body, headers=headers)

    lacking = {"virtual-start-time", "if-match"}
    assert unsupported_features(case(query={"Ordering": "VirtualStartTime:asc"}), lacking) == [
        "virtual-start-time"
    ]
    assert unsupported_features(case(body={"VirtualStartTime": ""}), lacking) == [
        "virtual-start-time"
    ]
    assert unsupported_features(case(body="Priority=1&VirtualStartTime=x"), lacking) == [
        "virtual-start-time"
    ]
    assert unsupported_features(case(headers={"If-Match": '"1"'}), lacking) == ["if-match"]
    assert unsupported_features(case(query={"Ordering": "Priority:asc"}), lacking) == []
    assert unsupported_features(case(body={"VirtualStartTime": "x"}), set()) == []


# -- not-applicable, one verdict per behaviour ---------------------------------------------------


@pytest.mark.slow
def test_a_check_that_never_looked_is_not_applicable_never_pass() -> None:
    outcome = Reference().fuzz(max_examples=SMALL)
    use_after_free = checks(outcome, "use_after_free")
    for operation in ("CreateTask", "ListTask", "UpdateTask", "DeleteTask"):
        record = use_after_free[operation]
        assert record.status is Status.NOT_APPLICABLE, record
        assert "not applicable to" in (record.reason or "")
    # A fetch after a delete in a stateful scenario is where it looks, and the reference
    # answers 404 there.
    assert use_after_free["FetchTask"].status is Status.PASS
    assert {r.status for r in checks(outcome, "object_level_authorization").values()} == {
        Status.NOT_APPLICABLE
    }
    availability = checks(outcome, "ensure_resource_availability")
    assert availability["CreateTask"].status is Status.NOT_APPLICABLE
    assert availability["FetchTask"].status is Status.PASS
    # Checks that look at every response still pass with their count.
    assert {r.status for r in checks(outcome, "not_a_server_error").values()} == {Status.PASS}


@pytest.mark.slow
def test_a_405_without_allow_is_one_verdict_on_every_operation() -> None:
    broken = checks(fuzz_clone(PartialClone(no_virtual_start_time=False, allow_header=False)),
                    "unsupported_method")  # fmt: skip
    statuses = {r.status for r in broken.values()}
    assert Status.FAIL in statuses and Status.PASS not in statuses, broken
    for operation, record in broken.items():
        if record.status is Status.FAIL:
            assert record.cause == f"check:unsupported_method:{operation}"
            assert "without required `Allow` header" in (record.failure.message or "")
    correct = checks(Reference().fuzz(max_examples=SMALL), "unsupported_method")
    statuses = {r.status for r in correct.values()}
    assert Status.PASS in statuses and Status.FAIL not in statuses, correct
    # The same operations looked in both runs: the verdict follows the behaviour.
    looked = {op for op, r in correct.items() if r.status is Status.PASS}
    assert looked == {op for op, r in broken.items() if r.status is Status.FAIL}


# -- messages and causes -------------------------------------------------------------------------


@pytest.mark.slow
def test_bad_data_answered_422_is_rejected_with_the_wrong_status_not_accepted() -> None:
    outcome = fuzz_clone(PartialClone(no_virtual_start_time=False, validation_status=422))
    negative = [
        r
        for r in outcome.failures
        if r.failure and r.failure.expectation == "negative_data_rejection"
    ]
    assert negative
    for record in negative:
        operation = record.id.split(".")[1]
        assert record.exchanges[-1].response.status == 422
        assert "rejected with the wrong status (422 where 400 is due)" in record.title
        assert "accepted" not in record.title
        assert record.cause == f"status:{operation}:422!=400"
    # status_code_conformance sees the same 422: the same cause, so the report groups them.
    conformance = [
        r
        for r in outcome.failures
        if r.failure and r.failure.expectation == "status_code_conformance"
    ]
    assert conformance
    assert {r.cause for r in conformance} <= {r.cause for r in negative}


@pytest.mark.slow
def test_accepted_bad_data_and_server_errors_have_their_own_causes() -> None:
    accepted = Reference(frozenset({"invalid-attributes-accepted"})).fuzz(max_examples=SMALL)
    causes = {r.cause for r in accepted.failures}
    assert "accepted:CreateTask" in causes or "accepted:UpdateTask" in causes, causes
    crashing = Reference(frozenset({"server-error-on-bad-priority"})).fuzz(max_examples=SMALL)
    server = [r for r in crashing.failures if r.failure.expectation == "not_a_server_error"]
    assert server and all(r.cause == f"server-error:{r.id.split('.')[1]}" for r in server)
    assert all(r.cause for r in crashing.failures if r.id.count(".") >= 2)


def test_cause_signatures() -> None:
    assert cause_of("negative_data_rejection", "CreateTask", CREATE, 422) == (
        "status:CreateTask:422!=400"
    )
    assert cause_of("negative_data_rejection", "CreateTask", CREATE, 201) == "accepted:CreateTask"
    assert cause_of("invalid_attributes_rejection", "UpdateTask", UPDATE, 200) == (
        "accepted:UpdateTask"
    )
    assert cause_of("not_a_server_error", "ListTask", UPDATE, 500) == "server-error:ListTask"
    assert cause_of("negative_data_rejection", "ListTask", UPDATE, 503) == "server-error:ListTask"
    assert cause_of("status_code_conformance", "UpdateTask", UPDATE, 422) == (
        "status:UpdateTask:422!=400"
    )
    assert cause_of("positive_data_acceptance", "CreateTask", CREATE, 400, ["2xx"]) == (
        "status:CreateTask:400!=201"
    )
    assert cause_of("positive_data_acceptance", "UpdateTask", UPDATE, 422, ["2xx", "400"]) == (
        "status:UpdateTask:422!=400"
    )
    assert cause_of("unsupported_method", "FetchTask", UPDATE, 200) == ("status:FetchTask:200!=405")
    assert cause_of("unsupported_method", "FetchTask", UPDATE, 405) == (
        "check:unsupported_method:FetchTask"
    )
    assert cause_of("response_schema_conformance", "FetchTask", UPDATE, 200) == (
        "check:response_schema_conformance:FetchTask"
    )


def test_wrong_status_text_only_for_rejections() -> None:
    assert wrong_status_text("negative_data_rejection", CREATE, 422) == (
        "rejected with the wrong status (422 where 400 is due)"
    )
    assert wrong_status_text("negative_data_rejection", CREATE, 201) is None
    assert wrong_status_text("negative_data_rejection", CREATE, 401) is None
    assert wrong_status_text("positive_data_acceptance", CREATE, 400, ["2xx"]) is None
    assert wrong_status_text("response_schema_conformance", CREATE, 422) is None
