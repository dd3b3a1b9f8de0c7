"""The fuzz phase as ``trc run`` sees it (``harness.phases`` contract)."""

from __future__ import annotations

import pytest

from harness.fuzz.options import OPERATIONS
from harness.fuzz.phase import PHASE, selected_operations
from harness.phases import Budget, PhaseContext, PhaseOptions, Selection, resolve
from harness.reference.config import ServerConfig
from harness.reference.server import start_in_thread
from harness.targets.profile import profile_from_fixture
from harness.targets.resolve import ReadyTarget
from harness.targets.target import Credentials


def test_trc_run_finds_the_phase() -> None:
    assert resolve("fuzz") is PHASE
    assert PHASE.default is True  # fuzzing is part of every trc run by default


def test_rerun_selection() -> None:
    def only(*ids: str) -> Selection:
        return Selection(only=frozenset(ids))

    assert selected_operations(Selection()) is None
    assert selected_operations(only("smoke.create")) == ()
    assert selected_operations(only("fuzz.FetchTask.ensure_resource_availability")) == (
        "CreateTask",
        "FetchTask",
    )


def test_k_and_tags_select_operations() -> None:
    # -k and --tag see each operation as fuzz.<OperationId> with tags fuzz and the operation.
    assert selected_operations(Selection(expression="DeleteTask")) == ("CreateTask", "DeleteTask")
    assert selected_operations(Selection(tags=("fuzz",))) == OPERATIONS
    # A selection of scenarios only (as `trc run -k etag.stale-if-match-update`) fuzzes nothing.
    assert selected_operations(Selection(expression="etag.stale-if-match-update")) == ()
    assert selected_operations(Selection(expression="not ListTask")) == tuple(
        op for op in OPERATIONS if op != "ListTask"
    )


@pytest.mark.slow
def test_phase_runs_against_a_ready_target() -> None:
    config = ServerConfig()
    fixture = config.fixture
    seen: list[str] = []
    with start_in_thread(config) as server:
        target = ReadyTarget(
            name="embedded",
            base_url=server.base_url,
            credentials=Credentials(fixture.account_sid, fixture.auth_token),
            profile=profile_from_fixture(fixture, config.retention_seconds),
            embedded=True,
        )
        ctx = PhaseContext(
            target=target,
            run_id="20260101T000000Z-abcdef",
            run_tag="trc_20260101T000000Z_abcdef",
            options=PhaseOptions(
                selection=Selection(only=frozenset({"fuzz.DeleteTask.not_a_server_error"})),
                seed=5,
                budget=Budget.parse("2:60"),
            ),
            on_record=lambda record: seen.append(record.id),
        )
        result = PHASE.run(ctx)
    assert result.seed == 5
    assert result.records and seen == [r.id for r in result.records]
    assert {r.id.split(".")[1] for r in result.records} == {"CreateTask", "DeleteTask"}
    assert not [r.id for r in result.records if r.status.is_problem]
    assert result.cleanup.created == result.cleanup.deleted > 0
    assert result.cleanup.left == 0
    assert result.summary["cases"] > 0
