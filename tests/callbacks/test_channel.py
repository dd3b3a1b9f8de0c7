"""The push channel (harness.callbacks.channel) against the reference over real sockets: it
points every profile workspace's EventCallbackUrl and every workflow's AssignmentCallbackUrl
at its receiver and puts the old values back; ``configure: false`` changes nothing; a remote
target needs ``callbacks.receiver``; a target that refuses the update is an error, once."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from harness.callbacks.channel import CallbackChannel, CallbacksUnavailable, is_loopback
from harness.callbacks.receiver import CallbackKind
from harness.reference.config import ServerConfig
from harness.reference.fixture import Fixture, default_fixture
from harness.reference.server import RunningServer, start_in_thread
from harness.targets.profile import TargetProfile, profile_from_fixture
from harness.targets.target import Credentials
from harness.wire.client import TargetClient
from tests.fakes_events import (
    EventsGate,
    RecordingTransport,
    Unreachable,
    no_workflow_update,
    no_workspace_update,
    serve,
)

OLD_EVENT_URL = "http://example.invalid/old"
OLD_ASSIGNMENT_URL = "http://example.invalid/old-assignment"
REMOTE = "http://203.0.113.7:9"
TUNNEL = "https://tunnel.example"


@pytest.fixture
def server() -> Iterator[RunningServer]:
    running = start_in_thread(ServerConfig())
    try:
        yield running
    finally:
        running.stop()


def fixture_of(server: RunningServer) -> Fixture:
    return server.config.fixture


def client_for(
    base_url: str, fixture: Fixture, transport: httpx.BaseTransport | None = None
) -> TargetClient:
    return TargetClient(
        base_url, Credentials(fixture.account_sid, fixture.auth_token), transport=transport
    )


def profile_for(fixture: Fixture, **extra: Any) -> TargetProfile:
    base = profile_from_fixture(fixture, 2)
    return TargetProfile.from_dict({**base.data, **extra}, "test")


def settings(base_url: str, fixture: Fixture, profile: TargetProfile) -> dict[str, str | None]:
    """path -> the callback URL field the target shows there, for every workspace and
    workflow of the profile (read with a client of the test's own)."""
    auth = (fixture.account_sid, fixture.auth_token)
    shown: dict[str, str | None] = {}
    with httpx.Client(base_url=base_url, auth=auth, timeout=10, trust_env=False) as http:
        for ws in profile.data["workspaces"].values():
            path = f"/v1/Workspaces/{ws['sid']}"
            answer = http.get(path)
            assert answer.status_code == 200, answer.text
            shown[path] = answer.json()["event_callback_url"]
            for workflow in ws["workflows"]:
                wf_path = f"{path}/Workflows/{workflow['sid']}"
                answer = http.get(wf_path)
                assert answer.status_code == 200, answer.text
                shown[wf_path] = answer.json()["assignment_callback_url"]
    return shown


def set_field(base_url: str, fixture: Fixture, path: str, name: str, value: str) -> None:
    auth = (fixture.account_sid, fixture.auth_token)
    answer = httpx.post(base_url + path, data={name: value}, auth=auth, timeout=10)
    assert answer.status_code == 200, answer.text


def refuses_connections(url: str) -> bool:
    try:
        httpx.post(url, data={"EventType": "x"}, timeout=2, trust_env=False)
    except httpx.ConnectError:
        return True
    return False


# --- against the reference ------------------------------------------------------------------


def test_ensure_points_every_workspace_and_workflow_and_restore_puts_them_back(
    server: RunningServer,
) -> None:
    fixture = fixture_of(server)
    profile = profile_for(fixture)
    single = profile.data["workspaces"]["single"]
    multi = profile.data["workspaces"]["multi"]
    # one non-null value of each kind before the run, the others null
    ws_path = f"/v1/Workspaces/{single['sid']}"
    wf_path = f"/v1/Workspaces/{multi['sid']}/Workflows/{multi['workflows'][1]['sid']}"
    set_field(server.base_url, fixture, ws_path, "EventCallbackUrl", OLD_EVENT_URL)
    set_field(server.base_url, fixture, wf_path, "AssignmentCallbackUrl", OLD_ASSIGNMENT_URL)
    before = settings(server.base_url, fixture, profile)
    assert len(before) == 5  # 2 workspaces, 3 workflows
    assert before[ws_path] == OLD_EVENT_URL and before[wf_path] == OLD_ASSIGNMENT_URL
    assert sum(value is None for value in before.values()) == 3

    with client_for(server.base_url, fixture) as client:
        channel = CallbackChannel(client, profile)
        receiver = channel.ensure()
        assert channel.ensure() is receiver  # started once
        assert is_loopback(receiver.base_url)
        during = settings(server.base_url, fixture, profile)
        for path, value in during.items():
            kind = CallbackKind.ASSIGNMENT if "/Workflows/" in path else CallbackKind.EVENT
            assert value == receiver.url(kind), path
        # the target really calls it: a create logs task.created to the receiver
        created = client.send(
            client.build("POST", f"{ws_path}/Tasks", form=[("Attributes", '{"type":"support"}')])
        )
        assert created.status_code == 201, created.text
        got = receiver.wait_for(
            CallbackKind.EVENT, {"TaskSid": created.json()["sid"]}, 1, timeout=10
        )
        assert [c.param("EventType") for c in got][:1] == ["task.created"]

        assert channel.restore() == []
        assert settings(server.base_url, fixture, profile) == before
        # ensure again after a restore points the target at the receiver again
        assert channel.ensure() is receiver
        assert settings(server.base_url, fixture, profile) == during

        events_url = receiver.url(CallbackKind.EVENT)
        assert not refuses_connections(events_url)
        assert channel.close() == []
        assert settings(server.base_url, fixture, profile) == before
        assert channel.receiver is None
        assert refuses_connections(events_url)


def test_configure_false_sends_nothing_and_still_starts_the_receiver(
    server: RunningServer,
) -> None:
    fixture = fixture_of(server)
    profile = profile_for(fixture, callbacks={"configure": False})
    before = settings(server.base_url, fixture, profile)
    wire = RecordingTransport()
    with client_for(server.base_url, fixture, wire) as client:
        channel = CallbackChannel(client, profile)
        receiver = channel.ensure()
        try:
            posted = httpx.post(
                receiver.url(CallbackKind.EVENT), data={"EventType": "task.created"}, timeout=5
            )
            assert posted.status_code == 204
            assert [c.param("EventType") for c in receiver.received()] == ["task.created"]
            assert channel.restore() == []
        finally:
            assert channel.close() == []
    assert wire.sent() == []
    assert settings(server.base_url, fixture, profile) == before


# --- a target that is not on this machine ----------------------------------------------------


def test_a_remote_target_without_a_receiver_url_is_not_configured() -> None:
    fixture = ServerConfig().fixture
    wire = RecordingTransport(Unreachable())
    with client_for(REMOTE, fixture, wire) as client:
        channel = CallbackChannel(client, profile_for(fixture))
        with pytest.raises(CallbacksUnavailable) as caught:
            channel.ensure()
        assert caught.value.not_configured is True
        message = str(caught.value)
        assert "`callbacks.receiver`" in message and REMOTE in message
        assert "\n" not in message
        assert channel.receiver is None
        # remembered: asked again, the same answer, still without a request
        with pytest.raises(CallbacksUnavailable) as again:
            channel.ensure()
        assert again.value is caught.value
        assert channel.close() == []
    assert wire.requests == []


def test_a_remote_target_with_a_receiver_url_gets_the_public_url() -> None:
    fixture = ServerConfig().fixture
    wire = RecordingTransport(Unreachable())
    profile = profile_for(fixture, callbacks={"receiver": TUNNEL, "configure": False})
    with client_for(REMOTE, fixture, wire) as client:
        channel = CallbackChannel(client, profile)
        receiver = channel.ensure()
        try:
            assert receiver.base_url == TUNNEL
            assert receiver.url(CallbackKind.EVENT) == f"{TUNNEL}/events"
            assert receiver.url(CallbackKind.ASSIGNMENT) == f"{TUNNEL}/assignment"
        finally:
            channel.close()
    assert wire.requests == []


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8080", True),
        ("http://127.3.4.5", True),
        ("http://localhost:3000", True),
        ("http://[::1]:3000", True),
        (REMOTE, False),
        ("https://taskrouter.twilio.com", False),
        ("http://10.0.0.2:3000", False),
    ],
)
def test_is_loopback(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


# --- a target that refuses to be configured --------------------------------------------------


def test_a_target_that_refuses_the_workspace_update_is_an_error_remembered() -> None:
    gate = EventsGate(no_workspace_update)
    with serve(gate) as server:
        profile = gate.profile()
        with client_for(server.base_url, gate.fixture) as client:
            channel = CallbackChannel(client, profile)
            with pytest.raises(CallbacksUnavailable) as caught:
                channel.ensure()
            failure = caught.value
            assert failure.not_configured is False
            message = str(failure)
            assert "\n" not in message
            assert message.startswith("could not configure callbacks: POST /v1/Workspaces/WS")
            assert "answered 404" in message
            # the receiver it had started is stopped again
            assert channel.receiver is None
            ((_, _, body),) = gate.refused
            started_at = httpx.QueryParams(body)["EventCallbackUrl"]
            assert is_loopback(started_at) and refuses_connections(started_at)
            # remembered: a second ensure raises the same without a request
            sent = len(gate.log)
            with pytest.raises(CallbacksUnavailable) as again:
                channel.ensure()
            assert again.value is failure
            assert len(gate.log) == sent
            assert channel.restore() == [] and len(gate.log) == sent
        assert all(
            value is None for value in settings(server.base_url, gate.fixture, profile).values()
        )


def test_a_refusal_half_way_puts_back_what_was_already_changed() -> None:
    gate = EventsGate(no_workflow_update)
    with serve(gate) as server:
        profile = gate.profile()
        ws_path = f"/v1/Workspaces/{profile.data['workspaces']['single']['sid']}"
        set_field(server.base_url, gate.fixture, ws_path, "EventCallbackUrl", OLD_EVENT_URL)
        before = settings(server.base_url, gate.fixture, profile)
        with client_for(server.base_url, gate.fixture) as client:
            channel = CallbackChannel(client, profile)
            with pytest.raises(CallbacksUnavailable, match=r"POST /v1/Workspaces/WS\w+/Workflows/"):
                channel.ensure()
            assert channel.receiver is None
        posts = gate.requests(lambda m, p: m == "POST" and p == ws_path)
        assert len(posts) == 3  # the test's own, the channel's, the channel's restore
        assert settings(server.base_url, gate.fixture, profile) == before


# --- the receiver's port (callbacks.port, for a tunnel) ---------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_the_receiver_listens_on_the_profile_port() -> None:
    fixture = ServerConfig().fixture
    port = free_port()
    profile = profile_for(fixture, callbacks={"port": port, "configure": False})
    with client_for("http://127.0.0.1:9", fixture, Unreachable()) as client:
        channel = CallbackChannel(client, profile)
        try:
            receiver = channel.ensure()
            assert receiver.base_url == f"http://127.0.0.1:{port}"
            answer = httpx.post(f"http://127.0.0.1:{port}/events", data={"EventType": "x"})
            assert answer.status_code == 204
        finally:
            channel.close()
    assert refuses_connections(f"http://127.0.0.1:{port}/events")


def test_a_profile_port_in_use_is_an_error_naming_it() -> None:
    fixture = ServerConfig().fixture
    wire = RecordingTransport(Unreachable())
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        profile = profile_for(fixture, callbacks={"port": port})
        with client_for("http://127.0.0.1:9", fixture, wire) as client:
            channel = CallbackChannel(client, profile)
            with pytest.raises(CallbacksUnavailable) as caught:
                channel.ensure()
            assert caught.value.not_configured is False
            assert f"127.0.0.1:{port}" in str(caught.value) and "\n" not in str(caught.value)
            assert channel.receiver is None
            with pytest.raises(CallbacksUnavailable) as again:
                channel.ensure()
            assert again.value is caught.value
            assert channel.close() == []
    assert wire.requests == []  # the target was never touched


def test_a_workspace_events_filter_is_left_alone_and_noted(server: RunningServer) -> None:
    fixture = fixture_of(server)
    profile = profile_for(fixture)
    ws_path = f"/v1/Workspaces/{profile.data['workspaces']['single']['sid']}"
    set_field(server.base_url, fixture, ws_path, "EventsFilter", "task.created")
    with client_for(server.base_url, fixture) as client:
        channel = CallbackChannel(client, profile)
        channel.ensure()
        assert len(channel.notes) == 1
        assert ws_path in channel.notes[0] and "EventsFilter=task.created" in channel.notes[0]
        channel.close()
    auth = (fixture.account_sid, fixture.auth_token)
    after = httpx.get(server.base_url + ws_path, auth=auth).json()
    assert after["events_filter"] == "task.created"  # never changed
    assert after["event_callback_url"] is None  # restored


def test_the_urls_point_at_the_receiver_only_while_a_case_holds_the_channel(
    server: RunningServer,
) -> None:
    fixture = fixture_of(server)
    profile = profile_for(fixture)
    ws_path = f"/v1/Workspaces/{profile.data['workspaces']['single']['sid']}"
    set_field(server.base_url, fixture, ws_path, "EventCallbackUrl", OLD_EVENT_URL)
    before = settings(server.base_url, fixture, profile)
    with client_for(server.base_url, fixture) as client:
        channel = CallbackChannel(client, profile)
        receiver = channel.acquire("case-1")
        channel.acquire("case-2")
        channel.release("case-1")
        # case-2 still holds it: still pointed
        assert settings(server.base_url, fixture, profile)[ws_path] == receiver.url(
            CallbackKind.EVENT
        )
        channel.release("case-2")
        assert settings(server.base_url, fixture, profile) == before  # put back at once
        channel.release("case-2")  # a second release is nothing
        assert channel.acquire("case-3") is receiver  # pointed again, same receiver
        assert settings(server.base_url, fixture, profile)[ws_path] == receiver.url(
            CallbackKind.EVENT
        )
        channel.close()
    assert settings(server.base_url, fixture, profile) == before


def test_a_disabled_channel_is_not_configured_and_touches_nothing() -> None:
    transport = RecordingTransport()
    fixture = default_fixture()
    with client_for("http://127.0.0.1:9", fixture, transport=transport) as client:
        channel = CallbackChannel(client, profile_for(fixture))
        channel.disable("pytest-xdist workers share the target's callback URLs")
        with pytest.raises(CallbacksUnavailable) as caught:
            channel.acquire("case-1")
        assert caught.value.not_configured and "xdist" in str(caught.value)
        assert channel.receiver is None
    assert transport.requests == []


def test_bind_every_address_still_gives_a_loopback_base(server: RunningServer) -> None:
    fixture = fixture_of(server)
    profile = profile_for(fixture, callbacks={"bind": "0.0.0.0", "configure": False})
    with client_for(server.base_url, fixture) as client:
        channel = CallbackChannel(client, profile)
        receiver = channel.ensure()
        assert receiver.base_url.startswith("http://127.0.0.1:")
        answer = httpx.post(receiver.url(CallbackKind.EVENT), data={"EventType": "x"})
        assert answer.status_code == 204
        channel.close()


class _LostAnswer(httpx.BaseTransport):
    """The first update of the workspace takes effect, but its answer never arrives."""

    def __init__(self, ws_sid: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.ws_sid = ws_sid
        self.lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST" and request.url.path.endswith(self.ws_sid) and not self.lost:
            self.lost += 1
            response.read()
            raise httpx.ReadTimeout("timed out", request=request)
        return response


class _HiddenFields(httpx.BaseTransport):
    """A target whose GET does not show the callback fields (it takes the updates)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.posts = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.posts += request.method == "POST"
        response = self.inner.handle_request(request)
        if request.method != "GET":
            return response
        body = json.loads(response.read())
        body.pop("event_callback_url", None)
        body.pop("assignment_callback_url", None)
        return httpx.Response(response.status_code, json=body)


def test_an_update_whose_answer_is_lost_is_still_put_back(server: RunningServer) -> None:
    fixture = fixture_of(server)
    profile = profile_for(fixture)
    ws_path = f"/v1/Workspaces/{fixture.single.sid}"
    set_field(server.base_url, fixture, ws_path, "EventCallbackUrl", OLD_EVENT_URL)
    with client_for(server.base_url, fixture, _LostAnswer(fixture.single.sid)) as client:
        channel = CallbackChannel(client, profile)
        with pytest.raises(CallbacksUnavailable):
            channel.ensure()
        assert channel.close() == []
    assert settings(server.base_url, fixture, profile)[ws_path] == OLD_EVENT_URL


def test_a_field_the_target_does_not_show_is_never_changed(server: RunningServer) -> None:
    fixture = fixture_of(server)
    profile = profile_for(fixture)
    ws_path = f"/v1/Workspaces/{fixture.single.sid}"
    set_field(server.base_url, fixture, ws_path, "EventCallbackUrl", OLD_EVENT_URL)
    wire = _HiddenFields()
    with client_for(server.base_url, fixture, wire) as client:
        channel = CallbackChannel(client, profile)
        with pytest.raises(CallbacksUnavailable) as caught:
            channel.ensure()
        assert "does not show event_callback_url" in str(caught.value)
        assert "callbacks.configure: false" in str(caught.value)
        channel.close()
    assert wire.posts == 0
    assert settings(server.base_url, fixture, profile)[ws_path] == OLD_EVENT_URL


def test_a_workflow_fallback_points_at_the_receiver_too_and_is_put_back(
    server: RunningServer,
) -> None:
    fixture = fixture_of(server)
    profile = profile_for(fixture)
    ws = fixture.single
    wf_path = f"/v1/Workspaces/{ws.sid}/Workflows/{ws.workflows[0].sid}"
    fallback = "https://user:secret@fallback.example.invalid/assign"
    set_field(server.base_url, fixture, wf_path, "FallbackAssignmentCallbackUrl", fallback)
    auth = (fixture.account_sid, fixture.auth_token)
    with client_for(server.base_url, fixture) as client:
        channel = CallbackChannel(client, profile)
        receiver = channel.ensure()
        during = httpx.get(server.base_url + wf_path, auth=auth).json()
        assert during["fallback_assignment_callback_url"] == receiver.url(CallbackKind.ASSIGNMENT)
        channel.close()
    after = httpx.get(server.base_url + wf_path, auth=auth).json()
    assert after["fallback_assignment_callback_url"] == fallback


def test_a_refused_restore_names_the_old_url_without_its_credentials(
    server: RunningServer,
) -> None:
    fixture = fixture_of(server)
    profile = profile_for(fixture)
    ws_path = f"/v1/Workspaces/{fixture.single.sid}"
    set_field(
        server.base_url, fixture, ws_path, "EventCallbackUrl", "https://me:pw@prod.invalid/cb"
    )
    with client_for(server.base_url, fixture) as client:
        channel = CallbackChannel(client, profile)
        channel.ensure()
        channel.client = client_for("http://127.0.0.1:9", fixture)  # restores now fail
        refused = channel.restore()
    assert any("https://prod.invalid/cb" in line for line in refused), refused
    assert not any("pw" in line for line in refused)
