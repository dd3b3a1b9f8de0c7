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
        run_command, ["--scenarios", SMOKE, "--fault", "etag-ignored", "--report-dir", str(reports)]
    )
    assert result.exit_code == 1, result.output
    return reports / "latest"
