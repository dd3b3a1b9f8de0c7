"""A callback receiver on a loopback socket, for the callbacks a target under test sends.

A conformance run starts a :class:`Receiver` and gives the target its URLs: ``/events`` as
the Workspace's EventCallbackUrl, ``/assignment`` as the Workflow's AssignmentCallbackUrl
(through a public tunnel and ``public_base`` when the target is real Twilio). Every callback is
recorded, in arrival order, with its form parameters and what its ``X-Twilio-Signature`` says.

Answers follow Twilio: Event callbacks get ``204 No Content`` with ``Content-Type:
application/json`` ("Your application should respond to Event Callbacks with 204 No Content
and a Content-Type header of application/json within 15 seconds"); assignment callbacks get
``200 {}`` ("return an empty JSON document such as {}" to handle the reservation later) unless
an :class:`Answer` registered for a tag found in the task's attributes says otherwise.

The receiver is a tiny ASGI app served by uvicorn on a thread (``harness.asgi_server``). It
never sends a request, and never logs or keeps the token or a signature header's value.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from harness import asgi_server
from harness.callbacks.signature import SignatureState, verify_signature

#: how often ``wait_for`` wakes to ask its ``stop`` callable
STOP_CHECK_SECONDS = 0.2
#: beyond ``max_body_bytes``, how much more of a body is read (and discarded) before the 413
#: answer, so that a client still sending gets the answer rather than a reset
_DRAIN_BYTES = 16 << 20
_FORM = "application/x-www-form-urlencoded"
_NO_BODY = frozenset({204, 304})

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


class CallbackKind(StrEnum):
    """Which callback URL a request came to."""

    EVENT = "event"  #: the Workspace's EventCallbackUrl
    ASSIGNMENT = "assignment"  #: the Workflow's AssignmentCallbackUrl


_PATHS: dict[CallbackKind, str] = {
    CallbackKind.EVENT: "/events",
    CallbackKind.ASSIGNMENT: "/assignment",
}
_KINDS: dict[str, CallbackKind] = {path: kind for kind, path in _PATHS.items()}


@dataclass(frozen=True)
class Callback:
    """One callback as received."""

    kind: CallbackKind
    seq: int  #: arrival order among the kept callbacks, from 1, across kinds
    url: str  #: the public URL it was sent to (what the signature covers)
    method: str
    params: tuple[tuple[str, str], ...]  #: the form-decoded body, in order
    content_type: str
    signature: SignatureState
    received_at: float  #: ``time.monotonic()``

    def param(self, name: str) -> str | None:
        """The first value of ``name``, or ``None``."""
        return next((value for key, value in self.params if key == name), None)

    def document(self) -> dict[str, Any]:
        """A JSON-ready summary: never the signature header's value, never a credential."""
        params: dict[str, Any] = {}
        for name, value in self.params:
            if name not in params:
                params[name] = value
            elif isinstance(params[name], list):
                params[name].append(value)
            else:
                params[name] = [params[name], value]
        return {
            "kind": self.kind.value,
            "seq": self.seq,
            "params": params,
            "signature": self.signature.value,
            "content_type": self.content_type,
            "method": self.method,
            "path": urlsplit(self.url).path,
        }


@dataclass(frozen=True)
class Answer:
    """How the receiver answers an assignment callback.

    ``body`` is serialised as JSON; ``bytes`` are sent as they are (for malformed answers).
    ``delay_seconds`` holds this answer back (a slow application) without holding up any
    other request; ``stop()`` cuts a delay short.
    """

    status: int = 200
    body: Any = field(default_factory=dict)
    content_type: str = "application/json"
    delay_seconds: float = 0.0

    def __post_init__(self) -> None:
        if not 200 <= self.status <= 599:
            raise ValueError(f"Answer status must be 200-599, not {self.status}")
        if self.delay_seconds < 0:
            raise ValueError("Answer delay_seconds must not be negative")
        if any(c in self.content_type for c in "\r\n\0") or not self.content_type.isascii():
            raise ValueError("Answer content_type must be one line of ASCII")

    def encoded(self) -> bytes:
        """The body as sent (empty for 204 and 304)."""
        if self.status in _NO_BODY:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, separators=(",", ":")).encode("utf-8")


_DEFAULT_ANSWER = Answer()


