"""The reference server's HTTP face: routes, auth, error bodies. Behaviour lives in tasks.py."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from harness.reference import clock_api, events_api
from harness.reference.auth import CHALLENGE, authenticate
from harness.reference.clock import TestClock
from harness.reference.config import ServerConfig
from harness.reference.errors import (
    BAD_REQUEST,
    INTERNAL_ERROR,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    TwilioError,
    bad_request,
    not_found,
)
from harness.reference.faults import apply_faults
from harness.reference.fixture import Workspace
from harness.reference.forms import Params, parse_pairs
from harness.reference.params import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ignore_capacity_flag,
    parse_int,
    sid_matches,
)
from harness.reference.render import list_json, task_json
from harness.reference.render_workforce import (
    activity_json,
    collection,
    reservation_json,
    worker_json,
)
from harness.reference.store import TaskStore
from harness.reference.tasks import TaskService
from harness.reference.workforce import WorkforceService
from harness.reference.workforce_store import ReservationRow, WorkerRow

log = logging.getLogger("harness.reference")
Handler = Callable[[Request], Awaitable[Response]]
FORM = "application/x-www-form-urlencoded"


class ReferenceApp:
    """Holds the service and turns HTTP requests into service calls."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.store = TaskStore(config.db_path)
        self.service = TaskService(config, self.store)
        self.authenticate = authenticate

    # -- helpers --------------------------------------------------------------------------
    def _workspace(self, request: Request) -> Workspace:
        self.authenticate(request.headers.get("authorization"), self.config.fixture)
        ws_sid = request.path_params["workspace_sid"]
        ws = self.config.fixture.workspace(ws_sid) if sid_matches(ws_sid, "WS") else None
        if ws is None:
            raise not_found(f"The requested resource /Workspaces/{ws_sid} was not found")
        return ws

    def _task_sid(self, request: Request, ws: Workspace) -> str:
        sid = request.path_params["sid"]
        if not sid_matches(sid, "WT"):
            raise not_found(
                f"The requested resource /Workspaces/{ws.sid}/Tasks/{sid} was not found"
            )
        return sid

    @staticmethod
    def _base(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    @staticmethod
    async def _form(request: Request) -> Params:
        body = await request.body()
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if body and content_type not in ("", FORM):
            raise bad_request(f"Unsupported Content-Type '{content_type}': send {FORM}")
        return parse_pairs(body, "form body")

    @staticmethod
    def _query(request: Request) -> Params:
        return parse_pairs(request.scope.get("query_string", b""), "query string")

    def _respond(self, request: Request, row_status: int, row: object, ws: Workspace) -> Response:
        from harness.reference.store import TaskRow

        assert isinstance(row, TaskRow)
        now = self.config.clock.now()
        response = JSONResponse(task_json(row, ws, self._base(request), now), row_status)
        # Starlette lower-cases header names; send "ETag" as Twilio spells it, so clients
        # that copy headers into a plain dict (the twilio SDK's *_with_http_info) find it.
        response.raw_headers.append((b"ETag", str(row.version).encode()))
        return response

    # -- endpoints ------------------------------------------------------------------------
    async def tasks(self, request: Request) -> Response:
        ws = self._workspace(request)
        if request.method == "GET":
            page = self.service.list(ws, self._query(request))
            now = self.config.clock.now()
            return JSONResponse(list_json(page, ws, self._base(request), now))
        if request.method == "POST":
            row = self.service.create(ws, await self._form(request))
            return self._respond(request, 201, row, ws)
        raise _method_not_allowed(request)

    async def task(self, request: Request) -> Response:
        ws = self._workspace(request)
        sid = self._task_sid(request, ws)
        if request.method == "GET":
            return self._respond(request, 200, self.service.fetch(ws, sid), ws)
        if_match = request.headers.get("if-match")
        if request.method == "POST":
            row = self.service.update(ws, sid, await self._form(request), if_match)
            return self._respond(request, 200, row, ws)
        if request.method == "DELETE":
            self.service.delete(ws, sid, if_match)
            return Response(status_code=204)
        raise _method_not_allowed(request)

    # -- supporting resources: Workers, Activities, Reservations -------------------------
    @property
    def workforce(self) -> WorkforceService:
        return self.service.workforce

    def _page_size(self, params: Params) -> int:
        value = params.one("PageSize")
        return parse_int("PageSize", value, 1, MAX_PAGE_SIZE) if value else DEFAULT_PAGE_SIZE

    def _worker_out(
        self, request: Request, ws: Workspace, row: WorkerRow, status: int = 200
    ) -> Response:
        body = worker_json(row, ws, self.config.fixture.account_sid, self._base(request))
        return JSONResponse(body, status)

    async def workers(self, request: Request) -> Response:
        ws = self._workspace(request)
        self.service.tick()
        if request.method == "GET":
            params = self._query(request)
            rows = self.workforce.list_workers(ws, params)
            base = self._base(request)
            items = [worker_json(r, ws, self.config.fixture.account_sid, base) for r in rows]
            url = f"{base}/v1/Workspaces/{ws.sid}/Workers"
            return JSONResponse(collection("workers", items, url, self._page_size(params)))
        if request.method == "POST":
            row = self.workforce.create_worker(ws, await self._form(request))
            return self._worker_out(request, ws, row, 201)
        raise _method_not_allowed(request)

    async def worker(self, request: Request) -> Response:
        ws = self._workspace(request)
        self.service.tick()
        sid = request.path_params["sid"]
        if request.method == "GET":
            return self._worker_out(request, ws, self.workforce.fetch_worker(ws, sid))
        if request.method == "POST":
            row = self.workforce.update_worker(ws, sid, await self._form(request))
            self.service.tick()  # a worker becoming available may take a task at once
            return self._worker_out(request, ws, self.workforce.fetch_worker(ws, row.sid))
        if request.method == "DELETE":
            self.workforce.delete_worker(ws, sid)
            return Response(status_code=204)
        raise _method_not_allowed(request)

    async def activities(self, request: Request) -> Response:
        ws = self._workspace(request)
        if request.method != "GET":
            raise _method_not_allowed(request)
        base = self._base(request)
        params = self._query(request)
        activities = list(ws.activities)
        if (name := params.one("FriendlyName")) is not None:
            activities = [a for a in activities if a.friendly_name == name]
        if (available := params.one("Available")) is not None:
            wanted = ignore_capacity_flag(available)  # Twilio: true/1/yes, anything else false
            activities = [a for a in activities if a.available == wanted]
        items = [activity_json(a, ws, self.config.fixture.account_sid, base) for a in activities]
        url = f"{base}/v1/Workspaces/{ws.sid}/Activities"
        return JSONResponse(collection("activities", items, url, self._page_size(params)))

    async def activity(self, request: Request) -> Response:
        ws = self._workspace(request)
        if request.method != "GET":
            raise _method_not_allowed(request)
        sid = request.path_params["sid"]
        activity = ws.activity(sid) if sid_matches(sid, "WA") else None
        if activity is None:
            raise not_found(
                f"The requested resource /Workspaces/{ws.sid}/Activities/{sid} was not found"
            )
        return JSONResponse(
            activity_json(activity, ws, self.config.fixture.account_sid, self._base(request))
        )

    def _reservation_out(
        self, request: Request, ws: Workspace, row: ReservationRow
    ) -> dict[str, object]:
        worker = self.workforce.store.worker(ws.sid, row.worker_sid)
        return reservation_json(
            row,
            worker.friendly_name if worker else None,
            self.config.fixture.account_sid,
            self._base(request),
        )

    async def reservations(self, request: Request) -> Response:
        ws = self._workspace(request)
        task_sid = self._task_sid(request, ws)
        if request.method != "GET":
            raise _method_not_allowed(request)
        self.service.fetch(ws, task_sid)
        params = self._query(request)
        rows = self.workforce.list_reservations(ws, task_sid, params)
        items = [self._reservation_out(request, ws, r) for r in rows]
        url = f"{self._base(request)}/v1/Workspaces/{ws.sid}/Tasks/{task_sid}/Reservations"
        return JSONResponse(collection("reservations", items, url, self._page_size(params)))

    async def reservation(self, request: Request) -> Response:
        ws = self._workspace(request)
        task_sid = self._task_sid(request, ws)
        sid = request.path_params["reservation_sid"]
        self.service.tick()
        if request.method == "GET":
            row = self.workforce.fetch_reservation(ws, task_sid, sid)
        elif request.method == "POST":
            row = self.workforce.update_reservation(ws, task_sid, sid, await self._form(request))
        else:
            raise _method_not_allowed(request)
        return JSONResponse(self._reservation_out(request, ws, row))

    # -- events and callback settings (harness.reference.events_api) ----------------------
    async def events(self, request: Request) -> Response:
        ws = self._workspace(request)
        if request.method != "GET":
            raise _method_not_allowed(request)
        now = self.service.tick()
        rows, echo, token = events_api.list_events(
            self.service.events.log, ws, self._query(request), now
        )
        body = events_api.events_page_json(
            rows,
            ws,
            self._base(request),
            self.service.settings,
            echo,
            token,
            self.config.fixture.account_sid,
        )
        return JSONResponse(body)

    async def event(self, request: Request) -> Response:
        ws = self._workspace(request)
        if request.method != "GET":
            raise _method_not_allowed(request)
        self.service.tick()
        row = events_api.fetch_event(self.service.events.log, ws, request.path_params["sid"])
        name = self.service.settings.workspace(ws.sid).friendly_name
        body = events_api.event_json(
            row, ws, self._base(request), name, self.config.fixture.account_sid
        )
        return JSONResponse(body)

    async def workspace(self, request: Request) -> Response:
        ws = self._workspace(request)
        if request.method == "POST":
            params = await self._form(request)
            events_api.update_workspace(self.service.settings, ws, params, self.config.clock.now())
            if self.service.settings.workspace(ws.sid).event_callback_url:
                self.service.start_ticker()
        elif request.method != "GET":
            raise _method_not_allowed(request)
        body = events_api.workspace_json(
            self.service.settings, ws, self.config.fixture.account_sid, self._base(request)
        )
        return JSONResponse(body)

    async def workflows(self, request: Request) -> Response:
        ws = self._workspace(request)
        if request.method != "GET":
            raise _method_not_allowed(request)
        params = self._query(request)
        base = self._base(request)
        items = [
            events_api.workflow_json(
                self.service.settings, ws, wf, self.config.fixture.account_sid, base
            )
            for wf in ws.workflows
            if params.one("FriendlyName") in (None, wf.friendly_name)
        ]
        url = f"{base}/v1/Workspaces/{ws.sid}/Workflows"
        return JSONResponse(collection("workflows", items, url, self._page_size(params)))

    async def workflow(self, request: Request) -> Response:
        ws = self._workspace(request)
        workflow = events_api.find_workflow(ws, request.path_params["sid"])
        if request.method == "POST":
            params = await self._form(request)
            events_api.update_workflow(
                self.service.settings, workflow, params, self.config.clock.now()
            )
            if self.service.settings.workflow(workflow.sid).assignment_callback_url:
                self.service.start_ticker()
        elif request.method != "GET":
            raise _method_not_allowed(request)
        body = events_api.workflow_json(
            self.service.settings,
            ws,
            workflow,
            self.config.fixture.account_sid,
            self._base(request),
        )
        return JSONResponse(body)

    def close(self) -> None:
        """Stop the callback threads (the server's ``stop`` calls this)."""
        self.service.close()

    async def clock(self, request: Request) -> Response:
        """The test-clock extension (harness.reference.clock_api); routed only when on."""
        self.authenticate(request.headers.get("authorization"), self.config.fixture)
        if request.method not in ALLOWED["clock"]:
            raise _method_not_allowed(request)
        assert isinstance(self.config.clock, TestClock)
        response = await clock_api.handle(request, self.config.clock)
        if request.method == "POST":
            self.service.tick()  # what the advance made due happens now (and is announced)
        return response

    async def not_found(self, request: Request) -> Response:
        self.authenticate(request.headers.get("authorization"), self.config.fixture)
        raise not_found(f"The requested resource {request.url.path} was not found")


class MethodNotAllowed(TwilioError):
    """A 405 that knows which methods the resource does allow (sent as ``Allow``)."""

    def __init__(self, request: Request, allowed: tuple[str, ...]) -> None:
        super().__init__(
            405, METHOD_NOT_ALLOWED, f"Method {request.method} not allowed for {request.url.path}"
        )
        self.allowed = allowed


def _method_not_allowed(request: Request) -> TwilioError:
    route = request.scope.get("route")
    allowed = getattr(route, "endpoint", None)
    return MethodNotAllowed(request, ALLOWED.get(getattr(allowed, "__name__", ""), ()))


async def _twilio_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TwilioError)
    if exc.status == 401:
        return exc.response(CHALLENGE)
    if isinstance(exc, MethodNotAllowed) and exc.allowed:
        return exc.response({"Allow": ", ".join(exc.allowed)})
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own HTTP errors (none expected: routes take every method and the
    catch-all takes every path) in Twilio's error body rather than plain text."""
    assert isinstance(exc, HTTPException)
    fallback = INTERNAL_ERROR if exc.status_code >= 500 else BAD_REQUEST
    error = TwilioError(exc.status_code, _HTTP_CODES.get(exc.status_code, fallback), exc.detail)
    return error.response(dict(exc.headers) if exc.headers else None)


