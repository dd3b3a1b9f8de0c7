"""Workers, Activities and Task Reservations: the minimal workforce a Task lifecycle needs.

Faithful to Twilio's API shape (paths, form parameters, JSON fields, SID prefixes) but small:
- Activities are fixed per workspace (Offline, Available, Unavailable); availability comes
  from the worker's activity.
- A worker's capacity is one task (inferred simplification of per-channel capacity); a task
  counts against it while its reservation is pending or it is assigned/wrapping.
- Assignment: each available worker with free capacity, longest idle first, is offered the
  best pending task among the queues whose ``target_workers`` expression matches its
  attributes: highest priority first, then oldest virtual start time. A task whose
  ``RoutingTarget`` is a Worker only goes to that worker; with ``ignore_capacity`` it is
  offered regardless of the worker's capacity and availability.
- Accept -> task ``assigned``; reject or timeout -> task back to ``pending`` and re-offered
  to other workers (a worker is not offered a task it rejected or let time out: inferred);
  a timed-out worker moves to Offline (Twilio's default timeout activity).
- Canceling or expiring a reserved task cancels its pending reservation; wrapping/completing
  the task through the Task API moves its accepted reservation along; deleting a task deletes
  its reservations.
"""

from __future__ import annotations

import json
import secrets
from contextlib import closing

from harness.reference.callbacks import Hub
from harness.reference.config import ServerConfig
from harness.reference.errors import bad_request, not_found
from harness.reference.events import Announcer
from harness.reference.expression import compile_expression
from harness.reference.fixture import Workspace
from harness.reference.forms import Params
from harness.reference.params import ignore_capacity_flag, parse_attributes, sid_matches
from harness.reference.store import TaskRow, TaskStore
from harness.reference.workforce_store import ReservationRow, WorkerRow, WorkforceStore

RESERVATION_STATUSES = (
    "pending",
    "accepted",
    "rejected",
    "timeout",
    "canceled",
    "rescinded",
    "wrapping",
    "completed",
)
WORKER_CAPACITY = 1
#: Twilio limits: "Assigned tasks are limited to 86,400 s, then deleted".
ASSIGNED_LIMIT_SECONDS = 86_400


