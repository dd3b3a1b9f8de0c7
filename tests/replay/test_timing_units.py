"""Units of replay's candidate-side judgement: windows evaluated on each profile, causes."""

from __future__ import annotations

import dataclasses

from harness.cassette.format import load_cassette
from harness.reference.config import DEFAULT_RETENTION_SECONDS
from harness.reference.fixture import default_fixture
from harness.replay.compare import FieldRow
from harness.replay.judge import cause_of, exchange_features, field_feature, worst
from harness.replay.timing import scenario_timing
from harness.targets.profile import profile_from_fixture
from tests.replay.support import REPO

RETENTION = REPO / "cassettes" / "reference" / "retention.yaml"


def test_windows_are_evaluated_on_the_recorded_and_the_candidate_profile() -> None:
    cassette = load_cassette(RETENTION)
    entry = next(e for e in cassette.provenance.scenarios if "canceled" in e.id)
    # What ``--profile reference`` gives for a ``trc serve`` instance.
    reference = profile_from_fixture(default_fixture(), DEFAULT_RETENTION_SECONDS)
    timing = scenario_timing(entry, cassette.provenance.profile, reference.data)
    # Recorded against retention_window {min: 2, max: 10}; the candidate's is {300, 308}.
    assert timing.wait("not deleted too early") == (1.0, 150.0)
    assert timing.within("gone within the window") == 311.0
    assert timing.every("gone within the window", 311.0, 0.25) > 0.25
    ask, parts = timing.ask([i.step for i in cassette.interactions if i.scenario == entry.id])
    assert ask == 461.0
    assert parts == [
        "wait retention_window.min / 2 = 150s",
        "eventually within retention_window.max + 2 = 310s",
    ]
    assert "evaluate-task-attributes" in timing.requires


def test_a_scenario_not_in_the_library_keeps_the_recorded_pacing() -> None:
    cassette = load_cassette(RETENTION)
    entry = dataclasses.replace(
        cassette.provenance.scenarios[0], id="mine.elsewhere", source="nowhere/mine.yaml:1"
    )
    timing = scenario_timing(entry, cassette.provenance.profile, {"retention_window": {}})
    assert timing.steps == {}
    assert timing.wait("not deleted too early") is None
    assert timing.within("gone within the window") is None
    assert timing.ask(["gone within the window"]) == (0.0, [])


def test_causes_follow_the_shared_conventions() -> None:
    status = FieldRow("status", "different", 404, 200, "")
    field = FieldRow("task_queue_sid", "different", "<queue:single.queues.sales>", "<queue:new>")
    missing = FieldRow("ignore_capacity", "missing", False, None)
    assert cause_of("FetchTask", status) == "status:FetchTask:200!=404"
    assert cause_of("CreateTask", field) == "replay-field:CreateTask:task_queue_sid:different"
    assert worst([missing, field]) is field
    assert worst([field, status]) is status
    assert cause_of("FetchTask", worst([missing])) == (
        "replay-field:FetchTask:ignore_capacity:missing"
    )


def test_features_of_a_recorded_exchange_and_of_a_field() -> None:
    cassette = load_cassette(REPO / "cassettes" / "reference" / "filtering.yaml")
    by_param = [i for i in cassette.interactions if "TaskQueueSid=" in i.uri]
    assert by_param and all("routing" in exchange_features(i) for i in by_param)
    assert field_feature("tasks[].task_queue_sid") == "routing"
    assert field_feature("header:ETag") == "etag"
    assert field_feature("priority") is None
