"""The reference's Events resource (harness.reference.events, events_api) and the callback
fields of its Workspace and Workflow resources: which change announces which event, what an
event looks like, the list's filters, time window and paging, and the official twilio SDK
reading it all over a real socket."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

from harness.reference.app import create_app
from harness.reference.clock import ManualClock, iso
from harness.reference.config import ServerConfig
from harness.reference.server import RunningServer, start_in_thread
from tests.reference.support import START, Api, assert_error

EVENT_SID = re.compile(r"^EV[0-9a-f]{32}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
UNKNOWN_EVENT = "EV" + "0" * 32
UNKNOWN_WORKFLOW = "WW" + "0" * 32


class Events:
    """The Events, Workspace, Workflow and Reservation calls of one workspace."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.ws = api.fixture.workspace(api.ws)
        assert self.ws is not None
        self.base = f"/v1/Workspaces/{api.ws}"

    def get(self, path: str, **query: Any) -> httpx.Response:
        return self.api.http.get(f"{self.base}{path}", params=query, auth=self.api.auth)

    def post(self, path: str, **form: Any) -> httpx.Response:
        return self.api.http.post(f"{self.base}{path}", data=form, auth=self.api.auth)

    def list(self, **query: Any) -> list[dict[str, Any]]:
        response = self.get("/Events", **query)
        assert response.status_code == 200, response.text
        return response.json()["events"]

    def types(self, **query: Any) -> list[str]:
        return [e["event_type"] for e in self.list(**query)]

    def of_task(self, task_sid: str, **query: Any) -> list[dict[str, Any]]:
        return self.list(TaskSid=task_sid, PageSize="1000", **query)

    def one(self, task_sid: str, event_type: str) -> dict[str, Any]:
        [event] = self.list(TaskSid=task_sid, EventType=event_type)
        return event

    def set_activity(self, worker: str, name: str) -> None:
        activity = self.ws.activity(name)
        assert activity is not None
        response = self.post(f"/Workers/{worker}", ActivitySid=activity.sid)
        assert response.status_code == 200, response.text

    def reservation(self, task_sid: str) -> dict[str, Any]:
        response = self.get(f"/Tasks/{task_sid}/Reservations")
        assert response.status_code == 200, response.text
        [reservation] = response.json()["reservations"]
        return reservation

    def resolve(self, task_sid: str, reservation_sid: str, status: str) -> None:
        response = self.post(
            f"/Tasks/{task_sid}/Reservations/{reservation_sid}", ReservationStatus=status
        )
        assert response.status_code == 200, response.text

    def status(self, task_sid: str) -> str:
        return self.api.fetch(task_sid).json()["assignment_status"]

    def workflow(self) -> str:
        return self.ws.workflows[0].sid


@pytest.fixture
def ev(api: Api) -> Events:
    return Events(api)


@contextmanager
def reference(**settings: Any) -> Iterator[tuple[Events, ManualClock]]:
    """An in-process reference of its own settings, on a manual clock at START."""
    clock = ManualClock(START)
    config = ServerConfig(clock=clock, **settings)
    with TestClient(create_app(config), base_url="http://testserver") as http:
        yield Events(Api(http, config.fixture, config.fixture.single.sid)), clock


def alice(ev: Events) -> str:
    return ev.ws.workers[0].sid  # skills sales and support


# --- what a task's changes announce --------------------------------------------------------


def test_create_announces_task_created_then_task_queue_entered(api: Api, ev: Events) -> None:
    task = api.created(Attributes='{"type": "support", "n": 1}', Priority="3")
    events = ev.of_task(task["sid"])
    assert [e["event_type"] for e in events] == ["task.created", "task-queue.entered"]
    for event in events:
        assert EVENT_SID.match(event["sid"]), event["sid"]
        assert event["account_sid"] == api.fixture.account_sid
        assert event["workspace_sid"] == api.ws
        assert event["resource_type"] == "task" and event["resource_sid"] == task["sid"]
        assert ISO_DATE.match(event["event_date"]), event["event_date"]
        assert datetime.fromisoformat(event["event_date"]).timestamp() == START
        assert isinstance(event["event_date_ms"], int) and event["event_date_ms"] == START * 1000
        data = event["event_data"]
        assert data["task_sid"] == task["sid"]
        assert json.loads(data["task_attributes"]) == {"type": "support", "n": 1}
        assert data["task_attributes"] == task["attributes"]
        assert str(data["task_priority"]) == "3"
        assert data["task_assignment_status"] == "pending"
        assert data["workflow_sid"] == task["workflow_sid"]
        fetched = api.http.get(event["url"], auth=api.auth)
        assert fetched.status_code == 200, fetched.text
        assert fetched.json() == event
    assert events[1]["event_data"]["task_queue_sid"] == task["task_queue_sid"]
    assert events[0]["sid"] != events[1]["sid"]


