"""The reference's callbacks over real sockets (harness.reference.delivery, callbacks): Event
callbacks to the Workspace's EventCallbackUrl and assignment callbacks to the Workflow's
AssignmentCallbackUrl, signed as Twilio signs them, sent without holding up a REST answer,
and the assignment instructions acted on.

The reference runs on a thread (``start_in_thread``), the receiver is a stdlib HTTP server
(tests/reference/callback_sink.py). Nothing sleeps: a test waits on the sink's condition or on
the dispatcher's ``wait_idle``.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from harness.reference.config import ServerConfig
from harness.reference.delivery import Dispatcher
from harness.reference.fixture import Fixture, Workspace
from harness.reference.server import RunningServer, start_in_thread
from tests.reference.callback_sink import CallbackSink, Reply, closed_port_url

IDLE = 10.0  # the most any test waits for the dispatcher (a deadline, not a sleep)
TASK_FIELDS = {"TaskSid", "TaskAttributes", "TaskAge", "TaskPriority", "TaskAssignmentStatus"}
EVENT_FIELDS = {
    "EventType",
    "AccountSid",
    "WorkspaceSid",
    "WorkspaceName",
    "EventDescription",
    "ResourceType",
    "ResourceSid",
    "Timestamp",
}


@dataclass
class Reference:
    """A running reference, an HTTP client on it and its single-workflow workspace."""

    server: RunningServer
    http: httpx.Client

    @property
    def fixture(self) -> Fixture:
        return self.server.config.fixture

    @property
    def ws(self) -> Workspace:
        return self.fixture.single

    @property
    def base(self) -> str:
        return f"/v1/Workspaces/{self.ws.sid}"

    @property
    def dispatcher(self) -> Dispatcher:
        return self.server.app.state.reference.service.hub.dispatcher

    def idle(self) -> None:
        assert self.dispatcher.wait_idle(IDLE), "callbacks still being sent"

    def post(self, path: str, **form: Any) -> httpx.Response:
        response = self.http.post(f"{self.base}{path}", data=form)
        assert response.status_code < 300, response.text
        return response

    def get(self, path: str, **query: Any) -> dict[str, Any]:
        response = self.http.get(f"{self.base}{path}", params=query)
        assert response.status_code == 200, response.text
        return response.json()

    def create(self, **form: Any) -> dict[str, Any]:
        return self.post("/Tasks", **form).json()

    def cancel(self, task: str, reason: str = "caller hung up") -> None:
        self.post(f"/Tasks/{task}", AssignmentStatus="canceled", Reason=reason)

    def events_to(self, url: str, **more: str) -> None:
        self.post("", EventCallbackUrl=url, **more)

    def assignments_to(self, url: str, fallback: str | None = None) -> None:
        form = {"AssignmentCallbackUrl": url}
        if fallback is not None:
            form["FallbackAssignmentCallbackUrl"] = fallback
        self.post(f"/Workflows/{self.ws.workflows[0].sid}", **form)

    def available(self, worker: str) -> None:
        activity = self.ws.activity("Available")
        assert activity is not None
        self.post(f"/Workers/{worker}", ActivitySid=activity.sid)

    def status(self, task: str) -> str:
        return self.get(f"/Tasks/{task}")["assignment_status"]

    def reservations(self, task: str) -> list[dict[str, Any]]:
        return self.get(f"/Tasks/{task}/Reservations")["reservations"]


@pytest.fixture
def sink() -> Iterator[CallbackSink]:
    with CallbackSink() as running:
        yield running


@pytest.fixture
def ref(sink: CallbackSink) -> Iterator[Reference]:
    # held answers are released before the stop, so a slow receiver never delays it
    server = start_in_thread(ServerConfig(test_clock=True))
    fx = server.config.fixture
    http = httpx.Client(base_url=server.base_url, auth=(fx.account_sid, fx.auth_token))
    try:
        yield Reference(server, http)
    finally:
        sink.release()
        http.close()
        server.stop()


def validator(ref: Reference) -> RequestValidator:
    return RequestValidator(ref.fixture.auth_token)


def alice(ref: Reference) -> str:
    return ref.ws.workers[0].sid  # skills sales and support


def of(callbacks: list[Any], task: str) -> list[str]:
    return [c.params["EventType"] for c in callbacks if c.params.get("TaskSid") == task]


# --- Event callbacks -----------------------------------------------------------------------------


def test_every_event_is_posted_signed_with_the_event_and_task_fields(
    ref: Reference, sink: CallbackSink
) -> None:
    ref.events_to(sink.url("/events"))
    task = ref.create(Attributes='{"type": "support"}', Priority="4")
    ref.cancel(task["sid"], "caller hung up")
    got = sink.wait_count("/events", 3)
    ref.idle()
    assert of(got, task["sid"]) == ["task.created", "task-queue.entered", "task.canceled"]
    listed = ref.get("/Events", TaskSid=task["sid"])["events"]
    assert [c.params["Sid"] for c in got] == [e["sid"] for e in listed]
    check = validator(ref)
    for callback in got:
        params = callback.params
        assert set(params) >= EVENT_FIELDS | TASK_FIELDS | {"WorkflowSid"}, params
        assert callback.headers["content-type"].startswith("application/x-www-form-urlencoded")
        assert params["AccountSid"] == ref.fixture.account_sid
        assert params["WorkspaceSid"] == ref.ws.sid
        assert params["WorkspaceName"] == ref.ws.friendly_name
        assert params["EventDescription"]
        assert params["ResourceType"] == "Task" and params["ResourceSid"] == task["sid"]
        assert params["Timestamp"].isdigit()
        assert abs(int(params["Timestamp"]) - time.time()) < 60
        assert params["TaskSid"] == task["sid"]
        assert params["TaskAttributes"] == task["attributes"]
        assert params["TaskPriority"] == "4"
        assert params["TaskAge"].isdigit()
        assert params["WorkflowSid"] == task["workflow_sid"]
        url = sink.url(callback.path)
        assert check.validate(url, params, callback.signature), params["EventType"]
        for name in params:
            altered = {**params, name: params[name] + "x"}
            assert not check.validate(url, altered, callback.signature), name
        assert not check.validate(url, {**params, "Extra": "1"}, callback.signature)
        assert not check.validate(url + "?a=1", params, callback.signature)
    entered, canceled = got[1].params, got[2].params
    assert entered["TaskQueueSid"] == task["task_queue_sid"]
    assert entered["TaskAssignmentStatus"] == "pending"
    assert canceled["TaskAssignmentStatus"] == "canceled"
    assert canceled["TaskCanceledReason"] == "caller hung up"


def test_events_filter_sends_only_the_listed_types(ref: Reference, sink: CallbackSink) -> None:
    ref.events_to(sink.url("/events"), EventsFilter="task.canceled")
    first, second = ref.create()["sid"], ref.create()["sid"]
    ref.cancel(first)
    ref.post(f"/Tasks/{second}", Attributes='{"changed": true}')  # task.updated: filtered out
    ref.idle()
    got = sink.on("/events")
    assert [(c.params["EventType"], c.params["TaskSid"]) for c in got] == [("task.canceled", first)]
    ref.post("", EventsFilter="")  # an empty filter: every event again
    ref.cancel(second)
    got = sink.wait_count("/events", 2)
    ref.idle()
    assert [c.params["EventType"] for c in got] == ["task.canceled", "task.canceled"]


def test_callbacks_of_a_task_arrive_in_the_order_of_its_events(
    ref: Reference, sink: CallbackSink
) -> None:
    ref.events_to(sink.url("/events"))
    tasks = [ref.create(Attributes=json.dumps({"n": n}))["sid"] for n in range(5)]
    for task in tasks:
        ref.cancel(task)
    got = sink.wait_count("/events", 15)
    ref.idle()
    for task in tasks:
        assert of(got, task) == ["task.created", "task-queue.entered", "task.canceled"]
    assert [c.params["Sid"] for c in got] == [e["sid"] for e in ref.get("/Events")["events"]]


def test_clearing_the_event_callback_url_stops_callbacks(
    ref: Reference, sink: CallbackSink
) -> None:
    ref.events_to(sink.url("/events"))
    ref.create()
    sink.wait_count("/events", 2)
    ref.idle()
    sent = ref.dispatcher.sent
    assert ref.post("", EventCallbackUrl="").json()["event_callback_url"] is None
    ref.cancel(ref.create()["sid"])
    ref.idle()
    assert len(sink.on("/events")) == 2
    assert ref.dispatcher.sent == sent


def test_workspace_name_in_callbacks_follows_its_friendly_name(
    ref: Reference, sink: CallbackSink
) -> None:
    ref.events_to(sink.url("/events"), FriendlyName="Renamed workspace")
    ref.create()
    got = sink.wait_count("/events", 2)
    assert {c.params["WorkspaceName"] for c in got} == {"Renamed workspace"}


def test_workforce_events_are_posted_without_another_request(
    ref: Reference, sink: CallbackSink
) -> None:
    """Each change's callbacks are sent when the change is made, not when some later request
    happens to look (the reservation follows its task's wrap-up and completion)."""
    ref.events_to(sink.url("/events"))
    task = ref.create(Attributes='{"type": "sales"}')["sid"]
    ref.available(alice(ref))
    [reservation] = ref.reservations(task)
    ref.post(f"/Tasks/{task}/Reservations/{reservation['sid']}", ReservationStatus="accepted")
    ref.post(f"/Tasks/{task}", AssignmentStatus="wrapping")
    ref.post(f"/Tasks/{task}", AssignmentStatus="completed", Reason="done")
    with contextlib.suppress(AssertionError):  # the assertion below tells what is missing
        sink.wait_for(lambda got: len(of(got, task)) >= 8, timeout=3)
    ref.idle()
    assert of(sink.on("/events"), task) == [
        "task.created",
        "task-queue.entered",
        "reservation.created",
        "reservation.accepted",
        "task.wrapup",
        "reservation.wrapup",
        "task.completed",
        "reservation.completed",
    ]
    check = validator(ref)
    for callback in sink.on("/events"):
        assert check.validate(sink.url(callback.path), callback.params, callback.signature)
        if callback.params["EventType"].startswith("reservation."):
            assert callback.params["ResourceType"] == "Reservation"
            assert callback.params["ResourceSid"] == reservation["sid"]
            assert callback.params["ReservationSid"] == reservation["sid"]
            assert callback.params["WorkerSid"] == alice(ref)


def test_time_driven_events_are_posted_when_the_test_clock_passes_them(
    ref: Reference, sink: CallbackSink
) -> None:
    ref.events_to(sink.url("/events"))
    reserved = ref.create(Attributes='{"type": "sales"}', Timeout="3600")["sid"]
    ref.available(alice(ref))
    expiring = ref.create(Timeout="5")["sid"]  # Alice is busy, Bob offline: stays pending
    advance = ref.http.post("/trc/v1/Clock", data={"Advance": "130"})
    assert advance.status_code == 200, advance.text
    # no other request: the advance itself makes the TTL and the reservation timeout happen
    got = sink.wait_for(
        lambda got: (
            "task.canceled" in of(got, expiring) and "reservation.timeout" in of(got, reserved)
        )
    )
    [canceled] = [c for c in got if c.params["EventType"] == "task.canceled"]
    assert canceled.params["TaskSid"] == expiring
    assert canceled.params["EventDescription"] == "Task TTL Exceeded"
    assert canceled.params["TaskCanceledReason"] == "Task TTL Exceeded"
    [timeout] = [c for c in got if c.params["EventType"] == "reservation.timeout"]
    assert timeout.params["WorkerSid"] == alice(ref)
    check = validator(ref)
    assert check.validate(sink.url("/events"), canceled.params, canceled.signature)
    assert check.validate(sink.url("/events"), timeout.params, timeout.signature)


# --- receivers that misbehave ---------------------------------------------------------------------


def test_a_slow_receiver_does_not_slow_the_rest_answers(ref: Reference, sink: CallbackSink) -> None:
    sink.reply("/slow", Reply(hold=2.0))
    ref.events_to(sink.url("/slow"))
    for _ in range(3):
        started = time.monotonic()
        ref.create()
        assert time.monotonic() - started < 1.0
    sink.wait_count("/slow", 1)  # the first callback is being held by the receiver
    started = time.monotonic()
    assert ref.get("/Events")["meta"]["key"] == "events"
    assert time.monotonic() - started < 1.0
    sink.release()
    got = sink.wait_count("/slow", 6)
    ref.idle()
    assert [c.params["EventType"] for c in got] == ["task.created", "task-queue.entered"] * 3


def test_a_refusing_receiver_never_breaks_or_stalls_the_server(ref: Reference) -> None:
    ref.events_to(closed_port_url("/events"))
    ref.assignments_to(closed_port_url("/assign"))
    sent = ref.dispatcher.sent
    for _ in range(3):
        started = time.monotonic()
        response = ref.http.post(f"{ref.base}/Tasks", data={"Attributes": '{"type": "sales"}'})
        assert response.status_code == 201, response.text
        assert time.monotonic() - started < 1.0
        cancel = ref.http.post(
            f"{ref.base}/Tasks/{response.json()['sid']}",
            data={"AssignmentStatus": "canceled", "Reason": "x"},
        )
        assert cancel.status_code == 200, cancel.text
    task = ref.create(Attributes='{"type": "sales"}')["sid"]
    ref.available(alice(ref))
    ref.idle()
    assert ref.status(task) == "reserved"  # no answer: the reservation waits for its timeout
    assert ref.get("/Events", PageSize="100")["meta"]["key"] == "events"
    assert ref.dispatcher.sent == sent  # nothing reached a receiver


def test_a_redirect_is_not_followed(ref: Reference, sink: CallbackSink) -> None:
    redirect = Reply(302, headers=(("Location", sink.url("/target")),))
    sink.reply("/redirect", redirect)
    sink.reply("/assign-redirect", Reply(307, headers=(("Location", sink.url("/target")),)))
    ref.events_to(sink.url("/redirect"))
    ref.assignments_to(sink.url("/assign-redirect"))
    task = ref.create(Attributes='{"type": "sales"}')["sid"]
    ref.available(alice(ref))
    ref.idle()
    assert len(sink.on("/redirect")) >= 3  # created, entered, reservation.created
    assert len(sink.on("/assign-redirect")) == 1
    assert sink.on("/target") == []
    assert ref.status(task) == "reserved"


# --- assignment callbacks -------------------------------------------------------------------------


def test_assignment_callback_carries_the_task_and_worker_signed(
    ref: Reference, sink: CallbackSink
) -> None:
    sink.reply("/assign", Reply.json({}))
    ref.assignments_to(sink.url("/assign"))
    attributes = '{"type": "sales", "customer": "ACME"}'
    task = ref.create(Attributes=attributes, Priority="7")
    ref.available(alice(ref))
    [callback] = sink.wait_count("/assign", 1)
    ref.idle()
    [reservation] = ref.reservations(task["sid"])
    params = callback.params
    assert params["TaskSid"] == task["sid"]
    assert params["TaskAttributes"] == task["attributes"]
    assert json.loads(params["TaskAttributes"]) == json.loads(attributes)
    assert params["ReservationSid"] == reservation["sid"]
    assert params["WorkerSid"] == alice(ref)
    assert json.loads(params["WorkerAttributes"]) == json.loads(ref.ws.workers[0].attributes)
    assert params["WorkflowSid"] == task["workflow_sid"]
    assert params["TaskQueueSid"] == task["task_queue_sid"]
    assert params["TaskAge"].isdigit()
    assert params["TaskPriority"] == "7"
    assert params["AccountSid"] == ref.fixture.account_sid
    assert params["WorkspaceSid"] == ref.ws.sid
    assert params["Timestamp"].isdigit()
    check = validator(ref)
    assert check.validate(sink.url("/assign"), params, callback.signature)
    altered = {**params, "WorkerSid": ref.ws.workers[1].sid}
    assert not check.validate(sink.url("/assign"), altered, callback.signature)


HTML = Reply(200, "text/html", b"<html><body>ok</body></html>")
SERVER_ERROR = Reply(500, "application/json", b'{"instruction": "accept"}')
ACCEPT = Reply.json({"instruction": "accept"})
NO_CONTENT = Reply(204)
REDIRECT_CALL = {
    "instruction": "redirect",
    "call_sid": "CA" + "1" * 32,
    "url": "http://x",
    "accept": True,
}


@pytest.mark.parametrize(
    ("answer", "fallback", "reservation_status", "task_status", "fallback_calls"),
    [
        pytest.param(ACCEPT, None, "accepted", "assigned", 0, id="accept"),
        pytest.param(
            Reply.json({"instruction": "reject"}), None, "rejected", "pending", 0, id="reject"
        ),
        # {} is processable ("handle the reservation later"): the fallback is not called
        pytest.param(Reply.json({}), ACCEPT, "pending", "reserved", 0, id="empty-json"),
        pytest.param(HTML, None, "pending", "reserved", 0, id="text-html"),
        pytest.param(HTML, NO_CONTENT, "pending", "reserved", 1, id="text-html-then-204"),
        pytest.param(SERVER_ERROR, None, "pending", "reserved", 0, id="500-no-fallback"),
        pytest.param(SERVER_ERROR, ACCEPT, "accepted", "assigned", 1, id="500-then-fallback"),
        pytest.param(
            Reply.json({"instruction": "dequeue", "from": "+15550100"}),
            None,
            "pending",
            "reserved",
            0,
            id="dequeue-out-of-scope",
        ),
        pytest.param(
            Reply.json(REDIRECT_CALL), None, "accepted", "assigned", 0, id="redirect-accept"
        ),
    ],
)
def test_assignment_instruction_is_obeyed(
    ref: Reference,
    sink: CallbackSink,
    answer: Reply,
    fallback: Reply | None,
    reservation_status: str,
    task_status: str,
    fallback_calls: int,
) -> None:
    sink.reply("/assign", answer)
    if fallback is not None:
        sink.reply("/fallback", fallback)
        ref.assignments_to(sink.url("/assign"), sink.url("/fallback"))
    else:
        ref.assignments_to(sink.url("/assign"))
    task = ref.create(Attributes='{"type": "sales"}')["sid"]
    ref.available(alice(ref))
    [first] = sink.wait_count("/assign", 1)
    ref.idle()
    [reservation] = ref.reservations(task)
    assert reservation["reservation_status"] == reservation_status
    assert ref.status(task) == task_status
    fell_back = sink.on("/fallback")
    assert len(fell_back) == fallback_calls
    for second in fell_back:
        assert second.params == first.params
        url = sink.url("/fallback")
        assert validator(ref).validate(url, second.params, second.signature)
    assert len(sink.on("/assign")) == 1


def test_the_ticker_runs_only_while_a_callback_url_is_set() -> None:
    server = start_in_thread(ServerConfig())
    try:
        fixture = server.config.fixture
        service = server.app.state.reference.service
        auth = (fixture.account_sid, fixture.auth_token)
        ws_url = f"{server.base_url}/v1/Workspaces/{fixture.single.sid}"
        assert service._ticker is None  # nothing to announce: no thread
        httpx.post(ws_url, data={"EventCallbackUrl": "http://127.0.0.1:9/events"}, auth=auth)
        ticker = service._ticker
        assert ticker is not None and ticker.is_alive()
        httpx.post(ws_url, data={"EventCallbackUrl": ""}, auth=auth)
        ticker.join(timeout=5)
        assert not ticker.is_alive() and service._ticker is None
        httpx.post(ws_url, data={"EventCallbackUrl": "http://127.0.0.1:9/events"}, auth=auth)
        assert service._ticker is not None and service._ticker.is_alive()  # again
    finally:
        server.stop()


def test_a_full_queue_drops_callbacks_and_never_blocks_the_stop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    from harness.reference import delivery

    monkeypatch.setattr(delivery, "QUEUE_LIMIT", 2)
    dispatcher = Dispatcher("token")
    release = threading.Event()
    started = threading.Event()

    def stuck(item: object) -> delivery.Answer:
        started.set()
        release.wait(10)  # a receiver that never answers
        return delivery.Answer(0, "", b"")

    monkeypatch.setattr(dispatcher.sender, "post", stuck)
    one = delivery.Delivery("http://127.0.0.1:9/events", (("EventType", "x"),), 1)
    dispatcher.event(one)
    assert started.wait(5)  # the sending thread is stuck on the first
    for _ in range(4):
        dispatcher.event(one)
    assert dispatcher.dropped == 2  # two queued, two dropped
    began = time.monotonic()
    dispatcher.close()
    assert time.monotonic() - began < 3
    release.set()
