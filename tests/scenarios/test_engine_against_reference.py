"""The engine against the real reference server: the library's examples pass, faults are
caught, and an interrupted run leaves nothing behind."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from harness.commands.run import run_command
from harness.reference.config import ServerConfig
from harness.reference.server import RunningServer, start_in_thread
from harness.resources import scenarios_dir
from harness.results.model import Status
from harness.scenarios.discovery import discover, load_clause_registry
from harness.scenarios.engine import ScenarioEngine
from harness.speccheck import load_spec
from harness.targets.profile import profile_from_fixture
from harness.targets.resolve import ReadyTarget
from harness.targets.target import Credentials


@pytest.fixture(scope="module")
def reference() -> Iterator[RunningServer]:
    with start_in_thread(ServerConfig(retention_seconds=1.0)) as server:
        yield server


def ready(server: RunningServer) -> ReadyTarget:
    fixture = server.config.fixture
    return ReadyTarget(
        "reference",
        server.base_url,
        Credentials(fixture.account_sid, fixture.auth_token),
        profile_from_fixture(fixture, 1.0),
    )


def tasks_of_run(server: RunningServer, run_tag: str) -> list[dict[str, Any]]:
    fixture = server.config.fixture
    found = []
    for ws in (fixture.single.sid, fixture.multi.sid):
        response = httpx.get(
            f"{server.base_url}/v1/Workspaces/{ws}/Tasks",
            params={"EvaluateTaskAttributes": f'trc_run == "{run_tag}"', "PageSize": 1000},
            auth=(fixture.account_sid, fixture.auth_token),
        )
        assert response.status_code == 200
        found += response.json()["tasks"]
    return found


def test_smoke_and_examples_pass_against_the_reference(reference: RunningServer) -> None:
    clauses, _ = load_clause_registry()
    scenarios = discover(scenarios_dir() / "smoke", clauses)
    scenarios += discover(scenarios_dir() / "_examples", clauses)
    with ScenarioEngine(
        ready(reference), "20260101T000000Z-111111", load_spec(None), clauses
    ) as engine:
        records = engine.run(scenarios)
        run_tag = engine.run_tag
    assert [(r.id, r.status) for r in records if r.status is not Status.PASS] == []
    assert tasks_of_run(reference, run_tag) == []


def test_interrupt_mid_run_leaves_no_task_behind(
    reference: RunningServer, write_yaml: Any, tmp_path: Path
) -> None:
    path = write_yaml(
        """
        id: demo.interrupted
        title: Creates tasks, then is interrupted while waiting
        clauses: [task.create.status-201]
        steps:
          - name: make some
            create_tasks: {count: 4, save: made}
          - name: user presses Ctrl-C here
            wait: 5
        """
    )
    (scenario,) = discover(path, None)
    engine = ScenarioEngine(ready(reference), "20260101T000000Z-222222", None, None)
    created: list[str] = []

    def interrupt(seconds: float) -> None:
        created.extend(t["sid"] for t in tasks_of_run(reference, engine.run_tag))
        raise KeyboardInterrupt

    engine.services.sleep = interrupt
    (record,) = engine.run([scenario])
    assert engine.interrupted and record.status is Status.SKIPPED
    engine.close()
    assert len(created) == 4
    assert tasks_of_run(reference, engine.run_tag) == []
    fixture = reference.config.fixture
    for sid in created:
        response = httpx.get(
            f"{reference.base_url}/v1/Workspaces/{fixture.single.sid}/Tasks/{sid}",
            auth=(fixture.account_sid, fixture.auth_token),
        )
        assert response.status_code == 404


def test_cli_ctrl_c_cleans_up_and_exits_130(
    reference: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.scenarios.runner import CaseRun

    seen: dict[str, Any] = {"checks": 0, "live": []}
    original = CaseRun._check

    def check(self: CaseRun, *args: Any) -> Any:
        seen["checks"] += 1
        if seen["checks"] == 4:  # inside the second case, after its task was created
            seen["live"] = tasks_of_run(reference, self.services.guard.run_tag)
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(CaseRun, "_check", check)
    fixture = reference.config.fixture
    result = CliRunner().invoke(
        run_command,
        [
            "--target", reference.base_url, "--profile", "reference",
            "--account-sid", fixture.account_sid, "--auth-token", fixture.auth_token,
            "--scenarios", str(scenarios_dir() / "smoke"), "--report-dir", str(tmp_path),
            "--phases", "scenarios",
        ],
    )  # fmt: skip
    assert result.exit_code == 130, result.output
    assert seen["live"], "a task existed when the interrupt arrived"
    document = json.loads((tmp_path / "latest" / "report.json").read_text())
    assert document["run"]["interrupted"] is True
    assert [c["status"] for c in document["cases"]] == ["pass", "skipped", "skipped", "skipped"]
    assert tasks_of_run(reference, document["targets"][0]["run_tag"]) == []


@pytest.mark.parametrize(
    ("fault", "failing"),
    [("etag-missing", "smoke.etag-if-match"), ("auth-ignored", "smoke.auth-required")],
)
def test_faults_make_the_smoke_scenarios_fail(tmp_path: Path, fault: str, failing: str) -> None:
    result = CliRunner().invoke(
        run_command,
        [
            "--scenarios",
            str(scenarios_dir() / "smoke"),
            "--phases",
            "scenarios",
            "--fault",
            fault,
            "--report-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 1, result.output
    document = json.loads((tmp_path / "latest" / "report.json").read_text())
    assert {c["id"]: c["status"] for c in document["cases"]}[failing] == "fail"
    assert document["targets"][0]["faults"] == [fault]
