"""``trc fuzz`` through click's CliRunner (fuzz_command directly)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from harness.commands.fuzz import fuzz_command
from harness.exitcodes import ExitCode

FAST = ["--fuzz-budget", "3:60", "--phases", "fuzzing,stateful"]
NO_ENV = {"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": ""}


def test_clean_embedded_run_exits_0_and_prints_the_seed() -> None:
    result = CliRunner().invoke(fuzz_command, [*FAST, "--seed", "3"])
    assert result.exit_code == ExitCode.OK, result.output
    assert "seed 3" in result.output
    assert "--seed 3" in result.output
    assert "no failures" in result.output
    assert "CreateTask" in result.output and "stateful" in result.output
    # "embedded" is the reference on a loopback port, as for trc run (harness.targets).
    assert "embedded (http://127.0.0.1:" in result.output


def test_a_fault_exits_1_and_names_the_check(tmp_path: Path) -> None:
    out = tmp_path / "fuzz.json"
    result = CliRunner().invoke(
        fuzz_command,
        [*FAST, "--fault", "etag-missing", "--run-tag", "trc_cli_tag", "--json", str(out)],
    )
    assert result.exit_code == ExitCode.FAIL, result.output
    assert "response_headers_conformance" in result.output
    assert "$TWILIO_AUTH_TOKEN" in result.output
    data = json.loads(out.read_text())
    assert data["seed"] == 0 and data["faults"] == ["etag-missing"]
    assert data["target"] == "embedded"
    failed = [r for r in data["records"] if r["status"] == "fail"]
    assert any(r["failure"]["expectation"] == "response_headers_conformance" for r in failed)
    assert data["summary"]["created"] == data["summary"]["deleted"] > 0
    assert data["cleanup_failures"] == {}
    # The embedded server ends with the command: generated Attributes carry no run tag.
    assert "trc_cli_tag" not in out.read_text()


def test_the_same_seed_repeats_an_embedded_run(tmp_path: Path) -> None:
    runs = []
    for name in ("first", "second"):
        out = tmp_path / f"{name}.json"
        result = CliRunner().invoke(fuzz_command, [*FAST, "--seed", "11", "--json", str(out)])
        assert result.exit_code == ExitCode.OK, result.output
        runs.append(json.loads(out.read_text()))
    first, second = runs
    assert first["cases"] == second["cases"] and first["summary"]["cases"] > 0


def test_usage_errors_exit_2() -> None:
    runner = CliRunner()
    for args, message in (
        (["--fuzz-budget", "lots"], "invalid fuzz budget"),
        (["--fuzz-budget", "10:0"], "SECONDS must be positive"),
        (["--fuzz-budget", "0"], "CASES must be at least 1"),
        (["--fault", "no-such-fault"], "unknown fault"),
        (["--target", "ftp://example.com"], "expected 'embedded'"),
        (["--target", "cassette:cassettes/none.yaml"], "needs a server"),
        (["--target", "http://127.0.0.1:9", "--fault", "etag-missing"], "embedded target only"),
        (
            ["--target", "http://127.0.0.1:9", "--account-sid", "AC1", "--auth-token", "t"],
            "--profile",
        ),
        (["--target", "http://127.0.0.1:9", "--profile", "reference"], "missing credentials"),
        (["--target", "https://taskrouter.twilio.com", "--workspace-sid", "WS1"], "--allow-live"),
        (["--phases", "fuzzing,bogus"], "unknown phase"),
        (["--operation", "PatchTask"], "unknown operation"),
    ):
        result = runner.invoke(fuzz_command, args, env=NO_ENV)
        assert result.exit_code == ExitCode.USAGE, (args, result.output)
        assert "trc fuzz: error:" in result.output and message in result.output, (
            args,
            result.output,
        )


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
    assert result.exit_code == ExitCode.UNREACHABLE, result.output
    assert "trc fuzz: target http://127.0.0.1:9 is unreachable" in result.output
