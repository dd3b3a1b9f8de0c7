"""The one conftest of the suite.

Fixtures live in ``tests/fixtures/`` by the room they serve (engine: fake targets and scenario
engines; reference: in-process reference apps on a manual clock; report: one faulted run;
replay: one recorded session; fuzz: reference apps for the fuzzer) and are registered here as
plugins, so every test folder sees the same set. The defaults below hold for every test.
"""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.fixtures.engine",
    "tests.fixtures.reference",
    "tests.fixtures.report",
    "tests.fixtures.replay",
    "tests.fixtures.fuzz",
    "tests.fixtures.ci",
]


@pytest.fixture(autouse=True)
def _no_twilio_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads a developer's real Twilio credentials from the environment."""
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)


@pytest.fixture(autouse=True)
def _scenario_phase_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """`trc run` in a test runs the scenario phase unless the test names its phases
    (``--phases``) or clears ``TRC_PHASES``: the fuzz and replay phases have their own tests."""
    monkeypatch.setenv("TRC_PHASES", "scenarios")
