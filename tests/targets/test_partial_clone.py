"""A partial clone that declares a feature unsupported: no case that uses it fails, in the
scenario phase or the fuzz phase, and the cases are listed as unsupported instead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from harness.asgi_server import start_in_thread
from harness.commands.run import run_command
from tests.fakes_partial import PartialClone
from tests.report.helpers import invoke, latest

pytestmark = pytest.mark.slow

SELECT = "virtual or update-fields or ordering or fuzz"


def run_against(clone: PartialClone, tmp_path: Path, declare: bool) -> dict:  # type: ignore[type-arg]
    data = clone.profile().data
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        yaml.safe_dump({**data, "unsupported": clone.unsupported if declare else []})
    )
    reports = tmp_path / ("declared" if declare else "undeclared")
    with start_in_thread(clone) as server:
        result = invoke(
            run_command,
            [
                "--target", server.base_url, "--profile", str(profile),
                "--account-sid", clone.fixture.account_sid,
                "--auth-token", clone.fixture.auth_token,
                "--phases", "scenarios,fuzz", "--fuzz-budget", "3", "-k", SELECT,
                "--report-dir", str(reports),
            ],
        )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    return latest(reports)


def failing(doc: dict) -> list[dict]:  # type: ignore[type-arg]
    return [c for c in doc["cases"] if c["status"] in ("fail", "error")]


def test_declared_unsupported_features_fail_nothing_in_any_phase(tmp_path: Path) -> None:
    undeclared = run_against(PartialClone(), tmp_path, declare=False)
    phases = {c["phase"] for c in failing(undeclared)}
    # Without the declaration the clone's gap is seen by both phases (the proof is not vacuous).
    assert {"scenarios", "fuzz"} <= phases, json.dumps(failing(undeclared), indent=1)[:2000]

    clone = PartialClone()
    declared = run_against(clone, tmp_path, declare=True)
    assert clone.refused == []  # nothing that uses VirtualStartTime was sent
    assert failing(declared) == []
    unsupported = {c["id"] for c in declared["cases"] if c["status"] == "unsupported"}
    assert "lifecycle.update-fields" in unsupported
    assert any(i.startswith("ordering.forbidden-pair-") for i in unsupported)
    assert "fuzz.CreateTask.unsupported.virtual-start-time" in unsupported
