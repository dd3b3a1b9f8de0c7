"""What a run is asked to do: ``RunRequest``, built from ``trc run``'s options or read back from a
report (``trc rerun``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.targets.target import EMBEDDED


@dataclass
class RunRequest:
    """Everything a run needs; built from ``trc run`` options or from a report (rerun)."""

    targets: tuple[str, ...] = (EMBEDDED,)
    profiles: tuple[str, ...] = ()
    account_sid: str | None = None
    auth_token: str | None = None
    allow_live: bool = False
    scenarios_dir: Path | None = None
    select_expr: str | None = None
    tags: tuple[str, ...] = ()
    report_dir: Path | None = None
    faults: tuple[str, ...] = ()
    phases: str | None = None
    spec_path: Path | None = None
    list_only: bool = False
    seed: int | None = None
    fuzz_budget: str | None = None
    replay_wait_budget: float | None = None
    #: scenario cases run side by side (None: the default for the machine)
    jobs: int | None = None
    #: ``--shard I/N`` as given, and the report whose case durations balance the shards
    shard: str | None = None
    shard_durations: Path | None = None
    cassettes: tuple[Path, ...] = ()
    fail_under: float | None = None
    baseline: Path | None = None
    expect_deviations: Path | None = None
    #: rerun: target label -> case ids to run (None: everything selected)
    only: dict[str, list[str]] | None = None
    rerun_of: str | None = None
    extra_warnings: list[str] = field(default_factory=list)

    def config(self) -> dict[str, Any]:
        """The redacted configuration written into the report (and read back by rerun)."""
        return {
            "targets": list(self.targets),
            "profiles": list(self.profiles),
            "faults": list(self.faults),
            "account_sid": self.account_sid,
            "auth_token": "<redacted>" if self.auth_token else None,
            "allow_live": self.allow_live,
            "scenarios": str(self.scenarios_dir) if self.scenarios_dir else None,
            "select": self.select_expr,
            "tags": list(self.tags),
            "phases": self.phases,
            "spec": str(self.spec_path) if self.spec_path else None,
            "seed": self.seed,
            "fuzz_budget": self.fuzz_budget,
            "replay_wait_budget": self.replay_wait_budget,
            "jobs": self.jobs,
            "shard": self.shard,
            "cassettes": [str(c) for c in self.cassettes],
            "fail_under": self.fail_under,
            "baseline": str(self.baseline) if self.baseline else None,
            "expect_deviations": str(self.expect_deviations) if self.expect_deviations else None,
            "report_dir": str(self.report_dir) if self.report_dir else None,
            "only": self.only,
            "rerun_of": self.rerun_of,
        }
