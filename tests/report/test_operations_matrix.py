"""Operations from exchanges and scenario steps; operation x feature and x field matrices."""

from __future__ import annotations

from typing import Any

import pytest

from harness.report.matrix import cell_text, feature_matrix, feature_of, field_matrix
from harness.report.model import Case, CaseOperation, Clause
from harness.report.operations import case_operations, operation_of, scenario_operations
from harness.resources import scenarios_dir
from harness.results.model import FieldVerdict, Status, Verdict
from harness.results.vocab import CellState, FieldState
from harness.scenarios.discovery import discover, load_clause_registry
from tests.report.helpers import WS, case, document, failing_record, record


@pytest.mark.parametrize(
    ("method", "url", "operation"),
    [
        ("POST", f"http://h/v1/Workspaces/{WS}/Tasks", "CreateTask"),
        ("GET", f"http://h/v1/Workspaces/{WS}/Tasks?PageSize=1", "ListTask"),
        ("GET", f"/v1/Workspaces/{WS}/Tasks/WT1", "FetchTask"),
        ("POST", "/v1/Workspaces/{ws}/Tasks/{task_sid}", "UpdateTask"),
        ("DELETE", f"/v1/Workspaces/{WS}/Tasks/WT1", "DeleteTask"),
        ("PUT", f"/v1/Workspaces/{WS}/Tasks/WT1", "Support"),
        ("GET", f"/v1/Workspaces/{WS}/Workers", "Support"),
        ("POST", f"/v1/Workspaces/{WS}/Tasks/WT1/Reservations/WR1", "Support"),
    ],
)
def test_operation_of(method: str, url: str, operation: str) -> None:
    assert operation_of(method, url) == operation


def test_scenario_operations_from_the_smoke_library() -> None:
    clauses, _ = load_clause_registry()
    ops = {s.id: scenario_operations(s) for s in discover(scenarios_dir() / "smoke", clauses)}
    assert ops == {
        "smoke.auth-required": ["ListTask"],
        "smoke.create-fetch-delete": ["CreateTask", "FetchTask", "DeleteTask"],
        "smoke.etag-if-match": ["CreateTask", "FetchTask", "UpdateTask"],
        "smoke.list-filtered-by-run-tag": ["CreateTask", "ListTask"],
    }


def test_a_failure_is_attributed_to_the_operation_of_its_failing_step() -> None:
    ops = case_operations(failing_record(), ["CreateTask", "FetchTask", "UpdateTask"])
    # the steps before the failing one answered, but are not credited as passed
    assert ops == [
        CaseOperation("CreateTask", Status.NOT_APPLICABLE),
        CaseOperation("UpdateTask", Status.FAIL),
    ]
    passing = record("x", Status.PASS)
    assert case_operations(passing, ["CreateTask", "ListTask"]) == [
        CaseOperation("CreateTask", Status.PASS),
        CaseOperation("ListTask", Status.PASS),
    ]
    fuzz = record("fuzz.FetchTask.not_a_server_error", Status.FAIL, phase="fuzz")
    assert case_operations(fuzz) == [CaseOperation("FetchTask", Status.FAIL)]
    unsupported = record("u", Status.UNSUPPORTED)
    assert case_operations(unsupported) == [CaseOperation("Support", Status.UNSUPPORTED)]


def test_feature_column_of_a_case() -> None:
    clauses = {"task.etag.x": Clause(category="etag"), "task.schema.x": Clause(category="schema")}

    def smoke(**changes: Any) -> Case:
        return case("c", "pass", **{"category": "smoke", "tags": ["smoke"], **changes})

    def cites(clause_id: str) -> list[tuple[str, str]]:
        return [(clause_id, "documented")]

    assert feature_of(smoke(category="paging"), clauses) == "paging"
    assert feature_of(smoke(tags=["smoke", "auth"]), clauses) == "auth"
    assert feature_of(smoke(clauses=cites("task.etag.x")), clauses) == "etag"
    assert feature_of(smoke(clauses=cites("task.schema.x")), clauses) == "smoke"
    assert feature_of(smoke(phase="fuzz", category="fuzz"), clauses) == "fuzz"


