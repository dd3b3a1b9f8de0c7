"""What ``trc run --jobs N`` lets run side by side (harness.scenarios.schedule): the resources a
case claims (``claim_for``, read from scenarios loaded from YAML) and the ``Scheduler`` that
hands cases out so that no two conflicting cases ever run at once."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.scenarios.loader import ScenarioLoadError, load_scenarios
from harness.scenarios.model import Scenario
from harness.scenarios.schedule import Claim, Mode, Scheduler, claim_for

SHARED, EXCLUSIVE = Mode.SHARED, Mode.EXCLUSIVE

HEAD = """\
id: {id}
title: a case of the scheduling tests
clauses: [task.a]
workspace: {workspace}
"""

#: a case that touches nothing but its own tasks
PLAIN = """\
steps:
  - name: list my tasks
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks"}
"""

#: a case that makes the worker available (changes it) and puts its activity back
CHANGES_WORKER = """\
steps:
  - name: make the worker available
    request:
      method: POST
      path: /v1/Workspaces/{ws}/Workers/{workspace.worker_sid}
      form: {ActivitySid: WA0}
finally:
  - name: put its activity back
    request:
      method: POST
      path: /v1/Workspaces/{ws}/Workers/{workspace.worker_sid}
      form: {ActivitySid: WA1}
"""

#: the same change, addressed by an absolute URL
CHANGES_WORKER_BY_URL = """\
steps:
  - name: make the worker available
    request:
      method: POST
      url: "{base_url}/v1/Workspaces/{ws}/Workers/{workspace.worker_sid}"
      form: {ActivitySid: WA0}
"""

#: the same POST, but only in finally (it restores what the case saved)
RESTORES_WORKER = """\
steps:
  - name: read the worker
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks"}
finally:
  - name: put its activity back
    request:
      method: POST
      path: /v1/Workspaces/{ws}/Workers/{workspace.worker_sid}
      form: {ActivitySid: WA1}
"""

#: a case that routes a task to the worker (names it, does not change it)
ROUTES_TO_WORKER = """\
steps:
  - name: a task for the worker
    request:
      method: POST
      path: /v1/Workspaces/{ws}/Tasks
      form: {Attributes: '{"type":"sales"}', RoutingTarget: "{workspace.worker_sid}"}
"""

WAITS = """\
steps:
  - name: a task
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks"}
  - name: let time pass
    wait: 3
"""

POLLS = """\
steps:
  - name: eventually gone
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks"}
    eventually: {within: 5, every: 1}
"""

Load = Callable[..., Scenario]


@pytest.fixture
def case(write_yaml: Callable[..., Path], tmp_path: Path) -> Load:
    """One scenario from a YAML body, loaded by the loader (id/workspace filled in)."""
    counter = iter(range(1000))

    def load(body: str, id: str | None = None, workspace: str = "single", **extra: str) -> Scenario:
        name = id or f"demo.case-{next(counter)}"
        head = HEAD.replace("{id}", name).replace("{workspace}", workspace)
        head += "".join(f"{key}: {value}\n" for key, value in extra.items())
        path = write_yaml(head + body, f"{name}.yaml")
        (scenario,) = load_scenarios([path], tmp_path / "scenarios")
        return scenario

    return load


# -- claim_for ---------------------------------------------------------------------------------


def test_a_plain_case_shares_its_workspace_only(case: Load) -> None:
    assert claim_for(case(PLAIN), shared_clock=False).holds == {"workspace:single": SHARED}
    assert claim_for(case(PLAIN, workspace="multi"), False).holds == {"workspace:multi": SHARED}
    assert not claim_for(case(PLAIN), False).conflicts(claim_for(case(PLAIN), False))


WORKER_NAMED = {
    "create-form": ROUTES_TO_WORKER,
    "path": """\
steps:
  - name: read the worker
    request: {method: GET, path: "/v1/Workspaces/{ws}/Workers/{workspace.worker_sid}"}
""",
    "query": """\
steps:
  - name: tasks routed to the worker
    request:
      method: GET
      path: /v1/Workspaces/{ws}/Tasks
      query: {RoutingTarget: "{workspace.worker_sid}"}
