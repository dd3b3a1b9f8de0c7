"""A tiny fake TaskRouter Task API for testing the harness itself (not the reference).

It is deliberately small and in-memory, with switches that break it in known ways
(``omit_etag``, ``ignore_if_match``, ...) so tests can prove the runner fails broken
targets. Usable through ``httpx.MockTransport`` (``fake.transport()``) or over loopback
(``serve(fake)``).
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import uvicorn

from harness.reference.fixture import default_fixture

FIXTURE = default_fixture()
ACCOUNT = FIXTURE.account_sid
TOKEN = FIXTURE.auth_token
WS = FIXTURE.single.sid
WS_MULTI = FIXTURE.multi.sid
WORKFLOW = FIXTURE.single.workflows[0]
QUEUE = FIXTURE.single.task_queues[0]
CHANNEL = FIXTURE.single.task_channels[0]


def iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


@dataclass
class FakeTask:
    sid: str
    workspace_sid: str
    attributes: str
    priority: int = 0
    version: int = 0
    status: str = "pending"
    reason: str | None = None
    created: float = field(default_factory=time.time)


@dataclass
class FakeTaskRouter:
    omit_etag: bool = False
    ignore_if_match: bool = False
    attributes_as_object: bool = False
    tasks: dict[str, FakeTask] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str], str]] = field(default_factory=list)
    delete_404_after_seconds: float | None = None  # canceled tasks vanish after this

    # -- plumbing ------------------------------------------------------------------------------
    def transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            status, headers, body = self.handle(
                request.method,
                str(request.url),
                dict(request.headers),
                request.content.decode(),
            )
            return httpx.Response(status, headers=headers, content=body)

        return httpx.MockTransport(handler)

    def handle(
        self, method: str, url: str, headers: dict[str, str], body: str
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {k.lower(): v for k, v in headers.items()}
        self.requests.append((method, url, headers, body))
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        if headers.get("authorization") != _basic(ACCOUNT, TOKEN):
            return self._error(401, 20003, "Authenticate")
        segments = parts.path.strip("/").split("/")
        if len(segments) < 4 or segments[:2] != ["v1", "Workspaces"] or segments[3] != "Tasks":
            return self._error(404, 20404, "not found")
        ws = segments[2]
        if ws not in (WS, WS_MULTI):
            return self._error(404, 20404, "no such workspace")
        query = parse_qsl(parts.query, keep_blank_values=True)
        form = dict(parse_qsl(body, keep_blank_values=True))
        self._expire()
        if len(segments) == 4:
            if method == "POST":
                return self._create(ws, form, base)
            if method == "GET":
                return self._list(ws, dict(query), base, parts.path)
            return self._error(405, 20004, "method not allowed")
        sid = segments[4]
        task = self.tasks.get(sid)
        if task is None or task.workspace_sid != ws:
            return self._error(404, 20404, "not found")
        if method == "GET":
            return self._task_response(200, task, base)
        if_match = headers.get("if-match")
        if (
            if_match is not None
            and not self.ignore_if_match
            and if_match.strip('"') != str(task.version)
        ):
            return self._error(412, 20412, "Precondition Failed")
        if method == "POST":
            if "Attributes" in form:
                task.attributes = form["Attributes"]
            if "Priority" in form:
                task.priority = int(form["Priority"])
            if "AssignmentStatus" in form:
                task.status = form["AssignmentStatus"]
                task.reason = form.get("Reason")
                task.created = time.time()
            task.version += 1
            return self._task_response(200, task, base)
        if method == "DELETE":
            del self.tasks[sid]
            return 204, {}, b""
        return self._error(405, 20004, "method not allowed")

    def _expire(self) -> None:
        if self.delete_404_after_seconds is None:
            return
        now = time.time()
        for sid, task in list(self.tasks.items()):
            if task.status == "canceled" and now - task.created >= self.delete_404_after_seconds:
                del self.tasks[sid]

    # -- behaviour -----------------------------------------------------------------------------
    def _create(
        self, ws: str, form: dict[str, str], base: str
    ) -> tuple[int, dict[str, str], bytes]:
        attributes = form.get("Attributes", "{}")
        try:
            json.loads(attributes)
        except ValueError:
            return self._error(400, 20001, "Attributes is not valid JSON")
        task = FakeTask("WT" + secrets.token_hex(16), ws, attributes, int(form.get("Priority", 0)))
        self.tasks[task.sid] = task
        return self._task_response(201, task, base)

    def _matches(self, task: FakeTask, expression: str | None) -> bool:
        if not expression:
            return True
        attributes = json.loads(task.attributes)
        expression = expression.strip()
        for key in ("trc_case", "trc_run"):
            if expression == f"{key} != null":
                return attributes.get(key) is not None
            if expression.startswith(f"{key} == "):
                return attributes.get(key) == expression.split("==", 1)[1].strip().strip('"')
        raise ValueError(expression)

    def _list(
        self, ws: str, query: dict[str, str], base: str, path: str
    ) -> tuple[int, dict[str, str], bytes]:
        try:
            rows = [
                t
                for t in self.tasks.values()
                if t.workspace_sid == ws and self._matches(t, query.get("EvaluateTaskAttributes"))
            ]
        except ValueError:
            return self._error(400, 20001, "bad expression")
        page_size = int(query.get("PageSize", 50))
        page = int(query.get("Page", 0))
        chunk = rows[page * page_size : (page + 1) * page_size]
        keep = [(k, v) for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")]

        def url(number: int) -> str:
            return f"{base}{path}?" + urlencode([*keep, ("PageSize", page_size), ("Page", number)])

        more = (page + 1) * page_size < len(rows)
        body = {
            "tasks": [self._task_json(t, base) for t in chunk],
            "meta": {
                "first_page_url": url(0),
                "key": "tasks",
                "next_page_url": url(page + 1) if more else None,
                "page": page,
                "page_size": page_size,
                "previous_page_url": url(page - 1) if page > 0 else None,
                "url": url(page),
            },
        }
        return 200, {"content-type": "application/json"}, json.dumps(body).encode()

    def _task_json(self, task: FakeTask, base: str) -> dict[str, Any]:
        url = f"{base}/v1/Workspaces/{task.workspace_sid}/Tasks/{task.sid}"
        attributes: Any = (
            json.loads(task.attributes) if self.attributes_as_object else task.attributes
        )
        return {
            "account_sid": ACCOUNT,
            "age": int(time.time() - task.created),
            "assignment_status": task.status,
            "attributes": attributes,
            "addons": "{}",
            "date_created": iso(task.created),
            "date_updated": iso(task.created),
            "task_queue_entered_date": iso(task.created),
            "priority": task.priority,
            "reason": task.reason,
            "sid": task.sid,
            "task_queue_sid": QUEUE.sid,
            "task_queue_friendly_name": QUEUE.friendly_name,
            "task_channel_sid": CHANNEL.sid,
            "task_channel_unique_name": CHANNEL.unique_name,
            "timeout": 86400,
            "workflow_sid": WORKFLOW.sid,
            "workflow_friendly_name": WORKFLOW.friendly_name,
            "workspace_sid": task.workspace_sid,
            "url": url,
            "links": {
                "task_queue": f"{base}/v1/Workspaces/{task.workspace_sid}/TaskQueues/{QUEUE.sid}",
                "workflow": f"{base}/v1/Workspaces/{task.workspace_sid}/Workflows/{WORKFLOW.sid}",
                "workspace": f"{base}/v1/Workspaces/{task.workspace_sid}",
                "reservations": f"{url}/Reservations",
            },
            "virtual_start_time": iso(task.created),
            "ignore_capacity": False,
            "routing_target": None,
        }

    def _task_response(
        self, status: int, task: FakeTask, base: str
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"content-type": "application/json"}
        if not self.omit_etag:
            headers["etag"] = str(task.version)
        return status, headers, json.dumps(self._task_json(task, base)).encode()

    @staticmethod
    def _error(status: int, code: int, message: str) -> tuple[int, dict[str, str], bytes]:
        body = {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
        return status, {"content-type": "application/json"}, json.dumps(body).encode()

    def tagged(self, key: str = "trc_run") -> list[FakeTask]:
        return [t for t in self.tasks.values() if key in json.loads(t.attributes)]


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# -- serving over loopback -------------------------------------------------------------------


def asgi_app(fake: FakeTaskRouter) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        host = dict(scope["headers"]).get(b"host", b"localhost").decode()
        query = scope.get("query_string", b"").decode()
        url = f"http://{host}{scope['path']}" + (f"?{query}" if query else "")
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        status, out_headers, content = fake.handle(scope["method"], url, headers, body.decode())
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in out_headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": content})

    return app


@contextmanager
def serve(fake: FakeTaskRouter) -> Iterator[str]:
    """Serve ``fake`` on a free loopback port; yield its base URL."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(asgi_app(fake), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def closed_port() -> int:
    """A loopback port nothing listens on."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port
