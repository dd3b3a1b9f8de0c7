"""Time for the reference server, injectable so tests move it instead of sleeping."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch (UTC)."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told to: ``advance(seconds)`` or ``set(epoch)``."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def set(self, epoch: float) -> None:
        with self._lock:
            self._now = epoch


class TestClock:
    """Wall-clock time plus whatever ``advance`` added: the clock behind the test-clock
    extension (``POST /trc/v1/Clock``). Time keeps moving on its own, so the order of
    ``date_created`` and every real wait stay what they are on ``SystemClock``; an advance
    moves the server's "now" forward at once, so a TTL, a retention window or a reservation
    timeout passes without anyone sleeping."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, base: Clock | None = None) -> None:
        self._base = base or SystemClock()
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._base.now() + self._offset

    @property
    def advanced(self) -> float:
        """The seconds every ``advance`` added so far."""
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        with self._lock:
            self._offset += seconds


def iso(epoch: float) -> str:
    """ISO 8601 UTC with a ``Z``, second precision, as Twilio renders dates."""
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