""",
    "finally-only": """\
steps:
  - name: list
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks"}
finally:
  - name: read the worker
    request: {method: GET, path: "/v1/Workspaces/{ws}/Workers/{workspace.worker_sid}"}
""",
    "create-tasks-form": """\
steps:
  - name: two tasks for the worker
    create_tasks:
      count: 2
      form: {Attributes: '{"n":{i}}', RoutingTarget: "{workspace.worker_sid}"}
""",
}


@pytest.mark.parametrize(
    "where",
    [
        "create-form",
        "path",
        "query",
        "finally-only",
        "create-tasks-form",
    ],
)
@pytest.mark.parametrize("workspace", ["single", "multi"])
def test_a_case_naming_the_worker_shares_it(case: Load, where: str, workspace: str) -> None:
    scenario = case(WORKER_NAMED[where], workspace=workspace)
    claim = claim_for(scenario, shared_clock=False)
    assert claim.holds == {f"workspace:{workspace}": SHARED, f"worker:{workspace}": SHARED}
    # two cases that only use the worker run side by side
    other = claim_for(case(ROUTES_TO_WORKER, workspace=workspace), False)
    assert not claim.conflicts(other) and not other.conflicts(claim)
    # but not beside one that declares the worker its own
    mine = claim_for(case(PLAIN, workspace=workspace, exclusive="[worker]"), False)
    assert claim.conflicts(mine) and mine.conflicts(claim)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(CHANGES_WORKER, id="path"),
        pytest.param(CHANGES_WORKER_BY_URL, id="absolute-url"),
        pytest.param(
            "setup:\n"
            "  - name: available\n"
            "    request:\n"
            "      method: post\n"
            "      path: /v1/Workspaces/{ws}/Workers/{workspace.worker_sid}\n"
            "      form: {ActivitySid: WA0}\n" + PLAIN,
            id="in-setup-lowercase-method",
        ),
    ],
)
def test_a_post_to_the_worker_in_steps_holds_worker_and_workspace(case: Load, body: str) -> None:
    changer = claim_for(case(body), shared_clock=False)
    assert changer.holds == {"workspace:single": EXCLUSIVE, "worker:single": EXCLUSIVE}
    for other in (PLAIN, ROUTES_TO_WORKER, RESTORES_WORKER, body):
        assert changer.conflicts(claim_for(case(other), False)), other
        assert claim_for(case(other), False).conflicts(changer), other
    # the other workspace is another worker and another set of queues
    assert not changer.conflicts(claim_for(case(PLAIN, workspace="multi"), False))
    assert not changer.conflicts(claim_for(case(CHANGES_WORKER, workspace="multi"), False))


def test_the_same_post_only_in_finally_is_no_change(case: Load) -> None:
    restorer = claim_for(case(RESTORES_WORKER), shared_clock=False)
    assert restorer.holds == {"workspace:single": SHARED, "worker:single": SHARED}
    for other in (PLAIN, ROUTES_TO_WORKER, RESTORES_WORKER):
        assert not restorer.conflicts(claim_for(case(other), False)), other


def test_reading_the_worker_in_steps_is_no_change(case: Load) -> None:
    reader = claim_for(case(WORKER_NAMED["path"]), shared_clock=False)
    assert EXCLUSIVE not in reader.holds.values()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(WAITS, id="wait"),
        pytest.param(POLLS, id="eventually"),
        pytest.param(PLAIN + "finally:\n  - name: settle\n    wait: 1\n", id="wait-in-finally"),
    ],
)
def test_a_waiting_case_holds_the_clock_only_when_it_is_shared(case: Load, body: str) -> None:
    waiting = case(body)
    on_test_clock = claim_for(waiting, shared_clock=True)
    assert on_test_clock.holds == {"workspace:single": SHARED, "clock": EXCLUSIVE}
    assert on_test_clock.waits_on_clock
    plain = claim_for(case(PLAIN), shared_clock=True)
    assert plain.holds == {"workspace:single": SHARED, "clock": SHARED}
    assert on_test_clock.conflicts(plain) and plain.conflicts(on_test_clock)
    # in another workspace too: the clock is the target's, not the workspace's
    assert on_test_clock.conflicts(claim_for(case(PLAIN, workspace="multi"), True))
    # real sleeps age every task alike: no resource, the waits overlap
    sleeping = claim_for(waiting, shared_clock=False)
    assert sleeping.holds == {"workspace:single": SHARED}
    assert not sleeping.waits_on_clock
    assert not sleeping.conflicts(claim_for(case(body), False))
    assert not sleeping.conflicts(claim_for(case(PLAIN), False))


def test_non_waiting_cases_share_a_test_clock(case: Load) -> None:
    one, two = (claim_for(case(b), shared_clock=True) for b in (PLAIN, ROUTES_TO_WORKER))
    assert one.holds["clock"] is SHARED and two.holds["clock"] is SHARED
    assert not one.conflicts(two)


def test_exclusive_from_yaml_is_honoured(case: Load) -> None:
    plain = claim_for(case(PLAIN), False)
    routes = claim_for(case(ROUTES_TO_WORKER), False)

    worker = claim_for(case(PLAIN, exclusive="[worker]"), False)
    assert worker.holds == {"workspace:single": SHARED, "worker:single": EXCLUSIVE}
    assert worker.conflicts(routes) and not worker.conflicts(plain)

    space = claim_for(case(PLAIN, exclusive="[workspace]"), False)
    assert space.holds == {"workspace:single": EXCLUSIVE}
    assert space.conflicts(plain) and space.conflicts(routes)
    assert not space.conflicts(claim_for(case(PLAIN, workspace="multi"), False))

    clock = claim_for(case(PLAIN, exclusive="[clock]"), shared_clock=True)
    assert clock.holds["clock"] is EXCLUSIVE and clock.waits_on_clock
    assert clock.conflicts(claim_for(case(PLAIN, workspace="multi"), True))
    # declared, it is held even where waits would not take it
    assert claim_for(case(PLAIN, exclusive="[clock]"), False).holds["clock"] is EXCLUSIVE

    every = case(PLAIN, workspace="multi", exclusive="[worker, workspace, clock]")
    assert every.exclusive == ("worker", "workspace", "clock")
    assert claim_for(every, False).holds == {
        "workspace:multi": EXCLUSIVE,
        "worker:multi": EXCLUSIVE,
        "clock": EXCLUSIVE,
    }


@pytest.mark.parametrize(
    ("value", "field", "message"),
    [
        ("[worker, database]", "exclusive[1]", "'database'"),
        ("[Worker]", "exclusive[0]", "'Worker'"),
        ("worker", "exclusive", "expected a list of: worker, workspace, clock"),
        ("[clock, clock]", "exclusive", "expected a list of: worker, workspace, clock"),
    ],
)
def test_unknown_exclusive_names_are_a_load_error(
    case: Load, tmp_path: Path, value: str, field: str, message: str
) -> None:
    with pytest.raises(ScenarioLoadError) as caught:
        case(PLAIN, id="demo.broken", exclusive=value)
    error = caught.value
    rendered = str(error)
    assert error.line == 5, rendered  # the exclusive: line (after id, title, clauses, workspace)
    assert error.field == field, rendered
    assert rendered.startswith(f"{error.file}:5: {field}:"), rendered
    assert error.file.endswith("demo/demo.broken.yaml"), rendered
    assert message in rendered, rendered
    if value.startswith("[worker, database"):
        assert "worker, workspace, clock" in rendered, rendered


# -- Claim.conflicts ---------------------------------------------------------------------------


def test_conflicts_needs_a_common_key_held_exclusively_by_one_side() -> None:
    shared = Claim({"worker:single": SHARED})
    exclusive = Claim({"worker:single": EXCLUSIVE})
    elsewhere = Claim({"worker:multi": EXCLUSIVE})
    assert not shared.conflicts(Claim({"worker:single": SHARED}))
    assert shared.conflicts(exclusive) and exclusive.conflicts(shared)
    assert exclusive.conflicts(Claim({"worker:single": EXCLUSIVE}))
    assert not exclusive.conflicts(elsewhere) and not elsewhere.conflicts(exclusive)
    assert not Claim({}).conflicts(exclusive)


# -- Scheduler ---------------------------------------------------------------------------------

WS = "workspace:single"


def shared(*keys: str) -> Claim:
    return Claim(dict.fromkeys(keys or (WS,), SHARED))


def exclusive(*keys: str) -> Claim:
    return Claim(dict.fromkeys(keys or (WS,), EXCLUSIVE))


class Waiter:
    """``scheduler.next()`` in a thread, to see whether it blocks and what it returns."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.result: list[int | None] = []
        self.thread = threading.Thread(target=lambda: self.result.append(scheduler.next()))
        self.thread.daemon = True
        self.thread.start()

    def blocked(self, for_s: float = 0.2) -> bool:
        self.thread.join(for_s)
        return self.thread.is_alive()

    def value(self, within_s: float = 5.0) -> int | None:
        self.thread.join(within_s)
        assert not self.thread.is_alive(), "next() did not return"
        return self.result[0]


