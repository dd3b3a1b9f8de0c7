"""The Task resource's behaviour: create, fetch, list, update, delete, TTL and retention.

Handlers in ``app.py`` translate HTTP to these calls; everything here speaks in parsed
parameters, rows and ``TwilioError``s.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

from harness.reference.callbacks import Hub, Settings
from harness.reference.config import ServerConfig
from harness.reference.errors import PRECONDITION_FAILED, TwilioError, bad_request, not_found
from harness.reference.events import TTL_DESCRIPTION, Announcer
from harness.reference.fixture import Workspace
from harness.reference.forms import Params
from harness.reference.params import (
    DEFAULT_TIMEOUT,
    MAX_PRIORITY,
    MAX_TIMEOUT,
    ignore_capacity_flag,
    parse_attributes,
    parse_date_time,
    parse_sid,
    parse_statuses,
    sid_matches,
)
from harness.reference.routing import route
from harness.reference.store import FINAL_STATUSES, LIVE_STATUSES, TaskRow, TaskStore
from harness.reference.task_list import TaskListing, optional_int
from harness.reference.workforce import WorkforceService

TTL_REASON = TTL_DESCRIPTION


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def version_matches(if_match: str, version: int) -> bool:
    """HTTP If-Match: a list of (possibly weak, possibly quoted) tags, or ``*``."""
    for tag in if_match.split(","):
        tag = tag.strip()
        if tag == "*":
            return True
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag.strip('"') == str(version):
            return True
    return False


class TaskService(TaskListing):
    def __init__(self, config: ServerConfig, store: TaskStore) -> None:
        self.config = config
        self.store = store
        self.settings = Settings(config.fixture, config.reservation_timeout_seconds)
        self.events = Announcer(config.fixture, store)
        self.hub = Hub(config.fixture, self.settings)
        self.events.listeners.append(self.hub.on_event)
        self.workforce = WorkforceService(config, store, self.events, self.hub)
        self._ticker: threading.Thread | None = None
        self._ticker_stop = threading.Event()
        self._ticker_lock = threading.Lock()

    #: how often the background ticker applies time-driven changes (TTL, timeouts, retention)
    TICK_SECONDS = 0.25

    def start_ticker(self) -> None:
        """Apply time-driven changes without waiting for a request: while a callback URL is
        set, a TTL cancel or a reservation timeout is announced when it happens, as Twilio
        does, not at the next request. Idempotent; the ticker ends by itself once no callback
        URL is set (the next one set starts it again), and ``close`` stops it."""
        with self._ticker_lock:
            if self._ticker is not None and self._ticker.is_alive():
                return
            stop = self._ticker_stop

            def loop() -> None:
                while not stop.wait(self.TICK_SECONDS):
                    with self._ticker_lock:
                        if not self.settings.has_callback_urls():
                            self._ticker = None
                            return
                    try:
                        self.tick()
                    except Exception:  # a closed store at shutdown; never kill the process
                        return

            self._ticker = threading.Thread(target=loop, name="trc-reference-ticker", daemon=True)
            self._ticker.start()

    def _ws(self, row: TaskRow) -> Workspace:
        ws = self.config.fixture.workspace(row.workspace_sid)
        assert ws is not None
        return ws

    # -- time-driven system changes -------------------------------------------------------
    def tick(self) -> float:
        """Apply TTL expiry and retention up to now; returns now."""
        now = self.config.clock.now()
        with self.store.transaction():
            for row in self.store.expire(now, TTL_REASON, self.config.retention_seconds):
                self.events.task(
                    "task.canceled",
                    row,
                    self._ws(row),
                    row.date_updated,
                    system=True,
                    description=TTL_DESCRIPTION,
                )
            for row in self.store.purge(now):
                self.events.task("task.system-deleted", row, self._ws(row), now, system=True)
        self.workforce.tick(now)
        return now

    # -- create ---------------------------------------------------------------------------
    def create(self, ws: Workspace, params: Params) -> TaskRow:
        now = self.tick()
        raw_attributes = params.one("Attributes")
        attributes_text, attributes = (
            parse_attributes(raw_attributes) if raw_attributes is not None else ("{}", {})
        )
        priority = optional_int(params, "Priority", 0, MAX_PRIORITY)
        timeout = optional_int(params, "Timeout", 1, MAX_TIMEOUT)
        channel_ref = params.one("TaskChannel")
        channel = ws.channel(channel_ref if channel_ref is not None else "default")
        if channel is None:
            raise bad_request(f"Invalid TaskChannel '{channel_ref}': no such TaskChannel")
        workflow_sid = params.one("WorkflowSid")
        queue_sid = params.one("TaskQueueSid")
        routing_target = params.one("RoutingTarget")
        if queue_sid is not None:
            parse_sid("TaskQueueSid", queue_sid, "WQ")
            if ws.queue(queue_sid) is None:
                raise bad_request(f"Invalid TaskQueueSid '{queue_sid}': no such TaskQueue")
        target_is_worker = False
        if routing_target is not None:
            target_is_worker = self._check_routing_target(ws, routing_target)
            if sid_matches(routing_target, "WW") and workflow_sid is None:
                workflow_sid = routing_target
            if sid_matches(routing_target, "WQ") and queue_sid is None:
                queue_sid = routing_target
        if workflow_sid is not None:
            parse_sid("WorkflowSid", workflow_sid, "WW")
            workflow = ws.workflow(workflow_sid)
            if workflow is None:
                raise bad_request(f"Invalid WorkflowSid '{workflow_sid}': no such Workflow")
        elif len(ws.workflows) == 1:
            workflow = ws.workflows[0]
        else:
            raise bad_request(
                "Missing required parameter WorkflowSid: the Workspace has more than one Workflow"
            )
        raw_vst = params.one("VirtualStartTime")
        virtual_start = (
            parse_date_time("VirtualStartTime", raw_vst, now) if raw_vst is not None else now
        )
        raw_ignore = params.one("IgnoreCapacity")
        ignore_capacity = (
            (ignore_capacity_flag(raw_ignore) if raw_ignore is not None else True)
            if target_is_worker
            else False
        )
        routed = route(workflow, attributes)
        if queue_sid is None:
            queue_sid = routed.queue_sid
        if routed.priority is not None:
            priority = routed.priority
        if self.store.count_in_flight(ws.sid) >= self.config.in_flight_limit:
            raise bad_request(
                f"Workspace {ws.sid} already has {self.config.in_flight_limit} in-flight "
                "Tasks (not canceled or completed); cancel or complete Tasks before creating "
                "more"
            )
        timeout = timeout if timeout is not None else DEFAULT_TIMEOUT
        row = TaskRow(
            sid=_sid("WT"),
            account_sid=self.config.fixture.account_sid,
            workspace_sid=ws.sid,
            workflow_sid=workflow.sid,
            task_queue_sid=queue_sid,
            task_channel_sid=channel.sid,
            task_channel_unique_name=channel.unique_name,
            attributes=attributes_text,
            addons="{}",
            priority=priority if priority is not None else 0,
            timeout=timeout,
            assignment_status="pending",
            reason=None,
            date_created=now,
            date_updated=now,
            virtual_start_time=virtual_start,
            task_queue_entered_date=now,
            ignore_capacity=ignore_capacity,
            routing_target=routing_target,
            version=0,
            expires_at=now + timeout,
            purge_at=None,
        )
        with self.store.transaction():
            row = self.store.insert(row)
            self.events.task("task.created", row, ws, now)
            self.events.queue_entered(row, ws, now)
        return row

    def _check_routing_target(self, ws: Workspace, target: str) -> bool:
        """Validate ``RoutingTarget``; returns whether it names a Worker."""
        if sid_matches(target, "WK"):
            if ws.worker(target) is None:
                raise bad_request(f"Invalid RoutingTarget '{target}': no such Worker")
            return True
        if sid_matches(target, "WQ"):
            if ws.queue(target) is None:
                raise bad_request(f"Invalid RoutingTarget '{target}': no such TaskQueue")
            return False
        if sid_matches(target, "WW"):
            if ws.workflow(target) is None:
                raise bad_request(f"Invalid RoutingTarget '{target}': no such Workflow")
            return False
        raise bad_request(
            f"Invalid RoutingTarget '{target}': expected the SID of a Worker, TaskQueue or Workflow"
        )

    # -- fetch ----------------------------------------------------------------------------
    def fetch(self, ws: Workspace, sid: str) -> TaskRow:
        self.tick()
        return self._load(ws, sid)

    def _load(self, ws: Workspace, sid: str) -> TaskRow:
        row = self.store.get(ws.sid, sid)
        if row is None:
            raise not_found(
                f"The requested resource /Workspaces/{ws.sid}/Tasks/{sid} was not found"
            )
        return row

    # -- update ---------------------------------------------------------------------------
    def update(self, ws: Workspace, sid: str, params: Params, if_match: str | None) -> TaskRow:
        now = self.tick()
        with self.store.transaction():
            current = self._load(ws, sid)
            _check_precondition(current, if_match)
            updated = self._apply_update(ws, current, params, now)
            if updated is current:
                return current
            updated = updated.changed(date_updated=now, version=current.version + 1)
            if not self.store.replace_if_version(updated, current.version):
                raise _precondition_failed(sid)
            self.events.task(
                _UPDATE_EVENTS.get(updated.assignment_status, "task.updated")
                if updated.assignment_status != current.assignment_status
                else "task.updated",
                updated,
                ws,
                now,
            )
            if updated.task_queue_sid != current.task_queue_sid:
                self.events.queue_entered(updated, ws, now)
        if updated.assignment_status != current.assignment_status:
            self.workforce.tick(now)  # its reservation follows now (and is announced now)
        return updated

    def _apply_update(self, ws: Workspace, row: TaskRow, params: Params, now: float) -> TaskRow:
        status = params.one("AssignmentStatus")
        raw_attributes = params.one("Attributes")
        reason = params.one("Reason")
        changes: dict[str, Any] = {}
        if row.assignment_status in FINAL_STATUSES and params.names():
            raise bad_request(
                f"Cannot update task {row.sid} in workspace {ws.sid} for account "
                f"{row.account_sid} because it is {row.assignment_status}."
            )
        if status is not None:
            changes.update(self._transition(ws, row, status, reason, raw_attributes, now))
        priority = optional_int(params, "Priority", 0, MAX_PRIORITY)
        if priority is not None:
            changes["priority"] = priority
        channel_ref = params.one("TaskChannel")
        if channel_ref is not None:
            channel = ws.channel(channel_ref)
            if channel is None:
                raise bad_request(f"Invalid TaskChannel '{channel_ref}': no such TaskChannel")
            changes["task_channel_sid"] = channel.sid
            changes["task_channel_unique_name"] = channel.unique_name
        raw_vst = params.one("VirtualStartTime")
        if raw_vst is not None:
            changes["virtual_start_time"] = parse_date_time("VirtualStartTime", raw_vst, now)
        if raw_attributes is not None:
            text, attributes = parse_attributes(raw_attributes)
            changes["attributes"] = text
            if row.assignment_status == "pending" and changes.get("assignment_status") is None:
                changes.update(self._redrive(ws, row, attributes, now))
        if not changes:
            return row
        return row.changed(**changes)

    def _transition(
        self,
        ws: Workspace,
        row: TaskRow,
        status: str,
        reason: str | None,
        raw_attributes: str | None,
        now: float,
    ) -> dict[str, Any]:
        """Lifecycle through the Task API (Twilio: canceled from pending|reserved; wrapping
        from assigned; completed from assigned|wrapping)."""
        where = f"task {row.sid} in workspace {ws.sid} for account {row.account_sid}"
        current = row.assignment_status
        if status == "canceled":
            if current not in LIVE_STATUSES:
                raise bad_request(f"Cannot cancel {where} because it is not pending or reserved.")
        elif status == "wrapping":
            if current != "assigned":
                raise bad_request(f"Cannot wrap up {where} because it is not currently assigned.")
        elif status == "completed":
            if current not in ("assigned", "wrapping"):
                raise bad_request(
                    f"Cannot complete {where} because it is not assigned or wrapping."
                )
        elif status in ("pending", "reserved", "assigned"):
            raise bad_request(
                f"Cannot set AssignmentStatus of {where} to {status}: only canceled, wrapping "
                "and completed can be set through the Task API"
            )
        else:
            parse_statuses([status])
        if status in ("wrapping", "completed") and raw_attributes is not None:
            raise bad_request(
                f"Cannot change AssignmentStatus to {status} and Attributes in one request: "
                "send two requests"
            )
        changes: dict[str, Any] = {"assignment_status": status}
        if status in FINAL_STATUSES:
            if reason is None or not reason.strip():
                raise bad_request(f"Missing required parameter Reason when the Task is {status}")
            changes.update(
                reason=reason, expires_at=None, purge_at=now + self.config.retention_seconds
            )
        return changes

    def _redrive(
        self, ws: Workspace, row: TaskRow, attributes: dict[str, Any], now: float
    ) -> dict[str, Any]:
        """A pending task whose attributes change goes through its workflow again; its age
        (date_created) is kept, and it enters the new queue now if the queue changes."""
        workflow = ws.workflow(row.workflow_sid)
        if workflow is None or (
            row.routing_target is not None and sid_matches(row.routing_target, "WQ")
        ):
            return {}
        routed = route(workflow, attributes)
        changes: dict[str, Any] = {}
        if routed.queue_sid != row.task_queue_sid:
            changes.update(task_queue_sid=routed.queue_sid, task_queue_entered_date=now)
        if routed.priority is not None:
            changes["priority"] = routed.priority
        return changes

    # -- delete ---------------------------------------------------------------------------
    def delete(self, ws: Workspace, sid: str, if_match: str | None) -> None:
        self.tick()
        with self.store.transaction():
            current = self._load(ws, sid)
            _check_precondition(current, if_match)
            if not self.store.delete(ws.sid, sid, current.version):
                raise _precondition_failed(sid)
            self.workforce.on_task_deleted(sid)
            self.events.task("task.deleted", current, ws, self.config.clock.now())

    def close(self) -> None:
        self._ticker_stop.set()
        ticker = self._ticker
        if ticker is not None:
            ticker.join(timeout=2)
        self.hub.close()


#: the event a change of assignment status through the Task API announces
_UPDATE_EVENTS = {
    "canceled": "task.canceled",
    "wrapping": "task.wrapup",
    "completed": "task.completed",
}


def _precondition_failed(sid: str) -> TwilioError:
    return TwilioError(
        412,
        PRECONDITION_FAILED,
        f"Precondition Failed: the If-Match header does not match the current ETag of Task {sid}",
    )


def _check_precondition(row: TaskRow, if_match: str | None) -> None:
    if if_match is not None and not version_matches(if_match, row.version):
        raise _precondition_failed(row.sid)