def test_cancel_announces_task_canceled_with_the_reason(api: Api, ev: Events) -> None:
    task = api.created()
    assert api.update(task["sid"], AssignmentStatus="canceled", Reason="caller hung up").is_success
    event = ev.one(task["sid"], "task.canceled")
    assert event["event_data"]["task_canceled_reason"] == "caller hung up"
    assert event["event_data"]["task_assignment_status"] == "canceled"
    assert event["actor_type"] == "account" and event["actor_sid"] == api.fixture.account_sid
    assert [e["event_type"] for e in ev.of_task(task["sid"])][-1] == "task.canceled"


def test_ttl_expiry_announces_task_canceled_task_ttl_exceeded(
    api: Api, ev: Events, clock: ManualClock
) -> None:
    task = api.created(Timeout="5")
    clock.advance(4)
    assert ev.types(TaskSid=task["sid"], EventType="task.canceled") == []
    clock.advance(6)
    event = ev.one(task["sid"], "task.canceled")
    assert event["description"] == "Task TTL Exceeded"
    assert event["event_data"]["task_canceled_reason"] == "Task TTL Exceeded"
    assert event["event_date"] == iso(START + 5)  # when the TTL ran out, not when looked at
    assert event["actor_type"] == "workspace"


def test_delete_announces_task_deleted(api: Api, ev: Events) -> None:
    task = api.created()
    assert api.delete(task["sid"]).status_code == 204
    assert ev.types(TaskSid=task["sid"]) == ["task.created", "task-queue.entered", "task.deleted"]


def test_retention_purge_announces_task_system_deleted() -> None:
    with reference(retention_seconds=60) as (ev, clock):
        task = ev.api.created()
        ev.api.update(task["sid"], AssignmentStatus="canceled", Reason="gone")
        clock.advance(59)
        assert "task.system-deleted" not in ev.types(TaskSid=task["sid"])
        clock.advance(2)
        assert ev.api.fetch(task["sid"]).status_code == 404
        assert ev.types(TaskSid=task["sid"])[-1] == "task.system-deleted"
        assert ev.one(task["sid"], "task.system-deleted")["actor_type"] == "workspace"


def test_attribute_update_announces_task_updated(api: Api, ev: Events) -> None:
    task = api.created(Attributes='{"a": 1}')
    api.update(task["sid"], Attributes='{"a": 2}')
    event = ev.one(task["sid"], "task.updated")
    assert json.loads(event["event_data"]["task_attributes"]) == {"a": 2}
    assert ev.types(TaskSid=task["sid"]) == ["task.created", "task-queue.entered", "task.updated"]


# --- reservations ----------------------------------------------------------------------------


def test_reservation_lifecycle_events(api: Api, ev: Events) -> None:
    task = api.created(Attributes='{"type": "sales"}')["sid"]
    ev.set_activity(alice(ev), "Available")
    reservation = ev.reservation(task)
    created = ev.one(task, "reservation.created")
    assert created["resource_type"] == "reservation"
    assert created["resource_sid"] == reservation["sid"]
    assert created["event_data"]["reservation_sid"] == reservation["sid"]
    assert created["event_data"]["worker_sid"] == alice(ev)
    assert created["resource_url"].endswith(f"/Tasks/{task}/Reservations/{reservation['sid']}")
    ev.resolve(task, reservation["sid"], "accepted")
    assert ev.one(task, "reservation.accepted")["event_data"]["task_assignment_status"] == (
        "assigned"
    )
    assert api.update(task, AssignmentStatus="wrapping").is_success
    assert api.update(task, AssignmentStatus="completed", Reason="done").is_success
    assert ev.types(TaskSid=task) == [
        "task.created",
        "task-queue.entered",
        "reservation.created",
        "reservation.accepted",
        "task.wrapup",
        "reservation.wrapup",
        "task.completed",
        "reservation.completed",
    ]
    assert ev.one(task, "task.completed")["event_data"]["task_completed_reason"] == "done"
    for event in ev.list(TaskSid=task, ReservationSid=reservation["sid"]):
        assert event["resource_type"] == "reservation"


