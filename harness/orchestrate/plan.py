"""Everything a run decides before it sends a request: the targets, the phases, the scenario
library and the selection, the spec, and the gate's inputs. Every problem found here is a
usage error (``TargetConfigError``, exit 2) and nothing has been started yet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.orchestrate.request import RunRequest
from harness.phases import Budget, Unavailable, default_phases, known_names, resolve
from harness.report.model import PhaseRow
from harness.report.model.run import Selection as SelectionBlock
from harness.resources import scenarios_dir
from harness.results.vocab import PhaseStatus, TargetKind
from harness.scenarios.discovery import discover, load_clause_registry
from harness.scenarios.model import Scenario
from harness.selection import Shard, ShardError, select
from harness.speccheck import SpecChecker, default_spec_path, load_spec
from harness.targets.choice import TargetChoice, resolve_targets
from harness.targets.errors import TargetConfigError
from harness.targets.resolve import check_options, warm_up


@dataclass
class RunPlan:
    """A run, decided: nothing in it has touched a target."""

    choices: list[TargetChoice]
    phase_names: list[str]
    #: the known phases this run does not run (unavailable or not asked for)
    other_phases: list[PhaseRow]
    library: list[Scenario]
    chosen: list[Scenario]
    selection: SelectionBlock
    spec: SpecChecker | None
    clauses: Mapping[str, Any] | None
    baseline: Any = None
    deviations: Any = None
    warnings: list[str] = field(default_factory=list)
    #: ``--shard I/N``: this run's share of each phase's cases
    shard: Shard | None = None


def plan_run(request: RunRequest) -> RunPlan:
    """Check ``request`` and decide the run; TargetConfigError (and the loader's SourceError)
    when it cannot run."""
    choices = resolve_targets(request.targets, request.profiles, request.faults)
    for choice in choices:
        check_options(choice.options(request.account_sid, request.auth_token, request.allow_live))
    if not request.list_only and choices:
        # the first target's reference starts while the library loads (inside warming() only)
        warm_up(choices[0].options(request.account_sid, request.auth_token, request.allow_live))
    warnings = list(request.extra_warnings)
    phases_text = request.phases
    if phases_text is None and all(choice.kind == TargetKind.CASSETTE for choice in choices):
        # A recording answers only the scenario requests it recorded: fuzzing and replaying
        # against it would measure the cassette, not a server.
        phases_text = "scenarios"
        warnings.append(
            "cassette target: only the scenarios phase runs by default (name others with --phases)"
        )
    phase_names, other_phases = resolve_phases(phases_text)
    baseline, deviations = load_gate_inputs(request.baseline, request.expect_deviations)
    if "fuzz" in phase_names:
        Budget.parse(request.fuzz_budget)  # a BudgetError is a usage error
    clauses, warning = load_clause_registry()
    if warning:
        warnings.append(warning)
    root = request.scenarios_dir or scenarios_dir()
    if not root.exists():
        raise TargetConfigError(f"scenario folder {root} does not exist")
    library = discover(root, clauses) if "scenarios" in phase_names else []
    chosen = select(library, request.select_expr, request.tags)
    if "scenarios" in phase_names and not chosen and not request.list_only:
        raise TargetConfigError(f"no scenarios selected under {root}")
    wanted = None
    if request.only is not None:
        wanted = {i for ids in request.only.values() for i in ids}
        chosen = [s for s in chosen if s.id in wanted]
    selection = selection_block(library, chosen, request, wanted)
    if selection.missing:
        warnings.append(
            "not found in the scenario library (not rerun): " + ", ".join(selection.missing)
        )
    spec = _spec(request.spec_path, warnings)
    shard = _shard(request)
    if shard is not None:
        chosen = shard.keep(chosen)
    return RunPlan(
        choices=choices,
        phase_names=phase_names,
        other_phases=other_phases,
        library=library,
        chosen=chosen,
        selection=selection,
        spec=spec,
        clauses=clauses,
        baseline=baseline,
        deviations=deviations,
        warnings=warnings,
        shard=shard,
    )


def _shard(request: RunRequest) -> Shard | None:
    """``--shard I/N``, weighed by the case durations of ``--shard-durations REPORT``."""
    if request.shard is None:
        if request.shard_durations is not None:
            raise TargetConfigError("--shard-durations needs --shard I/N")
        return None
    from harness.report.document import ReportFileError, load_report

    durations: dict[str, float] = {}
    if request.shard_durations is not None:
        try:
            previous = load_report(request.shard_durations)
        except ReportFileError as exc:
            raise TargetConfigError(f"--shard-durations: {exc}") from None
        for case in previous.cases:
            durations[case.id] = max(durations.get(case.id, 0.0), case.duration_s)
    try:
        return Shard.parse(request.shard, durations)
    except ShardError as exc:
        raise TargetConfigError(str(exc)) from None


def resolve_phases(text: str | None) -> tuple[list[str], list[PhaseRow]]:
    """The phases to run, and one row per known phase that does not run (and why)."""
    rows: list[PhaseRow] = []
    if text is None or not text.strip():
        chosen = default_phases()
        for name in known_names():
            phase = resolve(name)
            if isinstance(phase, Unavailable):
                rows.append(PhaseRow(name, PhaseStatus.UNAVAILABLE, phase.reason))
            elif name not in chosen:
                rows.append(PhaseRow(name, PhaseStatus.NOT_RUN, "not a default phase"))
        if not chosen:
            raise TargetConfigError("no phase is available")
        return chosen, rows
    chosen = list(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    if not chosen:
        raise TargetConfigError("--phases: name at least one phase (scenarios)")
    for name in chosen:
        phase = resolve(name)
        if isinstance(phase, Unavailable):
            if name not in known_names():
                raise TargetConfigError(
                    f"--phases: unknown phase {name!r} (known: {', '.join(known_names())})"
                )
            raise TargetConfigError(
                f"--phases: {name} is not supported yet: {phase.reason}; run without it"
            )
    for name in known_names():
        if name not in chosen:
            phase = resolve(name)
            if isinstance(phase, Unavailable):
                rows.append(PhaseRow(name, PhaseStatus.UNAVAILABLE, phase.reason))
            else:
                rows.append(PhaseRow(name, PhaseStatus.NOT_RUN, "not requested"))
    return chosen, rows


def load_gate_inputs(baseline: Path | None, expect_deviations: Path | None) -> tuple[Any, Any]:
    """The baseline report and the deviation entries; TargetConfigError when unusable."""
    from harness.report.deviations import DeviationFileError, load_deviations
    from harness.report.document import ReportFileError, load_report

    base = devs = None
    try:
        if baseline is not None:
            base = load_report(baseline)
        if expect_deviations is not None:
            devs = load_deviations(expect_deviations)
    except (ReportFileError, DeviationFileError) as exc:
        raise TargetConfigError(str(exc)) from None
    return base, devs


def selection_block(
    library: list[Scenario], chosen: list[Scenario], request: RunRequest, wanted: set[str] | None
) -> SelectionBlock:
    """The report's account of which library cases run and why the others do not."""
    chosen_ids = [s.id for s in chosen]
    reasons = []
    if request.select_expr:
        reasons.append(f"-k {request.select_expr}")
    if request.tags:
        reasons.append("--tag " + ",".join(request.tags))
    missing: list[str] = []
    if wanted is not None:
        # fuzz.* and replay:* ids are rerun by their phases, not found in the library
        missing = sorted(
            i for i in wanted if i not in chosen_ids and not i.startswith(("fuzz.", "replay:"))
        )
        reasons.append(f"rerun of the failed cases of {request.rerun_of}")
    excluded = [s.id for s in library if s.id not in chosen_ids]
    return SelectionBlock(
        discovered=len(library),
        selected=len(chosen_ids),
        excluded=len(excluded),
        excluded_ids=excluded,
        reason="; ".join(reasons) or None,
        expression=request.select_expr,
        tags=list(request.tags),
        only=sorted(wanted) if wanted is not None else None,
        missing=missing,
    )


def _spec(path: Path | None, warnings: list[str]) -> SpecChecker | None:
    if path is not None and not path.is_file():
        raise TargetConfigError(f"--spec {path}: no such file")
    try:
        spec = load_spec(path)
    except Exception as exc:
        raise TargetConfigError(f"cannot load the spec: {exc}") from None
    if spec is None:
        warnings.append(
            f"{default_spec_path()} not found: responses are not validated against a spec"
        )
    return spec
