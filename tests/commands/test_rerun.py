"""`trc rerun --failed REPORT`: only the failed cases, with the recorded options."""

from __future__ import annotations

import json
from pathlib import Path

from harness.commands.rerun import failed_ids, rerun_command, rerun_request
from harness.commands.run import run_command
from harness.report.deviations import Deviation
from harness.report.document import load_report
from harness.results.model import Status
from harness.results.vocab import DeviationKind
from tests.report.helpers import SMOKE, document, failing_record, invoke, record


def rerun_report(report_dir: Path) -> dict[str, object]:
    """The one ``<run-id>-rerun/report.json`` under ``report_dir``; a rerun moves no latest."""
    assert not (report_dir / "latest").exists()
    [found] = sorted(report_dir.glob("*-rerun/report.json"))
    return json.loads(found.read_text())


def test_rerun_runs_only_the_failed_cases_against_the_recorded_faulted_target(
    tmp_path: Path, faulted_run: Path
) -> None:
    original = json.loads((faulted_run / "report.json").read_text())
    assert failed_ids(load_report(faulted_run)) == {"embedded": ["smoke.etag-if-match"]}
    out = tmp_path / "rerun"
    result = invoke(rerun_command, ["--failed", str(faulted_run), "--report-dir", str(out)])
    assert result.exit_code == 1, result.output  # the fault is still switched on
    assert "→ embedded" in result.output and "== phase scenarios: 1 case(s) ==" in result.output
    assert "trc rerun" in result.output and f"rerun of {original['run']['run_id']}" in result.output
    doc = rerun_report(out)
    assert [c["id"] for c in doc["cases"]] == ["smoke.etag-if-match"]
    assert doc["cases"][0]["status"] == "fail"
    assert doc["run"]["rerun_of"] == original["run"]["run_id"]
    assert doc["targets"][0]["faults"] == ["etag-ignored"]
    assert doc["config"]["only"] == {"embedded": ["smoke.etag-if-match"]}
    assert doc["selection"]["excluded"] == 3 and doc["selection"]["selected"] == 1
    assert "rerun of the failed cases" in doc["selection"]["reason"]


def test_rerun_with_an_overridden_target_passes_once_fixed(
    tmp_path: Path, faulted_run: Path
) -> None:
    out = tmp_path / "fixed"
    result = invoke(
        rerun_command,
        [
            "--failed",
            str(faulted_run / "report.json"),
            "--target",
            "embedded",
            "--report-dir",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = rerun_report(out)
    assert [(c["id"], c["status"]) for c in doc["cases"]] == [("smoke.etag-if-match", "pass")]
    assert doc["targets"][0]["faults"] == []


def test_rerun_list_and_nothing_to_rerun(tmp_path: Path, faulted_run: Path) -> None:
    listed = invoke(rerun_command, ["--failed", str(faulted_run), "--list"])
    assert listed.exit_code == 0
    assert [line.split()[0] for line in listed.output.splitlines()] == ["smoke.etag-if-match"]
    clean = invoke(
        run_command,
        [
            "--scenarios",
            SMOKE,
            "--phases",
            "scenarios",
            "-k",
            "auth",
            "--report-dir",
            str(tmp_path),
        ],
    )
    assert clean.exit_code == 0
    result = invoke(rerun_command, ["--failed", str(tmp_path / "latest")])
    assert result.exit_code == 0 and "nothing to rerun" in result.output


def test_rerun_request_keeps_per_target_failures_and_skips_expected() -> None:
    report = document(
        {
            "a": [record("x", Status.PASS)],
            "b": [
                failing_record("x"),
                record("fuzz.FetchTask.c", Status.ERROR, phase="fuzz", category="fuzz"),
                failing_record("y"),
            ],
        },
        run_id="R",
        config={
            "targets": ["a=embedded", "b=embedded+fault:etag-ignored"],
            "scenarios": "scenarios/smoke",
            "fuzz_budget": "10:5",
        },
        deviations=[Deviation(0, DeviationKind.CASE, "y", "known")],
    )
    report.seed = 7
    request = rerun_request(report, {})
    assert request is not None
    assert request.only == {"b": ["x", "fuzz.FetchTask.c", "y"]}
    assert request.targets == ("a=embedded", "b=embedded+fault:etag-ignored")
    assert request.phases == "scenarios,fuzz"
    assert request.seed == 7 and request.fuzz_budget == "10:5"
    assert request.scenarios_dir == Path("scenarios/smoke") and request.rerun_of == "R"
    request = rerun_request(report, {"target": ("embedded",), "seed": 1}, skip_expected=True)
    assert request is not None
    assert request.only == {"*": ["x", "fuzz.FetchTask.c"]} and request.seed == 1
