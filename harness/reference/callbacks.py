"""Where the reference sends its callbacks, and what it does with the answers.

``Settings`` holds the callback fields of the Workspace (``event_callback_url``,
``events_filter``) and of each Workflow (``assignment_callback_url``,
``fallback_assignment_callback_url``, ``task_reservation_timeout``), as Twilio's Workspace and
Workflow resources expose them (twilio/twilio-oai spec/json/twilio_taskrouter_v1.json). The
fixture itself is immutable; these are the parts a client may change.

``Hub`` listens to the event log (every event goes to the Workspace's EventCallbackUrl when
set and allowed by ``events_filter``) and sends the assignment callback when a reservation is
created, then acts on the instruction: ``accept``, ``reject`` (with an optional
``activity_sid``), ``redirect`` (its ``accept: true`` accepts the reservation; the call
redirect itself needs a voice call). ``dequeue`` and ``call`` need a voice call too and are out
of scope: the reservation stays pending, as with ``{}``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from harness.reference.delivery import (
    ASSIGNMENT_DEADLINE_SECONDS,
    EVENT_DEADLINE_SECONDS,
    Answer,
    Delivery,
    Dispatcher,
)
from harness.reference.events import EventRow, worker_fields
from harness.reference.fixture import Fixture, Workspace
from harness.reference.store import TaskRow
from harness.reference.workforce_store import ReservationRow, WorkerRow

log = logging.getLogger("harness.reference.callbacks")

#: instructions that need a voice call (out of scope of a telephony-less emulator)
VOICE_INSTRUCTIONS = frozenset({"dequeue", "call", "conference"})


@dataclass(frozen=True)
class WorkspaceSettings:
    friendly_name: str
    event_callback_url: str | None = None
    events_filter: str | None = None
    date_updated: float | None = None

    def wants(self, event_type: str) -> bool:
        """Twilio: with ``EventsFilter`` set, only the listed event types are POSTed."""
        if not self.events_filter:
            return True
        return event_type in {part.strip() for part in self.events_filter.split(",")}


@dataclass(frozen=True)
class WorkflowSettings:
    friendly_name: str
    task_reservation_timeout: int
    assignment_callback_url: str | None = None
    fallback_assignment_callback_url: str | None = None
    date_updated: float | None = None


class Settings:
    """The mutable callback fields of workspaces and workflows (thread safe)."""

    def __init__(self, fixture: Fixture, reservation_timeout: float) -> None:
        self._lock = threading.Lock()
        self._workspaces = {
            ws.sid: WorkspaceSettings(ws.friendly_name) for ws in fixture.workspaces
        }
        self._workflows = {
            wf.sid: WorkflowSettings(wf.friendly_name, int(reservation_timeout))
            for ws in fixture.workspaces
            for wf in ws.workflows
        }

    def workspace(self, sid: str) -> WorkspaceSettings:
        with self._lock:
            return self._workspaces[sid]

    def workflow(self, sid: str) -> WorkflowSettings:
        with self._lock:
            return self._workflows[sid]

    def has_callback_urls(self) -> bool:
        """Some workspace has an EventCallbackUrl or some workflow an AssignmentCallbackUrl."""
        with self._lock:
            return any(ws.event_callback_url for ws in self._workspaces.values()) or any(
                wf.assignment_callback_url or wf.fallback_assignment_callback_url
                for wf in self._workflows.values()
            )

    def update_workspace(self, sid: str, **changes: Any) -> WorkspaceSettings:
        with self._lock:
            self._workspaces[sid] = replace(self._workspaces[sid], **changes)
            return self._workspaces[sid]

    def update_workflow(self, sid: str, **changes: Any) -> WorkflowSettings:
        with self._lock:
            self._workflows[sid] = replace(self._workflows[sid], **changes)
            return self._workflows[sid]


#: acts on an instruction: (workspace, reservation sid, status, worker activity sid or None)
Resolver = Callable[[Workspace, str, str, str | None], None]


class Hub:
    """Event callbacks and assignment callbacks (see the module docstring)."""

    def __init__(self, fixture: Fixture, settings: Settings) -> None:
        self.fixture = fixture
        self.settings = settings
        self.dispatcher = Dispatcher(fixture.auth_token)
        self.resolver: Resolver | None = None
        #: (reservation sid, instruction or None) in the order the answers came (tests)
        self.instructions: list[tuple[str, dict[str, Any] | None]] = []

    # -- event callbacks ------------------------------------------------------------------
    def on_event(self, event: EventRow, ws: Workspace) -> None:
        settings = self.settings.workspace(ws.sid)
        if not settings.event_callback_url or not settings.wants(event.event_type):
            return
        params = (
            ("EventType", event.event_type),
            ("AccountSid", self.fixture.account_sid),
            ("WorkspaceSid", ws.sid),
            ("WorkspaceName", settings.friendly_name),
            ("EventDescription", event.description),
            ("ResourceType", event.resource_type),
            ("ResourceSid", event.resource_sid),
            ("Timestamp", str(int(event.date))),
            ("Sid", event.sid),
            *event.fields,
        )
        self.dispatcher.event(Delivery(settings.event_callback_url, params, EVENT_DEADLINE_SECONDS))

    # -- assignment callbacks -------------------------------------------------------------
    def assignment_params(
        self,
        ws: Workspace,
        task: TaskRow,
        reservation: ReservationRow,
        worker: WorkerRow,
        now: float,
    ) -> tuple[tuple[str, str], ...]:
        """What Twilio POSTs to the AssignmentCallbackUrl (faults patch this)."""
        worker_attributes = dict(worker_fields(worker, ws))["WorkerAttributes"]
        return (
            ("AccountSid", self.fixture.account_sid),
            ("WorkspaceSid", ws.sid),
            ("WorkflowSid", task.workflow_sid),
            ("TaskQueueSid", task.task_queue_sid),
            ("WorkerSid", worker.sid),
            ("WorkerAttributes", worker_attributes),
            ("TaskSid", task.sid),
            ("TaskAttributes", task.attributes),
            ("TaskAge", str(max(0, int(now - task.date_created)))),
            ("TaskPriority", str(task.priority)),
            ("ReservationSid", reservation.sid),
            ("Timestamp", str(int(now))),
        )

    def on_reservation(
        self,
        ws: Workspace,
        task: TaskRow,
        reservation: ReservationRow,
        worker: WorkerRow,
        now: float,
    ) -> None:
        workflow = self.settings.workflow(task.workflow_sid)
        if not workflow.assignment_callback_url:
            return
        params = self.assignment_params(ws, task, reservation, worker, now)
        first = Delivery(workflow.assignment_callback_url, params, ASSIGNMENT_DEADLINE_SECONDS)
        fallback = (
            Delivery(workflow.fallback_assignment_callback_url, params, ASSIGNMENT_DEADLINE_SECONDS)
            if workflow.fallback_assignment_callback_url
            else None
        )
        self.dispatcher.assignment(
            first, fallback, lambda answer: self.act(ws, reservation.sid, answer)
        )

    def act(self, ws: Workspace, reservation_sid: str, answer: Answer) -> None:
        """Carry out an answer's instruction (faults patch this)."""
        instruction = answer.instruction
        self.instructions.append((reservation_sid, instruction))
        if not instruction or self.resolver is None:
            return  # {} or no usable answer: the reservation stays pending until its timeout
        name = str(instruction.get("instruction", "")).lower()
        activity = instruction.get("activity_sid")
        activity_sid = activity if isinstance(activity, str) else None
        if name == "accept":
            self.resolver(ws, reservation_sid, "accepted", None)
        elif name == "reject":
            self.resolver(ws, reservation_sid, "rejected", activity_sid)
        elif name == "redirect" and _truthy(instruction.get("accept")):
            self.resolver(ws, reservation_sid, "accepted", None)
        elif name in VOICE_INSTRUCTIONS or name == "redirect":
            log.info("instruction %r needs a voice call: out of scope, left pending", name)
        else:
            log.info("unknown assignment instruction %r ignored", name)

    def close(self) -> None:
        self.dispatcher.close()


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1", "yes"))
