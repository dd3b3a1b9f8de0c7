"""Reporters: the report folder from one typed report (report.json, report.md, report.html,
junit.xml, badge.svg), reports/latest, the terminal summary; redaction and curl."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rich.console import Console

from harness.report.document import TargetRun, build_report, one_target_report
from harness.report.model import Report, report_data
from harness.report.schema import validate_document
from harness.reporters.files import ARTIFACTS, point_latest, write_report_folder
from harness.reporters.terminal import final_summary
from harness.results.curl import curl_command
from harness.results.model import (
    CaseRecord,
    ClauseRef,
    Exchange,
    Failure,
    RecordedRequest,
    RecordedResponse,
    RunMeta,
    Status,
    Strength,
)
from harness.results.redact import Redactor
from harness.results.runid import new_run_id, run_tag_for

TOKEN = "s3cr3t-auth-token-value"


def records() -> list[CaseRecord]:
    redactor = Redactor([TOKEN])
    request = RecordedRequest(
        "POST",
        redactor.text(f"http://t/v1/Workspaces/WS1/Tasks?token={TOKEN}"),
        redactor.headers({"Authorization": "Basic QUM6dG9rZW4=", "If-Match": "0"}),
        redactor.text(f"Attributes=%7B%7D&Note={TOKEN}"),
    )
    failing = CaseRecord(
        id="etag.stale",
        title="Stale If-Match",
        category="etag",
        phase="scenarios",
        status=Status.FAIL,
        duration_s=0.1,
        clauses=[
            ClauseRef("task.etag.if-match-mismatch", Strength.DOCUMENTED),
            ClauseRef("task.x", Strength.INFERRED),
        ],
        failure=Failure("update", "status", 412, 200, "expected status 412, got 200"),
        exchanges=[
            Exchange("update", request, RecordedResponse(200, {}, redactor.value({"echo": TOKEN})))
        ],
        curl=curl_command(request),
    )
    return [
        CaseRecord("ok.one", "Fine", "lifecycle", "scenarios", Status.PASS, 0.2),
        failing,
        CaseRecord(
            "err.one",
            "Broken",
            "lifecycle",
            "scenarios",
            Status.ERROR,
            failure=Failure("s", "harness", message="refused"),
        ),
        CaseRecord(
            "uns.one",
            "Nope",
            "retention",
            "scenarios",
            Status.UNSUPPORTED,
            reason="ttl unsupported",
        ),
        CaseRecord(
            "skip.one",
            "Later",
            "retention",
            "scenarios",
            Status.SKIPPED,
            reason="no multi workspace",
        ),
    ]


def meta() -> RunMeta:
    run_id = new_run_id()
    return RunMeta(
        run_id, run_tag_for(run_id), "http://t", "0.1.0", "2026-01-01T00:00:00Z", duration_s=1.5
    )


def test_run_ids_and_tags() -> None:
    run_id = new_run_id()
    assert len(run_id) == len("20261128T190102Z-a1b2c3") and run_id[16] == "-"
    assert "-" not in run_tag_for(run_id)  # TaskRouter expressions do not support hyphens


def report_of(records: list[CaseRecord], the_meta: RunMeta) -> Report:
    run = TargetRun(
        label=the_meta.target,
        spec=the_meta.target,
        kind="url",
        records=records,
        meta=the_meta,
        phases=[{"name": "scenarios", "status": "ran", "reason": None, "cases": len(records)}],
    )
    return build_report(
        [run],
        run_id=the_meta.run_id,
        started_at=the_meta.started_at,
        duration_s=the_meta.duration_s,
        config={"targets": [the_meta.target], "auth_token": "<redacted>"},
        phases=[{"name": "scenarios", "status": "ran", "reason": None}],
        secrets=[TOKEN],
    )


def test_reports_are_written_and_latest_points_at_them(tmp_path: Path) -> None:
    the_meta = meta()
    folder = write_report_folder(tmp_path, report_of(records(), the_meta))
    assert folder == tmp_path / the_meta.run_id
    assert {p.name for p in folder.iterdir()} == set(ARTIFACTS)
    latest = tmp_path / "latest"
    assert latest.is_symlink() and latest.resolve() == folder.resolve()

    document = json.loads((folder / "report.json").read_text())
    counts = document["targets"][0]["counts"]
    assert counts == {
        "pass": 1,
        "fail": 1,
        "error": 1,
        "unsupported": 1,
        "not-applicable": 0,
        "not-configured": 0,
        "skipped": 1,
        "expected_deviation": 0,
    }
    assert document["gate"]["passed"] is False
    assert document["gate"]["failed_checks"] == ["http://t: conformance"]
    case = next(c for c in document["cases"] if c["id"] == "etag.stale")
    assert case["status"] == "fail" and case["target"] == "http://t"
    assert case["failure"]["expected"] == 412
    assert case["clauses"][0] == {"id": "task.etag.if-match-mismatch", "strength": "documented"}
    assert case["effective_strength"] == "documented" and case["weight"] == 3
    assert case["operations"] == [{"operation": "CreateTask", "status": "fail"}]
    # one documented failure, one documented error, the skipped case could not run: 3 / 12
    assert document["score"]["value"] == 25.0 and document["score"]["unsupported"] == 1
    for name in ARTIFACTS:
        text = (folder / name).read_text()
        assert TOKEN not in text, name
        assert "QUM6dG9rZW4=" not in text, name

    summary = (folder / "report.md").read_text()
    assert "❌ **gate failed**" in summary
    assert (
        "| `etag.stale` | http://t | fail | task.etag.if-match-mismatch, task.x (inferred) |"
        in summary
    )
    assert "- `uns.one` (http://t): ttl unsupported" in summary
    assert "| http://t | 25.0 | 1 | 1 | 1 | 1 | 1 | 0 | ❌ |" in summary

    root = ET.parse(folder / "junit.xml").getroot()
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "5" and suite.get("failures") == "1"
    assert suite.get("errors") == "1" and suite.get("skipped") == "2"
    properties = {p.get("name"): p.get("value") for p in suite.find("properties")}  # type: ignore[union-attr]
    assert properties["target"] == "http://t" and properties["run_id"] == the_meta.run_id
    assert properties["score"] == "25.0" and properties["gate"] == "failed"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    failure = cases["etag.stale"].find("failure")
    assert failure is not None and failure.get("message") == "expected status 412, got 200"
    assert "reproduce: curl" in (failure.text or "")
    assert cases["err.one"].find("error") is not None
    assert cases["uns.one"].find("skipped") is not None

    html = (folder / "report.html").read_text()
    assert 'data-status="fail"' in html and "expected status 412, got 200" in html
    assert "conformance: 25.0%" in (folder / "badge.svg").read_text()

    second = meta()
    write_report_folder(tmp_path, report_of(records()[:1], second))
    assert (tmp_path / "latest").resolve() == (tmp_path / second.run_id).resolve()


def test_the_terminal_summary_reads_the_report() -> None:
    console = Console(record=True, width=120, highlight=False)
    final_summary(console, report_of(records(), meta()), "reports/x")
    text = console.export_text()
    assert "Summary by category" in text and "Failures" in text
    assert "│ lifecycle │    1 │    0 │     1 │           0 │       0 │" in text
    assert "│ total     │    1 │    1 │     1 │           1 │       1 │" in text
    assert "etag.stale" in text and "expected status 412, got 200" in text
    assert "NOT CONFORMANT · score 25.0/100 (weighted 3/12)" in text
    assert "gate failed: http://t: conformance" in text
    assert text.rstrip().endswith("reports: reports/x")
    assert TOKEN not in text


def test_one_target_report_for_record_and_replay() -> None:
    """`trc record` and `trc replay` report one target's records with its RunMeta."""
    the_meta = meta()
    the_meta.phases = ["replay"]
    the_meta.profile = "embedded fixture"
    report = one_target_report(records(), the_meta)
    data = report_data(report)
    assert validate_document(data) == []
    assert [(p.name, p.status) for p in report.phases] == [("replay", "ran")]
    assert report.targets[0].phases[0].cases == 5 and report.targets[0].kind == "url"
    assert data["config"]["targets"] == ["http://t"] and data["config"]["phases"] == "replay"
    assert data["config"]["profiles"] == []  # "embedded fixture" is no --profile value
    assert report.targets[0].profile == "embedded fixture"
    assert report.targets[0].counts.passed == 1 and report.gate.passed is False


