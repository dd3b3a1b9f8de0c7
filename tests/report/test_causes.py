"""Root causes: failures grouped by signature across cases and phases, ranked by points lost."""

from __future__ import annotations

from pathlib import Path

from harness.jsonpath import MISSING
from harness.report.causes import cause_id
from harness.results.model import CaseRecord, Failure, FieldVerdict, Status, Verdict
from tests.report.helpers import TASK, document, exchange, record


def status_scenario(id: str, observed: int = 422, op_path: str = "/Tasks") -> CaseRecord:
    return record(
        id,
        Status.FAIL,
        category="validation",
        failure=Failure("create", "status", 400, observed, f"expected status 400, got {observed}"),
        exchanges=[exchange("create", "POST", op_path, observed)],
        curl=f"curl -X POST .../Tasks # {id}",
    )


def fuzz_status(observed: int = 422) -> CaseRecord:
    return record(
        "fuzz.CreateTask.negative_data_rejection",
        Status.FAIL,
        category="fuzz",
        phase="fuzz",
        failure=Failure("CreateTask", "negative_data_rejection", 400, observed, "rejected"),
        cause=f"status:CreateTask:{observed}!=400",
    )


def replay_case(id: str, *fields: FieldVerdict) -> CaseRecord:
    return record(
        id,
        Status.FAIL,
        category="replay",
        phase="replay",
        failure=Failure("x", f"{fields[0].operation} {fields[0].field}", None, None, "differs"),
        fields=[FieldVerdict("CreateTask", "sid", Verdict.NORMALISED_EQUAL), *fields],
    )


def test_one_root_cause_seen_by_scenarios_fuzz_and_replay_is_one_cause() -> None:
    replayed = replay_case(
        "replay:validation.priority",
        FieldVerdict("CreateTask", "status", Verdict.DIFFERENT, expected=400, actual=422),
    )
    doc = document({"t": [status_scenario("validation.a"), fuzz_status(), replayed]})
    causes = doc.targets[0].causes
    assert len(causes) == 1
    cause = causes[0]
    assert cause.signature == "status:CreateTask:422!=400"
    assert cause.title == "422 where 400 is due (CreateTask)"
    assert cause.case_ids == [
        "validation.a",
        "fuzz.CreateTask.negative_data_rejection",
        "replay:validation.priority",
    ]
    assert cause.phases == ["scenarios", "fuzz", "replay"]
    # documented scenario 3 + documented fuzz record 3 + a replay case 1
    assert cause.points_lost == 7 == doc.targets[0].score.possible - doc.targets[0].score.earned
    assert cause.strength == "documented"
    assert cause.reproducer == "curl -X POST .../Tasks # validation.a"
    assert cause.id == cause_id(cause.signature)


def test_a_different_observed_status_is_another_cause() -> None:
    doc = document({"t": [status_scenario("a", 422), status_scenario("b", 500)]})
    signatures = {c.signature for c in doc.targets[0].causes}
    assert signatures == {"status:CreateTask:422!=400", "status:CreateTask:500!=400"}


def test_a_missing_field_in_a_scenario_and_in_replay_is_one_cause() -> None:
    scenario = record(
        "filtering.x",
        Status.FAIL,
        category="filtering",
        failure=Failure("list", "json.tasks[0].links.task_queue", {"exists": True}, MISSING, ""),
        exchanges=[exchange("list", "GET", "/Tasks")],
    )
    replayed = replay_case(
        "replay:lifecycle.fetch",
        FieldVerdict("FetchTask", "links.task_queue", Verdict.MISSING, expected="https://x"),
        FieldVerdict("FetchTask", "ignore_capacity", Verdict.DIFFERENT, expected=False),
    )
    doc = document({"t": [scenario, replayed]})
    by_signature = {c.signature: c for c in doc.targets[0].causes}
    assert set(by_signature) == {"field:links.task_queue:missing", "field:ignore_capacity:null"}
    missing = by_signature["field:links.task_queue:missing"]
    assert missing.title == "links.task_queue missing"
    assert missing.case_ids == ["filtering.x", "replay:lifecycle.fetch"]
    # the replay case counts for its first cause only
    assert missing.points_lost == 3 + 1
    null = by_signature["field:ignore_capacity:null"]
    assert (null.title, null.case_ids, null.points_lost) == (
        "ignore_capacity null",
        ["replay:lifecycle.fetch"],
        0,
    )
    case = next(c for c in doc.cases if c.id == "replay:lifecycle.fetch")
    assert case.causes == ["field:links.task_queue:missing", "field:ignore_capacity:null"]


