"""Fixtures for the harness's own tests: a fake target, engines bound to it, scenario files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.reference.fixture import default_fixture
from harness.scenarios.engine import ScenarioEngine
from harness.scenarios.loader import load_file_scenarios
from harness.scenarios.model import Scenario
from harness.speccheck import default_spec_path
from harness.speccheck.openapi import SpecChecker
from harness.targets.profile import TargetProfile, profile_from_fixture
from harness.targets.resolve import ReadyTarget
from harness.targets.target import Credentials
from tests.harness.fakes import ACCOUNT, TOKEN, FakeTaskRouter

FAKE_URL = "http://fake.test"


@pytest.fixture
def fake() -> FakeTaskRouter:
    return FakeTaskRouter()


@pytest.fixture(scope="session")
def profile() -> TargetProfile:
    return profile_from_fixture(default_fixture(), 2)


@pytest.fixture(scope="session")
def spec_checker() -> SpecChecker:
    if not default_spec_path().is_file():
        pytest.skip("spec/taskrouter-tasks.yaml not written yet")
    return SpecChecker.from_path(default_spec_path())


class Sleeper:
    """A fake clock for eventually/wait: sleeping advances ``now`` instantly."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def sleeper() -> Sleeper:
    return Sleeper()


@pytest.fixture
def make_engine(
    fake: FakeTaskRouter, profile: TargetProfile, sleeper: Sleeper
) -> Iterator[Callable[..., ScenarioEngine]]:
    engines: list[ScenarioEngine] = []

    def build(
        spec: SpecChecker | None = None,
        target_profile: TargetProfile | None = None,
        server: FakeTaskRouter | None = None,
        clauses: Any = None,
    ) -> ScenarioEngine:
        ready = ReadyTarget(
            "fake", FAKE_URL, Credentials(ACCOUNT, TOKEN), target_profile or profile
        )
        engine = ScenarioEngine(
            ready,
            "20260101T000000Z-abc123",
            spec=spec,
            clauses=clauses,
            transport=(server or fake).transport(),
            sleep=sleeper.sleep,
        )
        engine.services.monotonic = sleeper.monotonic
        engines.append(engine)
        return engine

    yield build
    for engine in engines:
        engine.services.client.close()


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str, name: str = "case.yaml", folder: str = "demo") -> Path:
        path = tmp_path / "scenarios" / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write


@pytest.fixture
def load_one(write_yaml: Callable[..., Path], tmp_path: Path) -> Callable[..., Scenario]:
    def load(text: str, clauses: Any = None) -> Scenario:
        path = write_yaml(text)
        (scenario,) = load_file_scenarios(path, tmp_path / "scenarios", clauses)
        return scenario

    return load


@pytest.fixture(autouse=True)
def _scenario_phase_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about scenarios and reports: `trc run` here runs the scenario phase
    unless a test names its phases (the fuzz phase has its own tests in tests/fuzz)."""
    monkeypatch.setenv("TRC_PHASES", "scenarios")
