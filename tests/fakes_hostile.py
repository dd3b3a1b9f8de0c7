"""A hostile loopback target: a simple Task clone (``tests.fakes.FakeTaskRouter``) that turns
bad after ``after`` good requests, in one of the ways a clone author's CI meets.

Raw sockets (``http.server``), so it can drip, hang, reset and close mid-answer. Loopback only,
with a bounded lifetime: every handler gives up after ``lifetime`` seconds and the server
stops then too. ``served`` counts requests; ``elsewhere`` is a second listener (the target of
the redirect mode) that counts what reaches it.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes import FakeTaskRouter

BIG = 50 * 1024 * 1024


class Mode(StrEnum):
    HANG = "hang"
    DRIP = "drip"
    RESET = "reset"
    INVALID_JSON = "invalid-json"
    ERROR_500 = "500"
    BIG_JSON = "50mb-json"
    BIG_TEXT = "50mb-text"
    REDIRECT = "redirect"
    TOO_MANY = "429"
    WRONG_TYPE = "wrong-content-type"
    CLOSE_AFTER_HEADERS = "close-after-headers"
    ECHO_HEADERS = "echo-headers"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


class Listener:
    """A loopback HTTP server on its own thread, its handler ``handle(handler)``."""

    def __init__(self, handle: Any, lifetime: float) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # the headers and the body go out as separate writes: without TCP_NODELAY each
            # answer waits out the client's delayed ACK (about 40 ms on Linux)
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                owner.served += 1
                handle(self)

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = _any

        self.served = 0
        self.stop = threading.Event()
        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.timer = threading.Timer(lifetime, self.close)
        self.timer.daemon = True

    def start(self) -> Listener:
        self.thread.start()
        self.timer.start()
        return self

    def close(self) -> None:
        self.stop.set()
        self.timer.cancel()
        self.server.shutdown()
        self.server.server_close()


class HostileTarget:
    """``mode`` switched on after ``after`` good requests (answered by a FakeTaskRouter)."""

    def __init__(self, mode: Mode, after: int = 0, lifetime: float = 60.0) -> None:
        self.mode = mode
        self.after = after
        self.fake = FakeTaskRouter()
        self.good = 0
        self.bad = 0
        self.elsewhere = Listener(self._elsewhere, lifetime)
        self.listener = Listener(self._handle, lifetime)
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return self.listener.url

    # -- handlers ---------------------------------------------------------------------------
    def _elsewhere(self, h: BaseHTTPRequestHandler) -> None:
        _answer(h, 200, "application/json", b'{"elsewhere": true}')

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length).decode() if length else ""
        with self._lock:
            hostile = self.good >= self.after
            if hostile:
                self.bad += 1
            else:
                self.good += 1
        if not hostile:
            url = f"{self.url}{h.path}"
            status, headers, content = self.fake.handle(h.command, url, dict(h.headers), body)
            _answer(h, status, headers.get("Content-Type", "application/json"), content, headers)
            return
        getattr(self, "_" + self.mode.name.lower())(h)

    def _hang(self, h: BaseHTTPRequestHandler) -> None:
        self.listener.stop.wait()
        h.close_connection = True

    def _drip(self, h: BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        # One byte of the status line, then of the rest, each 0.2 s, until the lifetime ends.
        for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X" * 10**6:
            try:
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
            except OSError:
                return
            if self.listener.stop.wait(0.2):
                return

    def _reset(self, h: BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()

    def _invalid_json(self, h: BaseHTTPRequestHandler) -> None:
        _answer(h, 200, "application/json", b'{"sid": "WT1", "attributes": ')

    def _error_500(self, h: BaseHTTPRequestHandler) -> None:
        _answer(h, 500, "application/json", b'{"code": 20500, "message": "boom", "status": 500}')

    def _big_json(self, h: BaseHTTPRequestHandler) -> None:
        _stream(h, "application/json", b'{"tasks": [', b'"' + b"x" * 1022 + b'",', b'"x"]}')

    def _big_text(self, h: BaseHTTPRequestHandler) -> None:
        _stream(h, "text/plain", b"", b"y" * 1024, b"")

    def _redirect(self, h: BaseHTTPRequestHandler) -> None:
        location = f"{self.elsewhere.url}{h.path}"
        _answer(h, 302, "application/json", b"{}", {"Location": location})

    def _too_many(self, h: BaseHTTPRequestHandler) -> None:
        body = b'{"code": 20429, "message": "Too Many Requests", "status": 429}'
        _answer(h, 429, "application/json", body, {"Retry-After": "1"})

    def _wrong_type(self, h: BaseHTTPRequestHandler) -> None:
        _answer(h, 200, "text/html", b"<html><body>hello</body></html>")

    def _close_after_headers(self, h: BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", "1000")
        h.end_headers()
        h.wfile.flush()
        h.connection.shutdown(socket.SHUT_RDWR)

    def _echo_headers(self, h: BaseHTTPRequestHandler) -> None:
        echoed = dict(h.headers)
        body = json.dumps({"code": 20001, "message": "bad request", "status": 400, "you": echoed})
        _answer(h, 400, "application/json", body.encode())


def _answer(
    h: BaseHTTPRequestHandler,
    status: int,
    content_type: str,
    body: bytes,
    headers: dict[str, str] | None = None,
) -> None:
    h.send_response(status)
    for name, value in (headers or {}).items():
        if name.lower() not in ("content-type", "content-length"):
            h.send_header(name, value)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    with suppress(OSError):
        h.wfile.write(body)


def _stream(
    h: BaseHTTPRequestHandler, content_type: str, head: bytes, unit: bytes, tail: bytes
) -> None:
    count = (BIG - len(head) - len(tail)) // len(unit)
    h.send_response(200)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(head) + count * len(unit) + len(tail)))
    h.end_headers()
    block = unit * 64
    try:
        h.wfile.write(head)
        for _ in range(count // 64):
            h.wfile.write(block)
        h.wfile.write(unit * (count % 64) + tail)
    except OSError:
        h.close_connection = True


@contextmanager
def hostile(mode: Mode, after: int = 0, lifetime: float = 60.0) -> Iterator[HostileTarget]:
    """A started ``HostileTarget``; both listeners closed on exit (or when the lifetime ends)."""
    target = HostileTarget(mode, after, lifetime)
    target.elsewhere.start()
    target.listener.start()
    try:
        yield target
    finally:
        target.listener.close()
        target.elsewhere.close()
