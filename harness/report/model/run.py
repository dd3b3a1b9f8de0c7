"""The run's blocks of the report: harness, run, config, phases, selection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator

from harness.report.model.base import Count
from harness.results.vocab import PhaseStatus


def _joined(value: Any) -> Any:
    """Reports written by ``trc record``/``trc replay`` before 0.2 listed the phases."""
    return ",".join(map(str, value)) if isinstance(value, list) else value


@dataclass
class HarnessInfo:
    """The harness that wrote the report."""

    name: str
    version: str
    python: str = ""


@dataclass
class RunInfo:
    """The run: its id, when it ran, whether it was interrupted, what it reran."""

    run_id: str
    started_at: str
    finished_at: str | None = None
    duration_s: float = 0.0
    interrupted: bool = False
    rerun_of: str | None = None


@dataclass
class RunConfig:
    """The run's options as given, redacted (auth tokens never appear); ``trc rerun`` reads
    it back."""

    targets: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    account_sid: str | None = None
    auth_token: Literal["<redacted>"] | None = None
    allow_live: bool = False
    scenarios: str | None = None
    select: str | None = None
    tags: list[str] = field(default_factory=list)
    phases: Annotated[str | None, BeforeValidator(_joined)] = None
    spec: str | None = None
    seed: int | None = None
    fuzz_budget: str | None = None
    replay_wait_budget: float | None = None
    jobs: int | None = None
    #: ``I/N`` when the run was one shard of N (``trc report merge`` joins them)
    shard: str | None = None
    cassettes: list[str] = field(default_factory=list)
    fail_under: float | None = None
    baseline: str | None = None
    expect_deviations: str | None = None
    report_dir: str | None = None
    only: dict[str, list[str]] | None = None
    rerun_of: str | None = None


@dataclass
class PhaseRow:
    """What became of one phase of the run."""

    name: str
    status: PhaseStatus
    reason: str | None = None


@dataclass
class TargetPhase(PhaseRow):
    """One phase on one target: its case count, seed and the phase's own summary."""

    cases: Count = 0
    seed: int | None = None
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass
class Selection:
    """Which cases of the library ran, and why the others did not (not in the score)."""

    discovered: Count = 0
    selected: Count = 0
    excluded: Count = 0
    excluded_ids: list[str] = field(default_factory=list)
    reason: str | None = None
    expression: str | None = None
    tags: list[str] = field(default_factory=list)
    only: list[str] | None = None
    missing: list[str] = field(default_factory=list)
