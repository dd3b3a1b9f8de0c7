"""Create and fetch: defaults, every property, routing and validation errors."""

from __future__ import annotations

import json
import re

import pytest

from tests.reference.support import START, Api, assert_error

SID = re.compile(r"^WT[0-9a-f]{32}$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
PROPERTIES = {
    "account_sid",
    "age",
    "assignment_status",
    "attributes",
    "addons",
    "date_created",
    "date_updated",
    "task_queue_entered_date",
    "priority",
    "reason",
    "sid",
    "task_queue_sid",
    "task_queue_friendly_name",
    "task_channel_sid",
    "task_channel_unique_name",
    "timeout",
    "workflow_sid",
    "workflow_friendly_name",
    "workspace_sid",
    "url",
    "links",
    "virtual_start_time",
    "ignore_capacity",
    "routing_target",
}


def test_create_defaults_and_every_property(api: Api) -> None:
    response = api.create(Attributes='{"type": "other"}')
    assert response.status_code == 201
    assert response.headers["ETag"] == "0"
    task = response.json()
    assert set(task) == PROPERTIES
    ws = api.fixture.single
    assert SID.match(task["sid"])
    assert task["account_sid"] == api.fixture.account_sid
    assert task["workspace_sid"] == ws.sid
    assert task["assignment_status"] == "pending"
    assert task["priority"] == 0
    assert task["timeout"] == 86400
    assert task["age"] == 0
    assert task["reason"] is None
    assert task["attributes"] == '{"type": "other"}'
    assert task["task_channel_unique_name"] == "default"
    assert task["task_channel_sid"] == ws.channel("default").sid
    assert task["workflow_sid"] == ws.workflows[0].sid
    assert task["workflow_friendly_name"] == "Default Workflow"
    assert task["task_queue_friendly_name"] == "Default Queue"
    for field in ("date_created", "date_updated", "virtual_start_time", "task_queue_entered_date"):
        assert ISO.match(task[field]), field
    assert task["virtual_start_time"] == task["date_created"]
    assert task["url"] == f"http://testserver/v1/Workspaces/{ws.sid}/Tasks/{task['sid']}"
    assert task["links"]["reservations"] == task["url"] + "/Reservations"
    assert task["links"]["workspace"] == f"http://testserver/v1/Workspaces/{ws.sid}"
    assert task["ignore_capacity"] is False
    assert task["routing_target"] is None


def test_attributes_default_to_empty_object(api: Api) -> None:
    assert api.created()["attributes"] == "{}"


def test_fetch_returns_the_created_task_with_etag(api: Api, clock) -> None:
    created = api.created(Attributes='{"a": 1}', Priority="5", Timeout="600")
    clock.advance(42)
    response = api.fetch(created["sid"])
    assert response.status_code == 200
    assert response.headers["ETag"] == "0"
    fetched = response.json()
    assert fetched["age"] == 42
    assert {k: v for k, v in fetched.items() if k != "age"} == {
        k: v for k, v in created.items() if k != "age"
    }


@pytest.mark.parametrize(
    ("attributes", "queue", "priority"),
    [
        ({"type": "sales"}, "Sales Queue", 0),
        ({"type": "support"}, "Support Queue", 0),
        ({"type": "call"}, "Support Queue", 0),
        ({"vip": True, "type": "sales"}, "VIP Queue", 100),
        ({"type": "other"}, "Default Queue", 0),
    ],
)
def test_workflow_routes_by_attributes(api: Api, attributes, queue, priority) -> None:
    task = api.created(Attributes=json.dumps(attributes))
    assert task["task_queue_friendly_name"] == queue
    assert task["priority"] == priority


def test_workflow_target_priority_overrides_requested_priority(api: Api) -> None:
    assert api.created(Attributes='{"vip": true}', Priority="7")["priority"] == 100
    assert api.created(Attributes='{"type": "sales"}', Priority="7")["priority"] == 7


def test_explicit_queue_channel_and_virtual_start_time(api: Api) -> None:
    ws = api.fixture.single
    sales = next(q for q in ws.task_queues if q.friendly_name == "Sales Queue")
    task = api.created(
        TaskQueueSid=sales.sid, TaskChannel="voice", VirtualStartTime="2014-05-14T18:50:02Z"
    )
    assert task["task_queue_sid"] == sales.sid
    assert task["task_channel_unique_name"] == "voice"
    assert task["virtual_start_time"] == "2014-05-14T18:50:02Z"
    by_sid = api.created(TaskChannel=ws.channel("sms").sid)
    assert by_sid["task_channel_unique_name"] == "sms"


def test_routing_target_worker_ignores_capacity_by_default(api: Api) -> None:
    worker = api.fixture.single.workers[0].sid
    assert api.created(RoutingTarget=worker)["ignore_capacity"] is True
    for value, expected in [
        ("true", True),
        ("1", True),
        ("yes", True),
        ("false", False),
        ("no", False),
        ("0", False),
    ]:
        task = api.created(RoutingTarget=worker, IgnoreCapacity=value)
        assert task["ignore_capacity"] is expected, value
        assert task["routing_target"] == worker


def test_workflow_sid_required_only_with_several_workflows(api: Api, multi: Api) -> None:
    assert_error(multi.create(), 400, 20001, "WorkflowSid")
    workflow = api.fixture.multi.workflows[1]
    task = multi.created(WorkflowSid=workflow.sid)
    assert task["workflow_friendly_name"] == workflow.friendly_name


@pytest.mark.parametrize(
    ("form", "word"),
    [
        ({"Attributes": "{not json"}, "Attributes"),
        ({"Attributes": "[1, 2]"}, "Attributes"),
        ({"Attributes": '"a string"'}, "Attributes"),
        ({"Attributes": json.dumps({"k": "x" * 4100})}, "Attributes"),
        ({"Priority": "-1"}, "Priority"),
        ({"Priority": "2147483648"}, "Priority"),
        ({"Priority": "high"}, "Priority"),
        ({"Timeout": "0"}, "Timeout"),
        ({"Timeout": "1209601"}, "Timeout"),
        ({"TaskChannel": "fax"}, "TaskChannel"),
        ({"WorkflowSid": "WW123"}, "WorkflowSid"),
        ({"WorkflowSid": "WW" + "0" * 32}, "WorkflowSid"),
        ({"TaskQueueSid": "WQ" + "0" * 32}, "TaskQueueSid"),
        ({"VirtualStartTime": "yesterday"}, "VirtualStartTime"),
        ({"VirtualStartTime": "1899-12-31T23:59:59Z"}, "VirtualStartTime"),
        ({"VirtualStartTime": "2999-01-01T00:00:00Z"}, "VirtualStartTime"),
        ({"RoutingTarget": "nobody"}, "RoutingTarget"),
        ({"RoutingTarget": "WK" + "0" * 32}, "RoutingTarget"),
    ],
)
def test_create_validation_errors_name_the_parameter(api: Api, form, word) -> None:
    assert_error(api.create(**form), 400, 20001, word)


def test_boundary_values_are_accepted(api: Api) -> None:
    task = api.created(
        Priority="2147483647", Timeout="1209600", VirtualStartTime="1900-01-01T00:00:00Z"
    )
    assert task["priority"] == 2147483647
    assert task["timeout"] == 1209600
    assert task["virtual_start_time"] == "1900-01-01T00:00:00Z"
    exactly_4096 = json.dumps({"k": "x" * (4096 - 9)})
    assert len(exactly_4096) == 4096
    assert api.create(Attributes=exactly_4096).status_code == 201


def test_virtual_start_time_now_is_not_future(api: Api) -> None:
    from harness.reference.clock import iso

    assert api.create(VirtualStartTime=iso(START)).status_code == 201


def test_unknown_task_is_404(api: Api) -> None:
    assert_error(api.fetch("WT" + "0" * 32), 404, 20404)
    assert_error(api.fetch("not-a-sid"), 404, 20404)


def test_json_body_is_rejected_not_misread(api: Api) -> None:
    response = api.http.post(
        api.base,
        content=b'{"Priority": 1}',
        auth=api.auth,
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 400, 20001, "Content-Type")


def test_in_flight_limit(config, fixture) -> None:
    from starlette.testclient import TestClient

    from harness.reference.app import create_app

    config.in_flight_limit = 3
    with TestClient(create_app(config)) as http:
        api = Api(http, fixture, fixture.single.sid)
        sids = [api.created()["sid"] for _ in range(3)]
        assert_error(api.create(), 400, 20001, "in-flight")
        api.update(sids[0], AssignmentStatus="canceled", Reason="make room")
        assert api.create().status_code == 201
