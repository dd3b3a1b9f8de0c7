"""Builders for report tests: case entries, records, reports and CLI runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from harness.phases import PhaseContext, PhaseResult
from harness.report.document import TargetRun, build_report
from harness.report.model import Case, ExpectedDeviation, Report
from harness.resources import scenarios_dir
from harness.results.model import (
    CaseRecord,
    ClauseRef,
    Exchange,
    Failure,
    RecordedRequest,
    RecordedResponse,
    RunMeta,
    Status,
    Strength,
)

SMOKE = str(scenarios_dir() / "smoke")
WS = "WS" + "0" * 32
TASK = "WT" + "1" * 32


def case(
    id: str,
    status: str,
    strength: str = "documented",
    clauses: list[tuple[str, str]] | None = None,
    target: str = "t",
    reason: str | None = None,
    expected: str | None = None,
    **extra: Any,
) -> Case:
    """A case entry as the score/gate/deviation code sees it (``expected``: the reason of an
    expected deviation)."""
    return Case(
        id=id,
        title=f"title of {id}",
        category=extra.pop("category", "lifecycle"),
        phase=extra.pop("phase", "scenarios"),
        status=Status(status),
        strength=Strength(strength),
        clauses=[ClauseRef(c, Strength(s)) for c, s in (clauses or [])],
        reason=reason,
        target=target,
        expected_deviation=ExpectedDeviation(0, f"case: {id}", expected) if expected else None,
        **extra,
    )


def exchange(step: str, method: str, path: str, status: int = 200) -> Exchange:
    return Exchange(
        step=step,
        request=RecordedRequest(method, f"http://127.0.0.1:9/v1/Workspaces/{WS}{path}", {}),
        response=RecordedResponse(status, {"content-type": "application/json"}, {"ok": True}),
    )


def record(
    id: str,
    status: Status,
    category: str = "lifecycle",
    phase: str = "scenarios",
    clauses: tuple[str, ...] = ("task.fetch.ok",),
    strength: str = "documented",
    **extra: Any,
) -> CaseRecord:
    return CaseRecord(
        id=id,
        title=f"title of {id}",
        category=category,
        phase=phase,
        status=status,
        clauses=[ClauseRef(c, Strength(strength)) for c in clauses],
        strength=Strength(strength),
        **extra,
    )


def failing_record(id: str = "etag.stale", category: str = "etag") -> CaseRecord:
    return record(
        id,
        Status.FAIL,
        category=category,
        clauses=("task.etag.if-match-mismatch",),
        failure=Failure("stale update", "status", 412, 200, "expected status 412, got 200"),
        exchanges=[
            exchange("create", "POST", "/Tasks", 201),
            exchange("stale update", "POST", f"/Tasks/{TASK}", 200),
        ],
        curl="curl -sS -X POST http://127.0.0.1:9/v1/...",
    )


def meta(label: str = "t", run_id: str = "20260101T000000Z-aaaaaa") -> RunMeta:
    return RunMeta(run_id, "trc_x", label, "0.1.0", "2026-01-01T00:00:00Z")


def document(
    runs: dict[str, list[CaseRecord]], run_id: str = "20260101T000000Z-aaaaaa", **kwargs: Any
) -> Report:
    """A report for targets label -> records."""
    target_runs = [
        TargetRun(label=label, spec=label, records=records, meta=meta(label, run_id))
        for label, records in runs.items()
    ]
    kwargs.setdefault("config", {"targets": list(runs)})
    return build_report(
        target_runs,
        run_id=run_id,
        started_at="2026-01-01T00:00:00Z",
        phases=[{"name": "scenarios", "status": "ran", "reason": None}],
        **kwargs,
    )


def invoke(command: Any, args: list[str]) -> Result:
    return CliRunner().invoke(command, args, catch_exceptions=False)


def latest(report_dir: Path) -> dict[str, Any]:
    return json.loads((report_dir / "latest" / "report.json").read_text())


class FakeFuzz:
    """Stands in for harness.fuzz's phase: two check summaries and one finding."""

    name = "fuzz"
    description = "fake fuzzing"
    default = False

    def run(self, ctx: PhaseContext) -> PhaseResult:
        finding = CaseRecord(
            id="fuzz.UpdateTask.response_headers_conformance",
            title="UpdateTask: ETag header missing",
            category="fuzz",
            phase="fuzz",
            status=Status.FAIL,
            failure=Failure(
                "stateful UpdateTask",
                "response_headers_conformance",
                ["ETag"],
                200,
                "Missing required headers: ETag",
            ),
            exchanges=[exchange("stateful UpdateTask", "POST", "/Tasks/WT1")],
            curl="curl -X POST ...",
        )
        records = [
            CaseRecord(
                "fuzz.CreateTask.not_a_server_error",
                "CreateTask: held",
                "fuzz",
                "fuzz",
                Status.PASS,
            ),
            CaseRecord(
                "fuzz.ListTask.not_a_server_error", "ListTask: held", "fuzz", "fuzz", Status.PASS
            ),
            finding,
        ]
        for item in records:
            if ctx.on_record:
                ctx.on_record(item)
        seed = 0 if ctx.options.seed is None else ctx.options.seed
        return PhaseResult(records=records, seed=seed, summary={"cases": 3})
