"""The phases of a run (``trc run --phases scenarios,fuzz,replay``) and where they come from.

A phase is any object with a ``name``, a ``description`` and ``run(ctx: PhaseContext) ->
PhaseResult``; it runs against one ready target and returns result records
(``harness.results.CaseRecord``). The scenarios phase is built in. Other packages provide a
phase by exposing a ``PHASE`` object in a module of their own, looked up lazily:

    fuzz    harness.fuzz.phase:PHASE
    replay  harness.replay.phase:PHASE

or by calling ``register_phase(phase)`` (tests, plugins). A phase whose module is missing, or
fails to import (say schemathesis is not installed), is *unavailable*: the report lists it with
the reason; naming it in ``--phases`` is a usage error (exit 2), never a silent skip.

A phase may set ``default = False`` to stay out of runs that do not name it in ``--phases``
(for instance while it is slow or experimental); otherwise every available phase runs by
default.

Contract for ``run``:

- send requests only to ``ctx.target`` (``base_url``, ``credentials``, ``profile``); tag or
  track what you create and delete it before returning, also on failure;
- ``ctx.only``: when not None, run only the cases with these ids (``trc rerun --failed``); a
  phase that cannot select single cases runs what covers them (e.g. fuzz: the operations of
  those ids, with ``ctx.seed``);
- ``ctx.seed``: the seed to use (None: the phase's default); report the seed used in
  ``PhaseResult.seed``; ``ctx.options`` carries phase options from the command line
  (``fuzz_budget``, ...);
- call ``ctx.on_start(case_id)`` / ``ctx.on_record(record)`` for live progress if you can;
- raise ``harness.targets.errors.TargetUnreachable`` if the target does not answer at all; on
  KeyboardInterrupt, clean up, attach the records so far as ``exc.records`` and re-raise.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from harness.results.model import CaseRecord

#: Phases in the order they run.
ORDER = ("scenarios", "fuzz", "replay")
#: Where a phase that is not built in comes from (module exposing ``PHASE``).
PROVIDERS: dict[str, str] = {"fuzz": "harness.fuzz.phase", "replay": "harness.replay.phase"}


@dataclass
class PhaseContext:
    target: Any  # harness.targets.resolve.ReadyTarget
    run_id: str
    run_tag: str
    scenarios: Sequence[Any] = ()  # the selected scenarios (harness.scenarios.model.Scenario)
    only: frozenset[str] | None = None
    seed: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    spec: Any = None  # harness.scenarios.openapi.SpecChecker | None
    spec_path: Path | None = None
    clauses: Mapping[str, Any] | None = None
    on_start: Callable[[str], None] | None = None
    on_record: Callable[[CaseRecord], None] | None = None


@dataclass
class PhaseResult:
    records: list[CaseRecord]
    seed: int | None = None
    #: case id -> operations the case exercises, for records that keep no exchanges.
    operations: dict[str, list[str]] = field(default_factory=dict)
    cleanup: dict[str, int] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


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
    if name == "scenarios":
        return ScenariosPhase()
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


# ---------------------------------------------------------------------------------------------
# The built-in scenarios phase


class ScenariosPhase:
    name = "scenarios"
    description = "the YAML scenario library (harness/scenarios)"
    default = True

    def run(self, ctx: PhaseContext) -> PhaseResult:
        from harness.report.operations import scenario_operations
        from harness.scenarios.engine import ScenarioEngine

        chosen = [s for s in ctx.scenarios if ctx.only is None or s.id in ctx.only]
        hints = {s.id: scenario_operations(s) for s in chosen}
        engine = ScenarioEngine(ctx.target, ctx.run_id, spec=ctx.spec, clauses=ctx.clauses)
        records: list[CaseRecord] = []
        try:
            start = (lambda s: ctx.on_start(s.id)) if ctx.on_start else None
            records = engine.run(chosen, on_start=start, on_record=ctx.on_record)
        except KeyboardInterrupt as exc:
            exc.operations = hints  # type: ignore[attr-defined]
            exc.cleanup = _close(engine)  # type: ignore[attr-defined]
            raise
        cleanup = _close(engine)
        return PhaseResult(records=records, operations=hints, cleanup=cleanup)


def _close(engine: Any) -> dict[str, int]:
    try:
        engine.close()
    finally:
        stats = dict(engine.cleanup_stats)
    return stats


def probe(target: Any) -> int:
    """One list request to the target; its status code. TargetUnreachable if nothing answers."""
    import httpx

    from harness.targets.client import TargetClient
    from harness.targets.errors import TargetUnreachable

    profile = target.profile
    client = TargetClient(
        target.base_url,
        target.credentials,
        timeout=profile.timeout_seconds,
        max_retries_on_429=profile.max_retries_on_429,
    )
    with client:
        ws = profile.workspace("single")["sid"]
        request = client.build("GET", f"/v1/Workspaces/{ws}/Tasks", query=[("PageSize", 1)])
        try:
            return client.send(request).status_code
        except httpx.TransportError as exc:
            raise TargetUnreachable(
                f"target {target.base_url} is unreachable: {type(exc).__name__}: {exc}"
            ) from None
