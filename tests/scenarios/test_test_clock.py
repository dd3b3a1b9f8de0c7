"""Waiting through the test clock (harness.targets.clock): the library's waiting cases give
the same verdicts whether their waits advance the target's clock or really sleep; a target
without the extension still gets real waits; a declared clock that does not answer is an
ERROR naming it (never a pass or a fail); and a long wait costs one request, not its length."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner

from harness.commands.run import run_command
from harness.reference.fixture import default_fixture
from harness.resources import scenarios_dir
from harness.results.model import CaseRecord, Status
from harness.scenarios.discovery import discover, load_clause_registry
from harness.scenarios.engine import ScenarioEngine
from harness.scenarios.model import Scenario
from harness.scenarios.schedule import claim_for
from harness.speccheck import load_spec
from harness.targets.clock import AdvancedTime, ClockUnavailable
from harness.targets.embedded import EMBEDDED_RETENTION_SECONDS, EmbeddedServer, embedded_server
from harness.targets.errors import TargetConfigError
from harness.targets.profile import ProfileError, TargetProfile, load_profile, profile_from_fixture
from harness.targets.profile_schema import CLOCK_PATH
from harness.targets.resolve import ReadyTarget, TargetOptions, open_target
from harness.targets.target import EMBEDDED, Credentials
from harness.wire.client import TargetClient
from tests.fakes_events import RecordingTransport as BaseRecordingTransport
from tests.scenarios.test_library_against_reference import KILLS

RUN_ID = "20260101T000000Z-c10c4a"
TTL_CASE = "lifecycle.ttl-cancels-task"
WAIT_CASE = "ordering.date-created-asc-desc-and-default"  # a ``wait: 1.1`` step
#: the faults whose killing cases (the kill table) wait; checked against the library below
WAITING_KILLS = (
    "no-ttl-event",
    "redrive-resets-age",
    "retention-never",
    "ttl-never-fires",
    "wrong-event-type",
)
CLEAN = "clean"


def waits(scenario: Scenario) -> bool:
    """The case lets time pass: a ``wait:`` step or an ``eventually:`` one that is not
    ``real_time`` (that one polls in real time and never advances the clock)."""
    steps = (*scenario.steps, *scenario.finally_steps)
    return any(
        step.kind == "wait" or (step.eventually is not None and not step.eventually.real_time)
        for step in steps
    )


class RecordingTransport(BaseRecordingTransport):
    """The client's real transport, remembering every request it is handed."""

    def to_clock(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == CLOCK_PATH]


