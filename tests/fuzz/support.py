"""Helpers for the fuzzing tests: in-process reference apps (the fixture that fuzzes one at
the default budget is in tests/fixtures/fuzz.py)."""

from __future__ import annotations

from contextlib import closing
from typing import Any

from harness.fuzz import FuzzOutcome, options_for_fixture, run_fuzz
from harness.reference.app import create_app
from harness.reference.config import ServerConfig

#: Small budget for runs that only need to show something (a fault, determinism, cleanup).
SMALL = 3


class Reference:
    """A reference app on an in-memory store, with a way to list what it still holds."""

    def __init__(self, faults: frozenset[str] = frozenset()) -> None:
        self.config = ServerConfig(faults=faults)
        self.app = create_app(self.config)
        self.fixture = self.config.fixture

    def stored_task_sids(self) -> list[str]:
        store = self.app.state.reference.store
        with closing(store.query("1 = 1", [], "seq ASC")) as rows:  # type: ignore[type-var]
            return [row.sid for row in rows]

    def fuzz(self, **kwargs: Any) -> FuzzOutcome:
        return run_fuzz(options_for_fixture(self.fixture, app=self.app, **kwargs))
