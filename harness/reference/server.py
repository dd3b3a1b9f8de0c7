"""Run the reference server: in the foreground (``trc serve``) or on a background thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from harness import asgi_server
from harness.reference.app import create_app
from harness.reference.config import ServerConfig
from harness.reference.http_protocol import TwilioH11Protocol


@dataclass
class RunningServer(asgi_server.ThreadedServer):
    """A reference server listening on a loopback port, stopped by ``stop()``."""

    config: ServerConfig = field(default_factory=ServerConfig)

    def __enter__(self) -> RunningServer:
        return self

    def stop(self) -> None:
        super().stop()
        reference = getattr(getattr(self.app, "state", None), "reference", None)
        if reference is not None:
            reference.close()


def start_in_thread(
    config: ServerConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> RunningServer:
    """Start a server on ``host:port`` (port 0 picks a free one) and wait until it listens."""
    config = config or ServerConfig()
    served = asgi_server.start_in_thread(
        create_app(config), host, port, "trc-reference", http=TwilioH11Protocol
    )
    return RunningServer(served.base_url, served.app, served._server, served._thread, config)


def serve_forever(
    config: ServerConfig, host: str, port: int, on_ready: Callable[[str], None]
) -> None:
    """Run in the foreground (``trc serve``) until interrupted.

    The socket is bound first, so ``port`` 0 works and ``on_ready`` gets the real base URL.
    """
    asgi_server.serve_forever(create_app(config), host, port, on_ready, http=TwilioH11Protocol)