def test_feature_matrix_cells() -> None:
    doc = document(
        {
            "t": [
                failing_record("etag.stale"),
                record("etag.ok", Status.PASS, category="etag"),
                record("life", Status.UNSUPPORTED),
            ]
        },
    )
    matrix = doc.targets[0].matrix
    assert matrix.columns[:12] == [
        "lifecycle",
        "filtering",
        "ordering",
        "paging",
        "etag",
        "validation",
        "auth",
        "retention",
        "workforce",
        "events",
        "fuzz",
        "replay",
    ]
    update = matrix.cells["UpdateTask"]["etag"]
    assert (update.fail, update.cases, update.state) == (1, 1, CellState.FAIL)
    create = matrix.cells["CreateTask"]["etag"]
    # the failing case's create answered, but a cell never credits what was not judged
    assert (create.passed, create.not_applicable, create.state) == (0, 1, CellState.NONE)
    assert matrix.cells["Support"]["lifecycle"].state == "unsupported"
    assert matrix.cells["Support"]["etag"].state == "pass"  # etag.ok: no exchanges, no hint
    assert feature_matrix([]).rows == [
        "CreateTask",
        "FetchTask",
        "ListTask",
        "UpdateTask",
        "DeleteTask",
    ]


def test_field_matrix_from_replay_verdicts() -> None:
    replayed = record(
        "replay:smoke:smoke.create",
        Status.FAIL,
        category="replay",
        phase="replay",
        fields=[
            FieldVerdict("CreateTask", "sid", Verdict.NORMALISED_EQUAL),
            FieldVerdict("CreateTask", "assignment_status", Verdict.EQUAL),
            FieldVerdict("CreateTask", "header:ETag", Verdict.MISSING, "create", '"1"', None),
            FieldVerdict("FetchTask", "priority", Verdict.TYPE_ONLY, "fetch", 1, "1"),
        ],
    )
    doc = document({"t": [replayed]})
    fm = doc.targets[0].field_matrix
    assert fm is not None
    assert fm.rows == ["CreateTask", "FetchTask"]
    # in name order, whichever case met a field first (so shards merge to the same matrix)
    assert fm.columns == ["assignment_status", "header:ETag", "priority", "sid"]
    states = {(r, c): fm.cell(r, c).state for r in fm.rows for c in fm.columns}
    assert states[("CreateTask", "sid")] == FieldState.PASS
    assert states[("CreateTask", "header:ETag")] == FieldState.FAIL
    assert states[("FetchTask", "priority")] == FieldState.PARTIAL
    assert states[("FetchTask", "sid")] == FieldState.NONE
    assert fm.cells["CreateTask"]["sid"].normalised_equal == 1
    replayed_case = doc.cases[0]
    assert replayed_case.feature == "replay"
    assert {o.operation for o in replayed_case.operations} == {"CreateTask", "FetchTask"}
    assert field_matrix([case("c", "pass")]) is None


def test_a_cell_never_credits_a_pass_that_rests_on_not_applicable_or_could_not_run() -> None:

    doc = document(
        {
            "t": [
                record("fuzz.DeleteTask.use_after_free", Status.NOT_APPLICABLE, phase="fuzz"),
                record("fuzz.FetchTask.use_after_free", Status.SKIPPED, phase="fuzz"),
                record("fuzz.ListTask.use_after_free", Status.NOT_CONFIGURED, phase="fuzz"),
            ]
        }
    )
    cells = doc.targets[0].matrix.cells
    delete, fetch, listing = (cells[op]["fuzz"] for op in ("DeleteTask", "FetchTask", "ListTask"))
    assert (delete.passed, delete.state, cell_text(delete)) == (0, CellState.NONE, "n/a")
    assert (fetch.passed, fetch.state, cell_text(fetch)) == (0, CellState.INCOMPLETE, "0/1")
    assert (listing.state, cell_text(listing)) == (CellState.NONE, "not conf.")
