"""Serve an ASGI app with uvicorn on a loopback socket: on a thread, or in the foreground.

Shared by the reference server (``trc serve``, the embedded target) and the cassette target.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import uvicorn


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only when
    # the listening socket says TCP; without it every keep-alive response waits ~40 ms for
    # the peer's delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def base_url_of(host: str, sock: socket.socket) -> str:
    display_host = f"[{host}]" if ":" in host else host
    return f"http://{display_host}:{sock.getsockname()[1]}"


@dataclass
class ThreadedServer:
    """An app served on a background thread until ``stop()`` (also a context manager)."""

    base_url: str
    app: Any
    _server: uvicorn.Server
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> ThreadedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_in_thread(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 0,
    name: str = "trc-server",
    http: type[Any] | str = "auto",
    graceful_seconds: float | None = None,
    log_level: str = "warning",
) -> ThreadedServer:
    """Serve ``app`` on ``host:port`` and return once it listens; ``http``: uvicorn's HTTP
    protocol (class or name), e.g. one that answers unparsable requests in a given shape;
    ``graceful_seconds``: how long ``stop`` waits for open connections (None: until they end)."""
    sock = bind(host, port)
    base_url = base_url_of(host, sock)
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        http=http,
        timeout_graceful_shutdown=graceful_seconds,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])),
        name=f"{name}-{sock.getsockname()[1]}",
        daemon=True,
    )
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"{name} on {base_url} failed to start")
        threading.Event().wait(0.01)
    return ThreadedServer(base_url, app, server, thread)


def serve_forever(
    app: Any,
    host: str,
    port: int,
    on_ready: Callable[[str], None],
    http: type[Any] | str = "auto",
) -> None:
    """Serve ``app`` in the foreground until interrupted; ``on_ready`` gets the real URL."""
    sock = bind(host, port)
    on_ready(base_url_of(host, sock))
    config = uvicorn.Config(app, log_level="info", lifespan="off", http=http)
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))
