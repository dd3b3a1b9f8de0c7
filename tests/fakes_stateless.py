"""A stateless, spec-driven mock of the Task resource (what Prism or a generated mock server
gives from Twilio's official OpenAPI): it keeps no state at all.

- every create answers 201 with the same example task (Twilio's own OpenAPI example: one SID,
  one set of attributes, whatever was sent);
- every fetch and update answers 200 with that task, whatever the SID;
- every list answers one page holding that one task, whatever the filter or ordering;
- a delete answers 204 and deletes nothing;
- the ETag is constant;
- credentials are checked (401/20003) unless ``check_auth`` is False;
- ``fresh_sids=True`` gives every create response a new random SID (a mock in "dynamic" mode),
  everything else still the one example.

Usable as an ``httpx`` transport (``mock.transport()``) and over a real socket
(``tests.fakes.serve(mock)``), like ``tests.fakes.FakeTaskRouter``.
"""

from __future__ import annotations

import copy
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from tests.fakes import ACCOUNT, TOKEN, FakeTaskRouter, _basic

EXAMPLES = Path(__file__).parent / "data" / "twilio-documented-examples.json"
ETAG = '"1"'


def official_example_task() -> dict[str, Any]:
    """The task example of Twilio's official OpenAPI (twilio/twilio-oai), as documented."""
    examples = json.loads(EXAMPLES.read_text(encoding="utf-8"))["examples"]
    tasks = [e for e in examples if e.get("origin") == "twilio-oai" and e.get("kind") == "task"]
    return copy.deepcopy(tasks[-1]["body"])


@dataclass
class StatelessMock:
    check_auth: bool = True
    fresh_sids: bool = False
    task: dict[str, Any] = field(default_factory=official_example_task)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            status, headers, body = self.handle(
                request.method, str(request.url), dict(request.headers), request.content.decode()
            )
            return httpx.Response(status, headers=headers, content=body)

        return httpx.MockTransport(handler)

    def handle(
        self, method: str, url: str, headers: dict[str, str], body: str
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {k.lower(): v for k, v in headers.items()}
        self.requests.append((method, url))
        parts = urlsplit(url)
        if self.check_auth and headers.get("authorization") != _basic(ACCOUNT, TOKEN):
            return FakeTaskRouter._error(401, 20003, "Authenticate")
        segments = parts.path.strip("/").split("/")
        if len(segments) not in (4, 5) or segments[:2] != ["v1", "Workspaces"]:
            return FakeTaskRouter._error(404, 20404, "not found")
        if segments[3] != "Tasks":
            return FakeTaskRouter._error(404, 20404, "not found")
        if len(segments) == 4:
            if method == "POST":
                return self._task(201, fresh=self.fresh_sids)
            if method == "GET":
                return self._list(parts.path, parse_qsl(parts.query, keep_blank_values=True))
            return FakeTaskRouter._error(405, 20004, "method not allowed")
        if method in ("GET", "POST"):
            return self._task(200)
        if method == "DELETE":
            return 204, {}, b""
        return FakeTaskRouter._error(405, 20004, "method not allowed")

    def _task(self, status: int, fresh: bool = False) -> tuple[int, dict[str, str], bytes]:
        headers = {"content-type": "application/json", "etag": ETAG}
        task = {**self.task, "sid": "WT" + secrets.token_hex(16)} if fresh else self.task
        return status, headers, json.dumps(task).encode()

    def _list(self, path: str, query: list[tuple[str, str]]) -> tuple[int, dict[str, str], bytes]:
        size = next((v for k, v in query if k == "PageSize"), "50")
        keep = [(k, v) for k, v in query if k not in ("Page", "PageSize", "PageToken")]
        base = "https://taskrouter.twilio.com" + path
        first = f"{base}?" + urlencode([*keep, ("PageSize", size), ("Page", 0)])
        body = {
            "tasks": [self.task],
            "meta": {
                "first_page_url": first,
                "key": "tasks",
                "next_page_url": None,
                "page": 0,
                "page_size": int(size) if size.isdigit() else 50,
                "previous_page_url": None,
                "url": first,
            },
        }
        return 200, {"content-type": "application/json"}, json.dumps(body).encode()
