"""Run the reference server: in the foreground (``trc serve``) or on a background thread."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

import uvicorn

from harness.reference.app import create_app
from harness.reference.config import ServerConfig


@dataclass
class RunningServer:
    """A reference server listening on a loopback port, stopped by ``stop()``."""

    base_url: str
    config: ServerConfig
    _server: uvicorn.Server
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only when
    # the listening socket says TCP; without it every keep-alive response waits ~40 ms for
    # the peer's delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def start_in_thread(
    config: ServerConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> RunningServer:
    """Start a server on ``host:port`` (port 0 picks a free one) and wait until it listens."""
    config = config or ServerConfig()
    sock = _bind(host, port)
    actual_port = sock.getsockname()[1]
    uv_config = uvicorn.Config(
        create_app(config), log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(uv_config)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])),
        name=f"trc-reference-{actual_port}",
        daemon=True,
    )
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"reference server on {host}:{actual_port} failed to start")
        threading.Event().wait(0.01)
    display_host = f"[{host}]" if ":" in host else host
    return RunningServer(f"http://{display_host}:{actual_port}", config, server, thread)


def serve_forever(
    config: ServerConfig, host: str, port: int, on_ready: Callable[[str], None]
) -> None:
    """Run in the foreground (``trc serve``) until interrupted.

    The socket is bound first, so ``port`` 0 works and ``on_ready`` gets the real base URL.
    """
    sock = _bind(host, port)
    display_host = f"[{host}]" if ":" in host else host
    on_ready(f"http://{display_host}:{sock.getsockname()[1]}")
    uv_config = uvicorn.Config(create_app(config), log_level="info", lifespan="off")
    asyncio.run(uvicorn.Server(uv_config).serve(sockets=[sock]))
