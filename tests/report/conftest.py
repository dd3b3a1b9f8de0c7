"""Shared fixtures: one faulted run of scenarios/smoke, written once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.commands.run import run_command
from tests.report.helpers import SMOKE, invoke


@pytest.fixture(autouse=True)
def _no_twilio_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)


@pytest.fixture(scope="session")
def faulted_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """reports dir of `trc run --scenarios scenarios/smoke --fault etag-ignored` (exit 1)."""
    reports = tmp_path_factory.mktemp("faulted")
    result = invoke(
        run_command,
        [
            "--scenarios",
            SMOKE,
            "--phases",
            "scenarios",
            "--fault",
            "etag-ignored",
            "--report-dir",
            str(reports),
        ],
    )
    assert result.exit_code == 1, result.output
    return reports / "latest"


@pytest.fixture(autouse=True)
def _scenario_phase_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about scenarios and reports: `trc run` here runs the scenario phase
    unless a test names its phases (the fuzz phase has its own tests in tests/fuzz)."""
    monkeypatch.setenv("TRC_PHASES", "scenarios")
