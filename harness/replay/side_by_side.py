"""Replaying cassettes side by side (``trc run --jobs N``), or one after another.

Each cassette's replay has its own run tag (a part of the run, ``RUN-ID-rN``, given in the
cassettes' order before any starts) and touches only its own tasks, so replays of different
cassettes cannot meet through the tasks they create. They can through time: an advance of a
shared test clock ages every task, so a candidate whose profile declares ``clock.advance`` is
replayed one cassette at a time, as is a target whose answers follow the order of the requests
(a cassette target). Real waits (recorded think times, poll intervals) then overlap.

Results come back in the cassettes' order: ``on_start``/``on_record`` are called in the main
thread, for a cassette only once every cassette before it is done. A first interrupt sets
every replay's ``stop``: each stops before its next scenario, its waits end at once, it deletes
what it created; the replays done so far are returned and the caller sees ``interrupted``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from harness.cassette.format import Cassette
from harness.replay.records import ReplayRecord
from harness.replay.replay import Replayer, ReplayOptions
from harness.targets.ready import ReadyTarget

_POLL_S = 0.2


@dataclass(frozen=True)
class Work:
    """One cassette to replay, with its options and its run id (``RUN-ID-rN``)."""

    cassette: Cassette
    options: ReplayOptions
    run_id: str


@dataclass
class Done:
    work: Work
    replayer: Replayer
    records: list[ReplayRecord]


def one_at_a_time(target: ReadyTarget) -> bool:
    """Replays that must not overlap: a shared test clock, or answers that follow the order."""
    return target.sequential or bool(target.profile.clock_advance)


def in_turn(
    target: ReadyTarget,
    work: Sequence[Work],
    on_start: Callable[[str], None] | None,
    on_record: Callable[[ReplayRecord], None] | None,
) -> Iterator[Done]:
    """One cassette after another, stopping after an interrupted one."""
    for item in work:
        with Replayer(target, item.cassette, item.run_id, item.options) as replayer:
            records = replayer.run(on_start=on_start, on_record=on_record)
        yield Done(item, replayer, records)
        if replayer.interrupted:
            return


def side_by_side(
    target: ReadyTarget,
    work: Sequence[Work],
    jobs: int,
    on_start: Callable[[str], None] | None,
    on_record: Callable[[ReplayRecord], None] | None,
) -> tuple[list[Done], bool]:
    """Up to ``jobs`` cassettes at once: the replays finished, in the cassettes' order, and
    whether an interrupt stopped them."""
    stop = threading.Event()
    todo: queue.Queue[int] = queue.Queue()
    for index in range(len(work)):
        todo.put(index)
    finished: queue.Queue[tuple[int, Done | BaseException]] = queue.Queue()

    def interruptible(seconds: float) -> None:
        if stop.wait(seconds):
            raise KeyboardInterrupt("run interrupted")

    def replay(index: int) -> Done:
        item = work[index]
        with Replayer(target, item.cassette, item.run_id, item.options) as replayer:
            replayer.stop = stop
            if replayer.sleep is time.sleep:
                replayer.sleep = interruptible
            records = replayer.run()
        return Done(item, replayer, records)

    def worker() -> None:
        while not stop.is_set():
            try:
                index = todo.get_nowait()
            except queue.Empty:
                return
            try:
                finished.put((index, replay(index)))
            except BaseException as exc:  # a bug: raised again in the main thread
                finished.put((index, exc))

    threads = [
        threading.Thread(target=worker, name=f"trc-replay-{n}", daemon=True)
        for n in range(max(1, min(jobs, len(work))))
    ]
    results: dict[int, Done] = {}
    delivered: list[Done] = []

    def take(index: int, done: Done | BaseException) -> None:
        if isinstance(done, BaseException):
            stop.set()
            raise done
        results[index] = done

    def deliver() -> None:
        while len(delivered) in results:
            done = results.pop(len(delivered))
            for record in done.records:
                if on_start:
                    on_start(record.id)
                if on_record:
                    on_record(record)
            delivered.append(done)

    try:
        for thread in threads:
            thread.start()
        while len(delivered) + len(results) < len(work) and any(t.is_alive() for t in threads):
            try:
                index, done = finished.get(timeout=_POLL_S)
            except queue.Empty:
                continue
            take(index, done)
            deliver()
    except KeyboardInterrupt:
        stop.set()
        for thread in threads:
            if thread.ident is not None:  # started, even if the interrupt cut start() short
                thread.join()
        while not finished.empty():
            index, done = finished.get_nowait()
            if not isinstance(done, BaseException):
                results[index] = done
        return delivered + [results[i] for i in sorted(results)], True
    while not finished.empty():
        take(*finished.get_nowait())
    deliver()
    return delivered, any(d.replayer.interrupted for d in delivered)