def test_values_that_differ_per_case_do_not_split_a_cause() -> None:
    records = [
        record(
            f"filtering.{n}",
            Status.FAIL,
            failure=Failure("fetch", "json.sid", {"eq": "{saved}"}, sid, ""),
            exchanges=[exchange("fetch", "GET", f"/Tasks/{TASK}")],
        )
        for n, sid in enumerate(["WT" + "a" * 32, "WT" + "b" * 32])
    ]
    causes = document({"t": records}).targets[0].causes
    assert [(c.signature, len(c.case_ids)) for c in causes] == [("field:sid:<sid>", 2)]


def test_causes_are_ranked_by_points_lost() -> None:
    inferred = [
        record(f"inf.{n}", Status.FAIL, strength="inferred", failure=Failure("s", "json.a", 1, 2))
        for n in range(4)
    ]
    documented = [status_scenario("doc.a"), status_scenario("doc.b")]
    causes = document({"t": [*inferred, *documented]}).targets[0].causes
    assert [(c.signature, c.points_lost, len(c.case_ids)) for c in causes] == [
        ("status:CreateTask:422!=400", 6, 2),
        ("field:a:2", 4, 4),
    ]
    assert causes[1].strength == "inferred"


def test_could_not_run_with_a_cause_is_grouped_and_costs_points() -> None:
    blocked = [
        record(f"filtering.{n}", Status.SKIPPED, reason="SIDs reused", cause="state.sids-reused")
        for n in range(3)
    ]
    interrupted = record("later", Status.SKIPPED, reason="interrupted")
    doc = document({"t": [*blocked, interrupted, record("ok", Status.PASS)]})
    causes = doc.targets[0].causes
    assert [(c.signature, c.points_lost, c.statuses) for c in causes] == [
        ("state.sids-reused", 9, {"skipped": 3})
    ]
    assert causes[0].title == "the target reuses SIDs: it does not keep state"


def test_inferred_schema_warnings_are_their_own_causes_costing_nothing() -> None:
    warning = (
        "schema (inferred): CreateTask 201: body at links: 'task_queue' is a required property"
    )
    passing = [record(f"p.{n}", Status.PASS, warnings=[warning]) for n in range(2)]
    doc = document({"t": [*passing, status_scenario("v.a")]})
    causes = doc.targets[0].causes
    assert [c.signature for c in causes] == [
        "status:CreateTask:422!=400",
        "schema-inferred:body at links: 'task_queue' is a required property",
    ]
    schema = causes[1]
    assert (schema.points_lost, schema.strength, schema.inferred_schema) == (0, "inferred", True)
    assert schema.case_ids == ["p.0", "p.1"]
    assert doc.targets[0].score.value == 66.66  # the passing cases still earn their points


def test_no_failure_no_cause_and_ids_are_stable_across_reports() -> None:
    assert document({"t": [record("ok", Status.PASS)]}).targets[0].causes == []
    one = document({"a": [status_scenario("x")]}).targets[0].causes[0]
    two = document({"b": [status_scenario("y"), fuzz_status()]}).targets[0].causes[0]
    assert one.id == two.id and one.id.startswith("C") and len(one.id) == 8


def test_causes_round_trip_through_report_json(tmp_path: Path) -> None:
    from harness.report.document import load_report
    from harness.reporters.report_json import write_report_json

    doc = document({"t": [status_scenario("x"), fuzz_status()]})
    path = write_report_json(tmp_path / "report.json", doc)
    again = load_report(path)
    assert again.targets[0].causes == doc.targets[0].causes


