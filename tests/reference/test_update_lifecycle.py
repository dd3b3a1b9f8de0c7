"""Update: fields, re-drive, lifecycle transitions through the Task API, TTL and retention."""

from __future__ import annotations

import pytest

from harness.reference.app import create_app
from tests.reference.support import Api, assert_error


def _set_status(api: Api, sid: str, status: str) -> None:
    """Move a task to a state the Task API cannot reach (reserved/assigned) for testing."""
    store = api.http.app.state.reference.store
    row = store.get(api.ws, sid)
    assert store.replace_if_version(
        row.changed(assignment_status=status, version=row.version + 1), row.version
    )


def test_update_fields_bumps_version_and_date_updated(api: Api, clock) -> None:
    task = api.created(Attributes='{"type": "other"}')
    clock.advance(5)
    response = api.update(
        task["sid"], Priority="9", TaskChannel="chat", VirtualStartTime="2020-01-01T00:00:00Z"
    )
    assert response.status_code == 200
    assert response.headers["ETag"] == "1"
    body = response.json()
    assert body["priority"] == 9
    assert body["task_channel_unique_name"] == "chat"
    assert body["virtual_start_time"] == "2020-01-01T00:00:00Z"
    assert body["date_updated"] > task["date_updated"]
    assert body["date_created"] == task["date_created"]


def test_empty_update_changes_nothing(api: Api) -> None:
    task = api.created()
    response = api.update(task["sid"])
    assert response.status_code == 200 and response.headers["ETag"] == "0"


def test_redrive_moves_queue_and_keeps_age(api: Api, clock) -> None:
    task = api.created(Attributes='{"type": "other"}')
    clock.advance(30)
    moved = api.update(task["sid"], Attributes='{"type": "sales"}').json()
    assert moved["task_queue_friendly_name"] == "Sales Queue"
    assert moved["age"] == 30
    assert moved["date_created"] == task["date_created"]
    assert moved["task_queue_entered_date"] > task["task_queue_entered_date"]
    vip = api.update(task["sid"], Attributes='{"vip": true}').json()
    assert vip["task_queue_friendly_name"] == "VIP Queue" and vip["priority"] == 100


def test_cancel_with_reason(api: Api) -> None:
    task = api.created()
    body = api.update(task["sid"], AssignmentStatus="canceled", Reason="waiting too long").json()
    assert body["assignment_status"] == "canceled"
    assert body["reason"] == "waiting too long"


def test_cancel_and_attributes_in_one_request_apply_both(api: Api) -> None:
    task = api.created()
    body = api.update(
        task["sid"], AssignmentStatus="canceled", Reason="r", Attributes='{"type": "other"}'
    ).json()
    assert body["assignment_status"] == "canceled" and body["attributes"] == '{"type": "other"}'


def test_reason_required_to_cancel_or_complete(api: Api) -> None:
    task = api.created()
    assert_error(api.update(task["sid"], AssignmentStatus="canceled"), 400, 20001, "Reason")
    _set_status(api, task["sid"], "assigned")
    assert_error(api.update(task["sid"], AssignmentStatus="completed"), 400, 20001, "Reason")


def test_assigned_wrapping_completed(api: Api) -> None:
    task = api.created()
    _set_status(api, task["sid"], "assigned")
    assert_error(
        api.update(task["sid"], AssignmentStatus="canceled", Reason="x"),
        400,
        20001,
        "not pending or reserved",
    )
    wrapping = api.update(task["sid"], AssignmentStatus="wrapping")
    assert wrapping.json()["assignment_status"] == "wrapping"
    done = api.update(task["sid"], AssignmentStatus="completed", Reason="done").json()
    assert done["assignment_status"] == "completed" and done["reason"] == "done"


def test_reserved_can_be_canceled_but_not_completed(api: Api) -> None:
    task = api.created()
    _set_status(api, task["sid"], "reserved")
    assert_error(
        api.update(task["sid"], AssignmentStatus="completed", Reason="x"),
        400,
        20001,
        "not assigned or wrapping",
    )
    assert_error(
        api.update(task["sid"], AssignmentStatus="wrapping"), 400, 20001, "not currently assigned"
    )
    assert api.update(task["sid"], AssignmentStatus="canceled", Reason="x").status_code == 200


