"""Build, re-gate and load the run report (the typed ``Report`` of harness/report/model/).

``build_report`` turns each target's records into ``Case``s and hands the new ``Report`` to
``assemble``, which computes everything derived: feature columns, expected deviations,
per-target counts, score and matrices, the baseline comparison, the gate and the side-by-side
comparison. ``regate`` runs ``assemble`` again on a copy of a loaded report with other gate
options (``trc report gate``). Every string of the finished report passes through the redactor
once more. ``load_report`` reads a ``report.json`` back, validated against the model.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import platform
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harness import __version__
from harness.exitcodes import ExitCode
from harness.report.causes import build_causes
from harness.report.deviations import Deviation, apply_deviations
from harness.report.diff import diff_reports
from harness.report.gate import evaluate
from harness.report.matrix import feature_matrix, feature_of, field_matrix
from harness.report.model import (
    FORMAT,
    SCHEMA_VERSION,
    Baseline,
    Case,
    Clause,
    Comparison,
    ComparisonRow,
    Counts,
    FieldMatrix,
    Gate,
    HarnessInfo,
    PhaseRow,
    Report,
    RunConfig,
    RunInfo,
    Score,
    Selection,
    Target,
    TargetPhase,
    adapter,
)
from harness.report.operations import case_operations
from harness.report.score import case_strength, case_weight, compute_score, is_counted
from harness.report.trim import trim_cases
from harness.results.model import CaseRecord, RunMeta
from harness.results.redact import Redactor
from harness.results.vocab import GateMode, PhaseStatus, Strength, TargetKind

LEGACY_RESULTS = "results.json"


class ReportFileError(ValueError):
    """A report file that cannot be read or does not follow the model (one line)."""


@dataclass
class TargetRun:
    """What one target produced: its records plus how it was reached."""

    label: str
    spec: str
    kind: str = TargetKind.EMBEDDED
    base_url: str | None = None
    faults: list[str] = field(default_factory=list)
    profile: str | None = None
    records: list[CaseRecord] = field(default_factory=list)
    meta: RunMeta | None = None
    reachable: bool = True
    error: str | None = None
    seed: int | None = None
    #: one row per phase: a TargetPhase, or its fields as a mapping
    phases: list[Any] = field(default_factory=list)
    #: case id -> operations it exercises (for records that keep no exchanges)
    hints: dict[str, list[str]] = field(default_factory=dict)


def case_from_record(record: CaseRecord, label: str, hint: Sequence[str] = ()) -> Case:
    """A report case of ``record`` on target ``label`` (a copy: the record is not shared)."""
    data = copy.deepcopy(record)
    case = Case(
        **{f.name: getattr(data, f.name) for f in dataclasses.fields(CaseRecord)}, target=label
    )
    case.operations = case_operations(case, hint)
    return case


def _field(entry: Any, name: str) -> Any:
    return entry.get(name) if isinstance(entry, Mapping) else getattr(entry, name, None)


def clause_block(cases: Iterable[Case], registry: Mapping[str, Any] | None) -> dict[str, Clause]:
    """The cited clauses, from the registry (``harness.clauses.Clause`` objects or mappings)."""
    out: dict[str, Clause] = {}
    for case in cases:
        for ref in case.clauses:
            if ref.id in out:
                continue
            entry = (registry or {}).get(ref.id)
            if entry is None:
                out[ref.id] = Clause(strength=Strength(ref.strength) if ref.strength else None)
                continue
            strength = _field(entry, "strength")
            out[ref.id] = Clause(
                quote=_field(entry, "quote"),
                section=_field(entry, "section"),
                strength=Strength(strength) if strength else None,
                category=_field(entry, "category"),
                source=_field(entry, "source"),
                assumption=_field(entry, "assumption"),
                url=_field(entry, "url"),
            )
    return out


def comparison(report: Report) -> Comparison:
    """Case x target: the status of every case on every target (None: not run there)."""
    labels = [t.label for t in report.targets]
    rows: dict[tuple[str, str], ComparisonRow] = {}
    for case in report.cases:
        row = rows.setdefault(
            case.key, ComparisonRow(case.id, case.phase, case.title, dict.fromkeys(labels))
        )
        row.statuses[case.target] = case.status
        if case.expected_deviation is not None:
            row.expected[case.target] = True
    for row in rows.values():
        row.differs = len(set(row.statuses.values())) > 1
    return Comparison(
        targets=labels, rows=list(rows.values()), differing=sum(r.differs for r in rows.values())
    )


def assemble(
    report: Report,
    *,
    deviations: Sequence[Deviation] | None = None,
    deviations_file: str | None = None,
    baseline: Report | None = None,
    baseline_file: str | None = None,
    fail_under: float | None = None,
) -> Report:
    """Compute every derived part of ``report`` in place (and return it)."""
    cases, targets = report.cases, report.targets
    for case in cases:
        case.feature = feature_of(case, report.clauses)
        case.effective_strength = case_strength(case)
        case.weight = case_weight(case)
        case.counted = is_counted(case)
    labels = [t.label for t in targets]
    if deviations is not None:
        report.deviations = apply_deviations(deviations, cases, labels, deviations_file)
    else:
        for case in cases:
            case.expected_deviation = None
        report.deviations = None
    for target in targets:
        mine = report.cases_of(target.label)
        target.counts = Counts.tally(mine)
        target.score = compute_score(mine)
        target.matrix = feature_matrix(mine)
        if target.field_matrix is None:
            # built from the untrimmed cases (build_report), kept as it is afterwards
            target.field_matrix = field_matrix(mine)
        target.causes = build_causes(mine)
    report.baseline = None
    if baseline is not None:
        diff = diff_reports(baseline, report)
        report.baseline = Baseline(
            file=baseline_file,
            run_id=baseline.run.run_id,
            targets=diff.targets,
            regressions=diff.regressions,
            new_failures=diff.new_failures,
            fixes=diff.fixes,
        )
    report.gate = evaluate(targets, cases, fail_under, report.baseline)
    report.config.fail_under = fail_under
    report.config.baseline = baseline_file
    report.config.expect_deviations = deviations_file
    report.score = targets[0].score if targets else compute_score([])
    report.comparison = comparison(report) if len(targets) > 1 else None
    return report


def _pending_gate() -> Gate:
    return Gate(False, ExitCode.FAIL, GateMode.CONFORMANCE, None, [], "not evaluated")


def _known(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _phase(row: Any, cls: type[PhaseRow]) -> Any:
    """A ``cls`` (PhaseRow, TargetPhase) of ``row``: one, or a mapping of its fields."""
    if type(row) is cls:
        return copy.deepcopy(row)
    data = _known(cls, row if isinstance(row, Mapping) else vars(row))
    data["status"] = PhaseStatus(data["status"])
    if "summary" in data:
        data["summary"] = copy.deepcopy(dict(data["summary"] or {}))
    if "cases" in data:
        data["cases"] = int(data["cases"] or 0)
    return cls(**data)


def build_report(
    runs: Sequence[TargetRun],
    *,
    run_id: str,
    started_at: str,
    finished_at: str | None = None,
    duration_s: float = 0.0,
    interrupted: bool = False,
    config: RunConfig | Mapping[str, Any] | None = None,
    phases: Sequence[PhaseRow | Mapping[str, Any]] = (),
    selection: Selection | Mapping[str, Any] | None = None,
    clauses: Mapping[str, Any] | None = None,
    deviations: Sequence[Deviation] | None = None,
    deviations_file: str | None = None,
    baseline: Report | None = None,
    baseline_file: str | None = None,
    fail_under: float | None = None,
    secrets: Sequence[str] = (),
    warnings: Sequence[str] = (),
    rerun_of: str | None = None,
) -> Report:
    """The report of ``runs``. ``config``, ``phases`` and ``selection`` may be given as the
    model's classes or as mappings of their fields (unknown keys are left out)."""
    cases = [
        case_from_record(record, run.label, run.hints.get(record.id, ()))
        for run in runs
        for record in run.records
    ]
    # the field matrix counts every verdict; the cases keep only their differences (trim)
    fields = {run.label: field_matrix(c for c in cases if c.target == run.label) for run in runs}
    trim_cases(cases)
    seeds = [run.seed for run in runs if run.seed is not None]
    if isinstance(config, RunConfig):
        config = copy.deepcopy(config)
    else:
        config = RunConfig(**_known(RunConfig, config or {}))
    if not isinstance(selection, Selection):
        selection = Selection(**_known(Selection, selection or {}))
    report = Report(
        format=FORMAT,
        schema_version=SCHEMA_VERSION,
        harness=HarnessInfo("taskrouter-conformance", __version__, platform.python_version()),
        run=RunInfo(run_id, started_at, finished_at, duration_s, interrupted, rerun_of),
        config=config,
        seed=seeds[0] if seeds else None,
        phases=[_phase(p, PhaseRow) for p in phases],
        selection=copy.deepcopy(selection),
        targets=[_target(run, fields[run.label]) for run in runs],
        cases=cases,
        clauses=clause_block(cases, clauses),
        warnings=list(warnings),
        deviations=None,
        baseline=None,
        gate=_pending_gate(),
        score=Score(),
        comparison=None,
    )
    assemble(
        report,
        deviations=deviations,
        deviations_file=deviations_file,
        baseline=baseline,
        baseline_file=baseline_file,
        fail_under=fail_under,
    )
    if secrets:
        Redactor(list(secrets)).value(report)
    return report


