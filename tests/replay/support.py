"""Helpers for the recorder and replay tests: reference servers on loopback, recordings."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.cassette.format import Cassette
from harness.reference.config import ServerConfig
from harness.reference.fixture import Fixture, default_fixture
from harness.reference.server import start_in_thread
from harness.replay.record import RecordOptions, record_session
from harness.results.runid import new_run_id
from harness.scenarios.discovery import discover, load_clause_registry
from harness.selection import select as select_cases
from harness.targets.profile import profile_from_fixture
from harness.targets.resolve import ReadyTarget
from harness.targets.target import Credentials

HERE = Path(__file__).resolve().parent
SESSION = HERE / "scenarios"
REPO = HERE.parents[1]
RETENTION = 2.0
SID = re.compile(r"^[A-Z]{2}[0-9a-f]{32}$")


@contextmanager
def reference(
    fixture: Fixture | None = None, faults: tuple[str, ...] = ()
) -> Iterator[ReadyTarget]:
    """A reference server on a loopback port, as a ReadyTarget (like ``--target embedded``:
    with the test clock, which replay advances instead of sleeping)."""
    config = ServerConfig(
        fixture=fixture or default_fixture(),
        retention_seconds=RETENTION,
        faults=frozenset(faults),
        test_clock=True,
    )
    server = start_in_thread(config)
    try:
        yield ReadyTarget(
            name="embedded",
            base_url=server.base_url,
            credentials=Credentials(config.fixture.account_sid, config.fixture.auth_token),
            profile=profile_from_fixture(config.fixture, RETENTION, test_clock=True),
            embedded=True,
            faults=tuple(faults),
        )
    finally:
        server.stop()


def scenarios(root: Path = SESSION, select: str | None = None) -> list[Any]:
    clauses, _ = load_clause_registry()
    return select_cases(discover(root, clauses), select)


def record(
    target: ReadyTarget,
    root: Path = SESSION,
    select: str | None = None,
    options: RecordOptions | None = None,
) -> Cassette:
    clauses, _ = load_clause_registry()
    outcome = record_session(
        target, scenarios(root, select), new_run_id(), options, clauses=clauses
    )
    failed = [r.id for r in outcome.records if r.status.is_problem]
    assert not failed, f"scenarios failed while recording: {failed}"
    return outcome.cassette


def remapped_fixture(salt: str = "other") -> Fixture:
    """The default fixture with every SID replaced (consistently): a 'different account'."""

    def new_sid(sid: str) -> str:
        return sid[:2] + hashlib.md5(f"{salt}:{sid}".encode()).hexdigest()

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return new_sid(value) if SID.match(value) else value
        if isinstance(value, tuple):
            return tuple(walk(v) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return dataclasses.replace(
                value, **{f.name: walk(getattr(value, f.name)) for f in dataclasses.fields(value)}
            )
        return value

    fixture = walk(default_fixture())
    return dataclasses.replace(fixture, auth_token=hashlib.md5(salt.encode()).hexdigest())
