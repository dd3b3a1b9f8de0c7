"""The embedded target: the reference server on a free loopback port for one run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from harness.targets.errors import TargetConfigError

#: Short retention so retention scenarios finish in seconds.
EMBEDDED_RETENTION_SECONDS = 2.0


@dataclass(frozen=True)
class EmbeddedServer:
    base_url: str
    fixture: Any


def known_faults() -> dict[str, str]:
    from harness.reference.faults import FAULTS

    return dict(FAULTS)


def check_faults(faults: tuple[str, ...] | list[str]) -> None:
    if not faults:
        return
    registry = known_faults()
    unknown = sorted(set(faults) - set(registry))
    if unknown:
        names = ", ".join(sorted(registry)) or "(none defined yet)"
        raise TargetConfigError(f"unknown fault(s): {', '.join(unknown)}; known: {names}")


@contextmanager
def embedded_server(
    faults: tuple[str, ...] | list[str] = (),
    retention_seconds: float = EMBEDDED_RETENTION_SECONDS,
    test_clock: bool = True,
) -> Iterator[EmbeddedServer]:
    """Start the reference with ``faults`` switched on (and the test-clock extension unless
    ``test_clock`` is false); stop it when the block ends."""
    check_faults(faults)
    from harness.reference.config import ServerConfig
    from harness.reference.server import start_in_thread

    config = ServerConfig(
        retention_seconds=retention_seconds, faults=frozenset(faults), test_clock=test_clock
    )
    server = start_in_thread(config)
    try:
        yield EmbeddedServer(server.base_url, config.fixture)
    finally:
        server.stop()
