"""What every case of a run shares (``RunServices``): the client, the guard, the profile, the
spec, the redactor, the identity watch, and how time passes (sleep, test clock, stop)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.callbacks.channel import CallbackChannel
from harness.results.model import Exchange
from harness.results.redact import Redactor
from harness.scenarios.identity import StateWatch
from harness.speccheck.openapi import SpecChecker
from harness.targets.clock import AdvancedTime
from harness.targets.profile import TargetProfile
from harness.targets.safety import RunGuard
from harness.wire.client import TargetClient


@dataclass
class RunServices:
    """What every case of a run shares."""

    client: TargetClient
    guard: RunGuard
    profile: TargetProfile
    spec: SpecChecker | None
    redactor: Redactor
    clauses: Mapping[str, Any] | None = None
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    #: called with every exchange a case makes, as recorded (replay's recorder names steps
    #: with it); the public hook for watching the wire without subclassing the engine
    on_exchange: Callable[[Exchange], None] | None = None
    #: the run-wide identity watch: the SIDs creates returned, whether SIDs are reused
    state: StateWatch = field(default_factory=StateWatch)
    #: the target's test clock (profile ``clock.advance``): waits advance it, not sleep
    clock: AdvancedTime | None = None
    #: set to stop the cases running side by side (``--jobs``): they stop before their next
    #: step, and a real wait ends at once (harness.scenarios.parallel)
    stop: threading.Event | None = None
    #: the push channel (receiver + target configuration), None when the target declares
    #: ``callbacks`` unsupported (harness.callbacks.channel)
    callbacks: CallbackChannel | None = None

    def pause(self, seconds: float) -> None:
        """Let ``seconds`` pass on the target: advance its test clock, or sleep."""
        if seconds <= 0:
            return
        self.check_stop()
        if self.clock is not None:
            self.clock.sleep(seconds)
        elif self.stop is not None and self.sleep is time.sleep:
            self.stop.wait(seconds)
        else:
            self.sleep(seconds)
        self.check_stop()

    def pause_real(self, seconds: float) -> None:
        """Let ``seconds`` of real time pass, whatever the target's clock (a stop ends it)."""
        if seconds <= 0:
            return
        self.check_stop()
        if self.stop is not None and self.sleep is time.sleep:
            self.stop.wait(seconds)
        else:
            self.sleep(seconds)
        self.check_stop()

    def check_stop(self) -> None:
        """A case running beside others stops here once the run is asked to stop."""
        if self.stop is not None and self.stop.is_set():
            raise KeyboardInterrupt("run interrupted")

    def target_monotonic(self) -> float:
        """A monotonic reading of the time waits let pass on the target: real time, or with
        a test clock the sum of its advances (the milliseconds the requests themselves take
        are not counted, so an ``eventually`` makes the same attempts on every run)."""
        return self.clock.advanced if self.clock is not None else self.monotonic()
