"""The inputs that made the reference answer 500 (issue 13) now get Twilio's 4xx error body."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from harness import asgi_server
from harness.reference.app import create_app
from harness.reference.auth import credentials
from harness.reference.config import ServerConfig
from harness.reference.errors import TwilioError
from harness.reference.http_protocol import TwilioH11Protocol
from harness.reference.listing import PageToken
from harness.reference.params import parse_int
from tests.reference.support import Api, assert_error

HUGE = "9" * 5000


# -- integers -------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "1" + "0" * 40, "+" + HUGE])
def test_an_integer_with_thousands_of_digits_is_out_of_range_not_a_crash(value: str) -> None:
    with pytest.raises(TwilioError) as caught:
        parse_int("Priority", value, 0, 2_147_483_647)
    assert (caught.value.status, caught.value.code) == (400, 20001)
    assert "must be between 0 and 2147483647" in caught.value.message
    assert len(caught.value.message) < 200  # the 5,000 digits are not echoed back


@pytest.mark.parametrize("value", ["\u0663", "1 2", "1.0", "1e3", "", "0x10", "١٢"])
def test_only_ascii_decimal_integers_are_integers(value: str) -> None:
    with pytest.raises(TwilioError, match="expected an integer"):
        parse_int("Timeout", value, 1, 1_209_600)


def test_leading_zeros_and_signs_still_parse() -> None:
    assert parse_int("PageSize", "0" * 5000 + "7", 1, 1000) == 7
    assert parse_int("PageSize", " +7 ", 1, 1000) == 7


def test_huge_page_size_priority_and_timeout_are_400s(api: Api) -> None:
    assert_error(api.list({"PageSize": HUGE}), 400, 20001, "PageSize")
    assert_error(api.create(Priority=HUGE), 400, 20001, "Priority")
    assert_error(api.create(Timeout=HUGE), 400, 20001, "Timeout")
    sid = api.created()["sid"]
    assert_error(api.update(sid, Priority="-" + HUGE), 400, 20001, "Priority")
    workers = api.http.get(
        f"/v1/Workspaces/{api.ws}/Workers", params={"PageSize": HUGE}, auth=api.auth
    )
    assert_error(workers, 400, 20001, "PageSize")


def _token(payload: dict[str, object]) -> str:
    return "PT" + base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize(
    "payload",
    [
        {"v": [10**30], "p": 0, "b": False},  # beyond SQLite's 64-bit integers
        {"v": [float("inf")], "p": 0, "b": False},
        {"v": [True], "p": 0, "b": False},
        {"v": [1], "p": 10**30, "b": False},
        {"v": [1], "p": -1, "b": False},
    ],
)
def test_a_forged_page_token_is_a_400(api: Api, payload: dict[str, object]) -> None:
    with pytest.raises(TwilioError) as caught:
        PageToken.decode(_token(payload), 1)
    assert caught.value.code == 20001
    response = api.list({"PageToken": _token(payload)})
    assert response.status_code == 400, response.text


# -- Basic auth -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "header",
    [
        "Basic é".encode(),
        "Basic é".encode("latin-1"),
        b"Basic \xff\xfe",
        b"Basic !!!!",
        b"Basic " + base64.b64encode(b"no-colon"),
        b"Basic " + base64.b64encode(b"\xff:\xfe"),
        b"Basic " + b"A" * 20_000,
        b"Basic",
        b"Bearer abc",
    ],
)
def test_a_malformed_authorization_header_is_a_401(api: Api, header: bytes) -> None:
    response = api.http.get(api.base, headers={"Authorization": header})
    assert_error(response, 401, 20003)
    assert response.headers["www-authenticate"].startswith("Basic")


def test_credentials_need_a_colon_but_not_a_password() -> None:
    assert credentials("Basic " + base64.b64encode(b"AC1:").decode()) == (b"AC1", b"")
    assert credentials("Basic " + base64.b64encode(b"AC1").decode()) is None
    assert credentials("basic " + base64.b64encode(b"a:b:c").decode()) == (b"a", b"b:c")


def test_the_right_credentials_still_pass(api: Api) -> None:
    assert api.list().status_code == 200


# -- methods --------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["TRACE", "FOO", "PUT", "PATCH", "CONNECT"])
def test_an_unknown_method_is_twilios_405_with_allow(api: Api, method: str) -> None:
    response = api.http.request(method, api.base, auth=api.auth)
    assert_error(response, 405, 20004, method)
    assert response.headers["allow"] == "GET, POST"
    task = api.http.request(method, f"{api.base}/WT{'0' * 32}", auth=api.auth)
    assert_error(task, 405, 20004)
    assert task.headers["allow"] == "GET, POST, DELETE"


def test_an_unknown_method_without_credentials_is_a_401(api: Api) -> None:
    assert_error(api.http.request("TRACE", api.base), 401, 20003)


def test_an_unknown_method_on_an_unknown_path_is_a_404(api: Api) -> None:
    assert_error(api.http.request("FOO", "/nowhere", auth=api.auth), 404, 20404)


# -- requests uvicorn cannot parse ----------------------------------------------------------
@pytest.fixture
def twilio_h11(config: ServerConfig) -> Iterator[tuple[str, int]]:
    """The reference under uvicorn with TwilioH11Protocol on a loopback port."""
    sock = asgi_server.bind("127.0.0.1", 0)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config), http=TwilioH11Protocol, log_level="error", lifespan="off"
        )
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])))
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.01)
    yield sock.getsockname()[:2]
    server.should_exit = True
    thread.join(timeout=10)


def _raw(address: tuple[str, int], data: bytes) -> bytes:
    with socket.create_connection(address, timeout=5) as conn:
        conn.sendall(data)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        b"G\x00T / HTTP/1.1\r\n\r\n",
    ],
)
def test_an_unparsable_request_gets_twilios_400_body(
    twilio_h11: tuple[str, int], request_bytes: bytes
) -> None:
    head, _, body = _raw(twilio_h11, request_bytes).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), head
    assert b"content-type: application/json" in head.lower()
    error = json.loads(body)
    assert set(error) == {"code", "message", "more_info", "status"}
    assert (error["code"], error["status"]) == (20001, 400)


def test_a_well_formed_request_is_unaffected_by_the_protocol(
    twilio_h11: tuple[str, int], config: ServerConfig
) -> None:
    auth = base64.b64encode(f"{config.fixture.account_sid}:{config.fixture.auth_token}".encode())
    path = f"/v1/Workspaces/{config.fixture.single.sid}/Tasks"
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic "
    response = _raw(twilio_h11, request.encode() + auth + b"\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 200 "), response[:200]


# -- Starlette's own errors -----------------------------------------------------------------
async def _raises_http_exception(request: Request) -> Response:
    raise HTTPException(405, "Method Not Allowed", headers={"Allow": "GET"})


def test_a_starlette_http_exception_is_answered_in_twilios_body(config: ServerConfig) -> None:
    app = create_app(config)
    app.router.routes.insert(0, Route("/starlette", _raises_http_exception))
    with TestClient(app) as http:
        response = http.get("/starlette")
    assert_error(response, 405, 20004, "Method Not Allowed")
    assert response.headers["allow"] == "GET"
