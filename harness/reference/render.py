"""Task rows as Twilio renders them: every property, ISO 8601 UTC dates, absolute URLs."""

from __future__ import annotations

from typing import Any

from harness.reference.clock import iso
from harness.reference.fixture import Workspace
from harness.reference.listing import page_url
from harness.reference.store import TaskRow
from harness.reference.task_list import Page


def _iso_or_none(epoch: float | None) -> str | None:
    return iso(epoch) if epoch is not None else None


def task_json(row: TaskRow, ws: Workspace, base: str, now: float) -> dict[str, Any]:
    ws_url = f"{base}/v1/Workspaces/{row.workspace_sid}"
    url = f"{ws_url}/Tasks/{row.sid}"
    workflow = ws.workflow(row.workflow_sid)
    queue = ws.queue(row.task_queue_sid)
    return {
        "account_sid": row.account_sid,
        "age": max(0, int(now - row.date_created)),
        "assignment_status": row.assignment_status,
        "attributes": row.attributes,
        "addons": row.addons,
        "date_created": iso(row.date_created),
        "date_updated": iso(row.date_updated),
        "task_queue_entered_date": _iso_or_none(row.task_queue_entered_date),
        "priority": row.priority,
        "reason": row.reason,
        "sid": row.sid,
        "task_queue_sid": row.task_queue_sid,
        "task_queue_friendly_name": queue.friendly_name if queue else None,
        "task_channel_sid": row.task_channel_sid,
        "task_channel_unique_name": row.task_channel_unique_name,
        "timeout": row.timeout,
        "workflow_sid": row.workflow_sid,
        "workflow_friendly_name": workflow.friendly_name if workflow else None,
        "workspace_sid": row.workspace_sid,
        "url": url,
        "links": {
            "task_queue": f"{ws_url}/TaskQueues/{row.task_queue_sid}",
            "workflow": f"{ws_url}/Workflows/{row.workflow_sid}",
            "workspace": ws_url,
            "reservations": f"{url}/Reservations",
        },
        "virtual_start_time": iso(row.virtual_start_time),
        "ignore_capacity": row.ignore_capacity,
        "routing_target": row.routing_target,
    }


def list_json(page: Page, ws: Workspace, base: str, now: float) -> dict[str, Any]:
    list_url = f"{base}/v1/Workspaces/{ws.sid}/Tasks"

    def url(number: int, token: str | None) -> str:
        return page_url(list_url, page.filters, page.page_size, number, token)

    return {
        "tasks": [task_json(row, ws, base, now) for row in page.rows],
        "meta": {
            "first_page_url": url(0, None),
            "key": "tasks",
            "next_page_url": url(page.page + 1, page.next_token) if page.next_token else None,
            "page": page.page,
            "page_size": page.page_size,
            "previous_page_url": (
                url(max(page.page - 1, 0), page.previous_token) if page.previous_token else None
            ),
            "url": url(page.page, page.current_token),
        },
    }
