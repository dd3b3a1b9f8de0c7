"""The event log: every Task and Reservation change, as Twilio's Events resource and Event
callbacks announce it (https://www.twilio.com/docs/taskrouter/api/event/reference).

``Announcer`` is the one place an event is made: the Task and workforce services call it after
each change they write, inside the same store transaction, so the log never disagrees with the
tasks. Each event is stored in the ``events`` table (same SQLite database) and handed to the
listeners (``harness.reference.delivery``: the Workspace's EventCallbackUrl) without waiting.

An event's fields are kept in Twilio's callback spelling (``TaskSid``, ``TaskAttributes``...);
the Events resource renders them snake_case in ``event_data`` (``render_events``). Descriptions
other than ``Task TTL Exceeded`` are not documented by Twilio; the wording here is ours.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from harness.reference.fixture import Fixture, Workspace
from harness.reference.store import TaskRow, TaskStore
from harness.reference.workforce_store import ReservationRow, WorkerRow

TTL_DESCRIPTION = "Task TTL Exceeded"
#: Twilio keeps events for 30 days ("it keeps that data for 30 days").
EVENT_RETENTION_SECONDS = 30 * 86_400.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL UNIQUE,
    workspace_sid TEXT NOT NULL,
    event_type TEXT NOT NULL,
    description TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_sid TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_sid TEXT NOT NULL,
    date REAL NOT NULL,
    task_sid TEXT,
    reservation_sid TEXT,
    worker_sid TEXT,
    workflow_sid TEXT,
    task_queue_sid TEXT,
    task_channel TEXT,
    fields TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_ws_seq ON events (workspace_sid, seq);
CREATE INDEX IF NOT EXISTS events_task ON events (task_sid);
"""

#: Filter parameter of the Events list -> indexed column
FILTER_COLUMNS = {
    "EventType": "event_type",
    "TaskSid": "task_sid",
    "ReservationSid": "reservation_sid",
    "WorkerSid": "worker_sid",
    "WorkflowSid": "workflow_sid",
    "TaskQueueSid": "task_queue_sid",
    "TaskChannel": "task_channel",
    "Sid": "sid",
}


@dataclass(frozen=True)
class EventRow:
    sid: str
    workspace_sid: str
    event_type: str
    description: str
    resource_type: str  # Task, Reservation, Worker (callback spelling)
    resource_sid: str
    actor_type: str
    actor_sid: str
    date: float
    fields: tuple[tuple[str, str], ...]  # the event's field data, callback spelling
    task_sid: str | None = None
    reservation_sid: str | None = None
    worker_sid: str | None = None
    workflow_sid: str | None = None
    task_queue_sid: str | None = None
    task_channel: str | None = None
    seq: int = 0

    def field(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)


Listener = Callable[[EventRow, Workspace], None]


class EventLog:
    """The ``events`` table on the task store's connection (and lock)."""

    def __init__(self, tasks: TaskStore) -> None:
        self.tasks = tasks
        with tasks.lock:
            tasks.connection.executescript(_SCHEMA)

    def append(self, event: EventRow) -> EventRow:
        with self.tasks.lock:
            cur = self.tasks.connection.execute(
                "INSERT INTO events (sid, workspace_sid, event_type, description, resource_type,"
                " resource_sid, actor_type, actor_sid, date, task_sid, reservation_sid, "
                "worker_sid, workflow_sid, task_queue_sid, task_channel, fields) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    event.sid,
                    event.workspace_sid,
                    event.event_type,
                    event.description,
                    event.resource_type,
                    event.resource_sid,
                    event.actor_type,
                    event.actor_sid,
                    event.date,
                    event.task_sid,
                    event.reservation_sid,
                    event.worker_sid,
                    event.workflow_sid,
                    event.task_queue_sid,
                    event.task_channel,
                    json.dumps(event.fields),
                ),
            )
        return replace(event, seq=cur.lastrowid or 0)

    def query(self, where: str, params: Sequence[Any], limit: int) -> list[EventRow]:
        with self.tasks.lock:
            raws = self.tasks.connection.execute(
                f"SELECT * FROM events WHERE {where} ORDER BY seq ASC LIMIT ?", [*params, limit]
            ).fetchall()
        return [_event(dict(raw)) for raw in raws]

    def prune(self, before: float) -> None:
        with self.tasks.lock:
            self.tasks.connection.execute("DELETE FROM events WHERE date < ?", (before,))

    def for_task(self, task_sid: str) -> Iterator[EventRow]:
        yield from self.query("task_sid = ?", [task_sid], 10_000)


def _event(data: dict[str, Any]) -> EventRow:
    data["fields"] = tuple(tuple(pair) for pair in json.loads(data["fields"]))
    return EventRow(**data)


def _age(row: TaskRow, now: float) -> str:
    return str(max(0, int(now - row.date_created)))


