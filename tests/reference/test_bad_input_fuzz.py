"""Bad-input fuzz of the reference server: thousands of malformed requests, 0 answers >= 500,
every 4xx in Twilio's error body; in process and over a real socket (uvicorn)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from harness.reference.app import create_app
from harness.reference.config import ServerConfig
from harness.reference.server import start_in_thread
from tests.reference.bad_input import HUGE_DIGITS, BadRequest, generate, problem, send
from tests.reference.support import Api

IN_PROCESS = 2000
OVER_SOCKET = 150


def _seed_tasks(api: Api) -> list[str]:
    return [api.created(Attributes='{"type": "fuzz"}')["sid"] for _ in range(3)]


def _problems(http: httpx.Client | TestClient, requests: list[BadRequest]) -> list[str]:
    found = []
    for request in requests:
        if (why := problem(request, send(http, request))) is not None:
            found.append(why)
    return found


def _sendable(requests: list[BadRequest]) -> list[BadRequest]:
    """The requests an HTTP/1.1 client can put on the wire (h11 refuses a header value with
    trailing whitespace, such as ``Basic ``; in process those still reach the app)."""
    return [r for r in requests if all(v == v.strip() and v for v in r.headers.values())]


@pytest.fixture
def lenient(config: ServerConfig) -> Iterator[TestClient]:
    """An in-process client that returns 500s instead of raising the server's exception."""
    with TestClient(create_app(config), raise_server_exceptions=False) as http:
        yield http


def test_thousands_of_malformed_requests_in_process_get_no_5xx(
    config: ServerConfig, lenient: TestClient
) -> None:
    api = Api(lenient, config.fixture, config.fixture.single.sid)
    requests = generate(13, IN_PROCESS, config.fixture, _seed_tasks(api))
    statuses: Counter[int] = Counter()
    found = []
    for request in requests:
        response = send(lenient, request)
        statuses[response.status_code] += 1
        if (why := problem(request, response)) is not None:
            found.append(why)
    assert found == [], f"{len(found)} bad answers, first: {found[:5]}"
    # The corpus reaches past auth into the handlers: every error class shows up, and
    # some requests succeed, so the fuzz is not just 2000 times the same 401.
    assert {400, 401, 404, 405} <= set(statuses), statuses
    assert statuses[200] + statuses[201] > 0, statuses


def test_malformed_requests_over_a_socket_get_no_5xx(config: ServerConfig) -> None:
    with start_in_thread(config) as server, httpx.Client(base_url=server.base_url) as http:
        api = Api(http, config.fixture, config.fixture.single.sid)
        requests = _sendable(generate(7, OVER_SOCKET, config.fixture, _seed_tasks(api)))
        assert len(requests) > OVER_SOCKET // 2
        assert _problems(http, requests) == []


def test_the_corpus_holds_the_inputs_that_broke_the_reference(config: ServerConfig) -> None:
    requests = generate(13, IN_PROCESS, config.fixture, [])
    bodies = b"".join(r.body + r.query for r in requests)
    auths = {r.headers.get("Authorization") for r in requests}
    assert HUGE_DIGITS.encode() in bodies
    assert "Basic é".encode() in auths and b"Basic \xff\xfe" in auths
    assert {"TRACE", "FOO"} <= {r.method for r in requests}
    assert b"\xff\xfe" in bodies  # invalid UTF-8 in form bodies
    assert len({r.headers.get("Content-Type") for r in requests}) >= 5


# -- the check itself fails a server that breaks ------------------------------------------
async def _broken(request: Request) -> Response:
    """What the reference used to do: int() on any digits, latin-1 auth into base64, and
    Starlette's plain-text 405."""
    if request.method not in ("GET", "POST"):
        return PlainTextResponse("Method Not Allowed", 405)
    if "é" in request.headers.get("authorization", "").encode("latin-1").decode("utf-8", "replace"):
        return JSONResponse({"code": 20500}, 500)
    if HUGE_DIGITS[:4400] in request.url.query + (await request.body()).decode("latin-1"):
        return PlainTextResponse("Internal Server Error", 500)
    return JSONResponse({"message": "no"}, 400)


def test_the_fuzz_check_reports_a_broken_server(config: ServerConfig) -> None:
    app = Starlette(routes=[Route("/{path:path}", _broken, methods=["GET", "POST", "TRACE"])])
    requests = generate(13, 400, config.fixture, [])
    with TestClient(app) as http:
        found = _problems(http, requests)
    assert any(why.startswith("500") for why in found)
    assert any("not JSON" in why for why in found)  # the plain-text 405
    assert any("body {'message': 'no'}" in why for why in found)  # a 4xx without the keys