def test_non_conflicting_cases_are_handed_out_in_input_order() -> None:
    claims = [shared(WS, "worker:single"), shared(), shared("workspace:multi"), Claim({})] * 3
    scheduler = Scheduler(claims)
    assert [scheduler.next() for _ in claims] == list(range(len(claims)))
    assert scheduler.next() is None  # nothing left (some still run: no need to wait)


def test_a_conflicting_case_is_skipped_and_a_later_free_one_goes_ahead() -> None:
    scheduler = Scheduler([exclusive(), shared(), shared("workspace:multi"), shared()])
    assert scheduler.next() == 0
    assert scheduler.next() == 2  # 1 and 3 share the workspace 0 holds
    waiter = Waiter(scheduler)
    assert waiter.blocked()
    scheduler.done(2)
    assert waiter.blocked()  # 2 was not in their way
    scheduler.done(0)
    assert waiter.value() == 1
    assert scheduler.next() == 3


def test_a_blocked_exclusive_case_is_not_starved_by_later_shared_ones() -> None:
    claims = [shared(), exclusive(), shared(), shared(), shared("workspace:multi")]
    scheduler = Scheduler(claims)
    assert scheduler.next() == 0
    # 1 waits for 0; 2 and 3 would fit beside 0 but must not overtake 1; 4 is elsewhere
    assert scheduler.next() == 4
    waiter = Waiter(scheduler)
    assert waiter.blocked()
    scheduler.done(4)
    assert waiter.blocked()
    scheduler.done(0)
    assert waiter.value() == 1
    waiter = Waiter(scheduler)
    assert waiter.blocked()  # 2 and 3 wait for 1 now
    scheduler.done(1)
    assert waiter.value() == 2
    assert scheduler.next() == 3  # and they run side by side again


