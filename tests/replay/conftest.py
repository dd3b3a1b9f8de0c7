"""Fixtures for the recorder and replay tests."""

from __future__ import annotations

import pytest

from harness.cassette.format import Cassette
from tests.replay.support import record, reference


@pytest.fixture(scope="session")
def session_cassette() -> Cassette:
    """tests/replay/scenarios recorded once against a default reference."""
    with reference() as target:
        return record(target)
