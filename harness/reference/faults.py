"""Named faults that break the reference server on purpose, to prove the harness catches them.

A fault never lives in a handler. Each one is a small class here that rewrites the request
before the app sees it, rewrites the response after, or patches one service method; the
``FaultMiddleware`` applies the faults switched on by name (``trc serve --fault NAME``).
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from harness.reference.fault_base import Exchange, Fault
from harness.reference.faults_events import EVENT_FAULTS


class EtagIgnored(Fault):
    name, category = "etag-ignored", "etag"
    description = "Update ignores If-Match: stale versions are applied."

    def before(self, ex: Exchange) -> None:
        if ex.method == "POST" and ex.is_task:
            ex.headers.pop("if-match", None)


class IfMatchIgnoredOnDelete(Fault):
    name, category = "if-match-ignored-on-delete", "etag"
    description = "Delete ignores If-Match: a stale version still deletes."

    def before(self, ex: Exchange) -> None:
        if ex.method == "DELETE":
            ex.headers.pop("if-match", None)


class EtagFrozen(Fault):
    name, category = "etag-frozen", "etag"
    description = "The ETag header never changes (always 0)."

    def after(self, ex: Exchange) -> None:
        ex.response_headers = [
            (k, "0" if k.lower() == "etag" else v) for k, v in ex.response_headers
        ]


class EtagMissing(Fault):
    name, category = "etag-missing", "etag"
    description = "No ETag header on any response."

    def after(self, ex: Exchange) -> None:
        ex.response_headers = [(k, v) for k, v in ex.response_headers if k.lower() != "etag"]


class OrderingDescIgnored(Fault):
    name, category = "ordering-desc-ignored", "ordering"
    description = "Ordering ':desc' is treated as ':asc'."

    def before(self, ex: Exchange) -> None:
        ex.query = [(k, v.replace(":desc", ":asc") if k == "Ordering" else v) for k, v in ex.query]


class PageSizeOffByOne(Fault):
    name, category = "page-size-off-by-one", "paging"
    description = "Pages hold one task fewer than PageSize (default 49)."

    def after(self, ex: Exchange) -> None:
        if ex.method == "GET" and ex.is_list and ex.status == 200 and isinstance(ex.body, dict):
            tasks = ex.body.get("tasks") or []
            if len(tasks) == ex.body.get("meta", {}).get("page_size"):
                ex.body["tasks"] = tasks[:-1]


class QueueNameFilterIgnored(Fault):
    name, category = "filter-ignored", "filtering"
    description = "The TaskQueueName list filter is ignored."

    def before(self, ex: Exchange) -> None:
        ex.query = [(k, v) for k, v in ex.query if k != "TaskQueueName"]


class HasAsEquality(Fault):
    name, category = "has-as-equality", "filtering"
    description = "HAS / >- in EvaluateTaskAttributes behave like ==."

    def before(self, ex: Exchange) -> None:
        ex.query = [
            (k, re.sub(r"(?i)\bHAS\b|>-", "==", v) if k == "EvaluateTaskAttributes" else v)
            for k, v in ex.query
        ]


class WrongErrorCode(Fault):
    name, category = "wrong-error-code", "validation"
    description = "Every error body carries code 20001, whatever the status."

    def after(self, ex: Exchange) -> None:
        if ex.status >= 400 and isinstance(ex.body, dict) and "code" in ex.body:
            ex.body["code"] = 20001
            ex.body["more_info"] = "https://www.twilio.com/docs/errors/20001"


class ReasonNotRequired(Fault):
    name, category = "reason-not-required", "lifecycle"
    description = "Canceling or completing without Reason is accepted."

    def before(self, ex: Exchange) -> None:
        status = ex.form_value("AssignmentStatus")
        if status in ("canceled", "completed") and ex.form_value("Reason") is None:
            ex.form.append(("Reason", "(none given)"))


class TtlNeverFires(Fault):
    name, category = "ttl-never-fires", "lifecycle"
    description = "Tasks never expire: the Timeout (TTL) is not enforced."

    def patch(self, app: Any) -> None:
        store = app.state.reference.store
        store.expire = lambda now, reason, retention: []


class RetentionNever(Fault):
    name, category = "retention-never", "retention"
    description = "Canceled and completed tasks are never deleted."

    def patch(self, app: Any) -> None:
        app.state.reference.store.purge = lambda now: []


class AttributesAsObject(Fault):
    name, category = "attributes-as-object", "schema"
    description = "attributes is returned as a JSON object instead of a JSON string."

    def after(self, ex: Exchange) -> None:
        for task in ex.tasks_in_body():
            if isinstance(task.get("attributes"), str):
                with contextlib.suppress(ValueError):
                    task["attributes"] = json.loads(task["attributes"])


class ForeignTaskTouched(Fault):
    name, category = "foreign-task-touched", "lifecycle"
    description = "Deleting a task also deletes the workspace's oldest other task."

    def patch(self, app: Any) -> None:
        ref = app.state.reference
        original = ref.service.delete

        def delete(ws: Any, sid: str, if_match: str | None) -> None:
            original(ws, sid, if_match)
            stream = ref.store.query("workspace_sid = ?", [ws.sid], "seq ASC")
            victim = next(iter(stream), None)
            stream.close()
            if victim is not None:
                ref.store.delete(ws.sid, victim.sid)

        ref.service.delete = delete


class RedriveResetsAge(Fault):
    name, category = "redrive-resets-age", "lifecycle"
    description = "Updating a pending task's attributes resets its age to 0."

    def patch(self, app: Any) -> None:
        service = app.state.reference.service
        original = service._redrive

        def redrive(ws: Any, row: Any, attributes: Any, now: float) -> dict[str, Any]:
            return {**original(ws, row, attributes, now), "date_created": now}

        service._redrive = redrive


class AuthIgnored(Fault):
    name, category = "auth-ignored", "auth"
    description = "Any credentials (or none) are accepted."

    def patch(self, app: Any) -> None:
        app.state.reference.authenticate = lambda header, fixture: None


class ServerErrorOnBadPriority(Fault):
    name, category = "server-error-on-bad-priority", "fuzz"
    description = "A non-integer Priority crashes the handler (500)."

    def after(self, ex: Exchange) -> None:
        priority = ex.form_value("Priority") or dict(ex.query).get("Priority")
        if priority is not None and not re.fullmatch(r"[+-]?\d+", priority.strip()):
            ex.status = 500
            ex.body = {
                "code": 20500,
                "message": "Internal Server Error",
                "more_info": "https://www.twilio.com/docs/errors/20500",
                "status": 500,
            }


class WrongContentType(Fault):
    name, category = "wrong-content-type", "fuzz"
    description = "Responses are labelled text/plain."

    def after(self, ex: Exchange) -> None:
        ex.response_headers = [
            (k, "text/plain; charset=utf-8" if k.lower() == "content-type" else v)
            for k, v in ex.response_headers
        ]


class PriorityAsString(Fault):
    name, category = "priority-as-string", "schema"
    description = "priority is rendered as a string."

    def after(self, ex: Exchange) -> None:
        for task in ex.tasks_in_body():
            if isinstance(task.get("priority"), int):
                task["priority"] = str(task["priority"])


class InvalidAttributesAccepted(Fault):
    name, category = "invalid-attributes-accepted", "validation"
    description = "Attributes that are not a JSON object are accepted (stored as {})."

    def before(self, ex: Exchange) -> None:
        value = ex.form_value("Attributes")
        if value is None:
            return
        try:
            ok = isinstance(json.loads(value), dict) and len(value) <= 4096
        except ValueError:
            ok = False
        if not ok:
            ex.form = [(k, "{}" if k == "Attributes" else v) for k, v in ex.form]


class CreatedTaskUnfetchable(Fault):
    name, category = "created-task-unfetchable", "fuzz"
    description = "Fetching a task by SID always answers 404."

    def before(self, ex: Exchange) -> None:
        if ex.method == "GET" and ex.is_task:
            ex.path = ex.path[: -len(ex.path.rsplit("/", 1)[1])] + "WT" + "0" * 32


class _LooserTransition(Fault):
    """Allow one forbidden Task API transition by making the task look like it is in a state
    the real rule accepts (``pretend``)."""

    status = ""
    from_status = ""
    pretend = ""

    def patch(self, app: Any) -> None:
        service = app.state.reference.service
        original = service._transition

        def transition(ws: Any, row: Any, status: str, *rest: Any) -> dict[str, Any]:
            if status == self.status and row.assignment_status == self.from_status:
                row = row.changed(assignment_status=self.pretend)
            return original(ws, row, status, *rest)

        service._transition = transition


class AssignedCancellable(_LooserTransition):
    name, category = "assigned-cancellable", "workforce"
    description = "An assigned task can be canceled through the Task API."
    status, from_status, pretend = "canceled", "assigned", "reserved"


class WrappingFromPending(_LooserTransition):
    name, category = "wrapping-from-pending", "lifecycle"
    description = "A pending task can be moved to wrapping."
    status, from_status, pretend = "wrapping", "pending", "assigned"


class RejectKeepsReserved(Fault):
    name, category = "reject-keeps-reserved", "workforce"
    description = "Rejecting a reservation leaves the task reserved instead of pending."

    def patch(self, app: Any) -> None:
        workforce = app.state.reference.service.workforce
        original_resolve, original_bump = workforce._resolve, workforce._bump

        def resolve(ws: Any, reservation: Any, status: str, now: float, system: bool = True) -> Any:
            if status != "rejected":
                return original_resolve(ws, reservation, status, now, system)
            workforce._bump = lambda task, now, **changes: None
            try:
                return original_resolve(ws, reservation, status, now, system)
            finally:
                workforce._bump = original_bump

        workforce._resolve = resolve


class ReservationsKeptAfterDelete(Fault):
    name, category = "reservations-kept-after-delete", "workforce"
    description = "Deleting a task leaves its reservations behind."

    def patch(self, app: Any) -> None:
        workforce = app.state.reference.service.workforce
        workforce.on_task_deleted = lambda task_sid: None
        workforce.drop_orphan_reservations = lambda: None


_ALL: tuple[type[Fault], ...] = (
    EtagIgnored,
    IfMatchIgnoredOnDelete,
    EtagFrozen,
    EtagMissing,
    OrderingDescIgnored,
    PageSizeOffByOne,
    QueueNameFilterIgnored,
    HasAsEquality,
    WrongErrorCode,
    ReasonNotRequired,
    TtlNeverFires,
    RetentionNever,
    AttributesAsObject,
    ForeignTaskTouched,
    RedriveResetsAge,
    AuthIgnored,
    ServerErrorOnBadPriority,
    WrongContentType,
    PriorityAsString,
    InvalidAttributesAccepted,
    CreatedTaskUnfetchable,
    AssignedCancellable,
    WrappingFromPending,
    RejectKeepsReserved,
    ReservationsKeptAfterDelete,
    *EVENT_FAULTS,
)
REGISTRY: dict[str, type[Fault]] = {cls.name: cls for cls in _ALL}
#: name -> description, for ``trc serve --fault`` and the docs.
FAULTS: dict[str, str] = {cls.name: cls.description for cls in _ALL}


class FaultMiddleware:
    """Pure ASGI middleware applying request/response rewrites of the active faults."""

    def __init__(self, app: ASGIApp, faults: list[Fault]) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        is_form = "form-urlencoded" in headers.get("content-type", "")
        ex = Exchange(
            method=scope["method"],
            path=scope["path"],
            query=parse_qsl(
                scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
            ),
            form=parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
            if is_form
            else [],
            headers=headers,
        )
        for fault in self.faults:
            fault.before(ex)
        body = urlencode(ex.form).encode() if is_form else raw
        headers_out = {**ex.headers, "content-length": str(len(body))}
        new_scope = dict(scope)
        new_scope.update(
            path=ex.path,
            raw_path=ex.path.encode(),
            query_string=urlencode(ex.query).encode(),
            headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers_out.items()],
        )
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(new_scope, replay, capture)
        await self._send(ex, start, b"".join(chunks), send)

    async def _send(self, ex: Exchange, start: Message, payload: bytes, send: Send) -> None:
        ex.status = start.get("status", 500)
        ex.response_headers = [
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in start.get("headers", [])
        ]
        try:
            ex.body = json.loads(payload) if payload else None
        except ValueError:
            ex.body = None
        original = json.dumps(ex.body) if ex.body is not None else None
        for fault in self.faults:
            fault.after(ex)
        if ex.body is not None and json.dumps(ex.body) != original:
            payload = json.dumps(ex.body).encode()
        if ex.status >= 500 and ex.body is not None:
            payload = json.dumps(ex.body).encode()
        headers = [(k, v) for k, v in ex.response_headers if k.lower() != "content-length"]
        headers.append(("content-length", str(len(payload))))
        await send(
            {
                "type": "http.response.start",
                "status": ex.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def apply_faults(app: Any, names: frozenset[str]) -> Any:
    """Wrap ``app`` with the named faults switched on; no names returns ``app`` unchanged."""
    unknown = set(names) - set(REGISTRY)
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}")
    if not names:
        return app
    faults = [REGISTRY[name]() for name in sorted(names)]
    for fault in faults:
        fault.patch(app)
    wrapped = FaultMiddleware(app, faults)
    wrapped.state = app.state  # type: ignore[attr-defined]
    return wrapped
