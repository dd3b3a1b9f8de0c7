"""The phase contract: what ``trc run --phases scenarios,fuzz,replay`` hands a phase, and what a
phase hands back.

A phase is any object with a ``name``, a ``description`` and ``run(ctx: PhaseContext) ->
PhaseResult``. Each built-in phase lives in the package of its runner and is found lazily by
module name:

    scenarios  harness.scenarios.phase:PHASE
    fuzz       harness.fuzz.phase:PHASE
    replay     harness.replay.phase:PHASE

Other phases (tests, plugins) come in through ``register_phase(phase)``: the one documented
extension point. A phase whose module is missing, or fails to import (say schemathesis is not
installed), is *unavailable*: the report lists it with the reason; naming it in ``--phases``
is a usage error (exit 2), never a silent skip. A phase may set ``default = False`` to stay out
of runs that do not name it in ``--phases``.

Contract for ``run``:

- send requests only to ``ctx.target``; tag or track what you create and delete it before
  returning, also on failure and on interrupt;
- honour ``ctx.options.selection`` (``-k``, ``--tag`` and ``trc rerun``'s ids): run exactly the
  cases it selects, and say in ``PhaseResult.summary`` why you ran nothing when nothing matches;
- ``ctx.options.seed``: the seed to use (None: the phase's default); report the seed used in
  ``PhaseResult.seed``; ``ctx.options.budget`` bounds generated work (fuzz);
- call ``ctx.on_start(case_id)`` / ``ctx.on_record(record)`` for live progress;
- raise ``harness.targets.TargetUnreachable`` if the target does not answer at all;
- on KeyboardInterrupt, clean up and *return* the records so far with
  ``outcome=Outcome.INTERRUPTED``; the run writes its partial report and exits 130.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from harness.results.model import CaseRecord
from harness.selection import Selectable, Shard, select
from harness.speccheck.openapi import SpecChecker
from harness.targets.ready import ReadyTarget

#: Phases in the order they run.
ORDER = ("scenarios", "fuzz", "replay")
#: Where each built-in phase comes from (a module exposing ``PHASE``).
PROVIDERS: dict[str, str] = {
    "scenarios": "harness.scenarios.phase",
    "fuzz": "harness.fuzz.phase",
    "replay": "harness.replay.phase",
}

C = TypeVar("C", bound=Selectable)


class Outcome(StrEnum):
    """How a phase ended."""

    COMPLETED = "completed"
    INTERRUPTED = "interrupted"


class BudgetError(ValueError):
    """A ``--fuzz-budget`` that is not ``CASES[:SECONDS]``."""


_BUDGET = re.compile(r"^\s*(\d+)?\s*(?::\s*(\d+(?:\.\d+)?)\s*)?$")


@dataclass(frozen=True)
class Budget:
    """A bound on generated work: cases (per operation) and wall-clock seconds; None: the
    phase's default."""

    cases: int | None = None
    seconds: float | None = None

    @classmethod
    def parse(cls, text: str | None) -> Budget | None:
        """``CASES[:SECONDS]``, e.g. ``40``, ``40:90`` or ``:30``; None for no text."""
        if text is None or not text.strip():
            return None
        match = _BUDGET.match(text)
        if not match or not (match.group(1) or match.group(2)):
            raise BudgetError(
                f"invalid fuzz budget {text!r}: expected CASES[:SECONDS], e.g. 40 or 40:90"
            )
        cases = int(match.group(1)) if match.group(1) else None
        seconds = float(match.group(2)) if match.group(2) else None
        if cases is not None and cases < 1:
            raise BudgetError(f"invalid fuzz budget {text!r}: CASES must be at least 1")
        if seconds is not None and seconds <= 0:
            raise BudgetError(f"invalid fuzz budget {text!r}: SECONDS must be positive")
        return cls(cases, seconds)


@dataclass(frozen=True)
class Selection:
    """Which cases a run includes: ``-k EXPR``, ``--tag`` (any of them) and, for ``trc rerun
    --failed``, exact case ids (``only``; None means no restriction)."""

    expression: str | None = None
    tags: tuple[str, ...] = ()
    only: frozenset[str] | None = None
    #: ``--shard I/N``: this run's share of every phase's selected cases
    shard: Shard | None = None

    @property
    def narrows(self) -> bool:
        """True when anything is left out (an expression, tags or an id list)."""
        return bool(self.expression or self.tags) or self.only is not None

    def pick(self, cases: Iterable[C], ids: Callable[[C], Iterable[str]] | None = None) -> list[C]:
        """The cases the selection keeps. ``ids`` names the ids ``only`` may list for a case
        (default: its ``id``)."""
        chosen = select(cases, self.expression, self.tags)
        if self.only is not None:
            names = ids or (lambda case: (case.id,))
            chosen = [case for case in chosen if self.only.intersection(names(case))]
        return self.shard.keep(chosen) if self.shard is not None else chosen