class RecordingSleep:
    """A real sleep that remembers how long it slept."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)
        time.sleep(seconds)


def ready_for(server: EmbeddedServer, profile: TargetProfile) -> ReadyTarget:
    fixture = server.fixture
    return ReadyTarget(
        EMBEDDED,
        server.base_url,
        Credentials(fixture.account_sid, fixture.auth_token),
        profile,
        embedded=True,
    )


def profile_with_clock(
    advance: str | None, retention: float = EMBEDDED_RETENTION_SECONDS
) -> TargetProfile:
    """The embedded profile with ``clock.advance`` set to ``advance`` (None: no clock)."""
    data = copy.deepcopy(profile_from_fixture(default_fixture(), retention).data)
    if advance is not None:
        data["clock"] = {"advance": advance}
    return TargetProfile.from_dict(data, "embedded")


def server_clock(server: EmbeddedServer) -> httpx.Response:
    fixture = server.fixture
    return httpx.get(
        f"{server.base_url}{CLOCK_PATH}", auth=(fixture.account_sid, fixture.auth_token)
    )


@pytest.fixture(scope="module")
def clauses() -> Any:
    return load_clause_registry()[0]


@pytest.fixture(scope="module")
def library(clauses: Any) -> dict[str, Scenario]:
    return {s.id: s for s in discover(scenarios_dir(), clauses)}


@pytest.fixture(scope="module")
def waiting(library: dict[str, Scenario]) -> list[Scenario]:
    return [s for s in library.values() if waits(s)]


def run_cases(
    server: EmbeddedServer,
    profile: TargetProfile,
    scenarios: Sequence[Scenario],
    clauses: Any = None,
    jobs: int = 1,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[list[CaseRecord], ScenarioEngine]:
    engine = ScenarioEngine(
        ready_for(server, profile),
        RUN_ID,
        load_spec(None),
        clauses,
        transport=transport,
        sleep=sleep,
        jobs=jobs,
    )
    with engine:
        records = engine.run(scenarios)
    return records, engine


# --- (a) the same verdicts with the clock on and off ----------------------------------------


@dataclass(frozen=True)
class Verdicts:
    statuses: dict[str, str]
    #: seconds the run advanced the target's clock; None: the run had no clock
    advanced: float | None
    left: int


#: The retention window of the compared runs: the reference's own 2 s, but a profile maximum
#: of 3 s instead of 10 s, so that retention-never fails (waits out ``max + 2``) in 5 real
#: seconds rather than 12. Both runs of a pair use it; only the clock differs.
RETENTION_MAX = EMBEDDED_RETENTION_SECONDS + 1


def compared_profile(server: EmbeddedServer, clock: bool) -> TargetProfile:
    data = copy.deepcopy(
        profile_from_fixture(server.fixture, EMBEDDED_RETENTION_SECONDS, test_clock=clock).data
    )
    data["retention_window"]["max"] = RETENTION_MAX
    return TargetProfile.from_dict(data, "embedded")


def verdicts_of(scenarios: list[Scenario], clauses: Any, fault: str, clock: bool) -> Verdicts:
    faults = () if fault == CLEAN else (fault,)
    with embedded_server(faults, EMBEDDED_RETENTION_SECONDS, test_clock=clock) as server:
        profile = compared_profile(server, clock)
        records, engine = run_cases(server, profile, scenarios, clauses, jobs=4)
    timed = engine.services.clock
    return Verdicts(
        {r.id: r.status.value for r in records},
        timed.advanced if timed is not None else None,
        engine.cleanup_stats["left"],
    )


@pytest.fixture(scope="module")
def verdicts(waiting: list[Scenario], clauses: Any) -> dict[str, tuple[Verdicts, Verdicts]]:
    """fault (or CLEAN) -> (verdicts with the test clock, verdicts with real sleeps).

    The runs with real sleeps (jobs 4, so their waits overlap) go side by side in threads,
    each on its own embedded server, while the clocked ones run here one after another."""
    names = (CLEAN, *WAITING_KILLS)
    with ThreadPoolExecutor(len(names)) as pool:
        slept: dict[str, Future[Verdicts]] = {
            name: pool.submit(verdicts_of, waiting, clauses, name, False) for name in names
        }
        clocked = {name: verdicts_of(waiting, clauses, name, True) for name in names}
        return {name: (clocked[name], slept[name].result()) for name in names}


def test_the_waiting_cases_are_selected_from_the_library(
    library: dict[str, Scenario], waiting: list[Scenario]
) -> None:
    ids = {s.id for s in waiting}
    assert {TTL_CASE, WAIT_CASE, "retention.canceled-deleted-within-window"} <= ids
    assert len(ids) >= 8 and len(ids) < len(library)
    # the scheduler's notion of a waiting case (it holds a shared test clock) is the same
    assert ids == {s.id for s in library.values() if claim_for(s, True).waits_on_clock}


def test_the_compared_faults_are_those_whose_kills_wait(waiting: list[Scenario]) -> None:
    ids = {s.id for s in waiting}
    assert {fault for fault, (_, kills) in KILLS.items() if kills & ids} == set(WAITING_KILLS)
    assert {"ttl-never-fires", "retention-never"} <= set(WAITING_KILLS)


@pytest.mark.parametrize("fault", [CLEAN, *WAITING_KILLS])
def test_the_same_verdicts_with_and_without_the_test_clock(
    verdicts: dict[str, tuple[Verdicts, Verdicts]], waiting: list[Scenario], fault: str
) -> None:
    clocked, slept = verdicts[fault]
    assert clocked.statuses == slept.statuses
    assert set(clocked.statuses) == {s.id for s in waiting}
    # the comparison means something: one run advanced the clock, the other had none
    assert clocked.advanced is not None and clocked.advanced > 0
    assert slept.advanced is None
    assert clocked.left == slept.left == 0
    if fault == CLEAN:
        assert set(clocked.statuses.values()) == {"pass"}, clocked.statuses
    else:
        killed = KILLS[fault][1] & set(clocked.statuses)
        assert killed and all(clocked.statuses[case] == "fail" for case in killed), (
            fault,
            clocked.statuses,
        )


def test_the_embedded_target_serves_and_declares_the_clock_unless_told_not_to() -> None:
    with open_target(TargetOptions()) as ready:
        assert ready.profile.clock_advance == CLOCK_PATH
        fixture = default_fixture()
        auth = (fixture.account_sid, fixture.auth_token)
        assert httpx.get(f"{ready.base_url}{CLOCK_PATH}", auth=auth).status_code == 200
    with open_target(TargetOptions(test_clock=False)) as ready:
        assert ready.profile.clock_advance is None
        assert httpx.get(f"{ready.base_url}{CLOCK_PATH}", auth=auth).status_code == 404


# --- (b) a target without the extension: real waits, no clock request ----------------------


def test_without_the_clock_the_ttl_case_really_waits_and_never_asks_for_it(
    library: dict[str, Scenario], clauses: Any
) -> None:
    transport = RecordingTransport()
    sleep = RecordingSleep()
    with embedded_server(test_clock=False) as server:
        assert server_clock(server).status_code == 404  # the server has no extension
        profile = profile_with_clock(None)
        assert profile.clock_advance is None
        (record,), engine = run_cases(
            server, profile, [library[TTL_CASE]], clauses, transport=transport, sleep=sleep
        )
    assert record.status is Status.PASS, record.failure
    assert engine.services.clock is None
    assert transport.to_clock() == []
    assert transport.requests  # the recording saw the run's requests
    # a one-second TTL only runs out in real time: the polls between really slept
    assert sleep.slept and set(sleep.slept) == {0.25}
    assert sum(sleep.slept) >= 0.75


# --- (c) a declared clock that does not advance ---------------------------------------------


def test_a_declared_clock_the_server_lacks_is_an_error_naming_the_404(
    library: dict[str, Scenario], clauses: Any
) -> None:
    transport = RecordingTransport()
    sleep = RecordingSleep()
    cases = [library[WAIT_CASE], library[TTL_CASE]]
    with embedded_server(test_clock=False) as server:
        records, engine = run_cases(
            server,
            profile_with_clock(CLOCK_PATH),
            cases,
            clauses,
            transport=transport,
            sleep=sleep,
        )
    assert [r.status for r in records] == [Status.ERROR, Status.ERROR]
    for record in records:
        assert record.failure is not None
        assert record.failure.expectation == "clock"
        message = record.failure.message
        assert "clock" in message and CLOCK_PATH in message and "404" in message, message
    wait_step = next(s.name for s in library[WAIT_CASE].steps if s.kind == "wait")
    assert records[0].failure is not None and records[0].failure.step == wait_step
    assert sleep.slept == []  # no silent fallback to sleeping
    assert len(transport.to_clock()) == 2  # one refused advance per case
    assert engine.cleanup_stats["left"] == 0


@pytest.mark.parametrize(
    "foreign",
    [
        "http://clock.elsewhere.test/trc/v1/Clock",
        "https://{netloc}/trc/v1/Clock",  # the target's host, another scheme
    ],
)
def test_a_clock_on_another_host_is_refused_and_never_contacted(
    library: dict[str, Scenario], clauses: Any, foreign: str
) -> None:
    transport = RecordingTransport()
    with embedded_server(test_clock=True) as server:
        advance = foreign.format(netloc=httpx.URL(server.base_url).netloc.decode())
        (record,), _ = run_cases(
            server, profile_with_clock(advance), [library[TTL_CASE]], clauses, transport=transport
        )
        assert server_clock(server).json()["advanced_seconds"] == 0.0
    assert record.status is Status.ERROR
    assert record.failure is not None and record.failure.expectation == "clock"
    assert "refusing to send credentials" in record.failure.message, record.failure.message
    target = httpx.URL(transport.requests[0].url)
    assert all(
        (r.url.scheme, r.url.netloc) == (target.scheme, target.netloc) for r in transport.requests
    )
    assert transport.to_clock() == []


ACCOUNT = Credentials("AC" + "1" * 32, "token")


def mock_client(answer: Callable[[httpx.Request], httpx.Response]) -> TargetClient:
    return TargetClient("http://target.test", ACCOUNT, transport=httpx.MockTransport(answer))


def test_advanced_time_refuses_a_foreign_host_without_a_request() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    client = mock_client(answer)
    clock = AdvancedTime(client, "http://other.test/trc/v1/Clock")
    with pytest.raises(ClockUnavailable, match=r"clock\.advance.*other\.test"):
        clock.sleep(5)
    assert seen == [] and clock.advanced == 0.0


@pytest.mark.parametrize("status", [404, 401, 500, 302])
def test_advanced_time_raises_on_any_non_2xx(status: int) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json={"code": 20404, "message": "nope"})

    client = mock_client(answer)
    clock = AdvancedTime(client, CLOCK_PATH)
    with pytest.raises(ClockUnavailable, match=rf"answered {status} to Advance=7\.5"):
        clock.sleep(7.5)
    assert clock.advanced == 0.0 and clock.monotonic() - time.monotonic() < 1
    (request,) = seen
    assert request.method == "POST" and request.url.path == CLOCK_PATH
    assert request.content == b"Advance=7.500"
    assert request.headers["Authorization"].startswith("Basic ")


def test_advanced_time_counts_what_the_target_accepted() -> None:
    bodies: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        return httpx.Response(200, json={"advanced_seconds": 0})

    client = mock_client(answer)
    clock = AdvancedTime(client, "http://target.test/trc/v1/Clock")
    clock.sleep(0)
    clock.sleep(-3)
    assert bodies == [] and clock.advanced == 0.0
    clock.sleep(2)
    clock.sleep(0.25)
    assert bodies == [b"Advance=2.000", b"Advance=0.250"]
    assert clock.advanced == 2.25
    before = time.time()
    now = clock.now()
    after = time.time()
    assert before + 2.25 - 1e-3 <= now <= after + 2.25 + 1e-3


def test_advanced_time_on_a_port_that_refuses_names_the_transport_error(closed_url: str) -> None:
    client = TargetClient(closed_url, ACCOUNT, timeout=2)
    clock = AdvancedTime(client, CLOCK_PATH)
    with pytest.raises(ClockUnavailable, match="did not answer: ConnectError"):
        clock.sleep(1)
    assert clock.advanced == 0.0
    client.close()


# --- (d) a long wait is one advance ------------------------------------------------------


LONG_WAIT = """
id: demo.five-minute-wait
title: A five-minute wait ages the target's tasks by five minutes
clauses: [task.create.timeout-ttl-cancel]
steps:
  - name: a task with a 100-second TTL
    request:
      method: POST
      path: /v1/Workspaces/{ws}/Tasks
      form: {Attributes: '{"type":"support"}', Timeout: 100}
    expect: {status: 201, json: {assignment_status: pending}}
    save: {short: sid}
  - name: a task with a 1000-second TTL
    request:
      method: POST
      path: /v1/Workspaces/{ws}/Tasks
      form: {Attributes: '{"type":"support"}', Timeout: 1000}
    expect: {status: 201, json: {assignment_status: pending}}
    save: {long: sid}
  - name: wait five minutes
    wait: 300
  - name: the short TTL ran out
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks/{short}"}
    expect:
      status: 200
      json: {assignment_status: canceled, reason: {regex: "^Task TTL Exceeded"}}
  - name: the long one did not
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks/{long}"}
    expect: {status: 200, json: {assignment_status: pending}}
