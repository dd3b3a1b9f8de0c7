"""Build, re-gate, load and validate the run report, ``report.json``.

The schema is docs/report-schema.json (generated from ``harness.report.schema``).

``build_report`` turns each target's records into case entries and hands them to ``assemble``,
which computes everything derived: feature columns, expected deviations, per-target counts,
score and matrices, the baseline comparison, the gate and the side-by-side comparison.
``regate`` runs ``assemble`` again on a loaded report with other gate options (``trc report
gate``). Every string of the finished document passes through the redactor once more.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import __version__
from harness.report.deviations import Deviation, apply_deviations
from harness.report.diff import diff_reports
from harness.report.gate import evaluate
from harness.report.matrix import feature_matrix, feature_of, field_matrix
from harness.report.operations import case_operations
from harness.report.schema import FORMAT, SCHEMA_VERSION, validate_document
from harness.report.score import case_strength, case_weight, compute_score, is_counted
from harness.results.model import CaseRecord, RunMeta
from harness.results.redact import Redactor

STATUSES = ("pass", "fail", "error", "unsupported", "skipped")


class ReportFileError(ValueError):
    """A report file that cannot be read or does not follow the schema."""


@dataclass
class TargetRun:
    """What one target produced: its records plus how it was reached."""

    label: str
    spec: str
    kind: str = "embedded"
    base_url: str | None = None
    faults: list[str] = field(default_factory=list)
    profile: str | None = None
    records: list[CaseRecord] = field(default_factory=list)
    meta: RunMeta | None = None
    reachable: bool = True
    error: str | None = None
    seed: int | None = None
    phases: list[dict[str, Any]] = field(default_factory=list)
    #: case id -> operations it exercises (for records that keep no exchanges)
    hints: dict[str, list[str]] = field(default_factory=dict)


def case_from_record(
    record: CaseRecord | Mapping[str, Any], label: str, hint: Sequence[str] = ()
) -> dict[str, Any]:
    data = dict(record.to_dict() if isinstance(record, CaseRecord) else record)
    data.setdefault("fields", [])
    data["target"] = label
    data["operations"] = case_operations(data, hint)
    data["expected_deviation"] = None
    return data


def clause_block(cases: Iterable[Mapping[str, Any]], registry: Mapping[str, Any] | None) -> dict:
    out: dict[str, Any] = {}
    for case in cases:
        for ref in case.get("clauses") or []:
            clause_id = ref["id"]
            if clause_id in out:
                continue
            clause = (registry or {}).get(clause_id)
            if clause is None:
                out[clause_id] = {
                    "quote": None,
                    "section": None,
                    "strength": ref.get("strength"),
                    "category": None,
                    "source": None,
                    "assumption": None,
                }
                continue
            get = (
                (lambda k, c=clause: c.get(k))
                if isinstance(clause, Mapping)
                else (lambda k, c=clause: getattr(c, k, None))
            )
            out[clause_id] = {
                "quote": get("quote"),
                "section": get("section"),
                "strength": get("strength"),
                "category": get("category"),
                "source": get("source"),
                "assumption": get("assumption"),
            }
    return out


def counts_of(cases: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    counts = {s: 0 for s in STATUSES}
    counts["expected_deviation"] = 0
    for case in cases:
        counts[case["status"]] += 1
        if case.get("expected_deviation"):
            counts["expected_deviation"] += 1
    return counts


def comparison(targets: Sequence[Mapping[str, Any]], cases: Sequence[Mapping[str, Any]]) -> dict:
    """Case x target: the status of every case on every target (None: not run there)."""
    labels = [t["label"] for t in targets]
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for case in cases:
        key = (case.get("phase", ""), case["id"])
        row = rows.setdefault(
            key,
            {
                "id": case["id"],
                "phase": case.get("phase", ""),
                "title": case.get("title", ""),
                "statuses": {label: None for label in labels},
                "expected": {},
            },
        )
        row["statuses"][case["target"]] = case["status"]
        if case.get("expected_deviation"):
            row["expected"][case["target"]] = True
    out = []
    for row in rows.values():
        seen = {s for s in row["statuses"].values()}
        row["differs"] = len(seen) > 1
        out.append(row)
    return {
        "targets": labels,
        "rows": out,
        "differing": sum(1 for r in out if r["differs"]),
    }


def assemble(
    document: dict[str, Any],
    *,
    deviations: Sequence[Deviation] | None = None,
    deviations_file: str | None = None,
    baseline: Mapping[str, Any] | None = None,
    baseline_file: str | None = None,
    fail_under: float | None = None,
) -> dict[str, Any]:
    """Compute every derived block of ``document`` in place (and return it)."""
    cases: list[dict[str, Any]] = document["cases"]
    targets: list[dict[str, Any]] = document["targets"]
    clauses = document["clauses"]
    for case in cases:
        case["feature"] = feature_of(case, clauses)
        case["effective_strength"] = case_strength(case)
        case["weight"] = case_weight(case)
        case["counted"] = is_counted(case)
    labels = [t["label"] for t in targets]
    if deviations is not None:
        document["deviations"] = apply_deviations(deviations, cases, labels, deviations_file)
    else:
        for case in cases:
            case["expected_deviation"] = None
        document["deviations"] = None
    for target in targets:
        mine = [c for c in cases if c["target"] == target["label"]]
        target["counts"] = counts_of(mine)
        target["score"] = compute_score(mine)
        target["matrix"] = feature_matrix(mine)
        target["field_matrix"] = field_matrix(mine)
    if baseline is not None:
        diff = diff_reports(baseline, document)
        document["baseline"] = {
            "file": baseline_file,
            "run_id": (baseline.get("run") or {}).get("run_id"),
            "targets": diff["targets"],
            "regressions": diff["regressions"],
            "new_failures": diff["new_failures"],
            "fixes": diff["fixes"],
        }
    else:
        document["baseline"] = None
    document["gate"] = evaluate(targets, cases, fail_under, document["baseline"])
    document["config"]["fail_under"] = fail_under
    document["config"]["baseline"] = baseline_file
    document["config"]["expect_deviations"] = deviations_file
    document["score"] = targets[0]["score"] if targets else compute_score([])
    document["comparison"] = comparison(targets, cases) if len(targets) > 1 else None
    return document


def build_report(
    runs: Sequence[TargetRun],
    *,
    run_id: str,
    started_at: str,
    finished_at: str | None = None,
    duration_s: float = 0.0,
    interrupted: bool = False,
    config: Mapping[str, Any] | None = None,
    phases: Sequence[Mapping[str, Any]] = (),
    selection: Mapping[str, Any] | None = None,
    clauses: Mapping[str, Any] | None = None,
    deviations: Sequence[Deviation] | None = None,
    deviations_file: str | None = None,
    baseline: Mapping[str, Any] | None = None,
    baseline_file: str | None = None,
    fail_under: float | None = None,
    secrets: Sequence[str] = (),
    warnings: Sequence[str] = (),
    rerun_of: str | None = None,
) -> dict[str, Any]:
    cases = [
        case_from_record(record, run.label, run.hints.get(record.id, ()))
        for run in runs
        for record in run.records
    ]
    targets = [_target_entry(run) for run in runs]
    seeds = [run.seed for run in runs if run.seed is not None]
    document: dict[str, Any] = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "harness": {
            "name": "taskrouter-conformance",
            "version": __version__,
            "python": platform.python_version(),
        },
        "run": {
            "run_id": run_id,
            "started_at": started_at,
            "finished_at": finished_at,
            "duration_s": duration_s,
            "interrupted": interrupted,
            "rerun_of": rerun_of,
        },
        "config": dict(config or {}),
        "seed": seeds[0] if seeds else None,
        "phases": [dict(p) for p in phases],
        "selection": dict(selection or {}),
        "targets": targets,
        "cases": cases,
        "clauses": clause_block(cases, clauses),
        "warnings": list(warnings),
    }
    assemble(
        document,
        deviations=deviations,
        deviations_file=deviations_file,
        baseline=baseline,
        baseline_file=baseline_file,
        fail_under=fail_under,
    )
    return Redactor(list(secrets)).value(document) if secrets else document


def _target_entry(run: TargetRun) -> dict[str, Any]:
    meta = run.meta
    return {
        "label": run.label,
        "spec": run.spec,
        "kind": run.kind,
        "base_url": run.base_url,
        "faults": list(run.faults),
        "profile": run.profile,
        "reachable": run.reachable,
        "error": run.error,
        "run_tag": meta.run_tag if meta else None,
        "started_at": meta.started_at if meta else None,
        "finished_at": meta.finished_at if meta else None,
        "duration_s": meta.duration_s if meta else 0.0,
        "interrupted": meta.interrupted if meta else False,
        "cleanup": dict(meta.cleanup) if meta else {},
        "warnings": list(meta.warnings) if meta else [],
        "seed": run.seed,
        "phases": [dict(p) for p in run.phases],
    }


def regate(
    document: Mapping[str, Any],
    *,
    deviations: Sequence[Deviation] | None = None,
    deviations_file: str | None = None,
    baseline: Mapping[str, Any] | None = None,
    baseline_file: str | None = None,
    fail_under: float | None = None,
) -> dict[str, Any]:
    """A copy of ``document`` with the gate (and deviations/baseline) computed anew."""
    copy = json.loads(json.dumps(document))
    return assemble(
        copy,
        deviations=deviations,
        deviations_file=deviations_file,
        baseline=baseline,
        baseline_file=baseline_file,
        fail_under=fail_under,
    )


def from_records(records: Sequence[CaseRecord], meta: RunMeta, **kwargs: Any) -> dict[str, Any]:
    """A one-target report from records and their run metadata (the legacy writers use it)."""
    run = TargetRun(
        label=meta.target,
        spec=meta.target,
        kind="embedded" if meta.target == "embedded" else "url",
        faults=list(meta.faults),
        profile=meta.profile,
        records=list(records),
        meta=meta,
        phases=[{"name": p, "status": "ran", "reason": None} for p in meta.phases],
    )
    config = {
        "targets": [meta.target],
        "phases": list(meta.phases),
        "faults": list(meta.faults),
        "profile": meta.profile,
        "spec": meta.spec,
    }
    return build_report(
        [run],
        run_id=meta.run_id,
        started_at=meta.started_at,
        finished_at=meta.finished_at,
        duration_s=meta.duration_s,
        interrupted=meta.interrupted,
        config=config,
        phases=run.phases,
        warnings=meta.warnings,
        **kwargs,
    )


def _from_results(data: Mapping[str, Any]) -> dict[str, Any]:
    """Upgrade a legacy ``results.json`` (records + run metadata) to a report document."""
    run = data.get("run") or {}
    meta = RunMeta(
        run_id=run.get("run_id", "unknown"),
        run_tag=run.get("run_tag", ""),
        target=run.get("target", "unknown"),
        harness_version=run.get("harness_version", "unknown"),
        started_at=run.get("started_at", ""),
        finished_at=run.get("finished_at"),
        duration_s=run.get("duration_s", 0.0),
        phases=run.get("phases") or ["scenarios"],
        profile=run.get("profile"),
        faults=run.get("faults") or [],
        spec=run.get("spec"),
        interrupted=bool(run.get("interrupted")),
        cleanup=run.get("cleanup") or {},
        warnings=run.get("warnings") or [],
    )
    document = from_records([], meta)
    document["cases"] = [case_from_record(c, meta.target) for c in data.get("cases") or []]
    document["clauses"] = clause_block(document["cases"], _registry())
    return assemble(document)


def _registry() -> Mapping[str, Any] | None:
    try:
        from harness.clauses import load_clauses

        return load_clauses()
    except Exception:
        return None


def load_report(path: Path) -> dict[str, Any]:
    """Read a ``report.json`` (or a legacy ``results.json``, upgraded) and validate it."""
    if path.is_dir():
        legacy = path / "results.json"
        path = path / "report.json"
        if not path.exists() and legacy.exists():
            path = legacy
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
            return _from_results(data)
        raise ReportFileError(f'{path}: not a trc report (no "format": "{FORMAT}")')
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ReportFileError(
            f"{path}: report schema version {data.get('schema_version')!r} is not supported "
            f"(this harness reads {SCHEMA_VERSION})"
        )
    problems = validate_document(data)
    if problems:
        raise ReportFileError(f"{path}: does not follow the report schema: {problems[0]}")
    return data
