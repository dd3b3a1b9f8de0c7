"""How a run lets time pass on its target: by sleeping, or through the test-clock extension.

A scenario that waits (``wait:``, the attempts of ``eventually:``) sleeps, unless the target
profile declares ``clock: {advance: URL}`` (docs/test-clock.md); then ``AdvancedTime`` sends
``POST URL`` with ``Advance=SECONDS``, authenticated like every request and on the target's
host only, and counts the seconds, so that ``monotonic()`` and ``now()`` are the target's
time and the budgets of ``eventually`` stay what they mean. An advance that fails is a
``ClockUnavailable`` (the case errors, naming the answer), never a silent fallback to a
different timing.
"""

from __future__ import annotations

import threading
import time

import httpx

from harness.wire.client import ForeignHostError, TargetClient


class ClockUnavailable(Exception):
    """The declared test-clock extension did not advance the target's time."""


class AdvancedTime:
    """Waiting is ``POST {advance} Advance=SECONDS`` on the target: the wait is over for the
    target at once, and for every case that runs on it (a shared clock)."""

    def __init__(self, client: TargetClient, advance: str) -> None:
        self.client = client
        self.url = advance
        self._advanced = 0.0
        self._lock = threading.Lock()

    @property
    def advanced(self) -> float:
        with self._lock:
            return self._advanced

    def sleep(self, seconds: float) -> None:
        seconds = round(seconds, 3)  # what is sent is what is counted
        if seconds <= 0:
            return
        try:
            request = self.client.build("POST", self.url, form=[("Advance", f"{seconds:.3f}")])
            response = self.client.send(request)
        except ForeignHostError as exc:
            raise ClockUnavailable(f"the test clock (profile clock.advance): {exc}") from None
        except httpx.HTTPError as exc:
            raise ClockUnavailable(
                f"the test clock (profile clock.advance {self.url}) did not answer: "
                f"{type(exc).__name__}: {exc}"
            ) from None
        if not 200 <= response.status_code < 300:
            raise ClockUnavailable(
                f"the test clock (profile clock.advance {self.url}) answered "
                f"{response.status_code} to Advance={seconds:g}: {response.text[:160]}"
            )
        with self._lock:
            self._advanced += seconds

    def monotonic(self) -> float:
        return time.monotonic() + self.advanced

    def now(self) -> float:
        return time.time() + self.advanced
