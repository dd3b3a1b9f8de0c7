"""--baseline (regressions only), trc report diff, trc report gate, legacy results.json."""

from __future__ import annotations

import json
from pathlib import Path

from harness.commands.report import report_group
from harness.report.diff import diff_reports, diff_text
from harness.report.document import load_report
from harness.reporters.files import write_report_folder
from harness.reporters.json_report import write_json
from harness.results.model import Status
from tests.report.helpers import document, failing_record, invoke, meta, record

OLD = "20260101T000000Z-aaaaaa"
NEW = "20260102T000000Z-bbbbbb"


def old_doc() -> dict:
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
    assert doc["gate"]["mode"] == "baseline"
    checks = {c["name"]: c for c in doc["targets"][0]["gate"]["checks"]}
    assert "conformance" not in checks
    assert checks["regressions"]["passed"] is False
    assert "1 regression(s) against 20260101T000000Z-aaaaaa: b" in checks["regressions"]["detail"]
    assert "2 other failing case(s) not gated" in checks["regressions"]["detail"]
    target = doc["baseline"]["targets"][0]
    assert [r["id"] for r in target["regressions"]] == ["b"]
    assert sorted(r["id"] for r in target["new_failures"]) == ["b", "e"]
    assert [r["id"] for r in target["removed"]] == ["d"]
    assert doc["gate"]["exit_code"] == 1


def test_baseline_without_regressions_passes_despite_known_failures() -> None:
    new = [record("a", Status.PASS), record("b", Status.PASS), failing_record("c")]
    doc = document({"t": new}, run_id=NEW, baseline=old_doc())
    assert doc["gate"]["passed"] is True
    fixes = document({"t": [record("c", Status.PASS)]}, run_id=NEW, baseline=old_doc())
    assert [f["id"] for f in fixes["baseline"]["targets"][0]["fixes"]] == ["c"]


def test_expected_deviation_is_not_a_regression(tmp_path: Path) -> None:
    from harness.report.deviations import load_deviations

    path = tmp_path / "d.yaml"
    path.write_text("deviations:\n  - case: b\n    reason: accepted while we migrate\n")
    new = [record("a", Status.PASS), failing_record("b")]
    doc = document({"t": new}, run_id=NEW, baseline=old_doc(), deviations=load_deviations(path))
    assert doc["baseline"]["regressions"] == 0 and doc["gate"]["passed"] is True


def test_a_target_the_baseline_lacks_is_gated_on_conformance() -> None:
    new = {"t": [record("a", Status.PASS)], "other": [failing_record("x")]}
    doc = document(new, run_id=NEW, baseline=old_doc())
    names = {t["label"]: [c["name"] for c in t["gate"]["checks"]] for t in doc["targets"]}
    assert names == {"t": ["ran", "regressions"], "other": ["ran", "conformance"]}
    assert doc["gate"]["passed"] is False


def test_diff_pairs_single_targets_whatever_their_labels() -> None:
    old = document({"http://127.0.0.1:3000": [record("a", Status.PASS)]}, run_id=OLD)
    new = document({"http://127.0.0.1:4000": [failing_record("a")]}, run_id=NEW)
    diff = diff_reports(old, new)
    assert diff["regressions"] == 1
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


def test_legacy_results_json_can_be_a_baseline(tmp_path: Path) -> None:
    path = write_json(tmp_path / "results.json", [record("a", Status.PASS)], meta("t", OLD))
    legacy = load_report(path)
    assert legacy["format"] == "trc-report" and legacy["score"]["value"] == 100.0
    doc = document({"t": [failing_record("a")]}, run_id=NEW, baseline=legacy)
    assert doc["baseline"]["regressions"] == 1
