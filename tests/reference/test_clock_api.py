"""The reference's test-clock extension (harness.reference.clock_api): ``GET /trc/v1/Clock``
tells the server's time, ``POST`` with ``Advance=SECONDS`` moves it, and everything that
depends on time (TTL, retention, ``date_created``) sees the move at once, without a sleep."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from harness.reference.app import create_app
from harness.reference.clock import ManualClock, iso
from harness.reference.clock import TestClock as AdvancingClock  # not a test class
from harness.reference.clock_api import MAX_ADVANCE_SECONDS, PATH
from harness.reference.config import ServerConfig
from harness.reference.tasks import TTL_REASON
from harness.targets.profile_schema import CLOCK_PATH
from tests.fixtures.ci import trc_serve
from tests.packaging.ci_support import FIXTURE
from tests.reference.support import START, Api, assert_error

RETENTION = 300.0
AUTH = (FIXTURE.account_sid, FIXTURE.auth_token)


@pytest.fixture
def clocked(clock: ManualClock) -> Iterator[Api]:
    """The reference with the test clock on, on a manual base clock (time moves only when
    the test advances it): ``now`` is exactly ``START`` plus the advances."""
    config = ServerConfig(clock=AdvancingClock(clock), retention_seconds=RETENTION, test_clock=True)
    with TestClient(create_app(config), base_url="http://testserver") as http:
        yield Api(http, config.fixture, config.fixture.single.sid)


def tell(api: Api) -> dict[str, Any]:
    response = api.http.get(PATH, auth=api.auth)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def advance(api: Api, seconds: str) -> httpx.Response:
    return api.http.post(PATH, data={"Advance": seconds}, auth=api.auth)


def advanced(api: Api, seconds: str) -> dict[str, Any]:
    response = advance(api, seconds)
    assert response.status_code == 200, response.text
    return response.json()


# --- telling and moving the time -----------------------------------------------------------


def test_the_profile_path_is_the_servers_path() -> None:
    assert PATH == CLOCK_PATH == "/trc/v1/Clock"


def test_get_tells_the_time(clocked: Api) -> None:
    assert tell(clocked) == {
        "now": iso(START),
        "epoch": START,
        "advanced_seconds": 0.0,
        "url": PATH,
    }


def test_get_on_the_wall_clock_tells_the_real_time() -> None:
    config = ServerConfig(test_clock=True)
    assert isinstance(config.clock, AdvancingClock)
    with TestClient(create_app(config)) as http:
        before = time.time()
        body = http.get(PATH, auth=AUTH).json()
        after = time.time()
    assert before - 1 <= body["epoch"] <= after + 1
    assert body["advanced_seconds"] == 0.0
    assert body["now"] in {iso(before), iso(after)}


def test_post_advance_moves_the_time_by_that_many_seconds(clocked: Api) -> None:
    first = advanced(clocked, "61")
    assert first["epoch"] == START + 61 and first["advanced_seconds"] == 61.0
    assert first["now"] == iso(START + 61)
    second = advanced(clocked, "0.5")
    assert second["epoch"] == START + 61.5 and second["advanced_seconds"] == 61.5
    assert tell(clocked) == second  # a GET does not move it


def test_advances_add_up_and_the_largest_one_is_allowed(clocked: Api) -> None:
    body = advanced(clocked, f"{MAX_ADVANCE_SECONDS:g}")
    assert body["advanced_seconds"] == MAX_ADVANCE_SECONDS
    body = advanced(clocked, " 5 ")  # surrounding blanks, as a form field may carry them
    assert body["advanced_seconds"] == MAX_ADVANCE_SECONDS + 5
    assert body["epoch"] == START + MAX_ADVANCE_SECONDS + 5


def test_a_task_created_before_the_advance_is_canceled_by_its_ttl(clocked: Api) -> None:
    sid = clocked.created(Timeout="60")["sid"]
    advanced(clocked, "59")
    assert clocked.fetch(sid).json()["assignment_status"] == "pending"
    advanced(clocked, "2")  # 61 seconds in all, with no sleep: the base clock never moved
    task = clocked.fetch(sid).json()
    assert task["assignment_status"] == "canceled"
    assert task["reason"] == TTL_REASON == "Task TTL Exceeded"
    assert task["date_updated"] == iso(START + 60)  # canceled when its TTL ran out


def test_a_canceled_task_disappears_after_an_advance_past_the_retention(clocked: Api) -> None:
    sid = clocked.created()["sid"]
    canceled = clocked.update(sid, AssignmentStatus="canceled", Reason="done with it")
    assert canceled.status_code == 200, canceled.text
    advanced(clocked, f"{RETENTION - 1:g}")
    assert clocked.fetch(sid).status_code == 200
    advanced(clocked, "2")
    assert_error(clocked.fetch(sid), 404, 20404)
    assert clocked.list().json()["tasks"] == []


def test_a_ttl_canceled_task_is_kept_for_the_retention_then_gone(clocked: Api) -> None:
    sid = clocked.created(Timeout="10")["sid"]
    advanced(clocked, f"{10 + RETENTION - 1:g}")
    assert clocked.fetch(sid).json()["reason"] == TTL_REASON
    advanced(clocked, "2")
    assert_error(clocked.fetch(sid), 404, 20404)


def test_tasks_created_after_an_advance_are_dated_on_the_moved_clock(clocked: Api) -> None:
    before = clocked.created()
    advanced(clocked, "3600")
    after = clocked.created()
    assert before["date_created"] == iso(START)
    assert after["date_created"] == iso(START + 3600)
    assert after["age"] == 0 and clocked.fetch(before["sid"]).json()["age"] == 3600


# --- what is refused -------------------------------------------------------------------------

BAD_ADVANCES = ["abc", "", "-1", "-0.001", "nan", "NaN", "inf", "-inf", "1e309", "864000.5"]


@pytest.mark.parametrize("value", BAD_ADVANCES)
def test_a_bad_advance_is_400_and_moves_nothing(clocked: Api, value: str) -> None:
    assert_error(advance(clocked, value), 400, 20001, "Advance")
    assert tell(clocked)["advanced_seconds"] == 0.0


def test_above_ten_days_is_400() -> None:
    assert MAX_ADVANCE_SECONDS == 864_000
    config = ServerConfig(test_clock=True)
    with TestClient(create_app(config)) as http:
        response = http.post(PATH, data={"Advance": "864001"}, auth=AUTH)
    assert_error(response, 400, 20001, "Advance", "864000")


@pytest.mark.parametrize(
    "form",
    [
        None,
        {"advance": "5"},  # Twilio's parameters are case-sensitive
        {"Seconds": "5"},
    ],
)
def test_a_missing_advance_is_400(clocked: Api, form: dict[str, str] | None) -> None:
    response = clocked.http.post(PATH, data=form, auth=clocked.auth)
    assert_error(response, 400, 20001, "Missing required parameter Advance")
    assert tell(clocked)["advanced_seconds"] == 0.0


def test_advance_in_the_query_string_is_not_the_post_body(clocked: Api) -> None:
    response = clocked.http.post(PATH, params={"Advance": "5"}, auth=clocked.auth)
    assert_error(response, 400, 20001, "Advance")
    assert tell(clocked)["advanced_seconds"] == 0.0


def test_advance_given_twice_is_400(clocked: Api) -> None:
    response = clocked.http.post(
        PATH,
        content="Advance=1&Advance=2",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=clocked.auth,
    )
    assert_error(response, 400, 20001, "Advance")
    assert tell(clocked)["advanced_seconds"] == 0.0


@pytest.mark.parametrize(
    "content",
    [
        b"Advance=%ff%fe",
        b"\xff\xfe=1",
        b"Advance=" + b"9" * 5000,
        b"Advance=1e99999",
        b"Advance=0x10",
        b"Advance=%00",
        b"=&=&&Advance",
        b'{"Advance": 5}',
    ],
)
def test_odd_bodies_are_never_a_server_error(clocked: Api, content: bytes) -> None:
    response = clocked.http.post(
        PATH,
        content=content,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=clocked.auth,
    )
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert_error(response, 400, 20001)
        assert tell(clocked)["advanced_seconds"] == 0.0


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    "auth", [None, (FIXTURE.account_sid, "not-the-token"), ("AC" + "0" * 32, FIXTURE.auth_token)]
)
def test_unauthenticated_is_401_and_moves_nothing(
    clocked: Api, method: str, auth: tuple[str, str] | None
) -> None:
    data = {"Advance": "100"} if method == "POST" else None
    response = clocked.http.request(method, PATH, data=data, auth=auth)
    assert_error(response, 401, 20003)
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert tell(clocked)["advanced_seconds"] == 0.0


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS", "FOO"])
def test_other_methods_are_405_with_allow(clocked: Api, method: str) -> None:
    response = clocked.http.request(method, PATH, data={"Advance": "5"}, auth=clocked.auth)
    assert_error(response, 405, 20004, method)
    assert response.headers["Allow"] == "GET, POST"
    assert tell(clocked)["advanced_seconds"] == 0.0


def test_other_methods_are_authenticated_first(clocked: Api) -> None:
    assert_error(clocked.http.put(PATH), 401, 20003)


# --- absent unless switched on ---------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_absent_when_the_test_clock_is_off(api: Api, config: ServerConfig, method: str) -> None:
    assert config.test_clock is False
    response = api.http.request(method, PATH, data={"Advance": "61"}, auth=api.auth)
    assert_error(response, 404, 20404, PATH)
    assert "Allow" not in response.headers
    # the advance did not happen some other way: a TTL of 60 s is still running
    sid = api.created(Timeout="60")["sid"]
    assert api.http.post(PATH, data={"Advance": "61"}, auth=api.auth).status_code == 404
    assert api.fetch(sid).json()["assignment_status"] == "pending"


def test_absent_by_default_and_authenticated_like_any_unknown_path() -> None:
    config = ServerConfig()
    assert config.test_clock is False
    with TestClient(create_app(config)) as http:
        assert_error(http.get(PATH, auth=AUTH), 404, 20404)
        assert_error(http.get(PATH), 401, 20003)


def test_only_the_exact_path_is_the_clock(clocked: Api) -> None:
    for path in ("/trc/v1/clock", "/trc/v1/Clock/now", "/v1/Clock"):
        assert_error(clocked.http.post(path, data={"Advance": "5"}, auth=clocked.auth), 404, 20404)
    assert tell(clocked)["advanced_seconds"] == 0.0


# --- over real sockets: ``trc serve --test-clock`` -------------------------------------------


@pytest.fixture(scope="module")
def serve_test_clock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``trc serve --test-clock`` on a free port; its URL and its log."""
    log = tmp_path_factory.mktemp("serve-clock") / "serve.log"
    with trc_serve(log, "--test-clock") as url:
        yield url, log