def test_reject_announces_reservation_rejected(api: Api, ev: Events) -> None:
    task = api.created(Attributes='{"type": "sales"}')["sid"]
    ev.set_activity(alice(ev), "Available")
    reservation = ev.reservation(task)
    ev.resolve(task, reservation["sid"], "rejected")
    event = ev.one(task, "reservation.rejected")
    assert event["event_data"]["reservation_sid"] == reservation["sid"]
    assert ev.status(task) == "pending"


def test_reservation_timeout_announces_reservation_timeout(
    api: Api, ev: Events, clock: ManualClock
) -> None:
    task = api.created(Attributes='{"type": "sales"}')["sid"]
    ev.set_activity(alice(ev), "Available")
    clock.advance(119)
    assert "reservation.timeout" not in ev.types(TaskSid=task)
    clock.advance(2)
    event = ev.one(task, "reservation.timeout")
    assert event["event_date"] == iso(START + 120)
    assert event["event_data"]["worker_sid"] == alice(ev)


# --- filters, window, paging ------------------------------------------------------------------


def test_list_filters(api: Api, ev: Events) -> None:
    sales = api.created(Attributes='{"type": "sales"}')["sid"]
    ev.set_activity(alice(ev), "Available")
    reservation = ev.reservation(sales)["sid"]
    voice = api.created(Attributes='{"type": "support"}', TaskChannel="voice")
    support = voice["sid"]
    assert ev.status(support) == "pending"  # Alice is busy, Bob offline

    everything = ev.list(PageSize="1000")
    assert {e["event_data"]["task_sid"] for e in everything} == {sales, support}

    def sids(**query: str) -> list[str]:
        return [e["sid"] for e in ev.list(**query)]

    def where(test: Any) -> list[str]:
        return [e["sid"] for e in everything if test(e)]

    assert sids(EventType="reservation.created") == where(
        lambda e: e["event_type"] == "reservation.created"
    )
    assert len(sids(EventType="reservation.created")) == 1
    assert sids(TaskSid=support) == where(lambda e: e["event_data"]["task_sid"] == support)
    assert ev.types(TaskSid=support) == ["task.created", "task-queue.entered"]
    assert ev.types(ReservationSid=reservation) == ["reservation.created"]
    assert ev.types(WorkerSid=alice(ev)) == ["reservation.created"]
    assert ev.types(WorkerSid=ev.ws.workers[1].sid) == []
    assert sids(TaskQueueSid=voice["task_queue_sid"]) == sids(TaskSid=support)
    assert sids(WorkflowSid=ev.workflow()) == [e["sid"] for e in everything]
    assert sids(TaskChannel="voice") == sids(TaskSid=support)
    assert sids(TaskChannel=voice["task_channel_sid"]) == sids(TaskSid=support)
    assert sids(Sid=everything[2]["sid"]) == [everything[2]["sid"]]
    assert sids(TaskSid=sales, EventType="task.created") == [everything[0]["sid"]]


def test_workflow_filter_tells_the_workflows_apart(multi: Api) -> None:
    ev = Events(multi)
    first, second = (w.sid for w in ev.ws.workflows)
    a = multi.created(WorkflowSid=first)["sid"]
    b = multi.created(WorkflowSid=second)["sid"]
    assert {e["event_data"]["task_sid"] for e in ev.list(WorkflowSid=second)} == {b}
    assert {e["event_data"]["task_sid"] for e in ev.list(WorkflowSid=first)} == {a}
    single = Events(multi.on(multi.fixture.single.sid))
    assert single.list(TaskSid=a) == []  # another workspace's events are not listed
    event = ev.list(TaskSid=a)[0]["sid"]
    assert_error(single.get(f"/Events/{event}"), 404, 20404)


def test_minutes_default_15_and_the_start_date(api: Api, ev: Events, clock: ManualClock) -> None:
    old = api.created()["sid"]
    clock.advance(16 * 60)
    new = api.created()["sid"]

    def tasks(**query: str) -> set[str]:
        return {e["event_data"]["task_sid"] for e in ev.list(**query)}

    assert tasks() == {new}
    assert tasks(Minutes="15") == {new}
    assert tasks(Minutes="60") == {old, new}
    assert tasks(StartDate=iso(START - 1)) == {old, new}
    assert tasks(StartDate=iso(START + 1)) == {new}
    assert tasks(Minutes="60", EndDate=iso(START + 1)) == {old}


