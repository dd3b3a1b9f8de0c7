"""Cases side by side: ``jobs`` worker threads take cases from a ``Scheduler``.

The main thread only hands results back, in the cases' order (``on_start``/``on_record``
are called there, for case *i* only after every case before it), so a report, a terminal
log and a JUnit file are the same for any number of jobs. Signals reach the main thread
only: on the first one it stops handing out cases and sets the run's ``stop`` event; running
cases stop before their next step (an answer in flight is recorded first) and a real wait
ends at once; then ``KeyboardInterrupt`` goes on to the engine, which cleans up.

Until the run has seen two creates, cases run one at a time: a target that answers every
create with the same SID (a stateless mock) is then found by the same case whatever the
number of jobs, and the cases that depend on task identity are skipped the same way.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from harness.interrupts import shielded
from harness.results.model import CaseRecord
from harness.scenarios.model import Scenario
from harness.scenarios.schedule import Scheduler, claim_for
from harness.scenarios.services import RunServices
from harness.targets.ready import ReadyTarget
from harness.targets.target import is_twilio_host

#: how long the main thread waits for a result before looking again (signals arrive between)
_POLL_S = 0.2

RunCase = Callable[[Scenario, int], CaseRecord]
#: what a worker hands back: the case's index, its record or the exception that ended it
Finished = tuple[int, CaseRecord | None, BaseException | None]


def default_jobs(target: ReadyTarget | None = None) -> int:
    """``--jobs`` when not given: four per core, at most 8 (cases mostly wait on the target,
    not on the CPU); 1 against live Twilio, whose account rate limits a run shares with
    everything else on the account (pass ``--jobs`` to choose)."""
    if target is not None and is_twilio_host(urlsplit(target.base_url).hostname):
        return 1
    return min(8, 4 * (os.cpu_count() or 1))


def _identity_known(services: RunServices) -> bool:
    state = services.state
    return state.sids_reused is not None or len(state.created) >= 2


def run_parallel(
    services: RunServices,
    scenarios: Sequence[Scenario],
    run_case: RunCase,
    jobs: int,
    on_start: Callable[[Scenario], None] | None,
    on_record: Callable[[CaseRecord], None] | None,
    records: list[CaseRecord],
) -> None:
    """Run ``scenarios`` (``run_case(scenario, index)``), appending their records to
    ``records`` in order. Raises ``KeyboardInterrupt`` when interrupted, after the running
    cases have stopped; ``records`` then holds the cases finished in order before it."""
    results: dict[int, CaseRecord] = {}

    def deliver() -> None:
        while len(records) in results:
            index = len(records)
            record = results.pop(index)
            if on_start:
                on_start(scenarios[index])
            records.append(record)
            if on_record:
                on_record(record)

    start = 0
    while start < len(scenarios) and not _identity_known(services):
        results[start] = run_case(scenarios[start], start)
        start += 1
        deliver()
    if start == len(scenarios):
        return
    shared_clock = services.clock is not None
    claims = [claim_for(s, shared_clock) for s in scenarios[start:]]
    scheduler = Scheduler(claims)
    # a SimpleQueue, whose get holds no Python-level lock: a KeyboardInterrupt raised in the
    # main thread can never leave a lock held that the workers need to hand in their results
    finished: queue.SimpleQueue[Finished] = queue.SimpleQueue()
    got: list[Finished] = []
    stop = services.stop = threading.Event()

    def work() -> None:
        while (offset := scheduler.next()) is not None:
            index = start + offset
            try:
                finished.put((index, run_case(scenarios[index], index), None))
            except BaseException as exc:  # KeyboardInterrupt from check_stop, or a bug
                finished.put((index, None, exc))
            finally:
                scheduler.done(offset)

    workers = [
        threading.Thread(target=work, name=f"trc-case-{n}", daemon=True)
        for n in range(max(1, min(jobs, len(claims))))
    ]
    try:
        with shielded():  # Thread.start waits on a Python-level lock the new thread needs
            for worker in workers:
                worker.start()
        pending = len(claims)
        while pending:
            # a first signal here waits for the poll to end (at most _POLL_S) and is raised
            # between two polls, where the result the poll took is kept in ``got``
            with shielded():
                try:
                    got.append(finished.get(timeout=_POLL_S))
                except queue.Empty:
                    continue
            index, record, error = got.pop()
            pending -= 1
            if error is not None:
                raise error
            assert record is not None
            results[index] = record
            deliver()
    except BaseException:
        scheduler.close()
        stop.set()
        for worker in workers:
            if worker.ident is not None:  # started (even if the interrupt cut start() short)
                worker.join()
        while not finished.empty():
            got.append(finished.get_nowait())
        for index, record, _ in got:
            if record is not None:
                results[index] = record
        deliver()
        raise
    finally:
        services.stop = None