def test_cases_holding_the_clock_come_last() -> None:
    claims = [
        exclusive("clock", WS),
        shared("clock", WS),
        Claim({"clock": EXCLUSIVE, "workspace:multi": SHARED}),
        shared("clock", WS),
    ]
    scheduler = Scheduler(claims)
    assert scheduler.next() == 1
    assert scheduler.next() == 3
    waiter = Waiter(scheduler)
    assert waiter.blocked()
    scheduler.done(3)
    assert waiter.blocked()
    scheduler.done(1)
    assert waiter.value() == 0  # the waiting cases in their own order
    waiter = Waiter(scheduler)
    assert waiter.blocked()  # one advance of the clock at a time
    scheduler.done(0)
    assert waiter.value() == 2


def test_close_stops_handing_out_and_wakes_the_waiting() -> None:
    scheduler = Scheduler([exclusive(), shared(), shared()])
    assert scheduler.next() == 0
    waiters = [Waiter(scheduler) for _ in range(2)]
    assert all(w.blocked() for w in waiters)
    scheduler.close()
    assert [w.value(within_s=2.0) for w in waiters] == [None, None]
    scheduler.done(0)
    assert scheduler.next() is None  # 1 and 2 are never handed out


def test_an_empty_scheduler_hands_out_nothing() -> None:
    assert Scheduler([]).next() is None


