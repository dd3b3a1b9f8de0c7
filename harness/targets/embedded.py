"""The embedded target: the reference server on a free loopback port for one run.

By default the reference runs in a child process (``harness.reference.child``): its own
interpreter, so the server and the harness do not share one interpreter lock and use two cores
at once. ``TRC_EMBEDDED=thread`` runs it on a thread of this process instead (what a debugger,
or a test that looks inside the server, wants). Either way the harness reaches it only over
HTTP on loopback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from harness.targets.child_process import child_arguments, take_or_spawn
from harness.targets.errors import TargetConfigError

#: Short retention so retention scenarios finish in seconds.
EMBEDDED_RETENTION_SECONDS = 2.0


#: the environment variable that chooses where the embedded reference runs
MODE_VARIABLE = "TRC_EMBEDDED"


class EmbeddedMode(StrEnum):
    PROCESS = "process"
    THREAD = "thread"


def embedded_mode() -> EmbeddedMode:
    """``TRC_EMBEDDED``: ``process`` or ``thread``. Unset: a child process where one can be
    started and watched (POSIX, with a Python executable), else a thread."""
    raw = os.environ.get(MODE_VARIABLE, "").strip().lower()
    if not raw:
        can_spawn = os.name == "posix" and bool(sys.executable)
        return EmbeddedMode.PROCESS if can_spawn else EmbeddedMode.THREAD
    try:
        return EmbeddedMode(raw)
    except ValueError:
        choices = ", ".join(m.value for m in EmbeddedMode)
        raise TargetConfigError(f"{MODE_VARIABLE}={raw!r}: expected one of {choices}") from None


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
    mode: EmbeddedMode | None = None,
) -> Iterator[EmbeddedServer]:
    """Start the reference with ``faults`` switched on (and the test-clock extension unless
    ``test_clock`` is false); stop it when the block ends. ``mode``: where it runs (default:
    ``TRC_EMBEDDED``, else a child process)."""
    check_faults(faults)
    from harness.reference.config import ServerConfig

    config = ServerConfig(
        retention_seconds=retention_seconds, faults=frozenset(faults), test_clock=test_clock
    )
    if (mode or embedded_mode()) is EmbeddedMode.THREAD:
        from harness.reference.server import start_in_thread

        server = start_in_thread(config)
        try:
            yield EmbeddedServer(server.base_url, config.fixture)
        finally:
            server.stop()
        return
    child = take_or_spawn(child_arguments(faults, retention_seconds, test_clock))
    try:
        yield EmbeddedServer(child.base_url(), config.fixture)
    finally:
        child.stop()
