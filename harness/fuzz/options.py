"""What a fuzz run takes (``FuzzOptions``) and what it gives back (``FuzzOutcome``).

Everything here is plain data, so a caller can fill the options from a ready target
(``options_for_target``), from the reference fixture (``options_for_fixture``) or from
command-line flags. Budgets are parsed by ``harness.phases.Budget.parse``; ``FuzzBudget.of``
fills in the fuzz defaults.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.phases import Budget
from harness.resources import spec_file
from harness.results.model import CaseRecord, Status
from harness.wire.limits import DEFAULT_MAX_BODY_BYTES

if TYPE_CHECKING:
    from harness.targets.ready import ReadyTarget

DEFAULT_SPEC = spec_file()

#: The seed used when none is given: fuzzing is deterministic by default.
DEFAULT_SEED = 0
#: Hypothesis ``max_examples`` of each operation's fuzzing phase (positive and negative data
#: together) and the number of stateful scenarios. The examples and coverage phases add their
#: deterministic cases on top.
DEFAULT_MAX_EXAMPLES = 25
#: Wall-clock bound of one fuzz run, in seconds.
DEFAULT_TIME_BUDGET_S = 120.0
#: Steps of one stateful scenario at most (Hypothesis ``stateful_step_count``).
DEFAULT_STATEFUL_STEPS = 8

#: The phases, in the order they run. ``examples``, ``coverage`` and ``fuzzing`` are stateless
#: (one operation at a time); ``stateful`` follows the spec's links.
PHASES = ("examples", "coverage", "fuzzing", "stateful")
#: The operations, in the order the stateless phases visit them (creates first, deletes last,
#: so fetch/update/delete can draw SIDs of tasks created earlier in the run).
OPERATIONS = ("CreateTask", "ListTask", "FetchTask", "UpdateTask", "DeleteTask")


@dataclass(frozen=True)
class FuzzBudget:
    """A run's bound with the fuzz defaults filled in: examples per operation (and stateful
    scenarios), and seconds (None: no wall-clock bound)."""

    max_examples: int = DEFAULT_MAX_EXAMPLES
    time_budget_s: float | None = DEFAULT_TIME_BUDGET_S

    @classmethod
    def of(cls, budget: Budget | None) -> FuzzBudget:
        """``--fuzz-budget`` as ``Budget.parse`` read it, defaults for what it leaves out."""
        if budget is None:
            return cls()
        return cls(
            max_examples=budget.cases or DEFAULT_MAX_EXAMPLES,
            time_budget_s=DEFAULT_TIME_BUDGET_S if budget.seconds is None else budget.seconds,
        )


@dataclass
class FuzzOptions:
    """One fuzz run. Give either ``app`` (an ASGI app, called in-process) or ``base_url``."""

    account_sid: str
    auth_token: str
    workspace_sid: str
    app: Any = None
    base_url: str | None = None
    #: SIDs (and channel names) of the target workspace. Positive data is steered to them so
    #: that it is really valid: a syntactically valid but unknown WorkflowSid is rightly a 400.
    workflow_sids: tuple[str, ...] = ()
    queue_sids: tuple[str, ...] = ()
    #: TaskChannel values: unique names and/or TC SIDs.
    channels: tuple[str, ...] = ()
    worker_sids: tuple[str, ...] = ()
    seed: int = DEFAULT_SEED
    max_examples: int = DEFAULT_MAX_EXAMPLES
    time_budget_s: float | None = DEFAULT_TIME_BUDGET_S
    run_tag: str = "trc_fuzz"
    #: Write ``{"trc_run": run_tag}`` into generated Attributes. None: only for ``base_url``
    #: targets (a live server may outlive a crash of this process; in-process ones cannot).
    tag_attributes: bool | None = None
    phases: tuple[str, ...] = PHASES
    #: operationIds to fuzz (None: all five).
    operations: tuple[str, ...] | None = None
    stateful_steps: int = DEFAULT_STATEFUL_STEPS
    #: Stateful scenarios (None: ``max_examples``).
    stateful_scenarios: int | None = None
    request_timeout_s: float = 10.0
    #: Bodies longer than this are not read (the profile's ``http.max_body_bytes``).
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    spec_path: Path = DEFAULT_SPEC
    #: Called with a short text after each phase of each operation (live progress).
    progress: Callable[[str], None] | None = None
    #: Feature names (harness.targets.features) the target lacks: generated requests that use
    #: one are not sent; they become one ``unsupported`` record per operation and feature.
    unsupported: frozenset[str] = frozenset()

    def validate(self) -> None:
        if (self.app is None) == (self.base_url is None):
            raise ValueError("FuzzOptions: give exactly one of app (in-process) or base_url")
        if not (self.account_sid and self.auth_token and self.workspace_sid):
            raise ValueError("FuzzOptions: account_sid, auth_token and workspace_sid are required")
        unknown = set(self.phases) - set(PHASES)
        if unknown:
            raise ValueError(f"FuzzOptions: unknown phase(s) {sorted(unknown)}; known: {PHASES}")
        if self.operations is not None:
            unknown = set(self.operations) - set(OPERATIONS)
            if unknown:
                raise ValueError(
                    f"FuzzOptions: unknown operation(s) {sorted(unknown)}; known: {OPERATIONS}"
                )
        if self.max_examples < 1:
            raise ValueError("FuzzOptions: max_examples must be at least 1")

    @property
    def tags_attributes(self) -> bool:
        return self.base_url is not None if self.tag_attributes is None else self.tag_attributes

    @property
    def target_label(self) -> str:
        return self.base_url or "in-process app"


@dataclass
class FuzzOutcome:
    records: list[CaseRecord]
    seed: int
    #: Generated cases by (phase, operationId, mode), mode being ``positive`` or ``negative``.
    #: A case is one generated request; the extra probes some checks send are not counted.
    cases: Counter[tuple[str, str, str]]
    #: Tasks created by the run: (workspace_sid, task_sid), in creation order.
    created: list[tuple[str, str]]
    #: Created tasks that cleanup deleted, and those it could not delete (with the reason).
    deleted: list[str] = field(default_factory=list)
    cleanup_failures: dict[str, str] = field(default_factory=dict)
    #: Created tasks whose Attributes lack the run tag (a tag sweep cannot find them).
    untagged: list[tuple[str, str]] = field(default_factory=list)
    duration_s: float = 0.0
    #: True when the time budget ran out before every phase finished.
    time_exhausted: bool = False
    interrupted: bool = False
    #: One digest per generated case, in order, with server-assigned values (task SIDs,
    #: ETags) replaced by placeholders: equal lists mean the same cases were generated.
    case_digests: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    schemathesis_version: str = ""

    @property
    def total_cases(self) -> int:
        return sum(self.cases.values())

    def cases_by(self, key: str) -> dict[str, int]:
        """Cases summed by ``phase``, ``operation`` or ``mode``."""
        index = {"phase": 0, "operation": 1, "mode": 2}[key]
        out: Counter[str] = Counter()
        for parts, count in self.cases.items():
            out[parts[index]] += count
        return dict(out)

    @property
    def failures(self) -> list[CaseRecord]:
        return [r for r in self.records if r.status.is_problem]

    @property
    def passed(self) -> bool:
        return not self.failures and not self.cleanup_failures

    def signature(self) -> str:
        """A digest of everything the run generated (for "same seed, same cases")."""
        import hashlib

        digest = hashlib.sha256()
        for item in self.case_digests:
            digest.update(item.encode())
        return digest.hexdigest()

    def summary(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "cases": self.total_cases,
            "by_phase": self.cases_by("phase"),
            "by_operation": self.cases_by("operation"),
            "by_mode": self.cases_by("mode"),
            "failures": len(self.failures),
            "created": len(self.created),
            "deleted": len(self.deleted),
            "duration_s": round(self.duration_s, 3),
            "time_exhausted": self.time_exhausted,
        }

    def status_counts(self) -> dict[str, int]:
        return {str(s): sum(1 for r in self.records if r.status is s) for s in Status}


def options_for_fixture(fixture: Any, workspace: str = "single", **kwargs: Any) -> FuzzOptions:
    """Options for a reference server started with ``fixture`` (``default_fixture()``)."""
    ws = fixture.single if workspace == "single" else fixture.multi
    return FuzzOptions(
        account_sid=fixture.account_sid,
        auth_token=fixture.auth_token,
        workspace_sid=ws.sid,
        workflow_sids=tuple(w.sid for w in ws.workflows),
        queue_sids=tuple(q.sid for q in ws.task_queues),
        channels=tuple(c.unique_name for c in ws.task_channels)
        + tuple(c.sid for c in ws.task_channels),
        worker_sids=tuple(w.sid for w in ws.workers),
        **kwargs,
    )


def options_for_target(target: ReadyTarget, **kwargs: Any) -> FuzzOptions:
    """Options for a target of ``harness.targets`` (``open_target``; the embedded reference is a
    loopback server): its base URL, credentials and timeout, and the SIDs of its profile's
    ``single`` workspace. ``kwargs`` set any other field, or override these."""
    fields: dict[str, Any] = {
        "base_url": target.base_url,
        "account_sid": target.credentials.account_sid,
        "auth_token": target.credentials.auth_token,
        "request_timeout_s": float(target.profile.timeout_seconds),
        "max_body_bytes": target.profile.max_body_bytes,
        "unsupported": frozenset(target.profile.unsupported),
        **workspace_fields_from_profile(target.profile.data),
    }
    fields.update(kwargs)
    return FuzzOptions(**fields)


def workspace_fields_from_profile(data: Mapping[str, Any], role: str = "single") -> dict[str, Any]:
    """FuzzOptions fields read from a target profile's data (``TargetProfile.data``).

    Only plain keys are read (``workspaces.<role>.sid``, ``workflows[].sid``, ``queues.*.sid``,
    ``channels`` and ``worker_sid``), so this does not depend on the profile classes.
    """
    workspaces = data.get("workspaces") or {}
    ws = workspaces.get(role) or next(iter(workspaces.values()), None)
    if not ws or not ws.get("sid"):
        raise ValueError(f"the profile has no workspace {role!r} with a sid")
    queues = ws.get("queues") or {}
    channels = ws.get("channels") or {}
    worker = ws.get("worker_sid")
    return {
        "workspace_sid": ws["sid"],
        "workflow_sids": tuple(w["sid"] for w in ws.get("workflows") or [] if w.get("sid")),
        "queue_sids": tuple(
            q["sid"] for q in queues.values() if isinstance(q, dict) and q.get("sid")
        ),
        "channels": tuple(channels) + tuple(v for v in channels.values() if isinstance(v, str)),
        "worker_sids": (worker,) if worker else (),
    }