def test_a_runner_named_replay_field_cause_joins_the_other_phases() -> None:
    replayed = replay_case(
        "replay:validation.priority",
        FieldVerdict("CreateTask", "status", Verdict.DIFFERENT, expected=400, actual=422),
    )
    replayed.cause = "replay-field:CreateTask:status:different"
    without_fields = record(
        "replay:other", Status.FAIL, phase="replay", cause="replay-field:FetchTask:x:missing"
    )
    doc = document({"t": [status_scenario("validation.a"), replayed, without_fields]})
    by_signature = {c.signature: c for c in doc.targets[0].causes}
    assert by_signature["status:CreateTask:422!=400"].case_ids == [
        "validation.a",
        "replay:validation.priority",
    ]
    other = by_signature["replay-field:FetchTask:x:missing"]
    assert other.title == "x missing against the recording (FetchTask)"


def test_the_same_wrong_type_with_different_values_is_one_cause() -> None:
    def off_spec(id: str, value: str, path: str) -> CaseRecord:
        problem = f"FetchTask 200: {path}: '{value}' is not of type 'integer'"
        return record(
            id,
            Status.FAIL,
            failure=Failure("fetch", "spec", "a response matching", [problem], problem),
            exchanges=[exchange("fetch", "GET", f"/Tasks/{TASK}")],
        )

    replayed = [
        replay_case(
            f"replay:{n}",
            FieldVerdict("FetchTask", "priority", Verdict.DIFFERENT, expected=n, actual=str(n)),
        )
        for n in (0, 1)
    ]
    records = [
        off_spec("a", "0", "body.priority"),
        off_spec("b", "2147483647", "body.priority"),
        off_spec("c", "5", "body.tasks.3.priority"),
        *replayed,
    ]
    causes = document({"t": records}).targets[0].causes
    # the schema check of scenarios and replay's field comparison see the same root cause
    assert [(c.signature, c.case_ids) for c in causes] == [
        ("field:priority:<numeric string>", ["a", "b", "c", "replay:0", "replay:1"])
    ]
    assert causes[0].title == "priority is a numeric string"
    assert causes[0].points_lost == 3 * 3 + 2 * 1


def test_other_schema_problems_keep_their_own_signature() -> None:
    problem = "FetchTask 200: body.assignment_status: 'x' is not one of ['pending']"
    off = record(
        "a",
        Status.FAIL,
        failure=Failure("fetch", "spec", "a response matching", [problem], problem),
        exchanges=[exchange("fetch", "GET", f"/Tasks/{TASK}")],
    )
    cause = document({"t": [off]}).targets[0].causes[0]
    assert cause.signature == "schema:body.assignment_status: a string is not one of ['pending']"
    assert cause.title.startswith("off-spec response: ")


def test_a_wrong_error_code_names_the_code_due() -> None:
    wrong = record(
        "validation.code",
        Status.FAIL,
        failure=Failure("create", "json.code", {"eq": 20001}, 20404, "code: expected 20001"),
        exchanges=[exchange("create", "POST", "/Tasks", 400)],
    )
    cause = document({"t": [wrong]}).targets[0].causes[0]
    assert (cause.signature, cause.title) == (
        "field:code:20404",
        "code is 20404 where 20001 is due",
    )


def test_a_fuzz_schema_failure_on_a_named_property_joins_the_field_cause() -> None:
    message = (
        'Response violates schema: "0" is not of type "integer"\n\nValidated against the '
        "response schema for status code 201.\n\nSchema at "
        '/components/schemas/Task/properties/priority:\n\n    {"type": "integer"}'
    )
    fuzzed = [
        record(
            f"fuzz.{op}.response_schema_conformance",
            Status.FAIL,
            phase="fuzz",
            category="fuzz",
            failure=Failure(op, "response_schema_conformance", None, 201, message),
            cause=f"check:response_schema_conformance:{op}",
        )
        for op in ("CreateTask", "FetchTask")
    ]
    replayed = replay_case(
        "replay:x", FieldVerdict("FetchTask", "priority", Verdict.DIFFERENT, expected=0, actual="0")
    )
    other = record(
        "fuzz.ListTask.response_schema_conformance",
        Status.FAIL,
        phase="fuzz",
        failure=Failure("ListTask", "response_schema_conformance", None, 200, "no schema"),
        cause="check:response_schema_conformance:ListTask",
    )
    causes = document({"t": [*fuzzed, replayed, other]}).targets[0].causes
    assert [(c.signature, len(c.case_ids)) for c in causes] == [
        ("field:priority:<numeric string>", 3),
        ("check:response_schema_conformance:ListTask", 1),
    ]