def test_latest_falls_back_to_a_text_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_symlinks(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError("symlinks not allowed here")

    monkeypatch.setattr(Path, "symlink_to", no_symlinks)
    latest = point_latest(tmp_path, "20260101T000000Z-abcdef")
    assert latest.is_file() and latest.read_text().strip() == "20260101T000000Z-abcdef"
    point_latest(tmp_path, "20260101T000001Z-abcdef")
    assert latest.read_text().strip() == "20260101T000001Z-abcdef"


def test_curl_uses_environment_credentials() -> None:
    request = RecordedRequest(
        "POST",
        "http://t/v1/Workspaces/WS1/Tasks/WT1",
        {
            "If-Match": "0",
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "Basic <redacted>",
        },
        "Attributes=%7B%22a%22%3A1%7D&Priority=3",
    )
    command = curl_command(request)
    assert command.startswith("curl -sS -i -X POST http://t/v1/Workspaces/WS1/Tasks/WT1")
    assert '-u "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN"' in command
    assert "--data-urlencode 'Attributes={\"a\":1}'" in command
    assert "--data-urlencode Priority=3" in command
    assert "'If-Match: 0'" in command and "Authorization" not in command
    assert "-u" not in curl_command(RecordedRequest("GET", "http://t/x", {}), auth="none")


def test_redactor() -> None:
    redactor = Redactor([TOKEN, ""])
    assert redactor.headers({"authorization": "Basic abc", "X": TOKEN}) == {
        "authorization": "Basic <redacted>",
        "X": "<redacted>",
    }
    assert redactor.value({"a": [TOKEN, 1]}) == {"a": ["<redacted>", 1]}
