"""The seeded account the reference server serves: workspaces, workflows, queues, channels.

Every SID is derived from a stable name, so the fixture is identical on every start and
any tool can read it (``trc fixture`` prints it as JSON).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any


def stable_sid(prefix: str, name: str) -> str:
    """A 34-character SID: two-letter prefix + 32 hex digits derived from ``name``."""
    return prefix + hashlib.md5(f"trc-fixture:{prefix}:{name}".encode()).hexdigest()


@dataclass(frozen=True)
class TaskQueue:
    """A queue; ``target_workers`` is the expression over worker attributes it serves."""

    sid: str
    friendly_name: str
    target_workers: str = "1 == 1"


@dataclass(frozen=True)
class Activity:
    sid: str
    friendly_name: str
    available: bool


@dataclass(frozen=True)
class WorkflowFilter:
    """One routing rule: tasks whose attributes match ``expression`` go to ``queue_sid``.

    ``priority``, when set, overrides the task's priority (a Workflow Target with a Priority).
    """

    filter_friendly_name: str
    expression: str
    queue_sid: str
    priority: int | None = None


@dataclass(frozen=True)
class Workflow:
    sid: str
    friendly_name: str
    filters: tuple[WorkflowFilter, ...]
    default_queue_sid: str


@dataclass(frozen=True)
class TaskChannel:
    sid: str
    unique_name: str
    friendly_name: str


@dataclass(frozen=True)
class Worker:
    sid: str
    friendly_name: str
    attributes: str


@dataclass(frozen=True)
class Workspace:
    sid: str
    friendly_name: str
    workflows: tuple[Workflow, ...]
    task_queues: tuple[TaskQueue, ...]
    task_channels: tuple[TaskChannel, ...]
    workers: tuple[Worker, ...]
    activities: tuple[Activity, ...] = ()

    def activity(self, sid_or_name: str) -> Activity | None:
        return next((a for a in self.activities if sid_or_name in (a.sid, a.friendly_name)), None)

    def workflow(self, sid: str) -> Workflow | None:
        return next((w for w in self.workflows if w.sid == sid), None)

    def queue(self, sid: str) -> TaskQueue | None:
        return next((q for q in self.task_queues if q.sid == sid), None)

    def channel(self, sid_or_name: str) -> TaskChannel | None:
        return next((c for c in self.task_channels if sid_or_name in (c.sid, c.unique_name)), None)

    def worker(self, sid: str) -> Worker | None:
        return next((w for w in self.workers if w.sid == sid), None)


@dataclass(frozen=True)
class Fixture:
    account_sid: str
    auth_token: str
    workspaces: tuple[Workspace, ...]
    foreign_account_sid: str
    foreign_workspace_sids: tuple[str, ...] = field(default_factory=tuple)

    def workspace(self, sid: str) -> Workspace | None:
        return next((w for w in self.workspaces if w.sid == sid), None)

    @property
    def single(self) -> Workspace:
        """The workspace with exactly one workflow (``WorkflowSid`` may be omitted)."""
        return self.workspaces[0]

    @property
    def multi(self) -> Workspace:
        """The workspace with two workflows (omitting ``WorkflowSid`` is an error)."""
        return self.workspaces[1]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape printed by ``trc fixture`` and read by target profiles."""
        data = asdict(self)
        data["workspaces"] = {
            key: asdict(ws) for key, ws in (("single", self.single), ("multi", self.multi))
        }
        return data


def _channels(ws_key: str) -> tuple[TaskChannel, ...]:
    return tuple(
        TaskChannel(stable_sid("TC", f"{ws_key}:{name}"), name, name.capitalize())
        for name in ("default", "voice", "sms", "chat")
    )


def _queues(ws_key: str) -> dict[str, TaskQueue]:
    names = {
        "default": ("Default Queue", "1 == 1"),
        "sales": ("Sales Queue", "skills HAS 'sales'"),
        "support": ("Support Queue", "skills HAS 'support'"),
        "vip": ("VIP Queue", "1 == 1"),
    }
    return {
        key: TaskQueue(stable_sid("WQ", f"{ws_key}:{key}"), name, target)
        for key, (name, target) in names.items()
    }


def _activities(ws_key: str) -> tuple[Activity, ...]:
    return tuple(
        Activity(stable_sid("WA", f"{ws_key}:{name}"), name, available)
        for name, available in (("Offline", False), ("Available", True), ("Unavailable", False))
    )


def _routing(queues: dict[str, TaskQueue]) -> tuple[WorkflowFilter, ...]:
    return (
        WorkflowFilter("VIP", "vip == true", queues["vip"].sid, priority=100),
        WorkflowFilter("Sales", 'type == "sales"', queues["sales"].sid),
        WorkflowFilter("Support", 'type == "support" OR type == "call"', queues["support"].sid),
    )


def _workers(ws_key: str) -> tuple[Worker, ...]:
    return (
        Worker(
            stable_sid("WK", f"{ws_key}:alice"),
            "Alice",
            '{"skills": ["sales", "support"], "languages": ["en"]}',
        ),
        Worker(
            stable_sid("WK", f"{ws_key}:bob"),
            "Bob",
            '{"skills": ["support"], "languages": ["en", "fr"]}',
        ),
    )


def _workspace(ws_key: str, friendly_name: str, workflow_names: tuple[str, ...]) -> Workspace:
    queues = _queues(ws_key)
    workflows = tuple(
        Workflow(
            stable_sid("WW", f"{ws_key}:{name}"),
            name,
            _routing(queues),
            queues["default"].sid,
        )
        for name in workflow_names
    )
    return Workspace(
        sid=stable_sid("WS", ws_key),
        friendly_name=friendly_name,
        workflows=workflows,
        task_queues=tuple(queues.values()),
        task_channels=_channels(ws_key),
        workers=_workers(ws_key),
        activities=_activities(ws_key),
    )


def default_fixture() -> Fixture:
    """The account every reference server starts with."""
    return Fixture(
        account_sid=stable_sid("AC", "account"),
        auth_token=hashlib.md5(b"trc-fixture:auth-token").hexdigest(),
        workspaces=(
            _workspace("single", "Conformance (one workflow)", ("Default Workflow",)),
            _workspace(
                "multi", "Conformance (two workflows)", ("Sales Workflow", "Support Workflow")
            ),
        ),
        foreign_account_sid=stable_sid("AC", "foreign-account"),
        foreign_workspace_sids=(stable_sid("WS", "foreign"),),
    )
