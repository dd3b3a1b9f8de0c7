"""A run from plan to report: open each target, probe it, run every phase, write the report,
apply the gate. The one flow behind ``trc run`` and ``trc rerun``.

Exit codes (``harness.exitcodes.ExitCode``): 0 the gate passed, 1 it failed, 2 usage or
configuration (raised before anything starts), 3 a target unreachable, 130 interrupted (after
cleaning up and writing the partial report).

Interrupts (``harness.interrupts``, installed by ``run_guarded``): the first SIGINT/SIGTERM
stops the phase in progress (it cleans up and returns what it has), no further phase or
target starts, the run's final cleanup deletes what is left by tag, and the partial report is
written; the second skips the cleanup and names the ``trc sweep`` command.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import click

from harness import __version__, interrupts
from harness.exitcodes import ExitCode
from harness.orchestrate.finish import finish_target, sweep_command
from harness.orchestrate.plan import RunPlan, plan_run
from harness.orchestrate.request import RunRequest
from harness.orchestrate.rerun import RerunFilter, write_rerun_folder
from harness.phases import (
    Budget,
    Cleanup,
    Outcome,
    PhaseContext,
    PhaseOptions,
    PhaseResult,
    Selection,
    resolve,
)
from harness.report.document import TargetRun, build_report
from harness.report.model import PhaseRow, TargetPhase
from harness.reporters.files import write_report_folder
from harness.reporters.terminal import TerminalReporter, final_summary
from harness.resources import default_report_dir
from harness.results.model import CaseRecord, Failure, RunMeta, Status
from harness.results.redact import Redactor
from harness.results.runid import new_run_id, run_tag_for
from harness.results.vocab import PhaseStatus, TargetKind
from harness.scenarios.parallel import default_jobs
from harness.targets.child_process import warming
from harness.targets.choice import TargetChoice
from harness.targets.errors import TargetUnreachable
from harness.targets.probe import probe
from harness.targets.ready import ReadyTarget
from harness.targets.resolve import open_target


@dataclass
class _Run:
    """What one run shares while it goes from target to target."""

    request: RunRequest
    plan: RunPlan
    run_id: str
    reporter: TerminalReporter
    secrets: list[str]


def execute(request: RunRequest) -> int:
    """Run ``request``; its exit code. Usage errors are raised before anything starts."""
    with warming():  # the embedded reference may start while the plan loads the library
        return _execute(request)


def _execute(request: RunRequest) -> int:
    plan = plan_run(request)
    if request.list_only:
        for scenario in plan.chosen:
            tag_text = f" [{', '.join(scenario.tags)}]" if scenario.tags else ""
            click.echo(f"{scenario.id}  ({scenario.category}){tag_text}  {scenario.source}")
        return ExitCode.OK
    run = _Run(
        request,
        plan,
        new_run_id(),
        TerminalReporter(prog="trc rerun" if request.rerun_of else "trc run"),
        [request.auth_token] if request.auth_token else [],
    )
    started_at = _now()
    started = time.monotonic()
    runs: list[TargetRun] = []
    interrupted = unreachable = False
    current: list[TargetChoice] = []
    interrupts.set_sweep_hint(lambda: sweep_command(current[-1], run.run_id) if current else None)
    with _closing(run.reporter):
        for choice in plan.choices:
            if interrupts.stop_requested():
                interrupted = True
                break
            current.append(choice)
            try:
                target_run, interrupted = _run_target(run, choice)
            except TargetUnreachable as exc:
                if len(plan.choices) == 1:
                    raise
                unreachable = True
                target_run = _unreachable(choice, run.run_id, str(exc))
                run.reporter.note(f"{choice.label}: {exc}", style="red")
            runs.append(target_run)
            if interrupted:
                break
    hit = {p.name for r in runs for p in r.phases if p.status == PhaseStatus.INTERRUPTED}
    ran_rows = [
        PhaseRow(n, PhaseStatus.INTERRUPTED if n in hit else PhaseStatus.RAN)
        for n in plan.phase_names
    ]
    report = build_report(
        runs,
        run_id=run.run_id,
        started_at=started_at,
        finished_at=_now(),
        duration_s=round(time.monotonic() - started, 3),
        interrupted=interrupted,
        config=request.config(),
        phases=ran_rows + plan.other_phases,
        selection=plan.selection,
        clauses=plan.clauses,
        deviations=plan.deviations,
        deviations_file=str(request.expect_deviations) if request.expect_deviations else None,
        baseline=plan.baseline,
        baseline_file=str(request.baseline) if request.baseline else None,
        fail_under=request.fail_under,
        secrets=run.secrets,
        warnings=plan.warnings,
        rerun_of=request.rerun_of,
    )
    parent = request.report_dir or default_report_dir()
    if request.rerun_of:
        folder = write_rerun_folder(parent, report)
    else:
        folder = write_report_folder(parent, report)
    final_summary(run.reporter.console, report, str(folder))
    if interrupted:
        return ExitCode.INTERRUPTED
    if unreachable:
        return ExitCode.UNREACHABLE
    return int(report.gate.exit_code)


@contextmanager
def _closing(reporter: TerminalReporter) -> Iterator[None]:
    """No spinner outlives the run, whatever ends it."""
    try:
        yield
    finally:
        reporter.close()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unreachable(choice: TargetChoice, run_id: str, message: str) -> TargetRun:
    return TargetRun(
        label=choice.label,
        spec=choice.text,
        kind=choice.kind,
        base_url=choice.url,
        faults=list(choice.faults),
        profile=choice.profile,
        reachable=False,
        error=message,
        meta=RunMeta(run_id, run_tag_for(run_id), choice.label, __version__, _now()),
    )


def _phase_options(
    request: RunRequest, only: frozenset[str] | None, plan: RunPlan, ready: ReadyTarget
) -> PhaseOptions:
    return PhaseOptions(
        selection=Selection(request.select_expr, tuple(request.tags), only, plan.shard),
        seed=request.seed,
        budget=Budget.parse(request.fuzz_budget),
        cassettes=tuple(request.cassettes),
        spec_path=request.spec_path,
        replay_wait_budget=request.replay_wait_budget,
        jobs=request.jobs or default_jobs(ready),
    )


def _run_target(run: _Run, choice: TargetChoice) -> tuple[TargetRun, bool]:
    """Open one target, probe it, run every phase; (TargetRun, interrupted)."""
    request, plan = run.request, run.plan
    only = None
    if request.only is not None:
        only = frozenset(request.only.get(choice.label, request.only.get("*", [])))
    meta = RunMeta(
        run_id=run.run_id,
        run_tag=run_tag_for(run.run_id),
        target=choice.label,
        harness_version=__version__,
        started_at=_now(),
        phases=list(plan.phase_names),
        profile=choice.profile
        or ("embedded fixture" if choice.kind == TargetKind.EMBEDDED else None),
        faults=list(choice.faults),
        spec=str(plan.spec.source) if plan.spec is not None else None,
    )
    target_run = TargetRun(
        label=choice.label,
        spec=choice.text,
        kind=choice.kind,
        faults=list(choice.faults),
        profile=meta.profile,
        meta=meta,
    )
    started = time.monotonic()
    state = _TargetState()
    options = choice.options(request.account_sid, request.auth_token, request.allow_live)
    try:
        with open_target(options) as ready:
            try:
                _run_phases(run, choice, ready, meta, target_run, only, state)
            except KeyboardInterrupt:
                state.interrupted = True
            if state.started and choice.kind != TargetKind.CASSETTE:
                finish_target(ready, meta, state.cleanup, state.untagged, choice, state.run_tags)
            else:
                meta.cleanup = state.cleanup.as_dict()
    except KeyboardInterrupt:  # while the embedded reference starts or stops
        state.interrupted = True
        meta.cleanup = meta.cleanup or state.cleanup.as_dict()
    interrupted = state.interrupted or interrupts.stop_requested()
    meta.interrupted = interrupted
    meta.finished_at = _now()
    meta.duration_s = round(time.monotonic() - started, 3)
    return target_run, interrupted


@dataclass
class _TargetState:
    """What the phases of one target add up to."""

    cleanup: Cleanup = dataclasses.field(default_factory=Cleanup)
    untagged: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    run_tags: list[str] = dataclasses.field(default_factory=list)
    interrupted: bool = False
    #: a phase began (so the run may have created something)
    started: bool = False


def _run_phases(
    run: _Run,
    choice: TargetChoice,
    ready: ReadyTarget,
    meta: RunMeta,
    target_run: TargetRun,
    only: frozenset[str] | None,
    state: _TargetState,
) -> None:
    """Probe ``ready`` and run every phase on it, adding to ``target_run`` and ``state``."""
    request, plan = run.request, run.plan
    rerun = RerunFilter.of(only)
    run.secrets.append(ready.credentials.auth_token)
    # live output is redacted like the report: a target may echo the credential
    redactor = Redactor([ready.credentials.auth_token], ready.credentials.account_sid)
    target_run.base_url = ready.base_url
    if probe(ready).status_code == 401:
        meta.warnings.append(
            f"{choice.label}: the probe request got 401: check the credentials "
            "(every case will fail)"
        )
    total = sum(1 for s in plan.chosen if only is None or s.id in only)
    run.reporter.start(meta, total, ready.base_url, request.seed, request.rerun_of)
    context = PhaseContext(
        target=ready,
        run_id=run.run_id,
        run_tag=meta.run_tag,
        options=_phase_options(request, only, plan, ready),
        library=plan.library,
        spec=plan.spec,
        clauses=plan.clauses,
        on_start=run.reporter.begin,
        on_record=_redacted(run.reporter.case, redactor)
        if rerun is None
        else rerun.wrap(_redacted(run.reporter.case, redactor)),
    )
    for name in plan.phase_names:
        if interrupts.stop_requested():
            state.interrupted = True
            break
        state.started = True
        row, result = _run_phase(run, name, _phase_context(run, name, context, total))
        if result is not None and rerun is not None:
            result.records = rerun.records(result.records)
            row.cases = len(result.records)
        run.reporter.phase_end(
            name,
            row.cases,
            result.seed if result is not None else None,
            "" if row.status is PhaseStatus.RAN else str(row.status),
        )
        target_run.phases.append(row)
        if result is None:  # the phase crashed: its error case stands in for it
            target_run.records.append(_phase_crash(name, row.reason or ""))
            continue
        target_run.records += result.records
        target_run.hints.update(result.operations)
        state.cleanup += result.cleanup
        state.untagged += result.untagged
        state.run_tags += result.run_tags
        meta.warnings += result.warnings
        if result.seed is not None:
            target_run.seed = result.seed
        if result.interrupted or interrupts.stop_requested():
            state.interrupted = True
            break


def _phase_context(run: _Run, name: str, context: PhaseContext, total: int) -> PhaseContext:
    """The phase's header on the terminal, and its context: the fuzz phase's step texts are
    progress, not case names."""
    request = run.request
    if name == "scenarios":
        run.reporter.phase_start(name, total)
        return context
    if name == "fuzz":
        detail = [f"seed {request.seed}" if request.seed is not None else "default seed"]
        if request.fuzz_budget:
            detail.append(f"budget {request.fuzz_budget}")
        run.reporter.phase_start(name, None, " · ".join(detail))
        return dataclasses.replace(context, on_start=run.reporter.progress)
    detail = f"{len(request.cassettes)} cassette(s)" if request.cassettes else ""
    run.reporter.phase_start(name, None, detail)
    return context


def _run_phase(
    run: _Run, name: str, context: PhaseContext
) -> tuple[TargetPhase, PhaseResult | None]:
    """One phase on one target: its row, and its result (None when it crashed)."""
    phase = resolve(name)
    try:
        result = phase.run(context)  # type: ignore[union-attr]
    except KeyboardInterrupt:
        # A phase that did not return its partial result: nothing of it is kept.
        result = PhaseResult(records=[], outcome=Outcome.INTERRUPTED)
    except TargetUnreachable:
        raise
    except Exception as exc:  # a crashing phase is an error case, not a crashed run
        reason = f"{type(exc).__name__}: {exc}"
        run.reporter.note(f"phase {name} crashed: {reason}", "magenta")
        return TargetPhase(name, PhaseStatus.ERROR, reason, cases=1), None
    if result.interrupted:
        row = TargetPhase(name, PhaseStatus.INTERRUPTED, "interrupted", cases=len(result.records))
    else:
        row = TargetPhase(
            name,
            PhaseStatus.RAN,
            None,
            cases=len(result.records),
            seed=result.seed,
            summary=result.summary,
        )
    return row, result


def _phase_crash(name: str, reason: str) -> CaseRecord:
    message = f"the {name} phase crashed: {reason}"
    return CaseRecord(
        id=f"{name}.phase-crashed",
        title=f"The {name} phase could not run",
        category=name,
        phase=name,
        status=Status.ERROR,
        tags=[name, "harness-error"],
        reason=message,
        failure=Failure(step="(phase)", expectation="harness", message=message),
    )


def _redacted(
    show: Callable[[CaseRecord], None], redactor: Redactor
) -> Callable[[CaseRecord], None]:
    """``show`` for records with every secret, in any encoding, removed first."""
    return lambda record: show(redactor.value(record))