"""


def test_a_300_second_wait_is_one_advance_and_no_sleep(load_one: Callable[..., Scenario]) -> None:
    scenario = load_one(LONG_WAIT)
    transport = RecordingTransport()
    sleep = RecordingSleep()
    retention = 600.0  # the TTL-canceled task is still there after the wait
    with embedded_server(retention_seconds=retention, test_clock=True) as server:
        (record,), engine = run_cases(
            server,
            profile_with_clock(CLOCK_PATH, retention),
            [scenario],
            transport=transport,
            sleep=sleep,
        )
        told = server_clock(server).json()
    assert record.status is Status.PASS, record.failure
    assert sleep.slept == []
    (advance,) = transport.to_clock()
    assert advance.method == "POST" and advance.content == b"Advance=300.000"
    assert engine.services.clock is not None and engine.services.clock.advanced == 300.0
    assert told["advanced_seconds"] == 300.0


# --- (e) a malformed clock in a profile file --------------------------------------------------


def write_profile(tmp_path: Path, clock: Any) -> Path:
    data = copy.deepcopy(profile_from_fixture(default_fixture(), 300).data)
    data["clock"] = clock
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("clock", "field", "words"),
    [
        ({"advance": 5}, "clock.advance", ["string"]),
        ({"advance": "ftp://target.test/trc/v1/Clock"}, "clock.advance", []),
        ({"advance": "trc/v1/Clock"}, "clock.advance", []),
        ({"advance": CLOCK_PATH, "speed": 2}, "clock.speed", ["speed"]),
        ({}, "clock", ["advance"]),
        ("/trc/v1/Clock", "clock", ["object"]),
    ],
)
def test_a_malformed_clock_is_a_one_line_profile_error_naming_the_field(
    tmp_path: Path, clock: Any, field: str, words: list[str]
) -> None:
    path = write_profile(tmp_path, clock)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    error = caught.value
    assert error.field == field
    text = str(error)
    assert "\n" not in text and str(path) in text and f" {field}:" in text, text
    for word in words:
        assert word in text, text
    assert error.line is not None  # located in the file


@pytest.mark.parametrize("advance", [CLOCK_PATH, "http://127.0.0.1:8080/trc/v1/Clock"])
def test_a_well_formed_clock_is_read(tmp_path: Path, advance: str) -> None:
    assert load_profile(write_profile(tmp_path, {"advance": advance})).clock_advance == advance


def test_a_profile_without_a_clock_has_none(tmp_path: Path) -> None:
    data = profile_from_fixture(default_fixture(), 300).data
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert load_profile(path).clock_advance is None


def test_a_malformed_clock_stops_trc_run_with_one_line(tmp_path: Path) -> None:
    path = write_profile(tmp_path, {"advance": 5})
    with (
        pytest.raises(TargetConfigError, match=r"invalid profile: .*clock\.advance"),
        open_target(TargetOptions("http://127.0.0.1:9", str(path))),
    ):
        pass
    result = CliRunner().invoke(
        run_command,
        ["--target", "http://127.0.0.1:9", "--profile", str(path), "--report-dir", str(tmp_path)],
    )
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if "clock.advance" in line]
    assert len(lines) == 1, result.output
