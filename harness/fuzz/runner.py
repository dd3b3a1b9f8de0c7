"""``run_fuzz``: schemathesis 4 over the Task spec, stateless and stateful, against one target.

Phases, in order (``FuzzOptions.phases``):

1. ``examples``: the spec's own request examples;
2. ``coverage``: schemathesis' deterministic boundary and negative values per parameter,
   missing parameters, and undeclared methods (405 expected);
3. ``fuzzing``: Hypothesis-generated positive and negative data, ``max_examples`` per operation;
4. ``stateful``: scenarios through the spec's links (create -> fetch/update/delete, the ETag
   into If-Match), ``max_examples`` scenarios of up to ``stateful_steps`` steps.

Phases 1-3 (stateless.py) visit the operations in ``OPERATIONS`` order; phase 4 is in
stateful.py. Every case goes through ``FuzzSession.run_case`` (session.py): steered
(steering.py) right before it is sent, then validated by every schemathesis check (config.py)
plus the TaskRouter checks of checks.py. Failures are collected into records (records.py).
Every task a 201 created is tracked (tracking.py) and deleted at the end, whatever happened
(cleanup.py). After the phases, each stateless failing example is minimized (minimize.py).

The time budget: the stateless phases stop at 80 % of it when the stateful phase is on, the
stateful phase at 100 %. A phase cut short keeps what it found; minimization stops at the
deadline too; cleanup always runs, also after an interrupt or an error.

Everything that reaches past schemathesis' and Hypothesis' public API is in compat.py.
"""

from __future__ import annotations

import time

from harness import interrupts
from harness.fuzz import compat
from harness.fuzz.cleanup import cleanup
from harness.fuzz.minimize import minimize_findings
from harness.fuzz.options import OPERATIONS, FuzzOptions, FuzzOutcome
from harness.fuzz.session import FuzzSession, OutOfTime, TargetGone
from harness.fuzz.stateful import run_stateful
from harness.fuzz.stateless import run_stateless
from harness.targets.errors import TargetUnreachable


class FuzzTargetUnreachable(TargetUnreachable):
    """The target did not answer the first request (exit code 3, as any unreachable target)."""


def run_fuzz(options: FuzzOptions) -> FuzzOutcome:
    """Fuzz one target; see the module docstring. Raises ``FuzzTargetUnreachable``."""
    options.validate()
    return _execute(FuzzSession(options))


def _execute(session: FuzzSession) -> FuzzOutcome:
    interrupted = False
    deleted: list[str] = []
    failures: dict[str, str] = {}
    try:
        _probe(session)
        gone = False
        with compat.without_local_constants(), compat.probes_through(session.session):
            try:
                _run_phases(session)
            except KeyboardInterrupt:
                interrupted = True
            except TargetGone as exc:
                gone = True
                session.warnings.append(f"the target stopped answering: {exc}")
            if not (interrupted or gone or interrupts.stop_requested()):
                try:
                    minimize_findings(session)
                except (OutOfTime, TargetGone):
                    pass
                except KeyboardInterrupt:
                    interrupted = True
    finally:
        try:
            with interrupts.cleaning():
                cleanup(session, deleted, failures)
        except interrupts.CleanupAbandoned:
            interrupted = True
            session.warnings.append("the cleanup was skipped at the second interrupt")
        finally:
            session.close()
    interrupted = interrupted or interrupts.stop_requested()
    order = [op for op in OPERATIONS if op in session.operations]
    return FuzzOutcome(
        records=session.collector.records(order),
        seed=session.options.seed,
        cases=session.cases,
        created=list(session.tracker.items),
        untagged=session.tracker.untagged(session.target.tag),
        deleted=deleted,
        cleanup_failures=failures,
        duration_s=time.monotonic() - session.started,
        time_exhausted=session.time_exhausted,
        interrupted=interrupted,
        case_digests=session.digests,
        warnings=session.warnings + _notes(session),
        schemathesis_version=session.schema_version,
    )


def _notes(session: FuzzSession) -> list[str]:
    notes = []
    if session.flaky_suites:
        notes.append(
            f"stateful: {session.flaky_suites} Hypothesis run(s) ended as 'flaky' (the server's "
            "state changed under a replayed scenario) and were continued with a new seed"
        )
    if session.time_exhausted:
        notes.append("the time budget ran out before every phase finished")
    if session.unsent:
        lacking = ", ".join(sorted(session.options.unsupported))
        notes.append(
            f"{session.unsent} generated request(s) were not sent: they use a feature the "
            f"target profile declares unsupported ({lacking})"
        )
    return notes


def _probe(session: FuzzSession) -> None:
    """One list request before anything is generated: does the target answer at all?"""
    import requests

    options = session.options
    url = session.url(f"/v1/Workspaces/{options.workspace_sid}/Tasks")
    try:
        response = session.session.get(
            url, params={"PageSize": 1}, auth=session.auth, timeout=options.request_timeout_s
        )
    except requests.RequestException as exc:
        raise FuzzTargetUnreachable(
            f"target {options.target_label} is unreachable: {type(exc).__name__}: {exc}"
        ) from None
    if response.status_code == 401:
        session.warnings.append("the probe request got 401: check the credentials")
    elif response.status_code == 404:
        session.warnings.append(
            f"the probe request got 404: is {options.workspace_sid} a workspace of the target?"
        )


def _run_phases(session: FuzzSession) -> None:
    phases = session.options.phases
    stateless = [p for p in ("examples", "coverage", "fuzzing") if p in phases]
    operations = [o for o in OPERATIONS if o in session.operations]
    session.steps_planned = len(stateless) * len(operations) + ("stateful" in phases)
    for phase in ("examples", "coverage", "fuzzing"):
        if phase not in phases:
            continue
        for operation_id in OPERATIONS:
            if operation_id not in session.operations:
                continue
            try:
                run_stateless(session, phase, operation_id)
            except OutOfTime:
                session.time_exhausted = True
                break
            _progress(session, phase, operation_id)
        if session.time_exhausted:
            break
    if "stateful" in phases and "CreateTask" not in session.operations:
        # Every link of the spec starts at CreateTask.
        session.warnings.append("stateful phase skipped: it needs CreateTask among the operations")
    elif "stateful" in phases:
        session.phase_deadline = session.deadline
        if session.deadline is None or time.monotonic() < session.deadline:
            try:
                run_stateful(session)
            except OutOfTime:
                session.time_exhausted = True
            _progress(session, "stateful", None)


def _progress(session: FuzzSession, phase: str, operation_id: str | None) -> None:
    progress = session.options.progress
    if progress is None:
        return
    session.steps_done += 1
    step = f"step {session.steps_done}/{session.steps_planned}"
    if operation_id is None:
        count = sum(n for (p, _, _), n in session.cases.items() if p == phase)
        progress(f"{step} {phase:<9} {'(links)':<11} {count} case(s)")
    else:
        count = sum(n for (p, o, _), n in session.cases.items() if p == phase and o == operation_id)
        progress(f"{step} {phase:<9} {operation_id:<11} {count} case(s)")