_HTTP_CODES = {400: BAD_REQUEST, 404: NOT_FOUND, 405: METHOD_NOT_ALLOWED}


async def _unexpected(request: Request, exc: Exception) -> Response:
    """Last resort: a bug, logged with its traceback, answered in Twilio's error body."""
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return TwilioError(500, INTERNAL_ERROR, "Internal Server Error").response()


#: What each endpoint answers; anything else is a 405 with this ``Allow`` header. Routes
#: declare no methods, so every method (TRACE, FOO, ...) reaches the endpoint, is
#: authenticated like any other request and gets Twilio's error body, not Starlette's text.
ALLOWED: dict[str, tuple[str, ...]] = {
    "tasks": ("GET", "POST"),
    "task": ("GET", "POST", "DELETE"),
    "reservations": ("GET",),
    "reservation": ("GET", "POST"),
    "workers": ("GET", "POST"),
    "worker": ("GET", "POST", "DELETE"),
    "activities": ("GET",),
    "activity": ("GET",),
    "clock": ("GET", "POST"),
    "events": ("GET",),
    "event": ("GET",),
    "workspace": ("GET", "POST"),
    "workflows": ("GET",),
    "workflow": ("GET", "POST"),
}


class AnyMethodRoute(Route):
    """A route that takes every method (Starlette's default for a function is GET only and
    its 405 is plain text): the endpoint answers unknown ones with Twilio's 405 itself."""

    def __init__(self, path: str, endpoint: Handler) -> None:
        super().__init__(path, endpoint)
        self.methods = None


