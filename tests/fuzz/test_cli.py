"""``trc fuzz`` through click's CliRunner (fuzz_command directly)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from harness.commands.fuzz import fuzz_command

FAST = ["--fuzz-budget", "3:60", "--phases", "fuzzing,stateful"]


def test_clean_embedded_run_exits_0_and_prints_the_seed() -> None:
    result = CliRunner().invoke(fuzz_command, [*FAST, "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "seed 3" in result.output
    assert "--seed 3" in result.output
    assert "no failures" in result.output
    assert "CreateTask" in result.output and "stateful" in result.output


def test_a_fault_exits_1_and_names_the_check(tmp_path: Path) -> None:
    out = tmp_path / "fuzz.json"
    result = CliRunner().invoke(
        fuzz_command, [*FAST, "--fault", "etag-missing", "--json", str(out)]
    )
    assert result.exit_code == 1, result.output
    assert "response_headers_conformance" in result.output
    assert "$TWILIO_AUTH_TOKEN" in result.output
    data = json.loads(out.read_text())
    assert data["seed"] == 0 and data["faults"] == ["etag-missing"]
    failed = [r for r in data["records"] if r["status"] == "fail"]
    assert any(r["failure"]["expectation"] == "response_headers_conformance" for r in failed)


def test_usage_errors_exit_2() -> None:
    runner = CliRunner()
    for args in (
        ["--fuzz-budget", "lots"],
        ["--fault", "no-such-fault"],
        ["--target", "ftp://example.com"],
        ["--target", "http://127.0.0.1:9", "--fault", "etag-missing"],
        ["--target", "http://127.0.0.1:9", "--account-sid", "AC1", "--auth-token", "t"],
        ["--target", "https://taskrouter.twilio.com", "--workspace-sid", "WS1"],
        ["--phases", "fuzzing,bogus"],
    ):
        result = runner.invoke(
            fuzz_command, args, env={"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": ""}
        )
        assert result.exit_code == 2, (args, result.output)
        assert "error" in result.output


def test_unreachable_target_exits_3() -> None:
    result = CliRunner().invoke(
        fuzz_command,
        [
            "--target",
            "http://127.0.0.1:9",
            "--profile",
            "reference",
            "--account-sid",
            "AC1",
            "--auth-token",
            "secret",
            *FAST,
        ],
    )
    assert result.exit_code == 3, result.output
    assert "did not answer" in result.output