def clash(one: Claim, two: Claim) -> bool:
    """The test's own reading of a conflict: a key both hold, exclusively on one side."""
    common = one.holds.keys() & two.holds.keys()
    return any(EXCLUSIVE in (one.holds[k], two.holds[k]) for k in common)


def _random_claims(rng: random.Random, count: int) -> list[Claim]:
    keys = ["workspace:single", "workspace:multi", "worker:single", "worker:multi", "clock"]
    claims: list[Claim] = []
    for _ in range(count):
        held = rng.sample(keys, rng.randint(1, 3))
        claims.append(
            Claim({k: EXCLUSIVE if rng.random() < 0.2 else SHARED for k in held}),
        )
    return claims


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_threads_never_run_two_conflicting_cases_and_run_each_once(seed: int) -> None:
    rng = random.Random(seed)
    claims = _random_claims(rng, 80)
    pauses = [rng.uniform(0, 0.004) for _ in claims]
    scheduler = Scheduler(claims)
    lock = threading.Lock()
    running: set[int] = set()
    handed: list[int] = []
    overlaps: list[tuple[int, int]] = []
    most = 0

    def fake_run() -> None:
        nonlocal most
        while (index := scheduler.next()) is not None:
            with lock:
                handed.append(index)
                overlaps.extend((index, r) for r in running if clash(claims[index], claims[r]))
                running.add(index)
                most = max(most, len(running))
            time.sleep(pauses[index])
            with lock:
                running.discard(index)
            scheduler.done(index)

    threads = [threading.Thread(target=fake_run, daemon=True) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not any(t.is_alive() for t in threads), "the scheduler deadlocked"
    assert overlaps == []
    assert sorted(handed) == list(range(len(claims)))  # every case, exactly once
    assert most > 1  # and cases did run side by side


def test_loaded_cases_interleave_as_their_claims_say(case: Load) -> None:
    """A realistic mix: cases routing to the worker run beside each other and beside plain
    cases, a case that changes the worker runs alone in its workspace, and is not overtaken."""
    bodies = [PLAIN, ROUTES_TO_WORKER, CHANGES_WORKER, ROUTES_TO_WORKER, PLAIN]
    claims = [claim_for(case(body), shared_clock=False) for body in bodies]
    claims.append(claim_for(case(PLAIN, workspace="multi"), shared_clock=False))
    scheduler = Scheduler(claims)
    assert [scheduler.next(), scheduler.next()] == [0, 1]
    assert scheduler.next() == 5  # 2 waits for 0 and 1; 3 and 4 wait for 2
    scheduler.done(0)
    waiter = Waiter(scheduler)
    assert waiter.blocked()
    scheduler.done(1)
    assert waiter.value() == 2
    waiter = Waiter(scheduler)
    assert waiter.blocked()
    scheduler.done(2)
    assert waiter.value() == 3
    assert scheduler.next() == 4


def test_cases_that_sleep_in_real_time_are_handed_out_first() -> None:
    shared = {"workspace:single": Mode.SHARED}
    claims = [
        Claim(dict(shared)),
        Claim(dict(shared), waits=True),
        Claim(dict(shared)),
        Claim(dict(shared), waits=True),
    ]
    scheduler = Scheduler(claims)
    order = [scheduler.next() for _ in claims]
    assert order == [1, 3, 0, 2]
    assert scheduler.next() is None


def test_an_interrupt_while_the_workers_start_still_waits_for_the_started_ones(
    case: Load, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C lands while ``run_parallel`` is still starting its threads: the ones already
    started must finish their case (its answers recorded) before the engine cleans up."""
    import types

    from harness.results.model import CaseRecord, Status
    from harness.scenarios import parallel
    from harness.scenarios.identity import StateWatch

    started: list[threading.Thread] = []
    finished: list[int] = []

    class InterruptedThread(threading.Thread):
        def start(self) -> None:
            super().start()
            started.append(self)
            if len(started) == 2:
                raise KeyboardInterrupt("SIGINT")

    monkeypatch.setattr(
        parallel,
        "threading",
        types.SimpleNamespace(Thread=InterruptedThread, Event=threading.Event),
    )
    state = StateWatch()
    state.created.update({"WT1": ("t", "a"), "WT2": ("t", "b")})  # identity known: no prefix
    services = types.SimpleNamespace(state=state, clock=None, stop=None)
    scenarios = [case(PLAIN) for _ in range(6)]

    def run_case(scenario: Scenario, index: int) -> CaseRecord:
        time.sleep(0.2)  # an answer in flight when the interrupt comes
        finished.append(index)
        return CaseRecord(scenario.id, scenario.title, "demo", "scenarios", Status.PASS)

    records: list[CaseRecord] = []
    with pytest.raises(KeyboardInterrupt):
        parallel.run_parallel(services, scenarios, run_case, 4, None, None, records)  # type: ignore[arg-type]
    assert len(started) == 2
    assert not any(thread.is_alive() for thread in started)  # joined before the raise
    assert finished and len(finished) >= 2  # the cases they had taken ran to their end


def test_a_real_sigint_during_the_poll_is_raised_between_polls_and_keeps_every_record(
    case: Load,
) -> None:
    """A SIGINT reaches the main thread while it polls for results (``Interrupts``
    installed, as in ``trc run``): it is raised only between two polls, never inside the
    queue's or a thread's lock, the result that poll took is delivered, the other cases
    stop at once, and no worker is left running."""
    import os
    import signal
    import types

    from harness.interrupts import Interrupts
    from harness.results.model import CaseRecord, Status
    from harness.scenarios import parallel
    from harness.scenarios.identity import StateWatch

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")
    state = StateWatch()
    state.created.update({"WT1": ("t", "a"), "WT2": ("t", "b")})
    services = types.SimpleNamespace(state=state, clock=None, stop=None)
    scenarios = [case(PLAIN) for _ in range(8)]
    stopped: list[int] = []
    written: list[str] = []

    def run_case(scenario: Scenario, index: int) -> CaseRecord:
        if index == 0:
            os.kill(os.getpid(), signal.SIGINT)  # handled in the main thread, in its poll
            time.sleep(0.05)
        else:
            try:
                for _ in range(100):  # a case that would take 5 s: the stop ends it
                    services.stop.wait(0.05)
                    if services.stop.is_set():
                        raise KeyboardInterrupt("run interrupted")
            except KeyboardInterrupt:
                stopped.append(index)
                raise
        return CaseRecord(scenario.id, scenario.title, "demo", "scenarios", Status.PASS)

    records: list[CaseRecord] = []
    begun = time.monotonic()
    with Interrupts("trc", write=written.append).installed(), pytest.raises(KeyboardInterrupt):
        parallel.run_parallel(services, scenarios, run_case, 4, None, None, records)  # type: ignore[arg-type]
    assert time.monotonic() - begun < 3  # the waiting cases stopped at once
    assert [r.id for r in records] == [scenarios[0].id]  # the record the poll took is kept
    assert sorted(stopped) == [1, 2, 3]  # the three other running cases; none started after
    assert not [t for t in threading.enumerate() if t.name.startswith("trc-case-")]
    assert written and "SIGINT: stopping" in written[0]


def test_the_default_jobs_are_one_against_live_twilio_and_more_elsewhere() -> None:
    from harness.reference.fixture import default_fixture
    from harness.scenarios.parallel import default_jobs
    from harness.targets.profile import profile_from_fixture
    from harness.targets.ready import ReadyTarget
    from harness.wire.client import Credentials

    profile = profile_from_fixture(default_fixture(), 2.0)
    creds = Credentials("AC" + "0" * 32, "token")
    live = ReadyTarget("twilio", "https://taskrouter.twilio.com", creds, profile)
    clone = ReadyTarget("clone", "http://127.0.0.1:3000", creds, profile)
    assert default_jobs(live) == 1
    assert default_jobs(clone) == default_jobs() > 1