def create_app(config: ServerConfig | None = None) -> Starlette:
    """The reference server as an ASGI app (in-process use or under uvicorn)."""
    config = config or ServerConfig()
    ref = ReferenceApp(config)
    app = Starlette(
        routes=[
            AnyMethodRoute("/v1/Workspaces/{workspace_sid}", ref.workspace),
            AnyMethodRoute("/v1/Workspaces/{workspace_sid}/Events", ref.events),
            AnyMethodRoute("/v1/Workspaces/{workspace_sid}/Events/{sid}", ref.event),
            AnyMethodRoute("/v1/Workspaces/{workspace_sid}/Workflows", ref.workflows),
            AnyMethodRoute("/v1/Workspaces/{workspace_sid}/Workflows/{sid}", ref.workflow),
            AnyMethodRoute("/v1/Workspaces/{workspace_sid}/Tasks", ref.tasks),
            AnyMethodRoute("/v1/Workspaces/{workspace_sid}/Tasks/{sid}", ref.task),
            AnyMethodRoute(
                "/v1/Workspaces/{workspace_sid}/Tasks/{sid}/Reservations",
                ref.reservations,
            ),
            AnyMethodRoute(
                "/v1/Workspaces/{workspace_sid}/Tasks/{sid}/Reservations/{reservation_sid}",
                ref.reservation,
            ),
            AnyMethodRoute("/v1/Workspaces/{workspace_sid}/Workers", ref.workers),
            AnyMethodRoute("/v1/Workspaces/{workspace_sid}/Workers/{sid}", ref.worker),
            AnyMethodRoute("/v1/Workspaces/{workspace_sid}/Activities", ref.activities),
            AnyMethodRoute("/v1/Workspaces/{workspace_sid}/Activities/{sid}", ref.activity),
            *([AnyMethodRoute(clock_api.PATH, ref.clock)] if config.test_clock else []),
            AnyMethodRoute("/{path:path}", ref.not_found),
        ],
        exception_handlers={
            TwilioError: _twilio_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
    )
    app.state.reference = ref
    return apply_faults(app, config.faults)  # type: ignore[return-value]
