"""``trc record`` and ``trc replay``: options, exit codes, what they print."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cassette.format import load_cassette
from harness.cli import main
from tests.replay.support import SESSION


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "session.yaml"
    result = CliRunner().invoke(main, ["record", "--scenarios", str(SESSION), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "24 exchange(s) from 2 scenario(s)" in result.output
    return out


def test_record_refuses_to_overwrite_without_force(recorded: Path) -> None:
    args = ["record", "--scenarios", str(SESSION), "--out", str(recorded), "-k", "errors"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "--force" in result.output
    result = CliRunner().invoke(
        main,
        [
            *args[:-2],
            "--out",
            str(recorded.with_name("e.yaml")),
            "-k",
            "errors",
            "--redact-account",
        ],
    )
    assert result.exit_code == 0, result.output
    cassette = load_cassette(recorded.with_name("e.yaml"))
    assert [s.id for s in cassette.provenance.scenarios] == ["replaytest.errors"]
    assert "account-sid" in cassette.provenance.redactions


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["record", "--out", "x.yaml", "--target", "cassette:x.yaml"], "needs a server"),
        (["record", "--out", "x.yaml", "-k", "nothing-matches-this"], "no scenarios selected"),
        (
            [
                "record",
                "--out",
                "x.yaml",
                "--target",
                "https://taskrouter.twilio.com",
                "--profile",
                "reference",
            ],
            "--allow-live",
        ),
        (["replay", "/nonexistent/cassette.yaml"], "no such file"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_a_plain_vcrpy_cassette_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_text("interactions: []\nversion: 1\n")
    result = CliRunner().invoke(main, ["replay", str(plain)])
    assert result.exit_code == 2 and "no 'trc' provenance block" in result.output


def test_replay_exit_codes_and_output(recorded: Path, tmp_path: Path) -> None:
    clean = CliRunner().invoke(main, ["replay", str(recorded), "--report-dir", str(tmp_path)])
    assert clean.exit_code == 0, clean.output
    assert "0 difference(s)" in clean.output and "2 pass" in clean.output
    faulty_dir = tmp_path / "faulty"
    faulty = CliRunner().invoke(
        main,
        [
            "replay",
            str(recorded),
            "--fault",
            "priority-as-string",
            "-k",
            "session",
            "--report-dir",
            str(faulty_dir),
        ],
    )
    assert faulty.exit_code == 1, faulty.output
    assert "CreateTask priority: different" in faulty.output
    assert "differences by operation × field" in faulty.output
    results = json.loads((tmp_path / "latest" / "report.json").read_text())
    cases = results["cases"]
    assert {c["phase"] for c in cases} == {"replay"} and len(cases) == 2
    # report.json keeps a case's differences; its matching rows are counted, not listed.
    assert all(not c["fields"] and c["fields_dropped"] > 0 for c in cases)
    faulty_cases = json.loads((faulty_dir / "latest" / "report.json").read_text())["cases"]
    rows = [f for c in faulty_cases for f in c["fields"]]
    assert rows and {"operation", "field", "verdict", "exchange"} <= set(rows[0])
    assert any(f["field"] == "priority" and f["verdict"] == "different" for f in rows)


def test_a_session_too_large_for_a_cassette_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a small limit stands in for 64 MB: the same check, without recording 64 MB
    from harness.cassette import format as cassette_format
    from harness.yamlsrc.limits import Limits

    monkeypatch.setattr(cassette_format, "CASSETTE_LIMITS", Limits(max_bytes=2000))
    out = tmp_path / "big.yaml"
    result = CliRunner().invoke(main, ["record", "--scenarios", str(SESSION), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "trc record: error: the cassette would be" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() and not out.with_name("big.yaml.tmp").exists()


def test_recording_a_push_case_is_not_configured_never_a_crash(tmp_path: Path) -> None:
    """vcrpy records every httpx exchange of the process, and the embedded reference POSTs its
    callbacks from this process: ``trc record`` leaves the push channel off."""
    from harness.resources import scenarios_dir

    out = tmp_path / "events.yaml"
    result = CliRunner().invoke(
        main,
        [
            "record", "--scenarios", str(scenarios_dir() / "events"), "--out", str(out),
            "-k", "events.push.task-created or events.pull.task-created",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "not-configured events.push.task-created" in result.output
    cassette = load_cassette(out)
    # only requests to the target: no callback (the receiver's /events path) was recorded
    assert cassette.interactions
    assert all("/v1/Workspaces/" in i.uri for i in cassette.interactions)
