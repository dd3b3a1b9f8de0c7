"""A schema difference weighs by the strength of the rule it breaks (x-trc-* annotations):
documented stops the case, inferred is a warning and the behaviour checks go on."""

from __future__ import annotations

from collections.abc import Callable

from harness.results.model import Status
from harness.scenarios.engine import ScenarioEngine
from harness.scenarios.failures import INFERRED_SCHEMA_PREFIX
from harness.scenarios.model import Scenario
from harness.speccheck.openapi import SpecChecker
from tests.speccheck.inline_spec import document

CASE = """
id: demo.strength
title: T
clauses: [task.a]
steps:
  - name: create
    request:
      method: POST
      path: /v1/Workspaces/{ws}/Tasks
      form: {Attributes: '{"type":"sales"}', Priority: 3}
    expect: {status: 201}
    save: {task_sid: sid}
  - name: fetch
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks/{task_sid}"}
    expect: {status: 200, json: {priority: PRIORITY}}
"""


def checker(required: str, inferred: bool) -> SpecChecker:
    doc = document()
    task = doc["components"]["schemas"]["Task"]
    task["required"].append(required)
    if inferred:
        task["x-trc-inferred-required"].append(required)
    return SpecChecker(doc, "inline")


def test_an_inferred_difference_is_a_warning_and_the_case_goes_on(
    load_one: Callable[..., Scenario], make_engine: Callable[..., ScenarioEngine]
) -> None:
    scenario = load_one(CASE.replace("PRIORITY", "3"))
    record = make_engine(spec=checker("reason_code", inferred=True)).run_case(scenario)
    assert record.status is Status.PASS, record.failure
    schema = [w for w in record.warnings if w.startswith(INFERRED_SCHEMA_PREFIX)]
    # the create and the fetch break the same rule, the warning is given once per problem
    assert schema == [
        "schema (inferred): CreateTask 201: body: 'reason_code' is a required property "
        "[rule #/components/schemas/Task/required] [assumption: age is assumed always present]",
        "schema (inferred): FetchTask 200: body: 'reason_code' is a required property "
        "[rule #/components/schemas/Task/required] [assumption: age is assumed always present]",
    ]


def test_a_behaviour_failure_after_an_inferred_difference_is_the_main_failure(
    load_one: Callable[..., Scenario], make_engine: Callable[..., ScenarioEngine]
) -> None:
    scenario = load_one(CASE.replace("PRIORITY", "99"))
    record = make_engine(spec=checker("reason_code", inferred=True)).run_case(scenario)
    assert record.status is Status.FAIL and record.failure is not None
    assert record.failure.step == "fetch" and record.failure.expectation == "json.priority"
    assert any(w.startswith(INFERRED_SCHEMA_PREFIX) for w in record.warnings)


def test_a_documented_difference_stops_the_case_at_the_first_create(
    load_one: Callable[..., Scenario], make_engine: Callable[..., ScenarioEngine]
) -> None:
    scenario = load_one(CASE.replace("PRIORITY", "3"))
    record = make_engine(spec=checker("reason_code", inferred=False)).run_case(scenario)
    assert record.status is Status.FAIL and record.failure is not None
    assert record.failure.step == "create" and record.failure.expectation == "spec"
    assert record.failure.message == (
        "off-spec response (documented schema rule): "
        "CreateTask 201: body: 'reason_code' is a required property"
    )
    assert not any(w.startswith(INFERRED_SCHEMA_PREFIX) for w in record.warnings)