def test_bad_list_parameters_are_400(api: Api, ev: Events) -> None:
    api.created()
    assert_error(ev.get("/Events", StartDate=iso(START - 31 * 86_400)), 400, 20001, "StartDate")
    assert ev.get("/Events", StartDate=iso(START - 29 * 86_400)).status_code == 200
    assert_error(ev.get("/Events", TaskSid="WTnot-a-sid"), 400, 20001, "TaskSid")
    assert_error(ev.get("/Events", ReservationSid="WT" + "0" * 32), 400, 20001)
    assert_error(ev.get("/Events", PageSize="0"), 400, 20001, "PageSize")
    assert_error(ev.get("/Events", PageSize="1001"), 400, 20001, "PageSize")
    assert ev.get("/Events", PageSize="1000").status_code == 200


def test_paging_follows_next_page_url_to_the_end(api: Api, ev: Events) -> None:
    for n in range(3):
        api.created(Attributes=json.dumps({"n": n}))
    api.update(api.created()["sid"], AssignmentStatus="canceled", Reason="x")  # 3 events
    everything = [e["sid"] for e in ev.list(PageSize="1000")]
    assert len(everything) == 9
    page = ev.get("/Events", PageSize="2").json()
    seen: list[str] = []
    pages = 0
    while True:
        pages += 1
        assert page["meta"]["key"] == "events" and page["meta"]["page_size"] == 2
        assert 1 <= len(page["events"]) <= 2
        seen += [e["sid"] for e in page["events"]]
        if page["meta"]["next_page_url"] is None:
            break
        response = api.http.get(page["meta"]["next_page_url"], auth=api.auth)
        assert response.status_code == 200, response.text
        page = response.json()
    assert seen == everything and len(set(seen)) == len(seen)
    assert pages == 5


def test_fetch_unknown_event_is_404_and_post_is_405(api: Api, ev: Events) -> None:
    assert_error(ev.get(f"/Events/{UNKNOWN_EVENT}"), 404, 20404, UNKNOWN_EVENT)
    assert_error(ev.get("/Events/EVnope"), 404, 20404)
    response = ev.post("/Events", EventType="task.created")
    assert_error(response, 405, 20004)
    assert response.headers["allow"] == "GET"


# --- Workspace and Workflow callback fields ---------------------------------------------------


def test_workspace_event_callback_url_and_events_filter(ev: Events) -> None:
    first = ev.get("")
    assert first.status_code == 200, first.text
    assert first.json()["event_callback_url"] is None
    assert first.json()["events_filter"] is None
    assert first.json()["sid"] == ev.api.ws
    assert first.json()["friendly_name"] == ev.ws.friendly_name

    url = "http://example.invalid/x"
    assert ev.post("", EventCallbackUrl=url).json()["event_callback_url"] == url
    assert ev.get("").json()["event_callback_url"] == url
    assert_error(ev.post("", EventCallbackUrl="not a url"), 400, 20001, "EventCallbackUrl")
    assert_error(ev.post("", EventCallbackUrl="ftp://example.invalid/x"), 400, 20001)
    assert ev.get("").json()["event_callback_url"] == url  # a refused change changes nothing
    assert ev.post("", EventCallbackUrl="").json()["event_callback_url"] is None
    assert ev.get("").json()["event_callback_url"] is None

    wanted = "task.created,task.canceled"
    assert ev.post("", EventsFilter=wanted).json()["events_filter"] == wanted
    assert_error(ev.post("", EventsFilter="task.created,bogus"), 400, 20001, "EventsFilter")
    assert ev.get("").json()["events_filter"] == wanted
    renamed = ev.post("", FriendlyName="Renamed")
    assert renamed.json()["friendly_name"] == "Renamed"
    ev.api.created()
    assert {e["event_data"]["workspace_name"] for e in ev.list()} == {"Renamed"}


