"""The fuzz phase as ``trc run`` sees it (``harness.phases`` contract)."""

from __future__ import annotations

import pytest

from harness.fuzz.phase import PHASE, _operations_for
from harness.phases import PhaseContext, resolve
from harness.reference.config import ServerConfig
from harness.reference.server import start_in_thread
from harness.targets.profile import profile_from_fixture
from harness.targets.resolve import ReadyTarget
from harness.targets.target import Credentials


def test_trc_run_finds_the_phase() -> None:
    assert resolve("fuzz") is PHASE
    assert PHASE.default is True  # fuzzing is part of every trc run by default


def test_rerun_selection() -> None:
    assert _operations_for(None) is None
    assert _operations_for(frozenset({"smoke.create"})) == ()
    assert _operations_for(frozenset({"fuzz.FetchTask.ensure_resource_availability"})) == (
        "CreateTask",
        "FetchTask",
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
            seed=5,
            options={"fuzz_budget": "2:60"},
            only=frozenset({"fuzz.DeleteTask.not_a_server_error"}),
            on_record=lambda record: seen.append(record.id),
        )
        result = PHASE.run(ctx)
    assert result.seed == 5
    assert result.records and seen == [r.id for r in result.records]
    assert {r.id.split(".")[1] for r in result.records} == {"CreateTask", "DeleteTask"}
    assert not [r.id for r in result.records if r.status.is_problem]
    assert result.cleanup["created"] == result.cleanup["deleted"] > 0
    assert result.cleanup["left"] == 0
    assert result.summary["cases"] > 0
