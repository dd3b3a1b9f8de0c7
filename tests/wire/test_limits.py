"""TargetClient and the fuzz phase's BoundedSession against a hostile loopback target: a total
deadline whatever the target drips, a body cap, a bounded retry budget, no redirect followed
and nothing sent to another host."""

from __future__ import annotations

import time

import httpx
import pytest
import requests

from harness.results.redact import Redactor
from harness.wire.client import Credentials, TargetClient
from harness.wire.limits import NoCompleteAnswer, ResponseTooLarge, RetryBudgetSpent
from harness.wire.recording import MAX_BODY_CHARS, record_exchange
from harness.wire.requests_session import (
    BoundedSession,
    ForeignHost,
    NoCompleteAnswerError,
    ResponseTooLargeError,
)
from tests.fakes import ACCOUNT, TOKEN, WS
from tests.fakes_hostile import Mode, hostile

TIMEOUT_S = 0.5
#: A cut request ends within this (the deadline plus scheduling slack).
LATE_S = TIMEOUT_S * 4
PATH = f"/v1/Workspaces/{WS}/Tasks"


def client(url: str, **kwargs: object) -> TargetClient:
    return TargetClient(url, Credentials(ACCOUNT, TOKEN), timeout=TIMEOUT_S, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", [Mode.HANG, Mode.DRIP], ids=str)
def test_a_hanging_or_dripping_target_is_cut_at_the_total_deadline(mode: Mode) -> None:
    with hostile(mode, lifetime=30) as target, client(target.url) as c:
        started = time.monotonic()
        with pytest.raises(NoCompleteAnswer, match=r"no complete answer within 0\.5 s"):
            c.send(c.build("GET", PATH))
        assert time.monotonic() - started < LATE_S


def test_a_good_answer_after_a_cut_one_still_comes_through() -> None:
    with hostile(Mode.DRIP, after=1, lifetime=30) as target, client(target.url) as c:
        assert c.send(c.build("GET", PATH)).status_code == 200
        with pytest.raises(NoCompleteAnswer):
            c.send(c.build("GET", PATH))


@pytest.mark.parametrize(("mode", "size"), [(Mode.BIG_JSON, 52428766), (Mode.BIG_TEXT, 52428800)])
def test_a_body_beyond_the_cap_is_refused_naming_its_size(mode: Mode, size: int) -> None:
    with (
        hostile(mode, lifetime=30) as target,
        client(target.url, max_body_bytes=10_000) as c,
        pytest.raises(ResponseTooLarge, match=rf"response too large \({size} bytes") as info,
    ):
        c.send(c.build("GET", PATH))
    assert info.value.size == size
    assert len(info.value.body) == 10_000
    cut = info.value.response
    assert cut is not None
    exchange = record_exchange("s", cut.request, cut, Redactor([TOKEN]))
    assert exchange.response is not None
    body = exchange.response.body
    assert isinstance(body, str) and len(body) < MAX_BODY_CHARS + 100
    assert f"the body is {size} bytes" in body


def test_a_body_under_the_cap_is_read_whole() -> None:
    with (
        hostile(Mode.BIG_TEXT, lifetime=30) as target,
        client(target.url) as c,
        pytest.raises(ResponseTooLarge),
    ):
        c.send(c.build("GET", PATH))
    with (
        hostile(Mode.BIG_TEXT, lifetime=30) as target,
        client(target.url, max_body_bytes=60 * 2**20) as c,
    ):
        assert len(c.send(c.build("GET", PATH)).content) == 52428800


def test_429_for_ever_spends_the_retry_budget_then_errors_with_the_reason() -> None:
    slept: list[float] = []
    with hostile(Mode.TOO_MANY, lifetime=30) as target:
        with client(target.url, retry_budget_s=2.5, sleep=slept.append) as c:
            # Within the budget: 3 retries of 1 s each would need 3 s; the third is refused.
            with pytest.raises(RetryBudgetSpent, match=r"429 .*retry budget \(2\.5 s\) is spent"):
                c.send(c.build("GET", PATH))
            assert slept == [1.0, 1.0]
            with pytest.raises(RetryBudgetSpent):  # the budget is the client's, not the request's
                c.send(c.build("GET", PATH))
            assert slept == [1.0, 1.0]
        with client(target.url, retry_budget_s=100, sleep=slept.append) as c:
            assert c.send(c.build("GET", PATH)).status_code == 429  # retries spent: the answer


def test_a_redirect_is_the_answer_and_nothing_reaches_the_other_host() -> None:
    with hostile(Mode.REDIRECT, lifetime=30) as target, client(target.url) as c:
        response = c.send(c.build("GET", PATH))
        assert response.status_code == 302
        assert response.headers["location"].startswith(target.elsewhere.url)
        with pytest.raises(Exception, match="refusing to send credentials"):
            c.build("GET", response.headers["location"])
        assert target.elsewhere.served == 0


@pytest.mark.parametrize("mode", [Mode.RESET, Mode.CLOSE_AFTER_HEADERS], ids=str)
def test_a_broken_connection_is_a_transport_error(mode: Mode) -> None:
    with (
        hostile(mode, lifetime=30) as target,
        client(target.url) as c,
        pytest.raises(httpx.TransportError),
    ):
        c.send(c.build("GET", PATH))


# -- the fuzz phase's session ----------------------------------------------------------------


@pytest.mark.parametrize("mode", [Mode.HANG, Mode.DRIP], ids=str)
def test_the_fuzz_session_cuts_at_the_total_deadline(mode: Mode) -> None:
    with hostile(mode, lifetime=30) as target, BoundedSession(target.url, TIMEOUT_S) as s:
        started = time.monotonic()
        with pytest.raises(NoCompleteAnswerError, match=r"within 0\.5 s"):
            s.get(target.url + PATH, timeout=TIMEOUT_S)
        assert time.monotonic() - started < LATE_S


def test_a_read_timeout_at_the_deadline_is_the_deadline_even_before_the_watchdog(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a loaded machine requests' own read timeout can end the read a moment before the
    watchdog fires: the answer is still "no complete answer within", never a ReadTimeout."""
    import threading

    from harness.wire import requests_session

    class LateTimer(threading.Timer):
        def start(self) -> None:  # the watchdog never gets its turn
            pass

    monkeypatch.setattr(requests_session.threading, "Timer", LateTimer)
    with (
        hostile(Mode.HANG, lifetime=30) as target,
        BoundedSession(target.url, TIMEOUT_S) as s,
        pytest.raises(NoCompleteAnswerError, match=r"within 0\.5 s"),
    ):
        s.get(target.url + PATH, timeout=TIMEOUT_S)


def test_the_fuzz_session_caps_bodies() -> None:
    with (
        hostile(Mode.BIG_JSON, lifetime=30) as target,
        BoundedSession(target.url, 5, 10_000) as s,
        pytest.raises(ResponseTooLargeError, match=r"response too large \(52428766 bytes"),
    ):
        s.get(target.url + PATH)


def test_the_fuzz_session_never_follows_a_redirect_nor_leaves_the_target() -> None:
    with hostile(Mode.REDIRECT, lifetime=30) as target, BoundedSession(target.url, 5) as s:
        response = s.get(target.url + PATH, allow_redirects=True)
        assert response.status_code == 302
        with pytest.raises(ForeignHost):
            s.get(response.headers["location"])
        assert target.elsewhere.served == 0
        # A plain requests session would have gone there: the proof is not vacuous.
        assert requests.get(target.url + PATH, timeout=5).status_code == 200
        assert target.elsewhere.served == 1


def test_the_fuzz_session_answers_good_requests() -> None:
    with hostile(Mode.HANG, after=2, lifetime=30) as target, BoundedSession(target.url, 5) as s:
        response = s.get(target.url + PATH, auth=(ACCOUNT, TOKEN))
        assert response.status_code == 200 and "tasks" in response.json()


def test_proxy_variables_never_send_a_request_to_another_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With ``HTTP_PROXY`` naming another listener, the fuzz session and ``TargetClient``
    still go straight to the target: the proxy, another host, sees nothing."""
    with hostile(Mode.HANG, after=10, lifetime=30) as target:
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, target.elsewhere.url)
        with BoundedSession(target.url, 5) as s:
            assert s.get(target.url + PATH, auth=(ACCOUNT, TOKEN)).status_code == 200
        with client(target.url) as c:
            assert c.send(c.build("GET", PATH)).status_code == 200
        assert target.elsewhere.served == 0
        # a plain requests session does use the proxy: the proof is not vacuous
        assert requests.get(target.url + PATH, timeout=5).json() == {"elsewhere": True}
        assert target.elsewhere.served == 1
