"""Redaction: the auth token never reaches a cassette, report or log; Authorization headers are
markers; --redact-account and --redact-attributes replace what they promise."""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from click.testing import CliRunner
from vcr.request import Request

from harness.cassette.format import load_cassette
from harness.cli import main
from harness.reference.config import ServerConfig
from harness.reference.fixture import default_fixture
from harness.reference.server import start_in_thread
from harness.replay.record import RecordOptions
from harness.replay.redact import (
    ACCOUNT_PLACEHOLDER,
    CassetteRedactor,
    SecretLeak,
    assert_clean,
    basic,
)
from harness.replay.replay import Replayer
from harness.results.model import Status
from harness.results.runid import new_run_id
from harness.targets.target import Credentials
from harness.wire.client import WRONG_TOKEN
from tests.replay.support import SESSION, record, reference

CANARY = "CANARYc4n4ry0123456789abcdefCANARY"


def _invoke(args: list[str], env: dict[str, str], log: Path) -> int:
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"$ trc {' '.join(args)}\n{result.output}\n")
    return result.exit_code


def test_a_canary_token_never_appears_in_any_file_written(tmp_path: Path) -> None:
    fixture = dataclasses.replace(default_fixture(), auth_token=CANARY)
    clean = start_in_thread(ServerConfig(fixture=fixture, retention_seconds=2))
    faulty = start_in_thread(
        ServerConfig(fixture=fixture, retention_seconds=2, faults=frozenset({"wrong-error-code"}))
    )
    env = {"TWILIO_ACCOUNT_SID": fixture.account_sid, "TWILIO_AUTH_TOKEN": CANARY}
    cassette = tmp_path / "cassettes" / "canary.yaml"
    reports = tmp_path / "reports"
    log = tmp_path / "trc.log"
    try:
        common = ["--profile", "reference", "--report-dir", str(reports)]
        code = _invoke(
            [
                "record",
                "--target",
                clean.base_url,
                "--scenarios",
                str(SESSION),
                "--out",
                str(cassette),
                *common,
            ],
            env,
            log,
        )
        assert code == 0, log.read_text()
        assert (
            _invoke(["replay", str(cassette), "--target", clean.base_url, *common], env, log) == 0
        ), log.read_text()
        # A failing replay keeps the candidate's exchanges and a curl line in the report.
        assert (
            _invoke(["replay", str(cassette), "--target", faulty.base_url, *common], env, log) == 1
        )
        assert (
            _invoke(
                [
                    "run",
                    "--target",
                    f"cassette:{cassette}",
                    "--scenarios",
                    str(SESSION),
                    "--phases",
                    "scenarios",
                    "--report-dir",
                    str(reports),
                ],
                env,
                log,
            )
            == 0
        )
    finally:
        clean.stop()
        faulty.stop()
    forms = [
        CANARY,
        quote(CANARY, safe=""),
        base64.b64encode(f"{fixture.account_sid}:{CANARY}".encode()).decode(),
        base64.b64encode(CANARY.encode()).decode().rstrip("="),
    ]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) >= 10  # cassette, log, three report folders
    assert any(
        "exchanges" in p.read_text(errors="replace") for p in written if p.name == "report.json"
    )
    for path in written:
        content = path.read_bytes().decode("utf-8", "replace")
        for form in forms:
            assert form not in content, f"{path} holds the auth token"
    text = cassette.read_text()
    assert "Basic <redacted>" in text and "Basic <wrong-token>" not in text
    auths = {i.request_header("authorization") for i in load_cassette(cassette).interactions}
    assert auths == {"Basic <redacted>", None}


def test_the_redactor_removes_the_token_wherever_it_appears() -> None:
    creds = Credentials("AC" + "1" * 32, CANARY)
    redactor = CassetteRedactor(creds)
    request = Request(
        "POST",
        f"http://x.test/v1/Workspaces/WS{'2' * 32}/Tasks?token={CANARY}&q={quote(CANARY)}",
        f"Attributes=%7B%22t%22%3A%22{CANARY}%22%7D".encode(),
        {
            "Authorization": basic(creds.account_sid, CANARY),
            "Cookie": "a=b",
            "X-Echo": CANARY,
            "content-type": "application/x-www-form-urlencoded",
        },
    )
    request.headers["authorization"] = redactor.auth_marker(
        "authorization", request.headers["authorization"], request
    )
    out = redactor.request(request)
    assert CANARY not in out.uri and CANARY.encode() not in out.body
    assert out.headers["authorization"] == "Basic <redacted>"
    assert "cookie" not in out.headers and CANARY not in out.headers["x-echo"]
    response = {
        "status": {"code": 400, "message": "Bad Request"},
        "headers": {"x-token": [CANARY], "set-cookie": ["s=1"]},
        "body": {"string": json.dumps({"message": f"bad {CANARY}"}).encode()},
    }
    out_response = redactor.response(response)
    assert "set-cookie" not in out_response["headers"]
    assert CANARY not in json.dumps(out_response)
    wrong = basic(creds.account_sid, WRONG_TOKEN)
    assert redactor.auth_marker("authorization", wrong, None) == "Basic <wrong-token>"
    other = redactor.auth_marker("authorization", "Bearer xyz", None)
    assert other.startswith("<redacted:") and "xyz" not in other
    assert redactor.auth_marker("authorization", other, None) == other  # idempotent
    with pytest.raises(SecretLeak) as caught:
        assert_clean(f"leak {CANARY}", redactor.secrets, "cassette.yaml")
    assert CANARY not in str(caught.value)


def test_redact_account_replaces_the_account_sid_and_still_replays() -> None:
    with reference() as target:
        cassette = record(target, options=RecordOptions(redact_account=True))
        account = target.credentials.account_sid
        assert account not in cassette.to_yaml()
        assert cassette.provenance.account_sid == ACCOUNT_PLACEHOLDER
        assert "account-sid" in cassette.provenance.redactions
        created = next(
            i for i in cassette.interactions if i.operation == "CreateTask" and i.status == 201
        )
        assert created.response_document()["account_sid"] == ACCOUNT_PLACEHOLDER
        with Replayer(target, cassette, new_run_id()) as replayer:
            records = replayer.run()
    assert all(r.status is Status.PASS for r in records), [r.failure for r in records]


def test_redact_attributes_replaces_values_consistently() -> None:
    with reference() as target:
        cassette = record(target, options=RecordOptions(redact_attributes=True))
    assert "attribute-values" in cassette.provenance.redactions
    seen: dict[str, set[str]] = {"request": set(), "response": set()}
    for interaction in cassette.interactions:
        query = dict(parse_qsl(urlsplit(interaction.uri).query))
        form = dict(parse_qsl(interaction.request_body or ""))
        for source in (query, form):
            if "Attributes" in source:
                attributes = json.loads(source["Attributes"])
                seen["request"].add(attributes["type"])
                assert attributes["trc_run"] == cassette.provenance.run_tag
        document = interaction.response_document()
        tasks = document.get("tasks", [document]) if isinstance(document, dict) else []
        for task in tasks:
            if isinstance(task, dict) and isinstance(task.get("attributes"), str):
                attributes = json.loads(task["attributes"])
                seen["response"].add(attributes["type"])
                assert isinstance(attributes["n"], int)  # numbers are kept
    assert seen["request"] == {"redacted-1", "redacted-2"}  # support, sales
    assert seen["response"] == {"redacted-1"}  # only the support tasks were created
    text = cassette.to_yaml()
    assert '"support"' not in text and '\\"support\\"' not in text