def test_workflow_callback_fields(ev: Events) -> None:
    wf = ev.workflow()
    body = ev.get(f"/Workflows/{wf}").json()
    assert body["sid"] == wf
    assert body["assignment_callback_url"] is None
    assert body["fallback_assignment_callback_url"] is None
    assert body["task_reservation_timeout"] == 120
    updated = ev.post(
        f"/Workflows/{wf}",
        AssignmentCallbackUrl="http://example.invalid/assign",
        FallbackAssignmentCallbackUrl="https://example.invalid/fallback",
    )
    assert updated.status_code == 200, updated.text
    again = ev.get(f"/Workflows/{wf}").json()
    assert again["assignment_callback_url"] == "http://example.invalid/assign"
    assert again["fallback_assignment_callback_url"] == "https://example.invalid/fallback"
    assert_error(ev.post(f"/Workflows/{wf}", TaskReservationTimeout="0"), 400, 20001)
    assert_error(ev.post(f"/Workflows/{wf}", TaskReservationTimeout="86401"), 400, 20001)
    assert_error(ev.post(f"/Workflows/{wf}", AssignmentCallbackUrl="nope"), 400, 20001)
    assert ev.get(f"/Workflows/{wf}").json()["task_reservation_timeout"] == 120
    cleared = ev.post(f"/Workflows/{wf}", AssignmentCallbackUrl="").json()
    assert cleared["assignment_callback_url"] is None
    assert cleared["fallback_assignment_callback_url"] == "https://example.invalid/fallback"

    listed = ev.get("/Workflows").json()
    assert listed["meta"]["key"] == "workflows"
    assert [w["sid"] for w in listed["workflows"]] == [wf]
    assert_error(ev.get(f"/Workflows/{UNKNOWN_WORKFLOW}"), 404, 20404)
    assert_error(ev.post(f"/Workflows/{UNKNOWN_WORKFLOW}", FriendlyName="x"), 404, 20404)


def test_task_reservation_timeout_30_times_out_after_30_seconds(
    api: Api, ev: Events, clock: ManualClock
) -> None:
    response = ev.post(f"/Workflows/{ev.workflow()}", TaskReservationTimeout="30")
    assert response.json()["task_reservation_timeout"] == 30
    task = api.created(Attributes='{"type": "sales"}')["sid"]
    ev.set_activity(alice(ev), "Available")
    clock.advance(29)
    assert ev.reservation(task)["reservation_status"] == "pending"
    assert ev.status(task) == "reserved"
    clock.advance(2)
    assert ev.reservation(task)["reservation_status"] == "timeout"
    assert ev.status(task) == "pending"
    assert ev.one(task, "reservation.timeout")["event_date"] == iso(START + 30)


# --- the official SDK over a real socket -------------------------------------------------------


class ToReference(TwilioHttpClient):
    """The SDK's HTTP client with taskrouter.twilio.com swapped for the reference."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.reference = base_url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> TwilioResponse:
        url = url.replace("https://taskrouter.twilio.com", self.reference)
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def served() -> Iterator[RunningServer]:
    with start_in_thread(ServerConfig(test_clock=True)) as running:
        yield running


def test_twilio_sdk_reads_events_workspace_and_workflow(
    served: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    fx = served.config.fixture
    ws = fx.single
    client = Client(fx.account_sid, fx.auth_token, http_client=ToReference(served.base_url))
    workspace = client.taskrouter.v1.workspaces(ws.sid)

    task = workspace.tasks.create(attributes=json.dumps({"type": "support"}))
    other = workspace.tasks.create(attributes=json.dumps({"type": "sales"}))
    events = workspace.events.list(task_sid=task.sid)
    assert [e.event_type for e in events] == ["task.created", "task-queue.entered"]
    assert all(e.resource_sid == task.sid and e.resource_type == "task" for e in events)
    assert all(e.event_data["task_sid"] == task.sid for e in events)
    assert isinstance(events[0].event_date, datetime)
    assert {e.event_data["task_sid"] for e in workspace.events.list(task_sid=other.sid)} == {
        other.sid
    }
    fetched = workspace.events(events[1].sid).fetch()
    assert fetched.sid == events[1].sid and fetched.event_type == "task-queue.entered"
    assert fetched.event_data["task_queue_sid"] == task.task_queue_sid
    with pytest.raises(TwilioRestException) as missing:
        workspace.events(UNKNOWN_EVENT).fetch()
    assert missing.value.status == 404 and missing.value.code == 20404

    assert workspace.fetch().event_callback_url is None
    url = "http://example.invalid/events"
    assert workspace.update(event_callback_url=url).event_callback_url == url
    assert workspace.fetch().event_callback_url == url
    workspace.update(event_callback_url="")
    assert workspace.fetch().event_callback_url is None

    workflow = workspace.workflows(ws.workflows[0].sid)
    assign = "http://example.invalid/assign"
    assert workflow.update(assignment_callback_url=assign).assignment_callback_url == assign
    assert workflow.fetch().assignment_callback_url == assign
    assert [w.sid for w in workspace.workflows.list()] == [ws.workflows[0].sid]
    with pytest.raises(TwilioRestException) as bad:
        workflow.update(task_reservation_timeout=0)
    assert bad.value.status == 400 and bad.value.code == 20001
