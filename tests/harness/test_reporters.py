"""Reporters: results.json, summary.md, junit.xml, reports/latest; redaction and curl."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.reporters.files import point_latest, write_reports
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
            ClauseRef("task.etag.if-match-mismatch", "documented"),
            ClauseRef("task.x", "inferred"),
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


def test_reports_are_written_and_latest_points_at_them(tmp_path: Path) -> None:
    the_meta = meta()
    folder = write_reports(tmp_path, records(), the_meta)
    assert folder == tmp_path / the_meta.run_id
    assert {p.name for p in folder.iterdir()} == {"results.json", "summary.md", "junit.xml"}
    latest = tmp_path / "latest"
    assert latest.is_symlink() and latest.resolve() == folder.resolve()

    results = json.loads((folder / "results.json").read_text())
    assert results["counts"] == {"pass": 1, "fail": 1, "error": 1, "unsupported": 1, "skipped": 1}
    assert results["conformant"] is False
    case = results["cases"][1]
    assert case["status"] == "fail"
    assert case["failure"]["expected"] == 412
    assert case["clauses"][0] == {"id": "task.etag.if-match-mismatch", "strength": "documented"}
    for name in ("results.json", "summary.md", "junit.xml"):
        text = (folder / name).read_text()
        assert TOKEN not in text, name
        assert "QUM6dG9rZW4=" not in text, name

    summary = (folder / "summary.md").read_text()
    assert "not conformant" in summary
    assert "| `etag.stale` | fail | task.etag.if-match-mismatch, task.x (inferred) |" in summary
    assert "uns.one" in summary

    root = ET.parse(folder / "junit.xml").getroot()
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "5" and suite.get("failures") == "1"
    assert suite.get("errors") == "1" and suite.get("skipped") == "2"
    properties = {p.get("name"): p.get("value") for p in suite.find("properties")}  # type: ignore[union-attr]
    assert properties["target"] == "http://t" and properties["run_id"] == the_meta.run_id
    assert properties["harness_version"] == "0.1.0"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    failure = cases["etag.stale"].find("failure")
    assert failure is not None and failure.get("message") == "expected status 412, got 200"
    assert "reproduce: curl" in (failure.text or "")
    assert cases["err.one"].find("error") is not None
    assert cases["uns.one"].find("skipped") is not None

    second = meta()
    write_reports(tmp_path, records()[:1], second)
    assert (tmp_path / "latest").resolve() == (tmp_path / second.run_id).resolve()


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