def test_trc_serve_test_clock_over_sockets(serve_test_clock: tuple[str, Path]) -> None:
    url, log = serve_test_clock
    assert "test clock: POST /trc/v1/Clock" in log.read_text()
    tasks = f"{url}/v1/Workspaces/{FIXTURE.single.sid}/Tasks"
    with httpx.Client(base_url=url, auth=AUTH, timeout=10) as http:
        start = http.get(PATH).json()
        assert start["url"] == PATH and start["advanced_seconds"] == 0.0
        assert abs(start["epoch"] - time.time()) < 5
        sid = http.post(tasks, data={"Timeout": "60"}).json()["sid"]
        moved = http.post(PATH, data={"Advance": "61"})
        assert moved.status_code == 200, moved.text
        body = moved.json()
        assert body["advanced_seconds"] == 61.0
        assert 61 <= body["epoch"] - start["epoch"] < 61 + 5
        task = http.get(f"{tasks}/{sid}").json()
        assert task["assignment_status"] == "canceled" and task["reason"] == TTL_REASON
        assert_error(http.post(PATH, data={"Advance": "abc"}), 400, 20001, "Advance")
        assert_error(http.delete(PATH), 405, 20004)
        assert http.get(PATH).json()["advanced_seconds"] == 61.0
    assert_error(httpx.post(f"{url}{PATH}", data={"Advance": "5"}), 401, 20003)


def test_trc_serve_without_the_flag_has_no_clock(trc_serve_url: str) -> None:
    response = httpx.post(f"{trc_serve_url}{PATH}", data={"Advance": "61"}, auth=AUTH)
    assert_error(response, 404, 20404)