def _target(run: TargetRun, fields: FieldMatrix | None = None) -> Target:
    meta = run.meta
    return Target(
        field_matrix=fields,
        label=run.label,
        spec=run.spec,
        kind=TargetKind(run.kind),
        base_url=run.base_url,
        faults=list(run.faults),
        profile=run.profile,
        reachable=run.reachable,
        error=run.error,
        run_tag=meta.run_tag if meta else None,
        started_at=meta.started_at if meta else None,
        finished_at=meta.finished_at if meta else None,
        duration_s=meta.duration_s if meta else 0.0,
        interrupted=meta.interrupted if meta else False,
        cleanup=dict(meta.cleanup) if meta else {},
        warnings=list(meta.warnings) if meta else [],
        seed=run.seed,
        phases=[_phase(p, TargetPhase) for p in run.phases],
    )


def one_target_report(records: Sequence[CaseRecord], meta: RunMeta, **kwargs: Any) -> Report:
    """The report of one target's records, for commands that run outside ``trc run``
    (``trc record``, ``trc replay``): every phase of ``meta`` counts as ran."""
    rows = [PhaseRow(name, PhaseStatus.RAN) for name in meta.phases]
    run = TargetRun(
        label=meta.target,
        spec=meta.target,
        kind=TargetKind.EMBEDDED if meta.target == TargetKind.EMBEDDED else TargetKind.URL,
        faults=list(meta.faults),
        profile=meta.profile,
        records=list(records),
        meta=meta,
        phases=[TargetPhase(r.name, r.status, cases=len(records)) for r in rows],
    )
    # meta.profile names the profile for people ("embedded fixture"): not a --profile value
    config = RunConfig(
        targets=[meta.target],
        faults=list(meta.faults),
        phases=",".join(meta.phases),
        spec=meta.spec,
    )
    return build_report(
        [run],
        run_id=meta.run_id,
        started_at=meta.started_at,
        finished_at=meta.finished_at,
        duration_s=meta.duration_s,
        interrupted=meta.interrupted,
        config=config,
        phases=rows,
        warnings=meta.warnings,
        **kwargs,
    )


