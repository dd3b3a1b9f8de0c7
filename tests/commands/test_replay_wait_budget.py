"""`--replay-wait-budget`: a replayed scenario whose windows on the target's profile exceed it is
not-configured (never a failure), and the budget is recorded and reaches a rerun."""

from __future__ import annotations

from pathlib import Path

from harness.commands.run import run_command
from tests.report.helpers import invoke, latest

CASE = "retention.canceled-deleted-within-window"


def _run(tmp_path: Path, *extra: str) -> dict:
    reports = tmp_path / "reports"
    args = ["--phases", "replay", "-k", CASE, "--report-dir", str(reports), *extra]
    invoke(run_command, args)
    return latest(reports)


def test_a_window_over_the_budget_is_not_configured(tmp_path: Path) -> None:
    report = _run(tmp_path, "--replay-wait-budget", "1")
    (case,) = report["cases"]
    assert case["status"] == "not-configured"
    assert "--replay-wait-budget" in case["reason"] and "retention_window" in case["reason"]
    assert report["config"]["replay_wait_budget"] == 1.0
    assert report["targets"][0]["score"]["not_configured"] == 1


def test_within_the_default_budget_the_window_is_waited_and_judged(tmp_path: Path) -> None:
    report = _run(tmp_path)
    (case,) = report["cases"]
    assert case["status"] == "pass", case
    assert report["config"]["replay_wait_budget"] is None


def test_a_non_positive_budget_is_a_usage_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(run_command, ["--replay-wait-budget", "0", "--list"])
    assert result.exit_code == 2
    assert "--replay-wait-budget" in result.output
