"""The callback receiver over real loopback sockets: recording, signatures, answers, waiting,
limits and a clean stop."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping

import httpx
import pytest
from twilio.request_validator import RequestValidator

from harness.callbacks import (
    SIGNATURE_HEADER,
    Answer,
    Callback,
    CallbackKind,
    Receiver,
    SignatureState,
)

TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC = "https://cb.example.test"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(TOKEN) as started:
        yield started


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, trust_env=False) as opened:
        yield opened


def post(
    client: httpx.Client,
    url: str,
    params: Mapping[str, str | list[str]],
    *,
    token: str | None = TOKEN,
    signed_url: str | None = None,
    signature: str | None = None,
    to: str | None = None,
) -> httpx.Response:
    """POST a form to ``to`` (default ``url``), signed for ``signed_url`` (default ``url``)."""
    headers = {}
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    elif token is not None:
        flat = {k: v if isinstance(v, str) else v[0] for k, v in params.items()}
        headers[SIGNATURE_HEADER] = RequestValidator(token).compute_signature(
            signed_url or url, flat
        )
    return client.post(to or url, data=dict(params), headers=headers)


def loopback(receiver: Receiver, kind: CallbackKind) -> str:
    """Where a request really goes when the receiver has a public base."""
    return receiver.url(kind).replace(receiver.base_url, receiver_loopback(receiver))


def receiver_loopback(receiver: Receiver) -> str:
    return receiver._loopback or ""


def test_an_event_is_recorded_and_answered_204(receiver: Receiver, client: httpx.Client) -> None:
    url = receiver.url(CallbackKind.EVENT)
    assert url == receiver.base_url + "/events"
    assert url.startswith("http://127.0.0.1:")
    response = post(client, url, {"EventType": "task.created", "TaskSid": "WT1"})
    assert response.status_code == 204
    assert response.headers["content-type"] == "application/json"
    assert response.content == b""
    [callback] = receiver.received()
    assert callback.kind is CallbackKind.EVENT
    assert callback.seq == 1
    assert callback.url == url
    assert callback.method == "POST"
    assert callback.params == (("EventType", "task.created"), ("TaskSid", "WT1"))
    assert callback.param("TaskSid") == "WT1"
    assert callback.param("Nope") is None
    assert callback.content_type.startswith("application/x-www-form-urlencoded")
    assert callback.signature is SignatureState.VALID
    assert callback.received_at <= time.monotonic()


def test_signature_states(client: httpx.Client) -> None:
    with Receiver(TOKEN) as receiver:
        url = receiver.url(CallbackKind.EVENT)
        post(client, url, {"N": "valid"})
        post(client, url, {"N": "invalid"}, token="not-the-token")
        post(client, url, {"N": "missing"}, token=None)
        post(client, url + "?x=1", {"N": "query"}, signed_url=url + "?x=1")
        post(client, url + "?x=1", {"N": "query-unsigned"}, signed_url=url)
        states = {cb.param("N"): cb.signature for cb in receiver.received()}
    assert states == {
        "valid": SignatureState.VALID,
        "invalid": SignatureState.INVALID,
        "missing": SignatureState.MISSING,
        "query": SignatureState.VALID,
        "query-unsigned": SignatureState.INVALID,
    }
    with Receiver(None) as unchecked:
        url = unchecked.url(CallbackKind.EVENT)
        post(client, url, {"N": "1"})
        post(client, url, {"N": "2"}, token=None)
        assert [cb.signature for cb in unchecked.received()] == [
            SignatureState.UNCHECKED,
            SignatureState.MISSING,
        ]


def test_the_signature_may_cover_the_url_without_its_port(
    receiver: Receiver, client: httpx.Client
) -> None:
    url = receiver.url(CallbackKind.EVENT)
    without_port = "http://127.0.0.1/events"
    post(client, url, {"A": "1"}, signed_url=without_port)
    assert receiver.received()[0].signature is SignatureState.VALID


def test_a_public_base_changes_urls_and_verification(client: httpx.Client) -> None:
    with Receiver(TOKEN, PUBLIC + "/") as receiver:
        assert receiver.base_url == PUBLIC
        assert receiver.url(CallbackKind.EVENT) == PUBLIC + "/events"
        assert receiver.url(CallbackKind.ASSIGNMENT) == PUBLIC + "/assignment"
        real = loopback(receiver, CallbackKind.EVENT)
        public = receiver.url(CallbackKind.EVENT)
        post(client, public + "?a=b", {"N": "public"}, to=real + "?a=b")
        post(client, real, {"N": "loopback"})  # signed for the loopback URL: not what it covers
        public_cb, loopback_cb = receiver.received()
    assert public_cb.url == PUBLIC + "/events?a=b"
    assert public_cb.signature is SignatureState.VALID
    assert loopback_cb.url == PUBLIC + "/events"
    assert loopback_cb.signature is SignatureState.INVALID


@pytest.mark.parametrize(
    "base",
    ["ftp://cb.example.test", "cb.example.test", "https://u:p@cb.example.test", "https://h/?q"],
)
def test_a_bad_public_base_is_refused(base: str) -> None:
    with pytest.raises(ValueError, match="public_base"):
        Receiver(TOKEN, base)


def test_assignment_answers_by_tag(receiver: Receiver, client: httpx.Client) -> None:
    url = receiver.url(CallbackKind.ASSIGNMENT)

    def assign(attributes: str) -> httpx.Response:
        return post(client, url, {"TaskAttributes": attributes, "ReservationSid": "WR1"})

    default = assign('{"case": "plain"}')
    assert (default.status_code, default.json()) == (200, {})
    assert default.headers["content-type"] == "application/json"

    receiver.answer("case-a", Answer(body={"instruction": "accept"}))
    receiver.answer("case-b", Answer(status=500, body={"oops": True}))
    receiver.answer("case-a", Answer(body={"instruction": "dequeue", "from": "+1"}))  # replaces
    receiver.answer("case", Answer(status=404))  # registered after both: loses to them
    receiver.answer("raw", Answer(body=b"not json", content_type="text/plain"))

    a = assign('{"case": "case-a"}')
    assert (a.status_code, a.json()) == (200, {"instruction": "dequeue", "from": "+1"})
    b = assign('{"case": "case-b", "also": "case-a"}')  # case-a was registered first
    assert a.json() == b.json()
    only_b = assign('{"case": "case-b"}')
    assert (only_b.status_code, only_b.json()) == (500, {"oops": True})
    generic = assign('{"case": "case-c"}')
    assert generic.status_code == 404
    raw = assign("raw")
    assert (raw.content, raw.headers["content-type"]) == (b"not json", "text/plain")

    receiver.forget("case-a")
    receiver.forget("never-registered")
    assert assign('{"case": "case-a"}').status_code == 404  # now "case" matches
    receiver.forget("case")
    assert assign('{"case": "case-a"}').json() == {}
    assert len(receiver.received(CallbackKind.ASSIGNMENT)) == 8
    assert all(cb.signature is SignatureState.VALID for cb in receiver.received())


def test_answer_is_validated() -> None:
    with pytest.raises(ValueError):
        Answer(status=99)
    with pytest.raises(ValueError):
        Answer(delay_seconds=-1)
    with pytest.raises(ValueError):
        Answer(content_type="text/plain\r\nX-Evil: 1")
    with pytest.raises(TypeError):
        Receiver(TOKEN).answer("t", Answer(body={"not": object()}))


def test_received_filters_and_orders(receiver: Receiver, client: httpx.Client) -> None:
    events, assignment = receiver.url(CallbackKind.EVENT), receiver.url(CallbackKind.ASSIGNMENT)
    post(client, events, {"EventType": "task.created", "TaskSid": "WT1"})
    post(client, assignment, {"TaskSid": "WT1", "TaskAttributes": "{}"})
    post(client, events, {"EventType": "task.created", "TaskSid": "WT2"})
    post(client, events, {"EventType": "task.updated", "TaskSid": "WT1"})
    assert [cb.seq for cb in receiver.received()] == [1, 2, 3, 4]
    assert [cb.seq for cb in receiver.received(CallbackKind.EVENT)] == [1, 3, 4]
    assert [cb.seq for cb in receiver.received(where={"TaskSid": "WT1"})] == [1, 2, 4]
    created = receiver.received(CallbackKind.EVENT, {"EventType": "task.created"})
    assert [cb.param("TaskSid") for cb in created] == ["WT1", "WT2"]
    assert receiver.received(CallbackKind.ASSIGNMENT, {"TaskSid": "WT2"}) == []


def test_wait_for_returns_as_soon_as_count_is_reached(
    receiver: Receiver, client: httpx.Client
) -> None:
    url = receiver.url(CallbackKind.EVENT)
    sender = threading.Thread(
        target=lambda: [post(client, url, {"EventType": "e", "N": str(n)}) for n in range(3)]
    )
    started = time.monotonic()
    sender.start()
    found = receiver.wait_for(CallbackKind.EVENT, {"EventType": "e"}, 3, timeout=30)
    elapsed = time.monotonic() - started
    sender.join()
    assert [cb.param("N") for cb in found] == ["0", "1", "2"]
    assert elapsed < 10  # far from the 30 s timeout
    assert receiver.wait_for(CallbackKind.EVENT, None, 0, timeout=30) == found  # already met


def test_wait_for_returns_fewer_on_timeout(receiver: Receiver, client: httpx.Client) -> None:
    post(client, receiver.url(CallbackKind.EVENT), {"EventType": "e"})
    started = time.monotonic()
    found = receiver.wait_for(CallbackKind.EVENT, {"EventType": "e"}, 2, timeout=0.3)
    assert len(found) == 1
    assert time.monotonic() - started >= 0.3
    assert receiver.wait_for(CallbackKind.ASSIGNMENT, None, 1, timeout=0.05) == []


def test_the_stop_callable_ends_a_wait(receiver: Receiver) -> None:
    asked: list[float] = []

    def stop() -> bool:
        asked.append(time.monotonic())
        receiver.received()  # may call back into the receiver without a deadlock
        return len(asked) >= 2

    started = time.monotonic()
    assert receiver.wait_for(CallbackKind.EVENT, None, 1, timeout=30, stop=stop) == []
    assert len(asked) == 2
    assert time.monotonic() - started < 5


def test_stopping_the_receiver_ends_a_wait() -> None:
    receiver = Receiver(TOKEN)
    receiver.start()
    waiting: list[list[Callback]] = []
    waiter = threading.Thread(
        target=lambda: waiting.append(receiver.wait_for(None, None, 1, timeout=30))
    )
    waiter.start()
    receiver.stop()
    waiter.join(timeout=5)
    assert not waiter.is_alive()
    assert waiting == [[]]


def test_a_body_over_the_limit_is_refused_and_counted(client: httpx.Client) -> None:
    with Receiver(TOKEN, max_body_bytes=1024) as receiver:
        url = receiver.url(CallbackKind.EVENT)
        response = post(client, url, {"Big": "x" * 4096})
        assert response.status_code == 413
        assert response.json()["limit"] == 1024
        huge = client.post(url, content=b"a=" + b"y" * (2 << 20))
        assert huge.status_code == 413
        assert post(client, url, {"Small": "ok"}).status_code == 204  # still serving
        assert receiver.dropped == 2
        assert [cb.param("Small") for cb in receiver.received()] == ["ok"]


def test_beyond_max_kept_callbacks_are_answered_but_not_kept(client: httpx.Client) -> None:
    with Receiver(TOKEN, max_kept=2) as receiver:
        url = receiver.url(CallbackKind.EVENT)
        codes = [post(client, url, {"N": str(n)}).status_code for n in range(3)]
        assert codes == [204, 204, 204]
        assert [cb.param("N") for cb in receiver.received()] == ["0", "1"]
        assert receiver.dropped == 1


def test_other_paths_and_methods(receiver: Receiver, client: httpx.Client) -> None:
    base = receiver_loopback(receiver)
    missing = client.post(base + "/nope", data={"a": "1"})
    assert missing.status_code == 404
    assert missing.json()["error"] == "not found"
    assert client.post(base + "/events/", data={"a": "1"}).status_code == 404
    for method in ("GET", "PUT", "DELETE"):
        wrong = client.request(method, base + "/assignment")
        assert wrong.status_code == 405
        assert wrong.headers["allow"] == "POST"
        assert wrong.json()["error"] == "method not allowed"
    assert receiver.received() == []
    assert receiver.dropped == 0


def test_a_body_that_is_not_a_form_has_no_params(receiver: Receiver, client: httpx.Client) -> None:
    url = receiver.url(CallbackKind.EVENT)
    client.post(
        url, content=json.dumps({"EventType": "x"}), headers={"content-type": "application/json"}
    )
    [callback] = receiver.received()
    assert callback.params == ()
    assert callback.content_type == "application/json"


def test_a_delayed_answer_does_not_hold_up_other_callbacks(
    receiver: Receiver, client: httpx.Client
) -> None:
    receiver.answer("slow", Answer(body={"instruction": "accept"}, delay_seconds=0.3))
    url = receiver.url(CallbackKind.ASSIGNMENT)
    slow: list[tuple[httpx.Response, float]] = []

    def send_slow() -> None:
        with httpx.Client(timeout=10, trust_env=False) as own:
            started = time.monotonic()
            response = post(own, url, {"TaskAttributes": '{"t": "slow"}'})
            slow.append((response, time.monotonic() - started))

    sender = threading.Thread(target=send_slow)
    sender.start()
    assert receiver.wait_for(CallbackKind.ASSIGNMENT, None, 1, timeout=10)
    fast = post(client, url, {"TaskAttributes": '{"t": "fast"}'})
    still_waiting = sender.is_alive()
    sender.join(timeout=10)
    assert fast.json() == {}
    assert still_waiting  # the slow answer was still held when the fast one came back
    [(response, elapsed)] = slow
    assert response.json() == {"instruction": "accept"}
    assert elapsed >= 0.3


def test_stop_cuts_a_delay_short(client: httpx.Client) -> None:
    receiver = Receiver(TOKEN)
    receiver.start()
    receiver.answer("slow", Answer(delay_seconds=60))
    url = receiver.url(CallbackKind.ASSIGNMENT)
    sender = threading.Thread(
        target=lambda: post(client, url, {"TaskAttributes": "slow"}), daemon=True
    )
    sender.start()
    assert receiver.wait_for(CallbackKind.ASSIGNMENT, None, 1, timeout=10)
    started = time.monotonic()
    receiver.stop()
    assert time.monotonic() - started < 5
    sender.join(timeout=5)
    assert not sender.is_alive()


def test_document_has_params_and_no_signature_or_token(
    receiver: Receiver, client: httpx.Client
) -> None:
    url = receiver.url(CallbackKind.ASSIGNMENT) + "?run=1"
    response = post(client, url, {"TaskSid": "WT1", "To": ["a", "b"], "TaskAttributes": "{}"})
    signature = response.request.headers[SIGNATURE_HEADER]
    [callback] = receiver.received()
    document = callback.document()
    assert set(document) == {"kind", "seq", "params", "signature", "content_type", "method", "path"}
    assert document["kind"] == "assignment"
    assert document["seq"] == 1
    assert document["params"] == {"TaskSid": "WT1", "To": ["a", "b"], "TaskAttributes": "{}"}
    assert document["signature"] == "invalid"  # signed with the first "To" only
    assert document["path"] == "/assignment"
    assert document["method"] == "POST"
    text = json.dumps(document)
    assert signature not in text
    assert TOKEN not in text
    assert TOKEN not in repr(receiver)


def test_start_is_quick_and_stop_joins_its_threads(client: httpx.Client) -> None:
    baseline = threading.active_count()
    receiver = Receiver(TOKEN)
    started = time.monotonic()
    base = receiver.start()
    assert time.monotonic() - started < 1
    assert base.startswith("http://127.0.0.1:")
    assert threading.active_count() > baseline
    receiver.answer("slow", Answer(delay_seconds=0.05))
    post(client, receiver.url(CallbackKind.EVENT), {"A": "1"})
    post(client, receiver.url(CallbackKind.ASSIGNMENT), {"TaskAttributes": "slow"})
    receiver.stop()
    receiver.stop()  # idempotent
    assert threading.active_count() == baseline
    with pytest.raises(RuntimeError):
        receiver.start()
    with pytest.raises(httpx.TransportError):
        client.post(base + "/events", data={"A": "2"})


def test_base_url_needs_a_start_or_a_public_base() -> None:
    with pytest.raises(RuntimeError):
        _ = Receiver(TOKEN).base_url
    assert Receiver(TOKEN, PUBLIC).url(CallbackKind.EVENT) == PUBLIC + "/events"


def test_connections_the_target_never_finishes_do_not_hold_the_stop() -> None:
    import socket as socket_module

    receiver = Receiver("token")
    base = receiver.start()
    host, port = base.split("//")[1].split(":")
    held = []
    for _ in range(3):
        conn = socket_module.create_connection((host, int(port)))
        conn.sendall(
            b"POST /events HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100000\r\n\r\nEventType=a"
        )
        held.append(conn)
    began = time.monotonic()
    receiver.stop()
    assert time.monotonic() - began < 5
    assert not [t for t in threading.enumerate() if t.name == f"trc-callbacks-{port}"]
    for conn in held:
        conn.close()
