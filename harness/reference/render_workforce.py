"""Workers, Activities and Reservations as Twilio renders them."""

from __future__ import annotations

from typing import Any

from harness.reference.clock import iso
from harness.reference.fixture import Activity, Workspace
from harness.reference.workforce_store import ReservationRow, WorkerRow


def worker_json(row: WorkerRow, ws: Workspace, account_sid: str, base: str) -> dict[str, Any]:
    activity = ws.activity(row.activity_sid)
    url = f"{base}/v1/Workspaces/{ws.sid}/Workers/{row.sid}"
    return {
        "account_sid": account_sid,
        "activity_name": activity.friendly_name if activity else None,
        "activity_sid": row.activity_sid,
        "attributes": row.attributes,
        "available": bool(activity and activity.available),
        "date_created": iso(row.date_created),
        "date_status_changed": iso(row.date_status_changed),
        "date_updated": iso(row.date_updated),
        "friendly_name": row.friendly_name,
        "sid": row.sid,
        "workspace_sid": ws.sid,
        "url": url,
        "links": {
            "activity": f"{base}/v1/Workspaces/{ws.sid}/Activities/{row.activity_sid}",
            "reservations": f"{url}/Reservations",
            "workspace": f"{base}/v1/Workspaces/{ws.sid}",
        },
    }


def activity_json(activity: Activity, ws: Workspace, account_sid: str, base: str) -> dict[str, Any]:
    return {
        "account_sid": account_sid,
        "available": activity.available,
        "date_created": None,
        "date_updated": None,
        "friendly_name": activity.friendly_name,
        "sid": activity.sid,
        "workspace_sid": ws.sid,
        "url": f"{base}/v1/Workspaces/{ws.sid}/Activities/{activity.sid}",
        "links": {"workspace": f"{base}/v1/Workspaces/{ws.sid}"},
    }


def reservation_json(
    row: ReservationRow, worker_name: str | None, account_sid: str, base: str
) -> dict[str, Any]:
    ws_url = f"{base}/v1/Workspaces/{row.workspace_sid}"
    return {
        "account_sid": account_sid,
        "date_created": iso(row.date_created),
        "date_updated": iso(row.date_updated),
        "reservation_status": row.reservation_status,
        "sid": row.sid,
        "task_sid": row.task_sid,
        "worker_name": worker_name,
        "worker_sid": row.worker_sid,
        "workspace_sid": row.workspace_sid,
        "url": f"{ws_url}/Tasks/{row.task_sid}/Reservations/{row.sid}",
        "links": {
            "task": f"{ws_url}/Tasks/{row.task_sid}",
            "worker": f"{ws_url}/Workers/{row.worker_sid}",
            "workspace": ws_url,
        },
    }


def collection(key: str, items: list[dict[str, Any]], url: str, page_size: int) -> dict[str, Any]:
    """A single-page list envelope (supporting resources are small)."""
    first = f"{url}?PageSize={page_size}&Page=0"
    return {
        key: items[:page_size],
        "meta": {
            "first_page_url": first,
            "key": key,
            "next_page_url": None,
            "page": 0,
            "page_size": page_size,
            "previous_page_url": None,
            "url": first,
        },
    }