def regate(
    report: Report,
    *,
    deviations: Sequence[Deviation] | None = None,
    deviations_file: str | None = None,
    baseline: Report | None = None,
    baseline_file: str | None = None,
    fail_under: float | None = None,
) -> Report:
    """A copy of ``report`` with the gate (and deviations/baseline) computed anew."""
    return assemble(
        copy.deepcopy(report),
        deviations=deviations,
        deviations_file=deviations_file,
        baseline=baseline,
        baseline_file=baseline_file,
        fail_under=fail_under,
    )


def _problem(error: Any) -> str:
    where = "/".join(str(p) for p in error["loc"]) or "(top level)"
    return f"{where}: {error['msg']}"


def load_report(path: Path) -> Report:
    """Read a ``report.json`` (or the run folder holding one), validated against the model;
    ReportFileError with a one-line message when it cannot be used."""
    if path.is_dir():
        folder, path = path, path / "report.json"
        if not path.exists() and (folder / LEGACY_RESULTS).exists():
            raise ReportFileError(
                f"{folder}: holds only a {LEGACY_RESULTS} of harness 0.1, which is no longer "
                "read: run again to get a report.json"
            )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ReportFileError(f"{path}: not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ReportFileError(f"{path}: not a trc report (expected a JSON object)")
    if data.get("format") != FORMAT:
        if data.get("schema_version") == 1 and "cases" in data and "run" in data:
            raise ReportFileError(
                f"{path}: a {LEGACY_RESULTS} of harness 0.1, which is no longer read: "
                "run again to get a report.json"
            )
        raise ReportFileError(f'{path}: not a trc report (no "format": "{FORMAT}")')
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ReportFileError(
            f"{path}: report schema version {data.get('schema_version')!r} is not supported "
            f"(this harness reads {SCHEMA_VERSION})"
        )
    try:
        return adapter().validate_python(data)
    except ValidationError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ReportFileError(
            f"{path}: does not follow the report schema: {_problem(errors[0])}{more}"
        ) from None
