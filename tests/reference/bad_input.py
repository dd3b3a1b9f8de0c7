"""A seeded generator of malformed requests for the reference server's bad-input fuzz, and
the check every answer must pass: no 5xx, and every 4xx in Twilio's four-key error body.

Requests are plain data (:class:`BadRequest`) so the same corpus can be sent in-process
(Starlette TestClient) or over a real socket (httpx against uvicorn), and so a failure
names the exact request that caused it.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from harness.reference.fixture import Fixture

ERROR_KEYS = {"code", "message", "more_info", "status"}
HUGE_DIGITS = "9" * 5000
MAX_QUERY = 20_000

#: Every parameter the reference reads, plus a few it does not.
PARAMETERS = [
    "ActivityName",
    "ActivitySid",
    "AssignmentStatus",
    "Attributes",
    "Available",
    "EvaluateTaskAttributes",
    "FriendlyName",
    "HasAddons",
    "IgnoreCapacity",
    "Offline",
    "Ordering",
    "Page",
    "PageSize",
    "PageToken",
    "Priority",
    "Reason",
    "ReservationStatus",
    "RoutingTarget",
    "TaskChannel",
    "TaskQueueSid",
    "Timeout",
    "VirtualStartTime",
    "WorkerActivitySid",
    "WorkerSid",
    "WorkflowSid",
    "Unknown",
]

METHODS = ("GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD", "TRACE", "FOO", "get")

CONTENT_TYPES = (
    None,
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/json",
    "text/plain",
    "multipart/form-data; boundary=xyz",
    "x" * 300,
    "",
)


@dataclass(frozen=True)
class BadRequest:
    """One request as bytes-level data (headers may hold non-ASCII bytes)."""

    method: str
    path: str
    query: bytes = b""
    body: bytes = b""
    headers: dict[str, bytes] = field(default_factory=dict)

    def url(self) -> str:
        """Path and query; raw bytes in the query are %-escaped (a URL cannot carry them),
        which still leaves invalid UTF-8 once the server unescapes it."""
        query = quote(self.query, safe="=&%;+")
        return f"{self.path}?{query}" if query else self.path

    def describe(self) -> str:
        shown = {k: v[:80] for k, v in self.headers.items()}
        return f"{self.method} {self.url()[:200]} body={self.body[:120]!r} headers={shown}"


def _token(payload: bytes) -> str:
    return "PT" + base64.urlsafe_b64encode(payload).decode()


#: Values chosen to break parsers: huge numbers, odd digits, odd dates, JSON and expressions.
ABSURD: tuple[str, ...] = (
    HUGE_DIGITS,
    "-" + HUGE_DIGITS,
    "0" * 5000 + "1",
    "1" + "0" * 40,
    "9223372036854775808",
    "-1",
    "+1",
    " 7 ",
    "1e9",
    "1.5",
    "NaN",
    "Infinity",
    "\u0663",  # ARABIC-INDIC DIGIT THREE: int() takes it, Twilio would not
    "12\n",
    "",
    "\u202e\u0000\ud7ff",
    "true",
    "yes",
    "*",
    "PT" + "A" * 13,
    _token(b'{"v":[1e999],"p":0,"b":false}'),
    _token(b'{"v":[' + b"1" * 31 + b'],"p":0,"b":false}'),
    _token(b'{"v":[],"p":' + b"9" * 30 + b',"b":true}'),
    _token(b'{"v":[],"p":' + b"9" * 5000 + b',"b":true}'),
    "DateCreated:asc,DateCreated:desc",
    "Priority:sideways",
    "1970-01-01T00:00:00Z",
    "0000-00-00T00:00:00Z",
    "9999-12-31T23:59:59-23:59",
    "2020-02-30T25:61:61+99:99",
    "WT" + "0" * 32,
    "WS" + "f" * 32,
    "[" * 3000,
    '{"a":' * 500 + "1" + "}" * 500,
    '{"a": 1e999, "b": -1e999}',
    '{"n": ' + "9" * 4000 + "}",
    '{"a":"\\ud800"}',
    '{"type":"' + "x" * 5000 + '"}',
    "priority > " + "9" * 4400,
    "priority > 1 AND (((((((((((((((((((((",
    'type IN ["a", ' + '"b", ' * 500 + '"c"]',
    "a HAS " + "1" * 4400,
    "(" * 2000 + "1 == 1" + ")" * 2000,
    "reserved,assigned," * 50,
    "canceled",
    "completed",
    "wrapping",
    "pending",
)


def absurd_value(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        return "\u00e9" * rng.randint(1, 50)
    if roll < 0.08:
        return "x" * rng.choice((1000, 70_000))
    return rng.choice(ABSURD)


def _pairs(rng: random.Random, count: int) -> list[tuple[str, str]]:
    pairs = []
    for _ in range(count):
        name = rng.choice(PARAMETERS) if rng.random() < 0.9 else absurd_value(rng)[:100]
        pairs.append((name, absurd_value(rng)))
        if rng.random() < 0.15:  # a duplicate key
            pairs.append((name, absurd_value(rng)))
    return pairs


def _encoded(rng: random.Random, pairs: list[tuple[str, str]]) -> bytes:
    """Form-encode ``pairs``, sometimes corrupted: raw invalid UTF-8, bad escapes, junk."""
    text = httpx.QueryParams(pairs).__str__().encode("ascii")
    roll = rng.random()
    if roll < 0.1:
        return text + b"&Attributes=%ff%fe%fd"
    if roll < 0.2:
        return text + b"&\xff\xfe=\xc3\x28"
    if roll < 0.25:
        return b"%%%&&&===;;" + text
    if roll < 0.28:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))
    return text


def _auth(rng: random.Random, fixture: Fixture) -> bytes | None:
    good = base64.b64encode(f"{fixture.account_sid}:{fixture.auth_token}".encode())
    options: list[bytes | None] = [
        b"Basic " + good,
        b"Basic " + good,
        b"Basic " + good,
        None,
        "Basic é".encode(),
        "Basic é".encode("latin-1"),
        b"Basic \xff\xfe",
        b"Basic",
        b"Basic ",
        b"Basic !!!!",
        b"Basic " + base64.b64encode(b"no-colon-here"),
        b"Basic " + base64.b64encode(b"\xff\xfe:\xc3\x28"),
        b"Basic " + base64.b64encode(fixture.account_sid.encode() + b":"),
        b"Basic " + good[:-3],
        b"Bearer token",
        b"basic " + good,
        b"Basic " + b"A" * 20_000,
        b"Digest username=x",
    ]
    return rng.choice(options)


def _path(rng: random.Random, fixture: Fixture, task_sids: list[str]) -> str:
    ws = rng.choice((fixture.single.sid, fixture.multi.sid, "WS" + "0" * 32, "WSnope", "é"))
    task = rng.choice((*task_sids, "WT" + "0" * 32, "WTshort", "x" * 3000, "%ff", "%00"))
    sub = rng.choice(
        (
            f"/v1/Workspaces/{ws}/Tasks",
            f"/v1/Workspaces/{ws}/Tasks/{task}",
            f"/v1/Workspaces/{ws}/Tasks/{task}/Reservations",
            f"/v1/Workspaces/{ws}/Tasks/{task}/Reservations/WR{'0' * 32}",
            f"/v1/Workspaces/{ws}/Workers",
            f"/v1/Workspaces/{ws}/Workers/WK{'0' * 32}",
            f"/v1/Workspaces/{ws}/Activities",
            f"/v1/Workspaces/{ws}/Activities/WA{'1' * 32}",
            "/",
            "/v1/%C3%A9/Tasks",
            "/v2/" + "a/" * 200,
        )
    )
    return sub


def generate(seed: int, count: int, fixture: Fixture, task_sids: list[str]) -> list[BadRequest]:
    """``count`` malformed requests, the same for the same seed."""
    rng = random.Random(seed)
    requests = []
    for _ in range(count):
        headers: dict[str, bytes] = {}
        if (auth := _auth(rng, fixture)) is not None:
            headers["Authorization"] = auth
        method = rng.choice(METHODS)
        body = b""
        if rng.random() < 0.6:
            body = _encoded(rng, _pairs(rng, rng.randint(1, 4)))
        content_type = rng.choice(CONTENT_TYPES)
        if content_type is not None and body:
            headers["Content-Type"] = content_type.encode("latin-1")
        if rng.random() < 0.2:
            headers["If-Match"] = rng.choice(
                (b"*", b'W/"1"', b"\xff\xfe", HUGE_DIGITS.encode(), b'"1", "2", ,,,', b"")
            )
        query = _encoded(rng, _pairs(rng, rng.randint(0, 3))) if rng.random() < 0.5 else b""
        query = query[:MAX_QUERY]  # httpx refuses URLs over 64 KiB
        requests.append(BadRequest(method, _path(rng, fixture, task_sids), query, body, headers))
    return requests


def send(http: httpx.Client | Any, request: BadRequest) -> httpx.Response:
    """Send ``request`` as given (no auth helper, no re-encoding of the body)."""
    return http.request(
        request.method, request.url(), content=request.body, headers=request.headers
    )


def problem(request: BadRequest, response: httpx.Response) -> str | None:
    """Why ``response`` fails the bad-input check, or None if it passes."""
    if response.status_code >= 500:
        return f"{response.status_code} for {request.describe()}: {response.text[:300]}"
    if 400 <= response.status_code < 500 and request.method.upper() != "HEAD":
        try:
            body = response.json()
        except ValueError:
            return (
                f"{response.status_code} not JSON for {request.describe()}: {response.text[:200]}"
            )
        if not isinstance(body, dict) or set(body) != ERROR_KEYS:
            return f"{response.status_code} body {body!r:.200} for {request.describe()}"
        if body["status"] != response.status_code:
            return f"status {body['status']} in body of a {response.status_code}"
    return None
