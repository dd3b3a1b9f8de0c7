"""A callback sink for the reference's own callback tests: a stdlib ``ThreadingHTTPServer`` on
127.0.0.1 that records every POST (path, form pairs, headers) and answers what the test
registered for the path. Tests wait on its condition (``wait_for``), never on a sleep.

An answer may be held (``Reply.hold``): the handler waits on an event that ``release()`` (or
``close()``) sets, so a "slow receiver" costs the test no more than it needs.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class Reply:
    """What the sink answers on one path."""

    status: int = 204
    content_type: str | None = None
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    #: seconds to hold the answer back (cut short by ``CallbackSink.release``)
    hold: float = 0.0

    @classmethod
    def json(cls, document: Any, status: int = 200) -> Reply:
        return cls(status, "application/json", json.dumps(document).encode())


@dataclass(frozen=True)
class Callback:
    """One POST the sink received."""

    path: str
    pairs: tuple[tuple[str, str], ...]
    headers: dict[str, str]  # names lower-cased

    @property
    def params(self) -> dict[str, str]:
        return dict(self.pairs)

    @property
    def signature(self) -> str:
        return self.headers.get("x-twilio-signature", "")


class CallbackSink:
    """Records callbacks; ``reply(path, Reply)`` sets a path's answer (default: 204)."""

    def __init__(self) -> None:
        self.received: list[Callback] = []
        self._replies: dict[str, Reply] = {}
        self._changed = threading.Condition()
        self._released = threading.Event()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode()
                callback = Callback(
                    self.path,
                    tuple(parse_qsl(body, keep_blank_values=True)),
                    {name.lower(): value for name, value in self.headers.items()},
                )
                with sink._changed:
                    sink.received.append(callback)
                    reply = sink._replies.get(self.path.split("?")[0], Reply())
                    sink._changed.notify_all()
                if reply.hold:
                    sink._released.wait(reply.hold)
                self.send_response(reply.status)
                for name, value in reply.headers:
                    self.send_header(name, value)
                if reply.content_type:
                    self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},  # shutdown() waits up to one poll
            name="callback-sink",
            daemon=True,
        )
        self._thread.start()

    def url(self, path: str) -> str:
        return self.base_url + path

    def reply(self, path: str, reply: Reply) -> None:
        with self._changed:
            self._replies[path] = reply

    def on(self, path: str) -> list[Callback]:
        """The callbacks received on ``path`` so far, in arrival order."""
        with self._changed:
            return [c for c in self.received if c.path == path]

    def wait_for(
        self, enough: Callable[[list[Callback]], bool], timeout: float = 5.0
    ) -> list[Callback]:
        """Wait until ``enough(received)`` holds; returns what was received (raises on
        timeout, with what came)."""
        with self._changed:
            if not self._changed.wait_for(lambda: enough(list(self.received)), timeout):
                raise AssertionError(
                    f"callbacks not received within {timeout}s: got "
                    f"{[(c.path, c.params.get('EventType')) for c in self.received]}"
                )
            return list(self.received)

    def wait_count(self, path: str, count: int, timeout: float = 5.0) -> list[Callback]:
        """Wait until ``path`` received at least ``count`` callbacks; returns them."""
        self.wait_for(lambda got: sum(c.path == path for c in got) >= count, timeout)
        return self.on(path)

    def release(self) -> None:
        """Let every held answer go now."""
        self._released.set()

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> CallbackSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def closed_port_url(path: str = "/events") -> str:
    """A URL on 127.0.0.1 whose port nobody listens on (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"