@dataclass(frozen=True)
class PhaseOptions:
    """Everything a phase may be told by the command line, typed."""

    selection: Selection = field(default_factory=Selection)
    seed: int | None = None
    budget: Budget | None = None
    #: replay: the cassettes to replay (empty: the shipped reference cassettes)
    cassettes: tuple[Path, ...] = ()
    #: the OpenAPI file responses are checked against (None: the shipped spec)
    spec_path: Path | None = None
    #: replay: how long a replayed scenario may wait for the candidate's windows (retention,
    #: TTL, eventually) before it is not-configured instead (None: the replay's default)
    replay_wait_budget: float | None = None
    #: scenario cases run side by side (``--jobs``; 1: one after another)
    jobs: int = 1


@dataclass
class PhaseContext:
    target: ReadyTarget
    run_id: str
    run_tag: str
    options: PhaseOptions = field(default_factory=PhaseOptions)
    #: the scenario library as loaded (``harness.scenarios.model.Scenario``); each phase applies
    #: ``options.selection`` itself
    library: Sequence[Selectable] = ()
    spec: SpecChecker | None = None
    clauses: Mapping[str, Any] | None = None
    on_start: Callable[[str], None] | None = None
    on_record: Callable[[CaseRecord], None] | None = None


@dataclass
class Cleanup:
    """What a phase created on the target, deleted again, and left behind."""

    created: int = 0
    deleted: int = 0
    left: int = 0

    def __add__(self, other: Cleanup) -> Cleanup:
        return Cleanup(
            self.created + other.created, self.deleted + other.deleted, self.left + other.left
        )

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "deleted": self.deleted, "left": self.left}


@dataclass
class PhaseResult:
    records: list[CaseRecord]
    outcome: Outcome = Outcome.COMPLETED
    seed: int | None = None
    #: case id -> operations the case exercises, for records that keep no exchanges.
    operations: dict[str, list[str]] = field(default_factory=dict)
    cleanup: Cleanup = field(default_factory=Cleanup)
    #: (workspace SID, task SID) of tasks the phase created without the run tag: the run's
    #: final cleanup cannot find them by tag, so it checks each is gone.
    untagged: list[tuple[str, str]] = field(default_factory=list)
    #: run tags other than the run's own that the phase tagged tasks with (a replayed
    #: cassette's, ``harness.results.runid.sub_run_id``): the final cleanup lists them too
    run_tags: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def interrupted(self) -> bool:
        return self.outcome is Outcome.INTERRUPTED


@runtime_checkable
class Phase(Protocol):
    name: str
    description: str

    def run(self, ctx: PhaseContext) -> PhaseResult: ...


@dataclass(frozen=True)
class Unavailable:
    name: str
    reason: str


_registered: dict[str, Phase] = {}


def register_phase(phase: Phase) -> None:
    """Make ``phase`` available under ``phase.name`` (replacing any provider of that name)."""
    _registered[phase.name] = phase


def unregister_phase(name: str) -> None:
    _registered.pop(name, None)


def resolve(name: str) -> Phase | Unavailable:
    if name in _registered:
        return _registered[name]
    module_name = PROVIDERS.get(name)
    if module_name is None:
        return Unavailable(name, f"unknown phase (known: {', '.join(known_names())})")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (module_name == missing or module_name.startswith(missing + ".")):
            return Unavailable(name, f"not provided yet ({module_name} does not exist)")
        return Unavailable(name, f"{module_name} cannot be imported: {exc}")
    except Exception as exc:  # a provider that is broken must not take the run down
        return Unavailable(name, f"{module_name} cannot be imported: {type(exc).__name__}: {exc}")
    phase = getattr(module, "PHASE", None)
    if phase is None or not callable(getattr(phase, "run", None)):
        return Unavailable(name, f"{module_name} has no PHASE with a run(ctx) method")
    return phase


def known_names() -> list[str]:
    names = list(ORDER)
    names += sorted(n for n in _registered if n not in names)
    return names


def default_phases() -> list[str]:
    """Every available phase that does not opt out of default runs, in order."""
    out = []
    for name in known_names():
        phase = resolve(name)
        if isinstance(phase, Unavailable) or not getattr(phase, "default", True):
            continue
        out.append(name)
    return out
