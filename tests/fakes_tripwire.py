"""The reference server with a tripwire: it signals the harness process at a chosen moment.

``Tripwire`` wraps the reference app. Each ``Trip`` names requests (a predicate on method,
path and headers), which one of them (``nth``), when (``Moment.ARRIVAL``: as it arrives, before
the server acts; ``Moment.COMMITTED``: after the server acted and before its answer leaves,
the window where a create is committed and the harness has not seen its 201) and which
signal goes to ``pid``. ``hold`` delays the request (or its answer) after the signal, so the
signal lands while the harness waits. Requests are logged; ``tasks()`` counts what is left.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
import yaml

from harness.reference.app import create_app
from harness.reference.config import ServerConfig
from harness.targets.profile import profile_from_fixture

#: a request of the test itself (``tasks()``): neither logged nor counted by a trip
AUDIT = "x-tripwire-audit"

#: (method, path, headers) -> whether the request is one the trip counts
Match = Callable[[str, str, dict[str, str]], bool]


class Moment(StrEnum):
    ARRIVAL = "arrival"
    COMMITTED = "committed"


def creates(method: str, path: str, headers: dict[str, str]) -> bool:
    return method == "POST" and path.rstrip("/").endswith("/Tasks")


def deletes(method: str, path: str, headers: dict[str, str]) -> bool:
    return method == "DELETE"


def anything(method: str, path: str, headers: dict[str, str]) -> bool:
    return True


@dataclass
class Trip:
    match: Match
    nth: int = 1
    moment: Moment = Moment.COMMITTED
    signum: int = signal.SIGINT
    hold: float = 0.3
    #: only counts requests after this trip (index in Tripwire.trips) fired
    after: int | None = None
    seen: int = 0
    fired: bool = False


@dataclass
class Tripwire:
    trips: list[Trip]
    pid: int | None = None
    #: every request: [method, path, status of its answer (0 until it is answered)]
    log: list[list[Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.config = ServerConfig()
        self.fixture = self.config.fixture
        self.inner = create_app(self.config)

    def close(self) -> None:
        """Stop the reference's own threads (events, assignment callbacks, ticker)."""
        self.inner.state.reference.close()

    def write_profile(self, folder: Path) -> Path:
        profile = profile_from_fixture(self.fixture, self.config.retention_seconds)
        path = folder / "tripwire-profile.yaml"
        path.write_text(yaml.safe_dump({**profile.data, "name": "tripwire"}))
        return path

    @property
    def env(self) -> dict[str, str]:
        return {
            "TWILIO_ACCOUNT_SID": self.fixture.account_sid,
            "TWILIO_AUTH_TOKEN": self.fixture.auth_token,
        }

    def tasks(self, base_url: str) -> list[dict[str, Any]]:
        """Every task the server still lists, in every workspace of the fixture."""
        auth = (self.fixture.account_sid, self.fixture.auth_token)
        found: list[dict[str, Any]] = []
        for ws in profile_from_fixture(self.fixture, 1).workspace_sids():
            url = f"{base_url}/v1/Workspaces/{ws}/Tasks"
            response = httpx.get(
                url, params={"PageSize": 1000}, auth=auth, timeout=10, headers={AUDIT: "1"}
            )
            response.raise_for_status()
            found += response.json()["tasks"]
        return found

    def _due(self, method: str, path: str, headers: dict[str, str]) -> list[Trip]:
        due = []
        for trip in self.trips:
            if trip.fired or (trip.after is not None and not self.trips[trip.after].fired):
                continue
            if trip.match(method, path, headers):
                trip.seen += 1
                if trip.seen == trip.nth:
                    trip.fired = True
                    due.append(trip)
        return due

    async def _fire(self, trips: list[Trip]) -> None:
        for trip in trips:
            if self.pid is not None:
                os.kill(self.pid, trip.signum)
            await asyncio.sleep(trip.hold)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if AUDIT in headers:
            await self.inner(scope, receive, send)
            return
        entry: list[Any] = [method, path, 0]
        self.log.append(entry)
        due = self._due(method, path, headers)
        await self._fire([t for t in due if t.moment is Moment.ARRIVAL])
        committed = [t for t in due if t.moment is Moment.COMMITTED]
        held: list[dict[str, Any]] = []

        async def keep(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                entry[2] = message["status"]
            if committed:
                held.append(message)
            else:
                await send(message)

        await self.inner(scope, receive, keep)
        if not committed:
            return
        await self._fire(committed)
        for message in held:
            await send(message)

    def created(self) -> int:
        """Creates the server answered 201 (committed, whether the harness saw it or not)."""
        return sum(1 for m, p, s in self.log if creates(m, p, {}) and s == 201)
