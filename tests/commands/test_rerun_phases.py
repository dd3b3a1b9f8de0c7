"""`trc rerun --failed` over every phase: only the failed cases of scenarios, fuzz and replay
come back, the rerun says so, and it leaves `reports/latest` where it was."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.commands.rerun import rerun_command
from harness.commands.run import run_command
from harness.phases import PhaseContext, PhaseResult, register_phase, unregister_phase
from harness.results.model import CaseRecord, Failure, Status
from tests.report.helpers import SMOKE, invoke

FUZZ_FAIL = "fuzz.UpdateTask.response_headers_conformance"
REPLAY_FAIL = "replay:c:smoke.create-fetch-delete"


def _fail(id: str, phase: str) -> CaseRecord:
    return CaseRecord(
        id,
        f"title of {id}",
        phase,
        phase,
        Status.FAIL,
        failure=Failure("step", "status", 200, 500, "expected status 200, got 500"),
    )


class WholeOperationFuzz:
    """Like harness.fuzz: it reruns whole operations, so every check of them comes back."""

    name = "fuzz"
    description = "fake fuzz"
    default = False

    def __init__(self) -> None:
        self.only: list[frozenset[str] | None] = []

    def run(self, ctx: PhaseContext) -> PhaseResult:
        self.only.append(ctx.options.selection.only)
        records = [
            CaseRecord("fuzz.CreateTask.not_a_server_error", "held", "fuzz", "fuzz", Status.PASS),
            CaseRecord(
                "fuzz.UpdateTask.status_code_conformance", "held", "fuzz", "fuzz", Status.PASS
            ),
            _fail(FUZZ_FAIL, "fuzz"),
        ]
        for record in records:
            if ctx.on_record:
                ctx.on_record(record)
        return PhaseResult(records=records, seed=ctx.options.seed or 0)


class SelectingReplay:
    """Like harness.replay: it replays what the selection keeps; one recorded case fails."""

    name = "replay"
    description = "fake replay"
    default = False

    def run(self, ctx: PhaseContext) -> PhaseResult:
        records = [
            CaseRecord("replay:c:smoke.auth-required", "ok", "replay", "replay", Status.PASS),
            _fail(REPLAY_FAIL, "replay"),
        ]
        kept = ctx.options.selection.pick(records)
        for record in kept:
            if ctx.on_record:
                ctx.on_record(record)
        return PhaseResult(records=kept)


@pytest.fixture
def fuzz() -> Iterator[WholeOperationFuzz]:
    phase = WholeOperationFuzz()
    register_phase(phase)
    register_phase(SelectingReplay())
    yield phase
    unregister_phase("fuzz")
    unregister_phase("replay")


def test_rerun_reruns_the_failures_of_every_phase_in_its_own_folder(
    tmp_path: Path, fuzz: WholeOperationFuzz
) -> None:
    reports = tmp_path / "reports"
    first = invoke(
        run_command,
        [
            "--scenarios",
            SMOKE,
            "--phases",
            "scenarios,fuzz,replay",
            "--fault",
            "etag-ignored",
            "--seed",
            "5",
            "--report-dir",
            str(reports),
        ],
    )
    assert first.exit_code == 1, first.output
    original = json.loads((reports / "latest" / "report.json").read_text())
    run_id = original["run"]["run_id"]
    failed = {c["id"] for c in original["cases"] if c["status"] == "fail"}
    assert failed == {"smoke.etag-if-match", FUZZ_FAIL, REPLAY_FAIL}

    result = invoke(rerun_command, ["--failed", str(reports / "latest")])
    assert result.exit_code == 1, result.output  # the fault is still on, the fakes still fail
    # latest still names the run the failures came from
    assert (reports / "latest").resolve() == (reports / run_id).resolve()
    [folder] = [p for p in reports.iterdir() if p.name.endswith("-rerun")]
    doc = json.loads((folder / "report.json").read_text())
    assert folder.name == doc["run"]["run_id"] + "-rerun"
    assert doc["run"]["rerun_of"] == run_id and doc["config"]["rerun_of"] == run_id
    assert {c["id"] for c in doc["cases"]} == failed  # the fuzz passes were not kept
    assert {p["name"]: p["cases"] for p in doc["targets"][0]["phases"]} == {
        "scenarios": 1,
        "fuzz": 1,
        "replay": 1,
    }
    assert fuzz.only[-1] is not None and FUZZ_FAIL in fuzz.only[-1]
    assert doc["seed"] == 5
    out = result.output.splitlines()
    assert out[0].startswith(f"trc rerun {doc['run']['run_id']} · rerun of {run_id} → embedded")
    assert "== phase fuzz done: 1 record(s) · seed 5 ==" in out
    assert f"rerun of {run_id}: only its failed cases ran" in out
    assert "fuzz.UpdateTask.status_code_conformance" not in result.output
    assert f"reports: {folder}" in out


def test_a_new_problem_found_while_rerunning_is_kept() -> None:
    from harness.orchestrate.rerun import RerunFilter, base_id

    keep = RerunFilter.of([FUZZ_FAIL])
    assert keep is not None
    assert base_id(FUZZ_FAIL + ".2") == FUZZ_FAIL and base_id("smoke.a.2") == "smoke.a.2"
    assert keep.keeps(_fail(FUZZ_FAIL + ".2", "fuzz"))  # the same check's second finding
    assert keep.keeps(_fail("fuzz.CreateTask.negative_data_rejection", "fuzz"))
    passed = CaseRecord("fuzz.CreateTask.not_a_server_error", "held", "fuzz", "fuzz", Status.PASS)
    assert not keep.keeps(passed)
    assert RerunFilter.of(None) is None
