"""Settings of one reference server instance."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.reference.clock import Clock, SystemClock, TestClock
from harness.reference.fixture import Fixture, default_fixture

#: Twilio: "Tasks are deleted 5-8 minutes after they are canceled or completed."
DEFAULT_RETENTION_SECONDS = 300.0
#: Twilio: "more than 25,000 in-flight Tasks for any given Workspace" needs a support request.
DEFAULT_IN_FLIGHT_LIMIT = 25_000
#: Twilio's default Workflow ``TaskReservationTimeout``.
DEFAULT_RESERVATION_TIMEOUT_SECONDS = 120.0


@dataclass
class ServerConfig:
    fixture: Fixture = field(default_factory=default_fixture)
    db_path: Path | None = None
    retention_seconds: float = DEFAULT_RETENTION_SECONDS
    in_flight_limit: int = DEFAULT_IN_FLIGHT_LIMIT
    reservation_timeout_seconds: float = DEFAULT_RESERVATION_TIMEOUT_SECONDS
    clock: Clock = field(default_factory=SystemClock)
    faults: frozenset[str] = frozenset()
    #: serve the test-clock extension (``POST /trc/v1/Clock``, harness.reference.clock_api);
    #: the clock (a ``SystemClock``, or a test's ``ManualClock``) is wrapped in a
    #: ``TestClock`` so that advances move the server's time
    test_clock: bool = False

    def __post_init__(self) -> None:
        if self.test_clock and not isinstance(self.clock, TestClock):
            self.clock = TestClock(self.clock)