class Receiver:
    """Records the callbacks POSTed to ``/events`` and ``/assignment``; thread safe."""

    def __init__(
        self,
        token: str | None,
        public_base: str | None = None,
        *,
        max_body_bytes: int = 1 << 20,
        max_kept: int = 100_000,
        port: int = 0,
        host: str = "127.0.0.1",
    ) -> None:
        self._port = port
        self._host = host
        if public_base is not None:
            _check_public_base(public_base)
        self._token = token
        self._public_base = public_base.rstrip("/") if public_base else None
        self._max_body = max_body_bytes
        self._max_kept = max_kept
        self._cond = threading.Condition()
        self._kept: list[Callback] = []
        self._dropped = 0
        self._answers: dict[str, tuple[Answer, bytes]] = {}
        self._server: asgi_server.ThreadedServer | None = None
        self._loopback: str | None = None
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    def __repr__(self) -> str:  # never the token
        return f"Receiver(base_url={self._public_base or self._loopback!r})"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> str:
        """Listen on ``host`` (127.0.0.1 unless told) and ``port`` (0: a free one); return the
        local base URL (``http://127.0.0.1:PORT`` when listening on every address)."""
        with self._cond:
            if self._server is not None or self._stopping:
                raise RuntimeError("a Receiver starts once")
        # a connection the target never finishes must not hold the run's stop
        server = asgi_server.start_in_thread(
            _App(self),
            self._host,
            self._port,
            "trc-callbacks",
            graceful_seconds=1.0,
            log_level="critical",
        )
        local = server.base_url
        if self._host in ("0.0.0.0", "::"):  # every address: this machine reaches it so
            local = f"http://127.0.0.1:{local.rsplit(':', 1)[1]}"
        with self._cond:
            self._server = server
            self._loopback = local
        return local

    def stop(self) -> None:
        """Cut held answers short, stop serving and join the server thread (idempotent)."""
        with self._cond:
            if self._stopping:
                return
            self._stopping = True
            server, loop, wake = self._server, self._loop, self._wake
            self._cond.notify_all()
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(wake.set)
        if server is not None:
            server.stop()

    def __enter__(self) -> Receiver:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The public base if one was given, else the loopback base (once started)."""
        base = self._public_base or self._loopback
        if base is None:
            raise RuntimeError("the Receiver has not started (and has no public base)")
        return base

    def url(self, kind: CallbackKind) -> str:
        """The callback URL to give the target for ``kind``."""
        return self.base_url + _PATHS[CallbackKind(kind)]

    # -- answers -----------------------------------------------------------------------------

    def answer(self, tag: str, answer: Answer) -> None:
        """Answer assignment callbacks whose TaskAttributes contain ``tag`` with ``answer``.

        Registering a tag again replaces its answer (keeping its place); when several tags
        match, the one registered first wins.
        """
        if not tag:
            raise ValueError("an answer tag must not be empty")
        encoded = answer.encoded()
        with self._cond:
            self._answers[tag] = (answer, encoded)

    def forget(self, tag: str) -> None:
        with self._cond:
            self._answers.pop(tag, None)

    def _answer_for(self, attributes: str | None) -> tuple[Answer, bytes]:
        with self._cond:
            if attributes is not None:
                for tag, chosen in self._answers.items():
                    if tag in attributes:
                        return chosen
        return _DEFAULT_ANSWER, _DEFAULT_ANSWER.encoded()

    # -- what was received -------------------------------------------------------------------

    @property
    def dropped(self) -> int:
        """Callbacks not kept: beyond ``max_kept``, or refused for a body over the limit."""
        with self._cond:
            return self._dropped

    def received(
        self, kind: CallbackKind | None = None, where: Mapping[str, str] | None = None
    ) -> list[Callback]:
        """The kept callbacks of ``kind`` whose params equal ``where``, in arrival order."""
        with self._cond:
            kept = list(self._kept)
        return [cb for cb in kept if _matches(cb, kind, where)]

    def wait_for(
        self,
        kind: CallbackKind | None,
        where: Mapping[str, str] | None,
        count: int,
        timeout: float,
        stop: Callable[[], bool] | None = None,
    ) -> list[Callback]:
        """Block until ``count`` callbacks match (or ``timeout`` seconds pass, or ``stop()``
        says so, or the receiver stops) and return the matches, possibly fewer than ``count``.
        """
        deadline = time.monotonic() + timeout
        found: list[Callback] = []
        scanned = 0
        while True:
            with self._cond:
                found.extend(cb for cb in self._kept[scanned:] if _matches(cb, kind, where))
                scanned = len(self._kept)
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0 or self._stopping:
                    return found
                if stop is None:
                    self._cond.wait(remaining)
                    continue
                self._cond.wait(min(remaining, STOP_CHECK_SECONDS))
            if stop():  # asked outside the lock: it may call back into the receiver
                with self._cond:
                    found.extend(cb for cb in self._kept[scanned:] if _matches(cb, kind, where))
                return found

    def _record(self, callback: Callback) -> Callback | None:
        with self._cond:
            if len(self._kept) >= self._max_kept:
                self._dropped += 1
                return None
            kept = replace(callback, seq=len(self._kept) + 1)
            self._kept.append(kept)
            self._cond.notify_all()
            return kept

    def _drop(self) -> None:
        with self._cond:
            self._dropped += 1

    # -- the ASGI app ------------------------------------------------------------------------

    async def _app(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        kind = _KINDS.get(scope["path"])
        if kind is None:
            await _drain(receive, _DRAIN_BYTES)
            await _respond(send, 404, {"error": "not found", "paths": sorted(_KINDS)})
            return
        if scope["method"] != "POST":
            await _drain(receive, _DRAIN_BYTES)
            extra = [(b"allow", b"POST")]
            await _respond(send, 405, {"error": "method not allowed", "allow": "POST"}, extra)
            return
        body, complete = await _read_body(receive, self._max_body)
        if not complete:
            return  # the client went away mid-body: nothing to record, no one to answer
        if body is None:
            self._drop()
            await _respond(send, 413, {"error": "body too large", "limit": self._max_body})
            return
        callback = self._callback(kind, scope, body)
        self._record(callback)
        if kind is CallbackKind.EVENT:
            await _respond(send, 204, None)
            return
        answer, encoded = self._answer_for(callback.param("TaskAttributes"))
        if answer.delay_seconds > 0:
            await self._pause(answer.delay_seconds)
        await _send(send, answer.status, encoded, answer.content_type)

    def _callback(self, kind: CallbackKind, scope: dict[str, Any], body: bytes) -> Callback:
        headers = _headers(scope)
        content_type = headers.get("content-type", "")
        params = _form_params(content_type, body)
        path = scope.get("raw_path") or scope["path"].encode("utf-8")
        query = scope.get("query_string", b"")
        url = self.base_url + path.decode("latin-1")
        if query:
            url += "?" + query.decode("latin-1")
        state = verify_signature(self._token, url, params, headers.get("x-twilio-signature"))
        return Callback(
            kind=kind,
            seq=0,
            url=url,
            method=scope["method"],
            params=params,
            content_type=content_type,
            signature=state,
            received_at=time.monotonic(),
        )

    async def _pause(self, seconds: float) -> None:
        """Wait ``seconds`` on the server's loop, or less if ``stop()`` is called."""
        with self._cond:
            if self._stopping:
                return
            if self._wake is None:
                self._loop = asyncio.get_running_loop()
                self._wake = asyncio.Event()
            wake = self._wake
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), seconds)


