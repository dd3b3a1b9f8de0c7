"""ETag / If-Match, authentication and error bodies."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from harness.reference.server import start_in_thread
from tests.reference.support import Api, assert_error


def test_etag_changes_on_every_mutation(api: Api) -> None:
    sid = api.created()["sid"]
    tags = [api.fetch(sid).headers["ETag"]]
    for form in ({"Priority": "1"}, {"Attributes": '{"x": 1}'}, {"TaskChannel": "sms"}):
        tags.append(api.update(sid, **form).headers["ETag"])
        assert api.fetch(sid).headers["ETag"] == tags[-1]
    assert len(set(tags)) == len(tags)


def test_stale_if_match_on_update_is_412_and_changes_nothing(api: Api) -> None:
    sid = api.created(Priority="1")["sid"]
    api.update(sid, Priority="2")
    assert_error(api.update(sid, if_match="0", Priority="3"), 412, 20412)
    after = api.fetch(sid)
    assert after.json()["priority"] == 2 and after.headers["ETag"] == "1"


@pytest.mark.parametrize("tag", ["1", '"1"', 'W/"1"', "*", '"7", "1"'])
def test_matching_if_match_applies(api: Api, tag) -> None:
    sid = api.created()["sid"]
    api.update(sid, Priority="2")
    response = api.update(sid, if_match=tag, Priority="4")
    assert response.status_code == 200 and response.json()["priority"] == 4


def test_if_match_on_delete(api: Api) -> None:
    sid = api.created()["sid"]
    api.update(sid, Priority="2")
    assert_error(api.delete(sid, if_match="0"), 412, 20412)
    assert api.fetch(sid).status_code == 200
    assert api.delete(sid, if_match="1").status_code == 204


def test_fifty_concurrent_updaters_exactly_one_wins() -> None:
    with start_in_thread() as server:
        fx = server.config.fixture
        auth = (fx.account_sid, fx.auth_token)
        base = f"{server.base_url}/v1/Workspaces/{fx.single.sid}/Tasks"
        sid = httpx.post(base, auth=auth).json()["sid"]

        def attempt(i: int) -> int:
            with httpx.Client(auth=auth) as client:
                return client.post(
                    f"{base}/{sid}", data={"Priority": str(i)}, headers={"If-Match": "0"}
                ).status_code

        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses = list(pool.map(attempt, range(50)))
        assert statuses.count(200) == 1 and statuses.count(412) == 49
        assert httpx.get(f"{base}/{sid}", auth=auth).headers["ETag"] == "1"


@pytest.mark.parametrize("auth", [None, ("AC" + "0" * 32, "nope"), "wrong-token", ("", "")])
def test_bad_credentials_are_401_20003(api: Api, auth) -> None:
    if auth == "wrong-token":
        auth = (api.fixture.account_sid, "0" * 32)
    response = api.http.get(api.base, auth=auth) if auth else api.http.get(api.base)
    assert_error(response, 401, 20003)
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_garbage_authorization_header(api: Api) -> None:
    response = api.http.get(api.base, headers={"Authorization": "Basic !!!notbase64"})
    assert_error(response, 401, 20003)


def test_workspace_of_another_account_is_404(api: Api) -> None:
    foreign = api.on(api.fixture.foreign_workspace_sids[0])
    assert_error(foreign.list(), 404, 20404)
    assert_error(foreign.create(), 404, 20404)
    assert_error(api.on("WSnot-a-sid").list(), 404, 20404)


def test_wrong_method_is_405_20004(api: Api) -> None:
    assert_error(api.http.put(api.base, auth=api.auth), 405, 20004)
    sid = api.created()["sid"]
    assert_error(api.http.patch(f"{api.base}/{sid}", auth=api.auth), 405, 20004)
    response = api.http.delete(api.base, auth=api.auth)
    assert_error(response, 405, 20004)
    assert response.headers["Allow"] == "GET, POST"
    assert api.http.put(f"{api.base}/{sid}", auth=api.auth).headers["Allow"] == (
        "GET, POST, DELETE"
    )


def test_unknown_path_is_404_with_error_body(api: Api) -> None:
    assert_error(api.http.get("/v1/Nothing", auth=api.auth), 404, 20404)


def test_undecodable_form_is_400(api: Api) -> None:
    response = api.http.post(
        api.base,
        content=b"Attributes=%FF%FE",
        auth=api.auth,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(response, 400, 20001)


def test_repeated_scalar_parameter_is_400(api: Api) -> None:
    response = api.http.post(
        api.base,
        content=b"Priority=1&Priority=2",
        auth=api.auth,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(response, 400, 20001, "Priority")
