"""Join the reports of ``trc run --shard I/N`` into the report of the whole run.

Every shard of one command line ran a disjoint share of each phase's cases (harness.selection
``Shard``), so the merged report holds each case once. Cases go back into the order an
unsharded run gives them (phase order, then the scenario or cassette file and the line or
entry in it); counts, score, causes, feature matrices and the gate are computed again from
the merged cases (``assemble``). The replay field matrix is summed cell by cell, since a
report keeps only the fields that differ. Run-level figures: the earliest start, the latest
end, the longest shard (shards run side by side), cleanup counts added up.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from harness.report.matrix import field_state, matrix_rows
from harness.report.model import Case, FieldCell, FieldMatrix, Report, Target, TargetPhase
from harness.results.vocab import PhaseStatus
from harness.selection import Shard, ShardError

FIELD_COUNTS = ("equal", "normalised_equal", "type_only", "missing", "extra", "different")
_SOURCE = re.compile(r"^(?P<path>.*?)(?:[:#](?P<number>\d+))?$")


class MergeError(ValueError):
    """Reports that are not the shards of one run."""


def check_shards(reports: Sequence[tuple[str, Report]]) -> int:
    """The shard count N; MergeError unless ``reports`` are shards 1..N of one run, once each."""
    if not reports:
        raise MergeError("no report to merge")
    seen: dict[int, str] = {}
    total: int | None = None
    labels: list[str] | None = None
    for name, report in reports:
        text = report.config.shard
        if text is None:
            raise MergeError(f"{name}: not a shard's report (it was run without --shard I/N)")
        try:
            shard = Shard.parse(text)
        except ShardError as exc:
            raise MergeError(f"{name}: {exc}") from None
        if total is None:
            total = shard.total
        elif shard.total != total:
            raise MergeError(f"{name}: shard {shard} of {shard.total}, the others are of {total}")
        if shard.index in seen:
            raise MergeError(f"{name}: shard {shard} again (also {seen[shard.index]})")
        seen[shard.index] = name
        mine = [t.label for t in report.targets]
        if labels is None:
            labels = mine
        elif mine != labels:
            raise MergeError(f"{name}: targets {mine}, the other shards ran {labels}")
    assert total is not None
    missing = [str(i) for i in range(1, total + 1) if i not in seen]
    if missing:
        raise MergeError(f"shard(s) {', '.join(missing)} of {total} missing")
    return total


def _order(phases: list[str]) -> Any:
    def key(item: tuple[int, Case]) -> tuple[Any, ...]:
        position, case = item
        phase = phases.index(case.phase) if case.phase in phases else len(phases)
        match = _SOURCE.match(case.source or "")
        path = PurePosixPath(match.group("path")).parts if match else ()
        number = int(match.group("number")) if match and match.group("number") else 0
        return (phase, path, number, position)

    return key


def _phase_rows(rows: Sequence[Sequence[TargetPhase]]) -> list[TargetPhase]:
    merged: dict[str, TargetPhase] = {}
    for shard_rows in rows:
        for row in shard_rows:
            have = merged.get(row.name)
            if have is None:
                merged[row.name] = copy.deepcopy(row)
                continue
            have.cases += row.cases
            if "skipped" in have.summary and "skipped" not in row.summary:
                # the shard that ran it (the fuzz phase runs in shard 1 only)
                have.status, have.reason, have.seed = row.status, row.reason, row.seed
                have.summary = copy.deepcopy(row.summary)
            elif "skipped" not in row.summary:
                have.summary = _summed(have.summary, row.summary)
    return list(merged.values())


def _summed(into: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """Two shards' summaries of one phase: counts added up, lists joined, the rest first's."""
    out = dict(into)
    for key, value in more.items():
        have = out.get(key)
        if key not in out:
            out[key] = copy.deepcopy(value)
        elif isinstance(have, int | float) and not isinstance(have, bool):
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[key] = have + value
        elif isinstance(have, list) and isinstance(value, list):
            out[key] = have + [v for v in value if v not in have]
    return out


def _field_matrix(matrices: Sequence[FieldMatrix | None]) -> FieldMatrix | None:
    present = [m for m in matrices if m is not None]
    if not present:
        return None
    columns: set[str] = set()
    cells: dict[str, dict[str, FieldCell]] = {}
    for matrix in present:
        columns.update(matrix.columns)
        for row, row_cells in matrix.cells.items():
            for column, cell in row_cells.items():
                into = cells.setdefault(row, {}).setdefault(column, FieldCell())
                for name in FIELD_COUNTS:
                    setattr(into, name, getattr(into, name) + getattr(cell, name))
    for row_cells in cells.values():
        for cell in row_cells.values():
            cell.state = field_state(cell)
    rows = matrix_rows(cells)
    return FieldMatrix(
        rows=rows,
        columns=sorted(columns),
        cells={r: dict(sorted(cells[r].items())) for r in rows},
    )


def _target(parts: Sequence[Target]) -> Target:
    target = copy.deepcopy(parts[0])
    starts = [t.started_at for t in parts if t.started_at]
    ends = [t.finished_at for t in parts if t.finished_at]
    target.started_at = min(starts) if starts else None
    target.finished_at = max(ends) if ends else None
    target.duration_s = max(t.duration_s for t in parts)
    target.interrupted = any(t.interrupted for t in parts)
    target.reachable = all(t.reachable for t in parts)
    target.error = next((t.error for t in parts if t.error), None)
    cleanup: dict[str, int] = {}
    for part in parts:
        for key, value in part.cleanup.items():
            cleanup[key] = cleanup.get(key, 0) + value
    target.cleanup = cleanup
    target.warnings = list(dict.fromkeys(w for t in parts for w in t.warnings))
    target.seed = next((t.seed for t in parts if t.seed is not None), None)
    target.phases = _phase_rows([t.phases for t in parts])
    target.field_matrix = _field_matrix([t.field_matrix for t in parts])
    return target


def merge_reports(reports: Sequence[Report], run_id: str) -> Report:
    """One report of the shards ``reports`` (checked with ``check_shards``), before the gate:
    hand it to ``assemble`` for counts, score, causes and the gate."""
    ordered = sorted(reports, key=lambda r: Shard.parse(r.config.shard or "1/1").index)
    first = ordered[0]
    merged = copy.deepcopy(first)
    merged.run.run_id = run_id
    merged.run.started_at = min(r.run.started_at for r in ordered)
    ends = [r.run.finished_at for r in ordered if r.run.finished_at]
    merged.run.finished_at = max(ends) if ends else None
    merged.run.duration_s = max(r.run.duration_s for r in ordered)
    merged.run.interrupted = any(r.run.interrupted for r in ordered)
    merged.config.shard = None
    merged.seed = next((r.seed for r in ordered if r.seed is not None), None)
    phase_names = [p.name for p in first.phases]
    for report in ordered:
        for row in report.phases:
            have = next(p for p in merged.phases if p.name == row.name)
            if have.status is not PhaseStatus.RAN and row.status is PhaseStatus.RAN:
                have.status, have.reason = row.status, row.reason
    merged.targets = [_target([r.targets[i] for r in ordered]) for i in range(len(first.targets))]
    numbered = [(n, case) for n, case in enumerate(c for r in ordered for c in r.cases)]
    merged.cases = [copy.deepcopy(case) for _, case in sorted(numbered, key=_order(phase_names))]
    known = {}
    for report in ordered:
        for clause_id, clause in report.clauses.items():
            known.setdefault(clause_id, clause)
    # in the order the cases cite them, as an unsharded report lists them
    cited = dict.fromkeys(ref.id for case in merged.cases for ref in case.clauses)
    merged.clauses = {c: copy.deepcopy(known[c]) for c in cited if c in known}
    merged.warnings = list(dict.fromkeys(w for r in ordered for w in r.warnings))
    return merged