@pytest.mark.parametrize("status", ["wrapping", "completed"])
def test_wrapping_or_completed_with_attributes_needs_two_requests(api: Api, status) -> None:
    task = api.created()
    _set_status(api, task["sid"], "assigned")
    assert_error(
        api.update(task["sid"], AssignmentStatus=status, Reason="r", Attributes='{"a": 1}'),
        400,
        20001,
        "two requests",
    )
    assert api.fetch(task["sid"]).json()["assignment_status"] == "assigned"


@pytest.mark.parametrize("status", ["pending", "reserved", "assigned", "bogus"])
def test_statuses_the_api_cannot_set(api: Api, status) -> None:
    task = api.created()
    assert_error(api.update(task["sid"], AssignmentStatus=status), 400, 20001, status)


def test_pending_cannot_wrap_or_complete(api: Api) -> None:
    task = api.created()
    assert_error(
        api.update(task["sid"], AssignmentStatus="wrapping"), 400, 20001, "not currently assigned"
    )
    assert_error(
        api.update(task["sid"], AssignmentStatus="completed", Reason="x"),
        400,
        20001,
        "not assigned or wrapping",
    )


def test_final_task_rejects_updates(api: Api) -> None:
    task = api.created()
    api.update(task["sid"], AssignmentStatus="canceled", Reason="x")
    assert_error(api.update(task["sid"], Priority="3"), 400, 20001, "canceled")


def test_update_validation(api: Api) -> None:
    sid = api.created()["sid"]
    for form, word in [
        ({"Attributes": "nope"}, "Attributes"),
        ({"Priority": "-5"}, "Priority"),
        ({"TaskChannel": "pigeon"}, "TaskChannel"),
        ({"VirtualStartTime": "2999-01-01T00:00:00Z"}, "VirtualStartTime"),
    ]:
        assert_error(api.update(sid, **form), 400, 20001, word)
    assert api.fetch(sid).headers["ETag"] == "0"


def test_ttl_cancels_with_task_ttl_exceeded(api: Api, clock) -> None:
    task = api.created(Timeout="60")
    clock.advance(59)
    assert api.fetch(task["sid"]).json()["assignment_status"] == "pending"
    clock.advance(1)
    response = api.fetch(task["sid"])
    body = response.json()
    assert body["assignment_status"] == "canceled"
    assert body["reason"] == "Task TTL Exceeded"
    assert response.headers["ETag"] == "1"


def test_retention_removes_final_tasks(api: Api, clock) -> None:
    canceled = api.created()["sid"]
    kept = api.created()["sid"]
    api.update(canceled, AssignmentStatus="canceled", Reason="x")
    clock.advance(299)
    assert api.fetch(canceled).status_code == 200
    clock.advance(1)
    assert_error(api.fetch(canceled), 404, 20404)
    assert api.fetch(kept).status_code == 200


def test_ttl_expired_task_is_retained_then_removed(api: Api, clock) -> None:
    sid = api.created(Timeout="10")["sid"]
    clock.advance(10 + 299)
    assert api.fetch(sid).json()["reason"] == "Task TTL Exceeded"
    clock.advance(1)
    assert api.fetch(sid).status_code == 404


def test_retention_is_configurable(config, fixture, clock) -> None:
    from starlette.testclient import TestClient

    config.retention_seconds = 2
    with TestClient(create_app(config)) as http:
        api = Api(http, fixture, fixture.single.sid)
        sid = api.created()["sid"]
        api.update(sid, AssignmentStatus="canceled", Reason="x")
        clock.advance(2)
        assert api.fetch(sid).status_code == 404


def test_delete_then_404(api: Api) -> None:
    sid = api.created()["sid"]
    response = api.delete(sid)
    assert response.status_code == 204 and response.content == b""
    assert_error(api.fetch(sid), 404, 20404)
    assert_error(api.delete(sid), 404, 20404)
