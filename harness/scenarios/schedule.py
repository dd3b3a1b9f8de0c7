"""Running cases side by side (``trc run --jobs N``) without letting them meet.

Cases are isolated by their tags: each lists and deletes only its own tasks. What tags cannot
isolate is state every case shares, so a case holds **resources**, each ``exclusive`` (no
other case holding it at all may run beside it) or shared (others sharing it may):

- ``worker``: the profile's worker of the case's workspace. Shared by every case that names
  ``{workspace.worker_sid}`` (tasks routed to it with ``RoutingTarget`` ignore its capacity,
  and each case reads only its own tasks' reservations); held exclusively by a case that
  changes it (a POST to ``/Workers/...`` among its steps, e.g. its activity; the same POST in
  ``finally`` only restores what the case saved).
- ``workspace``: the whole workspace. Every case shares it; a case that changes the worker
  holds it exclusively too, since an available worker is offered any pending task of the
  queues it serves, another case's included.
- ``clock``: the target's time. Only when waits advance a shared test clock
  (``harness.targets.clock``): a case that waits (``wait:``, ``eventually:``) holds it
  exclusively, every other case shares it, so an advance never ages a task of a case that is
  running (a TTL, a retention window). Real sleeps age every task equally, as real time does
  on a sequential run; they need no resource and overlap.

A YAML case adds resources with ``exclusive: [worker, workspace, clock]``.

``Scheduler`` hands out cases in order, skipping one whose resources are taken; a skipped
case blocks the later cases it conflicts with (no starvation). Cases that hold the clock
exclusively are handed out after all the others (one drain instead of one per waiting case);
cases that sleep in real time are handed out first, so that the rest run while they wait.
Results go back in the cases' order whatever order they finished in.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from harness.scenarios.identity import strings_in
from harness.scenarios.model import Scenario


class Resource(StrEnum):
    WORKER = "worker"
    WORKSPACE = "workspace"
    CLOCK = "clock"


class Mode(StrEnum):
    SHARED = "shared"
    EXCLUSIVE = "exclusive"


_WORKER_REF = re.compile(r"\{workspace\.worker_sid\}")
_WORKER_PATH = re.compile(r"/Workers/")


@dataclass(frozen=True)
class Claim:
    """What one case holds while it runs: ``{resource key: mode}``."""

    holds: dict[str, Mode]
    #: the case waits (``wait:``, ``eventually:``): started early when waits are real sleeps
    waits: bool = False
    #: the case uses the push channel (``requires: [callbacks]``): such cases go first in
    #: their group, so that the target's callback URLs point at the receiver (and every
    #: change of every running case is POSTed) for as short a time as possible
    pushes: bool = False

    def conflicts(self, other: Claim) -> bool:
        for key, mode in self.holds.items():
            theirs = other.holds.get(key)
            if theirs is not None and Mode.EXCLUSIVE in (mode, theirs):
                return True
        return False

    @property
    def waits_on_clock(self) -> bool:
        return self.holds.get(Resource.CLOCK) is Mode.EXCLUSIVE


def _waits(scenario: Scenario) -> bool:
    steps = (*scenario.steps, *scenario.finally_steps)
    return any(step.kind == "wait" or step.eventually is not None for step in steps)


def _advances_clock(scenario: Scenario) -> bool:
    """The case lets time pass on the target: a ``wait:``, or an ``eventually:`` that is not
    ``real_time`` (that one polls in real time and never advances a test clock)."""
    steps = (*scenario.steps, *scenario.finally_steps)
    return any(
        step.kind == "wait" or (step.eventually is not None and not step.eventually.real_time)
        for step in steps
    )


def claim_for(scenario: Scenario, shared_clock: bool) -> Claim:
    """The resources ``scenario`` holds (see the module docstring)."""
    declared = {Resource(name) for name in scenario.exclusive}
    steps = (*scenario.steps, *scenario.finally_steps)
    texts = list(strings_in([(step.request, step.create_tasks) for step in steps]))
    uses_worker = any(_WORKER_REF.search(text) for text in texts)
    # a POST to the worker in ``finally`` only puts back what the case saved: not a change
    for request in (step.request for step in scenario.steps):
        if request is None or request.method.upper() != "POST":
            continue
        if _WORKER_PATH.search(request.path or request.url or ""):
            declared.update((Resource.WORKER, Resource.WORKSPACE))
    if shared_clock and _advances_clock(scenario):
        declared.add(Resource.CLOCK)
    space = scenario.workspace
    holds: dict[str, Mode] = {
        f"{Resource.WORKSPACE}:{space}": Mode.SHARED,
    }
    if Resource.WORKSPACE in declared:
        holds[f"{Resource.WORKSPACE}:{space}"] = Mode.EXCLUSIVE
    if Resource.WORKER in declared:
        holds[f"{Resource.WORKER}:{space}"] = Mode.EXCLUSIVE
    elif uses_worker:
        holds[f"{Resource.WORKER}:{space}"] = Mode.SHARED
    if shared_clock or Resource.CLOCK in declared:
        holds[Resource.CLOCK] = Mode.EXCLUSIVE if Resource.CLOCK in declared else Mode.SHARED
    return Claim(holds, waits=_waits(scenario), pushes="callbacks" in scenario.requires)


class Scheduler:
    """Hands out case indexes to workers so that running cases never conflict."""

    def __init__(self, claims: Sequence[Claim]) -> None:
        self.claims = list(claims)
        ordered = range(len(claims))
        # waiting on the shared clock drains the run: do it once, at the end; real sleeps
        # start first, so that the other cases run while they wait
        ordered = sorted(ordered, key=lambda i: not claims[i].pushes)  # stable
        clocked = [i for i in ordered if claims[i].waits_on_clock]
        sleeping = [i for i in ordered if claims[i].waits and i not in clocked]
        rest = [i for i in ordered if not claims[i].waits and i not in clocked]
        self._pending = sleeping + rest + clocked
        self._running: set[int] = set()
        self._cond = threading.Condition()
        self._closed = False

    def next(self) -> int | None:
        """The next case to run (blocks until one can), None when none is left or closed."""
        with self._cond:
            while True:
                if self._closed or not self._pending:
                    return None
                choice = self._pick()
                if choice is not None:
                    self._pending.remove(choice)
                    self._running.add(choice)
                    return choice
                self._cond.wait()

    def done(self, index: int) -> None:
        with self._cond:
            self._running.discard(index)
            self._cond.notify_all()

    def close(self) -> None:
        """Hand out nothing more (an interrupt); running cases finish."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _pick(self) -> int | None:
        blocked: list[Claim] = []
        for index in self._pending:
            claim = self.claims[index]
            clear = not any(claim.conflicts(self.claims[r]) for r in self._running)
            if clear and not any(claim.conflicts(b) for b in blocked):
                return index
            blocked.append(claim)
        return None