def task_fields(row: TaskRow, now: float) -> list[tuple[str, str]]:
    """Twilio's "Task event fields" (TaskSid, TaskAttributes, TaskAge, TaskPriority,
    TaskAssignmentStatus, TaskCanceledReason, TaskCompletedReason), the reasons only when they
    apply."""
    fields = [
        ("TaskSid", row.sid),
        ("TaskAttributes", row.attributes),
        ("TaskAge", _age(row, now)),
        ("TaskPriority", str(row.priority)),
        ("TaskAssignmentStatus", row.assignment_status),
    ]
    if row.assignment_status == "canceled" and row.reason is not None:
        fields.append(("TaskCanceledReason", row.reason))
    if row.assignment_status == "completed" and row.reason is not None:
        fields.append(("TaskCompletedReason", row.reason))
    return fields


def worker_fields(worker: WorkerRow, ws: Workspace) -> list[tuple[str, str]]:
    activity = ws.activity(worker.activity_sid)
    return [
        ("WorkerSid", worker.sid),
        ("WorkerName", worker.friendly_name),
        ("WorkerAttributes", worker.attributes),
        ("WorkerActivitySid", worker.activity_sid),
        ("WorkerActivityName", activity.friendly_name if activity else ""),
    ]


class Announcer:
    """Makes, stores and hands on every event. ``record`` is the one door (faults patch it)."""

    def __init__(self, fixture: Fixture, tasks: TaskStore) -> None:
        self.fixture = fixture
        self.log = EventLog(tasks)
        self.listeners: list[Listener] = []
        self._lock = threading.Lock()

    def record(self, event: EventRow, ws: Workspace) -> EventRow | None:
        stored = self.log.append(event)
        with self._lock:
            listeners = list(self.listeners)
        for listener in listeners:
            listener(stored, ws)
        return stored

    # -- what the services call -----------------------------------------------------------
    def task(
        self,
        event_type: str,
        row: TaskRow,
        ws: Workspace,
        now: float,
        *,
        system: bool = False,
        description: str | None = None,
    ) -> None:
        fields = task_fields(row, now)
        if event_type != "task.created":  # Twilio: task.created carries Task and WorkflowSid
            fields.append(("TaskQueueSid", row.task_queue_sid))
        fields.append(("WorkflowSid", row.workflow_sid))
        verb = event_type.split(".", 1)[1].replace("-", " ")
        self._record(
            ws,
            event_type,
            description or f"Task {row.sid} {verb}",
            "Task",
            row.sid,
            now,
            fields,
            system,
            row,
        )

    def queue_entered(self, row: TaskRow, ws: Workspace, now: float) -> None:
        queue = ws.queue(row.task_queue_sid)
        name = queue.friendly_name if queue else row.task_queue_sid
        fields = [
            *task_fields(row, now),
            ("TaskQueueSid", row.task_queue_sid),
            ("WorkflowSid", row.workflow_sid),
        ]
        description = f"Task {row.sid} entered TaskQueue {name}"
        self._record(ws, "task-queue.entered", description, "Task", row.sid, now, fields, True, row)

    def reservation(
        self,
        event_type: str,
        reservation: ReservationRow,
        task: TaskRow,
        worker: WorkerRow | None,
        ws: Workspace,
        now: float,
        *,
        system: bool = True,
    ) -> None:
        fields = task_fields(task, now)
        if worker is not None:
            fields += worker_fields(worker, ws)
        fields += [
            ("TaskQueueSid", task.task_queue_sid),
            ("ReservationSid", reservation.sid),
            ("WorkflowSid", task.workflow_sid),
        ]
        verb = event_type.split(".", 1)[1]
        description = f"Reservation {reservation.sid} for Task {task.sid} {verb}"
        self._record(
            ws,
            event_type,
            description,
            "Reservation",
            reservation.sid,
            now,
            fields,
            system,
            task,
            reservation=reservation.sid,
            worker=reservation.worker_sid,
        )

    def _record(
        self,
        ws: Workspace,
        event_type: str,
        description: str,
        resource_type: str,
        resource_sid: str,
        now: float,
        fields: list[tuple[str, str]],
        system: bool,
        task: TaskRow,
        reservation: str | None = None,
        worker: str | None = None,
    ) -> None:
        actor_type, actor_sid = (
            ("workspace", ws.sid) if system else ("account", self.fixture.account_sid)
        )
        self.record(
            EventRow(
                sid="EV" + secrets.token_hex(16),
                workspace_sid=ws.sid,
                event_type=event_type,
                description=description,
                resource_type=resource_type,
                resource_sid=resource_sid,
                actor_type=actor_type,
                actor_sid=actor_sid,
                date=now,
                fields=tuple(fields),
                task_sid=task.sid,
                reservation_sid=reservation,
                worker_sid=worker,
                workflow_sid=task.workflow_sid,
                task_queue_sid=task.task_queue_sid,
                task_channel=task.task_channel_unique_name,
            ),
            ws,
        )
