"""The official twilio Python SDK drives the reference server over a real socket."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from harness.reference.server import RunningServer, start_in_thread


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with start_in_thread() as running:
        yield running


@pytest.fixture
def client(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> Client:
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    fx = server.config.fixture
    client = Client(fx.account_sid, fx.auth_token)
    client.taskrouter.base_url = server.base_url
    return client


def test_sdk_create_fetch_update_delete(client: Client, server: RunningServer) -> None:
    ws_sid = server.config.fixture.single.sid
    tasks = client.taskrouter.v1.workspaces(ws_sid).tasks
    task = tasks.create(attributes=json.dumps({"type": "support"}), timeout=3600)
    assert task.sid.startswith("WT") and task.assignment_status == "pending"
    assert task.task_queue_friendly_name == "Support Queue"
    assert task.timeout == 3600

    info = tasks(task.sid).fetch_with_http_info()
    assert info.status_code == 200
    etag = info.headers["ETag"]
    assert info.data.sid == task.sid

    updated = tasks(task.sid).update(if_match=etag, priority=7)
    assert updated.priority == 7
    with pytest.raises(TwilioRestException) as stale:
        tasks(task.sid).update(if_match=etag, priority=8)
    assert stale.value.status == 412 and stale.value.code == 20412

    canceled = tasks(task.sid).update(assignment_status="canceled", reason="waiting too long")
    assert canceled.assignment_status == "canceled" and canceled.reason == "waiting too long"

    # twilio 9.13's tasks(sid).delete(if_match=...) never sends If-Match (SDK bug, see
    # ../shared/notes/toolchain.md); delete_with_response_info with headers does.
    current = tasks(task.sid).fetch_with_http_info().headers["ETag"]
    with pytest.raises(TwilioRestException) as stale_delete:
        client.taskrouter.v1.delete_with_response_info(
            method="DELETE",
            uri=f"/Workspaces/{ws_sid}/Tasks/{task.sid}",
            headers={"If-Match": str(int(current) - 1)},
        )
    assert stale_delete.value.status == 412 and stale_delete.value.code == 20412
    assert tasks(task.sid).delete() is True
    with pytest.raises(TwilioRestException) as missing:
        tasks(task.sid).fetch()
    assert missing.value.status == 404 and missing.value.code == 20404


def test_sdk_lists_with_filters_and_automatic_paging(client: Client, server: RunningServer):
    ws_sid = server.config.fixture.multi.sid
    workflow = server.config.fixture.multi.workflows[0]
    tasks = client.taskrouter.v1.workspaces(ws_sid).tasks
    made = [
        tasks.create(workflow_sid=workflow.sid, attributes=json.dumps({"batch": "sdk", "i": i})).sid
        for i in range(23)
    ]
    listed = tasks.list(evaluate_task_attributes='batch == "sdk"', page_size=5)
    assert [t.sid for t in listed] == made
    pending = tasks.list(
        assignment_status=["pending", "reserved"],
        page_size=10,
        workflow_name=workflow.friendly_name,
    )
    assert {t.sid for t in pending} >= set(made)
    newest_first = tasks.list(
        ordering="DateCreated:desc", limit=3, evaluate_task_attributes='batch == "sdk"'
    )
    assert [t.sid for t in newest_first] == made[::-1][:3]
    for sid in made:
        tasks(sid).delete()


def test_sdk_accepts_a_reservation_and_completes_the_task(client: Client, server):
    ws = server.config.fixture.multi
    workspace = client.taskrouter.v1.workspaces(ws.sid)
    bob = ws.workers[1]
    task = workspace.tasks.create(
        workflow_sid=ws.workflows[0].sid, attributes=json.dumps({"type": "support"})
    )
    available = ws.activity("Available").sid
    assert workspace.workers(bob.sid).update(activity_sid=available).available is True
    assert workspace.tasks(task.sid).fetch().assignment_status == "reserved"
    [reservation] = workspace.tasks(task.sid).reservations.list()
    assert reservation.worker_sid == bob.sid and reservation.reservation_status == "pending"
    accepted = (
        workspace.tasks(task.sid)
        .reservations(reservation.sid)
        .update(reservation_status="accepted")
    )
    assert accepted.reservation_status == "accepted"
    assert workspace.tasks(task.sid).fetch().assignment_status == "assigned"
    wrapping = workspace.tasks(task.sid).update(assignment_status="wrapping")
    assert wrapping.assignment_status == "wrapping"
    done = workspace.tasks(task.sid).update(assignment_status="completed", reason="resolved")
    assert done.assignment_status == "completed" and done.reason == "resolved"
    workspace.workers(bob.sid).update(activity_sid=ws.activity("Offline").sid)
