"""The Events resource and the callback fields of the Workspace and Workflow resources.

- ``GET /v1/Workspaces/{ws}/Events`` with Twilio's filters (EventType, TaskSid,
  ReservationSid, WorkerSid, WorkflowSid, TaskQueueSid, TaskChannel, Sid, StartDate, EndDate,
  Minutes: default 15) and ``PageSize`` (default 50, at most 1000), ``PageToken`` paging;
  ``GET .../Events/{EV...}``. Events are listed oldest first (Twilio does not say: inferred).
- ``GET``/``POST /v1/Workspaces/{ws}``: ``EventCallbackUrl``, ``EventsFilter``,
  ``FriendlyName``.
- ``GET /v1/Workspaces/{ws}/Workflows``, ``GET``/``POST .../Workflows/{WW...}``:
  ``AssignmentCallbackUrl``, ``FallbackAssignmentCallbackUrl``, ``TaskReservationTimeout``
  (1 to 86,400), ``FriendlyName``.
Shapes follow twilio/twilio-oai spec/json/twilio_taskrouter_v1.json (see
spec/taskrouter-events.yaml).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode, urlsplit

from harness.reference.callbacks import Settings
from harness.reference.clock import iso
from harness.reference.errors import bad_request, not_found
from harness.reference.events import (
    EVENT_RETENTION_SECONDS,
    FILTER_COLUMNS,
    EventLog,
    EventRow,
)
from harness.reference.fixture import Workflow, Workspace
from harness.reference.forms import Params
from harness.reference.params import parse_date_time, parse_int, sid_matches

DEFAULT_EVENT_PAGE_SIZE = 50
MAX_EVENT_PAGE_SIZE = 1000
DEFAULT_MINUTES = 15
MAX_RESERVATION_TIMEOUT = 86_400
#: filter parameters whose value is a SID of this prefix
SID_FILTERS = {
    "TaskSid": "WT",
    "ReservationSid": "WR",
    "WorkerSid": "WK",
    "WorkflowSid": "WW",
    "TaskQueueSid": "WQ",
    "Sid": "EV",
}
_EVENT_TYPE = re.compile(r"^[a-z][a-z-]*(\.[a-z][a-z-]*)+$")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def snake(name: str) -> str:
    """``TaskQueueSid`` -> ``task_queue_sid`` (callback spelling -> resource spelling)."""
    return _CAMEL.sub("_", name).lower()


# -- Events ---------------------------------------------------------------------------------
def event_json(
    event: EventRow, ws: Workspace, base: str, workspace_name: str, account_sid: str
) -> dict[str, Any]:
    ws_url = f"{base}/v1/Workspaces/{ws.sid}"
    if event.resource_type == "Reservation":
        resource_url = f"{ws_url}/Tasks/{event.task_sid}/Reservations/{event.resource_sid}"
    else:
        resource_url = f"{ws_url}/Tasks/{event.resource_sid}"
    data: dict[str, Any] = {snake(name): value for name, value in event.fields}
    data.update(workspace_sid=ws.sid, workspace_name=workspace_name)
    return {
        "account_sid": account_sid,
        "actor_sid": event.actor_sid,
        "actor_type": event.actor_type,
        "actor_url": ws_url if event.actor_type == "workspace" else None,
        "description": event.description,
        "event_data": data,
        "event_date": iso(event.date),
        "event_date_ms": round(event.date * 1000),
        "event_type": event.event_type,
        "resource_sid": event.resource_sid,
        "resource_type": event.resource_type.lower(),
        "resource_url": resource_url,
        "sid": event.sid,
        "source": "twilio",
        "source_ip_address": None,
        "url": f"{ws_url}/Events/{event.sid}",
        "workspace_sid": ws.sid,
    }


def list_events(
    log: EventLog, ws: Workspace, params: Params, now: float
) -> tuple[list[EventRow], dict[str, str], str | None]:
    """The page of events ``params`` ask for: (events, the filters echoed in page URLs, the
    next page token or None)."""
    where = ["workspace_sid = ?"]
    args: list[Any] = [ws.sid]
    echo: dict[str, str] = {}
    for name, column in FILTER_COLUMNS.items():
        value = params.one(name)
        if value is None:
            continue
        prefix = SID_FILTERS.get(name)
        if prefix and not sid_matches(value, prefix):
            raise bad_request(f"Invalid {name} '{value[:40]}': expected a {prefix} SID")
        if name == "TaskChannel" and (channel := ws.channel(value)) is not None:
            value = channel.unique_name
        where.append(f"{column} = ?")
        args.append(value)
        echo[name] = params.one(name) or ""
    start, end = _window(params, now, echo)
    where += ["date >= ?", "date <= ?"]
    args += [start, end]
    raw_size = params.one("PageSize")
    size = (
        parse_int("PageSize", raw_size, 1, MAX_EVENT_PAGE_SIZE)
        if raw_size
        else DEFAULT_EVENT_PAGE_SIZE
    )
    if (token := params.one("PageToken")) is not None:
        if not re.fullmatch(r"PT[0-9]+", token):
            raise bad_request(f"Invalid PageToken '{token[:40]}'")
        where.append("seq > ?")
        args.append(int(token[2:]))
    log.prune(now - EVENT_RETENTION_SECONDS)
    rows = log.query(" AND ".join(where), args, size + 1)
    next_token = f"PT{rows[size - 1].seq}" if len(rows) > size else None
    echo["PageSize"] = str(size)
    return rows[:size], echo, next_token


def _window(params: Params, now: float, echo: dict[str, str]) -> tuple[float, float]:
    raw_start, raw_end = params.one("StartDate"), params.one("EndDate")
    raw_minutes = params.one("Minutes")
    end = parse_date_time("EndDate", raw_end, now, allow_future=True) if raw_end else now
    if raw_start:
        start = parse_date_time("StartDate", raw_start, now, allow_future=True)
        if start < now - EVENT_RETENTION_SECONDS:
            raise bad_request(
                "Invalid StartDate: events are kept for 30 days; a StartDate more than 30 days "
                "in the past cannot be served"
            )
        echo["StartDate"] = raw_start
    else:
        minutes = parse_int("Minutes", raw_minutes, 1, 43_200) if raw_minutes else DEFAULT_MINUTES
        start = now - minutes * 60
        if raw_minutes:
            echo["Minutes"] = raw_minutes
    if raw_end:
        echo["EndDate"] = raw_end
    return start, end


def events_page_json(
    rows: list[EventRow],
    ws: Workspace,
    base: str,
    settings: Settings,
    echo: dict[str, str],
    next_token: str | None,
    account_sid: str,
) -> dict[str, Any]:
    url = f"{base}/v1/Workspaces/{ws.sid}/Events"
    first = f"{url}?{urlencode(echo)}"
    name = settings.workspace(ws.sid).friendly_name
    return {
        "events": [event_json(row, ws, base, name, account_sid) for row in rows],
        "meta": {
            "first_page_url": first,
            "key": "events",
            "next_page_url": f"{first}&{urlencode({'PageToken': next_token})}"
            if next_token
            else None,
            "page": 0,
            "page_size": int(echo["PageSize"]),
            "previous_page_url": None,
            "url": first,
        },
    }


def fetch_event(log: EventLog, ws: Workspace, sid: str) -> EventRow:
    found = (
        log.query("workspace_sid = ? AND sid = ?", [ws.sid, sid], 1)
        if sid_matches(sid, "EV")
        else []
    )
    if not found:
        raise not_found(f"The requested resource /Workspaces/{ws.sid}/Events/{sid} was not found")
    return found[0]


# -- Workspace and Workflows ----------------------------------------------------------------
def parse_callback_url(name: str, value: str) -> str | None:
    """A callback URL parameter: empty clears it; otherwise an absolute http(s) URL."""
    if value == "":
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(value) > 2048:
        raise bad_request(f"Invalid {name} '{value[:60]}': expected an absolute http(s) URL")
    return value


def _friendly_name(params: Params) -> str | None:
    name = params.one("FriendlyName")
    if name is not None and not 0 < len(name.strip()) <= 64:
        raise bad_request("Invalid FriendlyName: 1 to 64 characters")
    return name


def update_workspace(settings: Settings, ws: Workspace, params: Params, now: float) -> None:
    changes: dict[str, Any] = {}
    if (url := params.one("EventCallbackUrl")) is not None:
        changes["event_callback_url"] = parse_callback_url("EventCallbackUrl", url)
    if (events_filter := params.one("EventsFilter")) is not None:
        parts = [p.strip() for p in events_filter.split(",") if p.strip()]
        bad = [p for p in parts if not _EVENT_TYPE.match(p)]
        if bad:
            raise bad_request(f"Invalid EventsFilter: '{bad[0][:40]}' is not an event type")
        changes["events_filter"] = ",".join(parts) or None
    if (name := _friendly_name(params)) is not None:
        changes["friendly_name"] = name
    if changes:
        settings.update_workspace(ws.sid, date_updated=now, **changes)


def workspace_json(
    settings: Settings, ws: Workspace, account_sid: str, base: str
) -> dict[str, Any]:
    own = settings.workspace(ws.sid)
    offline = ws.activity("Offline")
    url = f"{base}/v1/Workspaces/{ws.sid}"
    links = ("activities", "events", "statistics", "task_channels", "task_queues", "tasks")
    return {
        "account_sid": account_sid,
        "date_created": None,
        "date_updated": iso(own.date_updated) if own.date_updated else None,
        "default_activity_name": offline.friendly_name if offline else None,
        "default_activity_sid": offline.sid if offline else None,
        "event_callback_url": own.event_callback_url,
        "events_filter": own.events_filter,
        "friendly_name": own.friendly_name,
        "multi_task_enabled": True,
        "prioritize_queue_order": "FIFO",
        "sid": ws.sid,
        "timeout_activity_name": offline.friendly_name if offline else None,
        "timeout_activity_sid": offline.sid if offline else None,
        "url": url,
        "links": {
            **{name: f"{url}/{_link(name)}" for name in links},
            "workers": f"{url}/Workers",
            "workflows": f"{url}/Workflows",
        },
    }


def _link(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def update_workflow(settings: Settings, workflow: Workflow, params: Params, now: float) -> None:
    changes: dict[str, Any] = {}
    for param, field in (
        ("AssignmentCallbackUrl", "assignment_callback_url"),
        ("FallbackAssignmentCallbackUrl", "fallback_assignment_callback_url"),
    ):
        if (url := params.one(param)) is not None:
            changes[field] = parse_callback_url(param, url)
    if (timeout := params.one("TaskReservationTimeout")) is not None:
        changes["task_reservation_timeout"] = parse_int(
            "TaskReservationTimeout", timeout, 1, MAX_RESERVATION_TIMEOUT
        )
    if (name := _friendly_name(params)) is not None:
        changes["friendly_name"] = name
    if changes:
        settings.update_workflow(workflow.sid, date_updated=now, **changes)


def workflow_json(
    settings: Settings, ws: Workspace, workflow: Workflow, account_sid: str, base: str
) -> dict[str, Any]:
    own = settings.workflow(workflow.sid)
    url = f"{base}/v1/Workspaces/{ws.sid}/Workflows/{workflow.sid}"
    configuration = {
        "task_routing": {
            "filters": [
                {
                    "filter_friendly_name": f.filter_friendly_name,
                    "expression": f.expression,
                    "targets": [
                        {"queue": f.queue_sid}
                        | ({"priority": f.priority} if f.priority is not None else {})
                    ],
                }
                for f in workflow.filters
            ],
            "default_filter": {"queue": workflow.default_queue_sid},
        }
    }
    return {
        "account_sid": account_sid,
        "assignment_callback_url": own.assignment_callback_url,
        "configuration": json.dumps(configuration),
        "date_created": None,
        "date_updated": iso(own.date_updated) if own.date_updated else None,
        "document_content_type": "application/json",
        "fallback_assignment_callback_url": own.fallback_assignment_callback_url,
        "friendly_name": own.friendly_name,
        "sid": workflow.sid,
        "task_reservation_timeout": own.task_reservation_timeout,
        "workspace_sid": ws.sid,
        "url": url,
        "links": {
            "statistics": f"{url}/Statistics",
            "real_time_statistics": f"{url}/RealTimeStatistics",
            "cumulative_statistics": f"{url}/CumulativeStatistics",
        },
    }


def find_workflow(ws: Workspace, sid: str) -> Workflow:
    workflow = ws.workflow(sid) if sid_matches(sid, "WW") else None
    if workflow is None:
        raise not_found(
            f"The requested resource /Workspaces/{ws.sid}/Workflows/{sid} was not found"
        )
    return workflow
