"""Replay against faulted reference variants: the diff names the operation, the exchange and
the field (a changed field type, a changed error code, a reordered list, a frozen or missing
ETag, a shortened page)."""

from __future__ import annotations

import pytest

from harness.replay.normalise import MATCHES
from harness.replay.replay import Replayer
from harness.results.model import Status
from harness.results.runid import new_run_id
from tests.replay.support import reference

CASES = [
    # fault, scenario, operation, field, verdict, step of the first difference
    ("attributes-as-object", "replaytest.session", "CreateTask", "attributes", "different",
     "five tasks"),
    ("priority-as-string", "replaytest.session", "CreateTask", "priority", "different",
     "five tasks"),
    ("wrong-error-code", "replaytest.errors", "ListTask", "code", "different",
     "no credentials"),
    ("ordering-desc-ignored", "replaytest.session", "ListTask", "tasks[].sid", "different",
     "ordered by priority, highest first"),
    ("etag-frozen", "replaytest.session", "UpdateTask", "header:ETag", "different",
     "update with the current ETag"),
    ("etag-missing", "replaytest.session", "CreateTask", "header:ETag", "missing",
     "five tasks"),
    ("page-size-off-by-one", "replaytest.session", "ListTask", "tasks", "different",
     "walk every page of two"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("fault", "scenario", "operation", "field", "verdict", "step"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_the_diff_names_operation_exchange_and_field(
    session_cassette,
    fault: str,
    scenario: str,
    operation: str,
    field: str,
    verdict: str,
    step: str,
) -> None:
    with reference(faults=(fault,)) as target:
        with Replayer(target, session_cassette, new_run_id()) as replayer:
            records = {r.id.rsplit(":", 1)[1]: r for r in replayer.run()}
        assert replayer.stats.left == 0
    record = records[scenario]
    assert record.status is Status.FAIL
    failure = record.failure
    assert failure is not None
    assert failure.expectation == f"{operation} {field}"
    assert step in failure.step and failure.step.startswith("#")
    assert operation in failure.message and field in failure.message
    index = int(failure.step[1:].split(" ", 1)[0])
    interaction = session_cassette.interactions[index]
    assert interaction.operation == operation and interaction.step == step
    bad = [f for f in record.fields if f.verdict not in MATCHES]
    first = bad[0]
    assert (first.operation, first.field, first.verdict) == (operation, field, verdict)
    assert first.exchange.startswith(f"#{index} {step}")
    assert record.exchanges and record.curl  # the candidate's answer and a reproducer


def test_the_reordered_list_shows_which_task_moved(session_cassette) -> None:
    with (
        reference(faults=("ordering-desc-ignored",)) as target,
        Replayer(target, session_cassette, new_run_id()) as replayer,
    ):
        records = replayer.run()
    row = next(
        f
        for r in records
        for f in r.fields
        if f.field == "tasks[].sid" and f.verdict == "different"
    )
    # Numbered references: the recording had <task:1> first (the task updated to priority 9).
    assert row.expected == "<task:1>" and row.actual != "<task:1>"
    assert row.actual.startswith("<task:")


def test_a_clean_candidate_and_a_faulted_one_differ_only_where_the_fault_is(
    session_cassette,
) -> None:
    with (
        reference(faults=("wrong-error-code",)) as target,
        Replayer(target, session_cassette, new_run_id()) as replayer,
    ):
        records = replayer.run()
    bad = {(f.operation, f.field) for r in records for f in r.fields if f.verdict not in MATCHES}
    assert bad <= {
        (op, name)
        for op in ("CreateTask", "UpdateTask", "ListTask", "FetchTask", "DeleteTask")
        for name in ("code", "more_info")
    }
    # 401/20003, 412/20412 and 404/20404 all became 20001 (a 400 already is 20001)
    assert {("ListTask", "code"), ("UpdateTask", "code"), ("FetchTask", "code")} <= bad