class WorkforceService:
    def __init__(self, config: ServerConfig, tasks: TaskStore, events: Announcer, hub: Hub) -> None:
        self.config = config
        self.tasks = tasks
        self.events = events
        self.hub = hub
        hub.resolver = self.instruct
        self.store = WorkforceStore(tasks)
        self._seed()

    def _seed(self) -> None:
        """The fixture's workers exist from the start, Offline, so tasks stay pending."""
        now = self.config.clock.now()
        for ws in self.config.fixture.workspaces:
            offline = ws.activity("Offline")
            assert offline is not None
            for worker in ws.workers:
                if self.store.worker(ws.sid, worker.sid) is None:
                    self.store.put_worker(
                        WorkerRow(
                            worker.sid,
                            ws.sid,
                            worker.friendly_name,
                            worker.attributes,
                            offline.sid,
                            now,
                            now,
                            now,
                        )
                    )

    # -- workers --------------------------------------------------------------------------
    def create_worker(self, ws: Workspace, params: Params) -> WorkerRow:
        now = self.config.clock.now()
        name = params.one("FriendlyName")
        if not name:
            raise bad_request("Missing required parameter FriendlyName")
        self._check_unique_name(ws, name, None)
        attributes = parse_attributes(params.one("Attributes") or "{}")[0]
        activity = self._activity(ws, params.one("ActivitySid") or "Offline")
        row = WorkerRow(
            "WK" + secrets.token_hex(16), ws.sid, name, attributes, activity, now, now, now
        )
        self.store.put_worker(row)
        return row

    def fetch_worker(self, ws: Workspace, sid: str) -> WorkerRow:
        row = self.store.worker(ws.sid, sid) if sid_matches(sid, "WK") else None
        if row is None:
            raise not_found(
                f"The requested resource /Workspaces/{ws.sid}/Workers/{sid} was not found"
            )
        return row

    def list_workers(self, ws: Workspace, params: Params) -> list[WorkerRow]:
        rows = self.store.workers(ws.sid)
        activity_sid = params.one("ActivitySid")
        activity_name = params.one("ActivityName")
        available = params.one("Available")
        name = params.one("FriendlyName")
        if activity_sid is not None:
            rows = [r for r in rows if r.activity_sid == activity_sid]
        if activity_name is not None:
            rows = [r for r in rows if self._activity_name(ws, r) == activity_name]
        if available is not None:  # Twilio: true, 1 or yes; any other value means false
            wanted = ignore_capacity_flag(available)
            rows = [r for r in rows if self.is_available(ws, r) == wanted]
        if name is not None:
            rows = [r for r in rows if r.friendly_name == name]
        return rows

    def update_worker(self, ws: Workspace, sid: str, params: Params) -> WorkerRow:
        now = self.config.clock.now()
        row = self.fetch_worker(ws, sid)
        changes: dict[str, object] = {}
        if (activity := params.one("ActivitySid")) is not None:
            changes["activity_sid"] = self._activity(ws, activity)
            changes["date_status_changed"] = now
        if (attributes := params.one("Attributes")) is not None:
            changes["attributes"] = parse_attributes(attributes)[0]
        if (name := params.one("FriendlyName")) is not None:
            if not name:
                raise bad_request("Invalid FriendlyName: must not be empty")
            self._check_unique_name(ws, name, sid)
            changes["friendly_name"] = name
        if changes:
            row = row.changed(date_updated=now, **changes)
            self.store.update_worker(row)
        return row

    def delete_worker(self, ws: Workspace, sid: str) -> None:
        self.fetch_worker(ws, sid)
        if self.store.busy_workers().get(sid):
            raise bad_request(f"Worker {sid} has reserved or assigned Tasks and cannot be deleted")
        self.store.delete_worker(ws.sid, sid)

    def _check_unique_name(self, ws: Workspace, name: str, own_sid: str | None) -> None:
        """Worker names are unique per workspace, case-insensitively (as Twilio's)."""
        if len(name) > 64:
            raise bad_request("Invalid FriendlyName: at most 64 characters")
        if any(
            w.friendly_name.lower() == name.lower() and w.sid != own_sid
            for w in self.store.workers(ws.sid)
        ):
            raise bad_request(f"A Worker with FriendlyName '{name}' already exists")

    @staticmethod
    def _activity(ws: Workspace, ref: str) -> str:
        activity = ws.activity(ref)
        if activity is None:
            raise bad_request(f"Invalid ActivitySid '{ref}': no such Activity")
        return activity.sid

    @staticmethod
    def _activity_name(ws: Workspace, row: WorkerRow) -> str:
        activity = ws.activity(row.activity_sid)
        return activity.friendly_name if activity else ""

    @staticmethod
    def is_available(ws: Workspace, row: WorkerRow) -> bool:
        activity = ws.activity(row.activity_sid)
        return bool(activity and activity.available)

    # -- reservations ---------------------------------------------------------------------
    def list_reservations(
        self, ws: Workspace, task_sid: str, params: Params
    ) -> list[ReservationRow]:
        where, args = "workspace_sid = ? AND task_sid = ?", [ws.sid, task_sid]
        if (status := params.one("ReservationStatus")) is not None:
            if status not in RESERVATION_STATUSES:
                raise bad_request(f"Invalid ReservationStatus '{status}'")
            where += " AND reservation_status = ?"
            args.append(status)
        if (worker := params.one("WorkerSid")) is not None:
            where += " AND worker_sid = ?"
            args.append(worker)
        return self.store.reservations(where, args)

    def fetch_reservation(self, ws: Workspace, task_sid: str, sid: str) -> ReservationRow:
        found = self.store.reservations(
            "workspace_sid = ? AND task_sid = ? AND sid = ?", [ws.sid, task_sid, sid]
        )
        if not found:
            raise not_found(
                f"The requested resource /Workspaces/{ws.sid}/Tasks/{task_sid}/"
                f"Reservations/{sid} was not found"
            )
        return found[0]

    def update_reservation(
        self, ws: Workspace, task_sid: str, sid: str, params: Params
    ) -> ReservationRow:
        now = self.config.clock.now()
        with self.tasks.transaction():
            reservation = self.fetch_reservation(ws, task_sid, sid)
            status = params.one("ReservationStatus")
            if activity := params.one("WorkerActivitySid"):
                self._set_activity(ws, reservation.worker_sid, self._activity(ws, activity), now)
            if status is None:
                return reservation
            if status not in ("accepted", "rejected", "timeout"):
                raise bad_request(
                    f"Invalid ReservationStatus '{status}': a pending Reservation can be "
                    "accepted, rejected or timeout"
                )
            if reservation.reservation_status != "pending":
                raise bad_request(
                    f"Cannot {status} Reservation {sid} because it is "
                    f"{reservation.reservation_status}, not pending."
                )
            return self._resolve(ws, reservation, status, now, system=False)

    def instruct(
        self, ws: Workspace, reservation_sid: str, status: str, activity_sid: str | None
    ) -> None:
        """An assignment callback's instruction: accept or reject a still-pending reservation
        (and move the worker to ``activity_sid`` on reject, when it names an Activity)."""
        now = self.config.clock.now()
        with self.tasks.transaction():
            found = self.store.reservations(
                "workspace_sid = ? AND sid = ?", [ws.sid, reservation_sid]
            )
            if not found or found[0].reservation_status != "pending":
                return
            if activity_sid and (activity := ws.activity(activity_sid)) is not None:
                self._set_activity(ws, found[0].worker_sid, activity.sid, now)
            self._resolve(ws, found[0], status, now)

    def _announce(
        self, event_type: str, reservation: ReservationRow, now: float, system: bool = True
    ) -> None:
        ws = self.config.fixture.workspace(reservation.workspace_sid)
        task = self.tasks.get(reservation.workspace_sid, reservation.task_sid)
        if ws is None or task is None:
            return
        worker = self.store.worker(ws.sid, reservation.worker_sid)
        self.events.reservation(event_type, reservation, task, worker, ws, now, system=system)

    def _resolve(
        self,
        ws: Workspace,
        reservation: ReservationRow,
        status: str,
        now: float,
        system: bool = True,
    ) -> ReservationRow:
        task = self.tasks.get(ws.sid, reservation.task_sid)
        resolved = reservation.changed(reservation_status=status, date_updated=now, timeout_at=None)
        self.store.put_reservation(resolved)
        if task is not None and task.assignment_status == "reserved":
            if status == "accepted":  # the TTL covers only the time before assignment
                self._bump(
                    task,
                    now,
                    assignment_status="assigned",
                    expires_at=None,
                    purge_at=now + ASSIGNED_LIMIT_SECONDS,
                )
            else:
                self._bump(task, now, assignment_status="pending")
        if status == "timeout":
            offline = ws.activity("Offline")
            assert offline is not None
            self._set_activity(ws, reservation.worker_sid, offline.sid, now)
        self._announce(f"reservation.{status}", resolved, now, system)
        return resolved

    def _set_activity(self, ws: Workspace, worker_sid: str, activity_sid: str, now: float) -> None:
        worker = self.store.worker(ws.sid, worker_sid)
        if worker is not None and worker.activity_sid != activity_sid:
            self.store.update_worker(
                worker.changed(activity_sid=activity_sid, date_updated=now, date_status_changed=now)
            )

    def _bump(self, task: TaskRow, now: float, **changes: object) -> None:
        """A system change to a task: new version, new date_updated."""
        updated = task.changed(version=task.version + 1, date_updated=now, **changes)
        self.tasks.replace_if_version(updated, task.version)

    # -- system changes -------------------------------------------------------------------
    def on_task_deleted(self, task_sid: str) -> None:
        self.store.delete_reservations(task_sid)

    def drop_orphan_reservations(self) -> None:
        """Reservations of tasks that no longer exist (deleted or purged) go with them."""
        self.tasks.connection.execute(
            "DELETE FROM reservations WHERE task_sid NOT IN (SELECT sid FROM tasks)"
        )

    def tick(self, now: float) -> None:
        """Time out reservations, follow task state changes, then offer pending tasks."""
        with self.tasks.transaction():
            self._follow_tasks(now)
            self.drop_orphan_reservations()
            for reservation in self.store.reservations(
                "reservation_status = 'pending' AND timeout_at <= ?", [now]
            ):
                ws = self.config.fixture.workspace(reservation.workspace_sid)
                assert ws is not None
                self._resolve(ws, reservation, "timeout", reservation.timeout_at or now)
            self._assign(now)

    def _follow_tasks(self, now: float) -> None:
        """Reservations follow their task: a canceled task cancels its pending reservation;
        wrapping up or completing an assigned task moves its accepted reservation along."""
        conn = self.tasks.connection
        rows = conn.execute(
            "SELECT r.sid, t.assignment_status FROM reservations r JOIN tasks t ON "
            "t.sid = r.task_sid WHERE (r.reservation_status = 'pending' AND "
            "t.assignment_status = 'canceled') OR (r.reservation_status IN ('accepted', "
            "'wrapping') AND t.assignment_status IN ('wrapping', 'completed') AND "
            "t.assignment_status != r.reservation_status) ORDER BY r.rowid"
        ).fetchall()
        for sid, task_status in rows:
            status = "canceled" if task_status == "canceled" else task_status
            conn.execute(
                "UPDATE reservations SET reservation_status = ?, date_updated = ?, "
                "timeout_at = CASE WHEN ? = 'canceled' THEN NULL ELSE timeout_at END "
                "WHERE sid = ?",
                (status, now, status, sid),
            )
            found = self.store.reservations("sid = ?", [sid])
            if found:
                event = {"wrapping": "reservation.wrapup"}.get(status, f"reservation.{status}")
                self._announce(event, found[0], now)

    def _assign(self, now: float) -> None:
        busy = self.store.busy_workers()
        direct = self.tasks.query(
            "ignore_capacity = 1 AND assignment_status = 'pending' AND routing_target LIKE 'WK%'",
            [],
            "seq ASC",
        )
        with closing(direct):  # type: ignore[type-var]
            offers = [row for row in direct]
        for task in offers:
            worker = self.store.worker(task.workspace_sid, task.routing_target or "")
            if worker is not None and worker.sid not in self.store.declined(task.sid):
                self._reserve(task, worker, now)
                busy[worker.sid] = busy.get(worker.sid, 0) + 1
        for worker in self.store.all_workers():
            ws = self.config.fixture.workspace(worker.workspace_sid)
            if ws is None or not self.is_available(ws, worker):
                continue
            if busy.get(worker.sid, 0) >= WORKER_CAPACITY:
                continue
            task = self._best_task_for(ws, worker)
            if task is not None:
                self._reserve(task, worker, now)
                busy[worker.sid] = busy.get(worker.sid, 0) + 1

    def _best_task_for(self, ws: Workspace, worker: WorkerRow) -> TaskRow | None:
        try:
            attributes = json.loads(worker.attributes)
        except ValueError:
            attributes = {}
        queues = [
            q.sid
            for q in ws.task_queues
            if compile_expression(q.target_workers).matches(attributes)
        ]
        if not queues:
            return None
        stream = self.tasks.query(
            f"workspace_sid = ? AND assignment_status = 'pending' AND task_queue_sid IN "
            f"({', '.join('?' for _ in queues)}) AND (routing_target IS NULL OR routing_target "
            "NOT LIKE 'WK%' OR routing_target = ?)",
            [ws.sid, *queues, worker.sid],
            "priority DESC, virtual_start_time ASC, seq ASC",
        )
        with closing(stream):  # type: ignore[type-var]
            for task in stream:
                if worker.sid not in self.store.declined(task.sid):
                    return task
        return None

    def _reserve(self, task: TaskRow, worker: WorkerRow, now: float) -> None:
        self._bump(task, now, assignment_status="reserved")
        timeout = self.hub.settings.workflow(task.workflow_sid).task_reservation_timeout
        reservation = ReservationRow(
            "WR" + secrets.token_hex(16),
            task.workspace_sid,
            task.sid,
            worker.sid,
            "pending",
            now,
            now,
            now + timeout,
        )
        self.store.put_reservation(reservation)
        self._announce("reservation.created", reservation, now)
        ws = self.config.fixture.workspace(task.workspace_sid)
        reserved = self.tasks.get(task.workspace_sid, task.sid)
        if ws is not None and reserved is not None:
            self.hub.on_reservation(ws, reserved, reservation, worker, now)
