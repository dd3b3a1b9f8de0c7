"""--baseline (regressions only), trc report diff, trc report gate, loading report files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.commands.report import report_group
from harness.report.diff import diff_reports, diff_text
from harness.report.document import ReportFileError, load_report
from harness.report.model import Report, report_data
from harness.reporters.files import write_report_folder
from harness.results.model import Status
from harness.results.vocab import GateMode
from tests.report.helpers import document, failing_record, invoke, record

OLD = "20260101T000000Z-aaaaaa"
NEW = "20260102T000000Z-bbbbbb"


def old_doc() -> Report:
    return document(
        {
            "t": [
                record("a", Status.PASS),
                record("b", Status.PASS),
                failing_record("c"),
                record("d", Status.PASS),
            ]
        },
        run_id=OLD,
    )


def test_baseline_fails_only_on_regressions() -> None:
    # a: still passes; b: regressed; c: failed before and now; e: new and failing;
    # d: removed from the library
    new = [record("a", Status.PASS), failing_record("b"), failing_record("c"), failing_record("e")]
    doc = document({"t": new}, run_id=NEW, baseline=old_doc(), baseline_file="old.json")
    assert doc.gate.mode is GateMode.BASELINE
    checks = {str(c.name): c for c in doc.targets[0].gate.checks}
    assert "conformance" not in checks
    assert checks["regressions"].passed is False
    assert "1 regression(s) against 20260101T000000Z-aaaaaa: b" in checks["regressions"].detail
    assert "2 other failing case(s) not gated" in checks["regressions"].detail
    assert doc.baseline is not None and doc.baseline.file == "old.json"
    target = doc.baseline.targets[0]
    assert [r.id for r in target.regressions] == ["b"]
    assert sorted(r.id for r in target.new_failures) == ["b", "e"]
    assert [r.id for r in target.removed] == ["d"]
    assert report_data(doc)["baseline"]["targets"][0]["removed"] == [
        {"id": "d", "phase": "scenarios", "before": "pass", "after": None}
    ]
    assert doc.gate.exit_code == 1


def test_baseline_without_regressions_passes_despite_known_failures() -> None:
    new = [record("a", Status.PASS), record("b", Status.PASS), failing_record("c")]
    doc = document({"t": new}, run_id=NEW, baseline=old_doc())
    assert doc.gate.passed is True
    fixes = document({"t": [record("c", Status.PASS)]}, run_id=NEW, baseline=old_doc())
    assert fixes.baseline is not None
    assert [f.id for f in fixes.baseline.targets[0].fixes] == ["c"]


def test_expected_deviation_is_not_a_regression(tmp_path: Path) -> None:
    from harness.report.deviations import load_deviations

    path = tmp_path / "d.yaml"
    path.write_text("deviations:\n  - case: b\n    reason: accepted while we migrate\n")
    new = [record("a", Status.PASS), failing_record("b")]
    doc = document({"t": new}, run_id=NEW, baseline=old_doc(), deviations=load_deviations(path))
    assert doc.baseline is not None and doc.baseline.regressions == 0 and doc.gate.passed


def test_a_target_the_baseline_lacks_is_gated_on_conformance() -> None:
    new = {"t": [record("a", Status.PASS)], "other": [failing_record("x")]}
    doc = document(new, run_id=NEW, baseline=old_doc())
    names = {t.label: [c.name for c in t.gate.checks] for t in doc.targets}
    assert names == {"t": ["ran", "regressions"], "other": ["ran", "conformance"]}
    assert doc.gate.passed is False


def test_diff_pairs_single_targets_whatever_their_labels() -> None:
    old = document({"http://127.0.0.1:3000": [record("a", Status.PASS)]}, run_id=OLD)
    new = document({"http://127.0.0.1:4000": [failing_record("a")]}, run_id=NEW)
    diff = diff_reports(old, new)
    assert diff.regressions == 1
    text = diff_text(diff)
    assert "score 100 → 0 (-100)" in text
    assert "a pass → fail REGRESSION: expected status 412, got 200" in text


def test_report_diff_command(tmp_path: Path) -> None:
    old = write_report_folder(tmp_path, old_doc())
    new_doc = document(
        {
            "t": [
                record("a", Status.PASS),
                failing_record("b"),
                record("c", Status.PASS),
                record("d", Status.UNSUPPORTED),
                record("n", Status.PASS, strength="inferred", clauses=()),
            ]
        },
        run_id=NEW,
    )
    new = write_report_folder(tmp_path, new_doc)
    result = invoke(report_group, ["diff", str(old), str(new / "report.json")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith(f"trc report diff: {OLD} → {NEW}")
    assert "t: score 75 → 70 (-5)" in out
    assert "new failures (1)\n  b pass → fail REGRESSION" in out
    assert "fixes (1)\n  c fail → pass" in out
    assert "other status changes (1)\n  d pass → unsupported" in out
    assert "added cases (1)\n  n absent → pass" in out
    assert "1 new failure(s), 1 regression(s), 1 fix(es)" in out
    gated = invoke(report_group, ["diff", str(old), str(new), "--fail-on-regression"])
    assert gated.exit_code == 1
    as_json = json.loads(
        invoke(report_group, ["diff", str(old), str(new), "--format", "json"]).output
    )
    assert as_json["targets"][0]["score_delta"] == -5
    md = invoke(report_group, ["diff", str(old), str(new), "--format", "markdown"]).output
    assert "### t: score 75 → 70 (-5)" in md and "- `b` pass → fail REGRESSION" in md


def test_report_gate_command_regates_without_running(tmp_path: Path) -> None:
    folder = write_report_folder(
        tmp_path, document({"t": [record("a", Status.PASS), failing_record("b")]}, run_id=NEW)
    )
    result = invoke(report_group, ["gate", str(folder)])
    assert result.exit_code == 1 and "FAIL t: conformance" in result.output
    devs = tmp_path / "d.yaml"
    devs.write_text("deviations:\n  - case: b\n    reason: known\n")
    result = invoke(report_group, ["gate", str(folder), "--expect-deviations", str(devs)])
    assert result.exit_code == 0, result.output
    assert (
        "ok   t: conformance: no case failed or errored; 1 expected deviation(s)" in result.output
    )
    written = json.loads((folder / "report.json").read_text())
    assert written["gate"]["passed"] is False  # without --write the files stay as they were
    result = invoke(
        report_group, ["gate", str(folder), "--expect-deviations", str(devs), "--write"]
    )
    assert result.exit_code == 0, result.output
    rewritten = load_report(folder)
    assert rewritten.gate.passed is True and rewritten.config.expect_deviations == str(devs)
    assert "✅ gate passed" in (folder / "report.md").read_text()
    result = invoke(
        report_group,
        ["gate", str(folder), "--expect-deviations", str(devs), "--fail-under", "60"],
    )
    assert result.exit_code == 1 and "FAIL t: fail-under: score 50.0 < 60" in result.output


def test_unreadable_reports_are_usage_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "trc-report", "schema_version": 1}')
    result = invoke(report_group, ["diff", str(bad), str(bad)])
    assert result.exit_code == 2 and "does not follow the report schema" in result.output
    other = tmp_path / "other.json"
    other.write_text("[]")
    assert invoke(report_group, ["gate", str(other)]).exit_code == 2
    future = tmp_path / "future.json"
    future.write_text('{"format": "trc-report", "schema_version": 99}')
    result = invoke(report_group, ["diff", str(future), str(future)])
    assert result.exit_code == 2 and "schema version 99 is not supported" in result.output


def test_load_report_validates_against_the_model(tmp_path: Path) -> None:
    folder = write_report_folder(tmp_path, document({"t": [failing_record("b")]}, run_id=NEW))
    loaded = load_report(folder)
    assert isinstance(loaded, Report)
    assert loaded.cases[0].status is Status.FAIL and loaded.cases[0].failure is not None
    assert report_data(loaded) == json.loads((folder / "report.json").read_text())
    data = json.loads((folder / "report.json").read_text())
    data["cases"][0]["status"] = "passed"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data))
    with pytest.raises(ReportFileError) as caught:
        load_report(broken)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{broken}: does not follow the report schema: cases/0/status:")
    assert "'pass'" in message


def test_a_harness_0_1_results_json_is_refused_clearly(tmp_path: Path) -> None:
    legacy = {"schema_version": 1, "run": {"run_id": OLD}, "counts": {}, "cases": []}
    (tmp_path / "results.json").write_text(json.dumps(legacy))
    for path in (tmp_path, tmp_path / "results.json"):
        with pytest.raises(ReportFileError, match=r"results\.json of harness 0\.1"):
            load_report(path)
