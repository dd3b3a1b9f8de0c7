"""The reference server behind a gate, for the push channel's tests (harness.callbacks).

``EventsGate`` wraps the reference app: it logs every request (method, path) and answers 404,
in Twilio's error body, to the requests its ``refuse`` predicate names, so that a test can
play a clone that has the Task resource but lacks the Events resource, the Workspace resource
or the Workflow resource, or refuses only their updates (``After``: only the later ones, such
as the restore). ``serve`` puts it on a loopback socket.

``RecordingTransport`` is a client transport that remembers the requests it is handed;
``ForwardingTransport`` sends every request to another origin, so that a client whose base
URL looks remote (a non-loopback address) still reaches a loopback server.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from harness.asgi_server import ThreadedServer, start_in_thread
from harness.reference.app import create_app
from harness.reference.config import ServerConfig
from harness.reference.fixture import Fixture
from harness.targets.profile import TargetProfile, profile_from_fixture
from harness.wire.limits import deadline_transport

#: (method, path) -> whether the gate answers 404 instead of the reference
Refuse = Callable[[str, str], bool]

_WORKSPACE = re.compile(r"^/v1/Workspaces/[^/]+/?$")
_EVENTS = re.compile(r"^/v1/Workspaces/[^/]+/Events(/.*)?$")
_WORKFLOWS = re.compile(r"^/v1/Workspaces/[^/]+/Workflows(/.*)?$")
_WORKFLOW = re.compile(r"^/v1/Workspaces/[^/]+/Workflows/[^/]+/?$")


def nothing(method: str, path: str) -> bool:
    return False


def no_events_nor_settings(method: str, path: str) -> bool:
    """A clone of the Task resource alone: no Events, no Workspace, no Workflows resource."""
    return bool(_WORKSPACE.match(path) or _EVENTS.match(path) or _WORKFLOWS.match(path))


def no_workspace_update(method: str, path: str) -> bool:
    """The Workspace can be fetched but not updated (POST answers 404)."""
    return method == "POST" and bool(_WORKSPACE.match(path))


def no_workflow_update(method: str, path: str) -> bool:
    """The Workspace can be updated, a Workflow cannot (POST answers 404)."""
    return method == "POST" and bool(_WORKFLOW.match(path))


@dataclass
class After:
    """``refuse`` from the ``allowed + 1``-th request it names on (a target that accepts the
    run's first updates and refuses the later ones, e.g. the restore)."""

    refuse: Refuse
    allowed: int
    seen: int = 0

    def __call__(self, method: str, path: str) -> bool:
        if not self.refuse(method, path):
            return False
        self.seen += 1
        return self.seen > self.allowed


def is_events(path: str) -> bool:
    return bool(_EVENTS.match(path))


def is_workspace(path: str) -> bool:
    return bool(_WORKSPACE.match(path))


def is_workflows(path: str) -> bool:
    return bool(_WORKFLOWS.match(path))


@dataclass
class EventsGate:
    refuse: Refuse = nothing
    test_clock: bool = False
    #: every request that reached the gate: (method, path), in arrival order
    log: list[tuple[str, str]] = field(default_factory=list)
    #: the requests the gate refused: (method, path, form body)
    refused: list[tuple[str, str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.config = ServerConfig(test_clock=self.test_clock)
        self.fixture: Fixture = self.config.fixture
        self.inner = create_app(self.config)

    def profile(self, **extra: Any) -> TargetProfile:
        """The reference's profile (with the test clock when the gate has it), plus ``extra``."""
        base = profile_from_fixture(
            self.fixture, self.config.retention_seconds, test_clock=self.test_clock
        )
        return TargetProfile.from_dict({**base.data, **extra}, "gate")

    def write_profile(self, folder: Path, **extra: Any) -> Path:
        path = folder / "gate-profile.yaml"
        path.write_text(yaml.safe_dump({**self.profile(**extra).data, "name": "gate"}))
        return path

    @property
    def credentials(self) -> list[str]:
        """``trc run`` options that authenticate against the gate."""
        return [
            "--account-sid", self.fixture.account_sid,
            "--auth-token", self.fixture.auth_token,
        ]  # fmt: skip

    def requests(self, predicate: Callable[[str, str], bool]) -> list[tuple[str, str]]:
        return [(m, p) for m, p in list(self.log) if predicate(m, p)]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        self.log.append((method, path))
        if not self.refuse(method, path):
            await self.inner(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                break
        self.refused.append((method, path, body.decode("utf-8", "replace")))
        data = json.dumps(
            {
                "code": 20404,
                "message": f"The requested resource {path.removeprefix('/v1')} was not found",
                "more_info": "https://www.twilio.com/docs/errors/20404",
                "status": 404,
            }
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(data))]
        await send({"type": "http.response.start", "status": 404, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    def close(self) -> None:
        """Stop the reference's callback threads."""
        self.inner.state.reference.close()


@contextmanager
def serve(gate: EventsGate) -> Iterator[ThreadedServer]:
    server = start_in_thread(gate, name="trc-events-gate")
    try:
        yield server
    finally:
        server.stop()
        gate.close()


class RecordingTransport(httpx.BaseTransport):
    """A client's transport that remembers every request; ``inner`` answers them (the real
    network by default)."""

    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self.inner = inner if inner is not None else deadline_transport()
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()

    def sent(self) -> list[tuple[str, str]]:
        return [(r.method, r.url.path) for r in self.requests]


class Unreachable(httpx.BaseTransport):
    """Answers nothing: every request is a connection error (a target that is not there)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route to host (test transport)", request=request)


class ForwardingTransport(httpx.BaseTransport):
    """Sends each request to ``origin`` (scheme://host:port) instead of its own, keeping its
    Host header: the server answers as if it were the address the client used."""

    def __init__(self, origin: str) -> None:
        parts = urlsplit(origin)
        self.scheme, self.netloc = parts.scheme, parts.netloc
        self.inner = deadline_transport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host, _, port = self.netloc.partition(":")
        url = request.url.copy_with(scheme=self.scheme, host=host, port=int(port) if port else None)
        forwarded = httpx.Request(
            request.method, url, headers=request.headers, content=request.read()
        )
        return self.inner.handle_request(forwarded)

    def close(self) -> None:
        self.inner.close()
