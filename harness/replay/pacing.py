"""Pace ``EvaluateTaskAttributes`` list requests to Twilio's limit (3 per second).

An httpx transport wrapper, so it needs no hook in the scenario engine: ``ScenarioEngine`` and
``TargetClient`` already accept a ``transport``. Every request whose query carries
``EvaluateTaskAttributes`` waits until fewer than ``rate`` such requests were sent in the last
``window`` seconds (a sliding window); other requests pass straight through.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

import httpx

TWILIO_EVALUATE_RATE = 3.0  # requests per second


def evaluates_attributes(request: httpx.Request) -> bool:
    return "EvaluateTaskAttributes" in request.url.params


class Pacer:
    def __init__(
        self,
        rate: float = TWILIO_EVALUATE_RATE,
        window: float = 1.0,
        predicate: Callable[[httpx.Request], bool] = evaluates_attributes,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.limit = max(1, int(rate * window))
        self.window = window
        self.predicate = predicate
        self.clock = clock
        self.sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited_s = 0.0
        self.paced = 0

    def wait(self, request: httpx.Request) -> None:
        if not self.predicate(request):
            return
        with self._lock:
            now = self.clock()
            while self._sent and now - self._sent[0] >= self.window:
                self._sent.popleft()
            if len(self._sent) >= self.limit:
                delay = self._sent[0] + self.window - now
                if delay > 0:
                    self.sleep(delay)
                    self.waited_s += delay
                    now = self.clock()
                self._sent.popleft()
            self._sent.append(now)
            self.paced += 1


class PacedTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, pacer: Pacer) -> None:
        self.inner = inner
        self.pacer = pacer

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.pacer.wait(request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()