class _App:
    """The ASGI 3 callable uvicorn serves (a bound method would be taken for ASGI 2)."""

    def __init__(self, receiver: Receiver) -> None:
        self._receiver = receiver

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        try:
            await self._receiver._app(scope, receive, send)
        except asyncio.CancelledError:  # a connection the target never finished, at stop
            return


def _check_public_base(base: str) -> None:
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("public_base must be an http(s) URL such as https://example.ngrok.app")
    if "@" in parts.netloc:
        raise ValueError("public_base must not carry credentials")
    if parts.query or parts.fragment:
        raise ValueError("public_base must not carry a query or a fragment")


def _matches(cb: Callback, kind: CallbackKind | None, where: Mapping[str, str] | None) -> bool:
    if kind is not None and cb.kind != kind:
        return False
    return not where or all(cb.param(name) == value for name, value in where.items())


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    """Request headers by lower-case name (the first of repeated ones)."""
    headers: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return headers


def _form_params(content_type: str, body: bytes) -> tuple[tuple[str, str], ...]:
    """The form-decoded body; nothing for a body of another content type."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in (_FORM, ""):
        return ()
    text = body.decode("utf-8", errors="replace")
    pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace")
    return tuple(pairs)


async def _read_body(receive: Receive, limit: int) -> tuple[bytes | None, bool]:
    """(the body, or ``None`` when over ``limit``; ``False`` if the client disconnected)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None, False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            complete = True
            if message.get("more_body", False):
                complete = await _drain(receive, _DRAIN_BYTES)
            return None, complete
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True


async def _drain(receive: Receive, budget: int) -> bool:
    """Read and discard the rest of a body, up to ``budget`` bytes; ``False`` on disconnect."""
    while budget >= 0:
        message = await receive()
        if message["type"] == "http.disconnect":
            return False
        budget -= len(message.get("body", b""))
        if not message.get("more_body", False):
            return True
    return True


async def _respond(
    send: Send, status: int, body: Any, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    encoded = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    await _send(send, status, encoded, "application/json", extra)


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = list(extra or [])
    if content_type:  # an Answer may send none, to test a target's handling of that
        headers.insert(0, (b"content-type", content_type.encode("ascii")))
    if status not in _NO_BODY:
        headers.append((b"content-length", str(len(body)).encode("ascii")))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if status in _NO_BODY else body})
