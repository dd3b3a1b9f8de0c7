"""Which Task operation a request is: method + path template -> CreateTask, FetchTask, ...

A case exercises the operations of its exchanges. Passing scenario records keep no exchanges,
so the scenarios phase also hands over the operations its steps would send (``hints``), read
from the scenario's own requests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

OPERATIONS = ("CreateTask", "FetchTask", "ListTask", "UpdateTask", "DeleteTask")
SUPPORT = "Support"
ROWS = (*OPERATIONS, SUPPORT)

_LIST = re.compile(r"^/v1/Workspaces/[^/]+/Tasks/?$")
_ITEM = re.compile(r"^/v1/Workspaces/[^/]+/Tasks/[^/]+/?$")
_FUZZ_ID = re.compile(r"^fuzz\.(CreateTask|FetchTask|ListTask|UpdateTask|DeleteTask)(\.|$)")

_BY_METHOD = {
    ("list", "GET"): "ListTask",
    ("list", "POST"): "CreateTask",
    ("item", "GET"): "FetchTask",
    ("item", "POST"): "UpdateTask",
    ("item", "DELETE"): "DeleteTask",
}


def _path(url_or_path: str) -> str:
    text = url_or_path or ""
    if "://" in text:
        text = urlsplit(text).path
    return text.split("?", 1)[0].split("#", 1)[0]


def operation_of(method: str, url_or_path: str) -> str:
    """The operation a request is, or ``Support`` (Workers, Activities, other methods...)."""
    path = _path(url_or_path)
    shape = "list" if _LIST.match(path) else "item" if _ITEM.match(path) else None
    if shape is None:
        return SUPPORT
    return _BY_METHOD.get((shape, (method or "").upper()), SUPPORT)


def unique(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def scenario_operations(scenario: Any) -> list[str]:
    """Operations a scenario's steps send (setup, steps and finally), in order of appearance."""
    ops: list[str] = []
    steps = [*getattr(scenario, "steps", ()), *getattr(scenario, "finally_steps", ())]
    for step in steps:
        if getattr(step, "create_tasks", None) is not None:
            ops.append("CreateTask")
            continue
        request = getattr(step, "request", None)
        if request is None:
            continue
        target = request.path or request.url or ""
        if "/v1/" in target:
            target = target[target.index("/v1/") :]
        if not target.startswith("/"):
            # a saved absolute URL such as {next_page_url}: paging through a list
            if getattr(step, "paginate", None) is not None or "page" in target.lower():
                ops.append("ListTask")
            continue
        ops.append(operation_of(request.method, target))
    return unique(ops)


def _exchange_ops(case: Mapping[str, Any]) -> list[str]:
    out = []
    for exchange in case.get("exchanges") or []:
        request = exchange.get("request") or {}
        out.append(operation_of(request.get("method", ""), request.get("url", "")))
    return out


def _id_operation(case: Mapping[str, Any]) -> str | None:
    match = _FUZZ_ID.match(str(case.get("id", "")))
    return match.group(1) if match else None


def case_operations(case: Mapping[str, Any], hint: Sequence[str] = ()) -> list[dict[str, str]]:
    """Per operation the case touched, the status it has there.

    A failed (or errored) case fails at the operation of its failing step; the operations of
    the steps before it held. Any other status applies to every operation the case touched.
    """
    status = case["status"]
    ex_ops = _exchange_ops(case)
    id_op = _id_operation(case)
    field_ops = unique(f.get("operation", SUPPORT) for f in case.get("fields") or [])
    touched = unique([*hint, *ex_ops, *field_ops, *([id_op] if id_op else [])])
    if status in ("fail", "error") and ex_ops:
        failure = case.get("failure") or {}
        step = failure.get("step")
        steps = [e.get("step") for e in case["exchanges"]]
        index = max((i for i, s in enumerate(steps) if s == step), default=len(steps) - 1)
        failing = id_op or ex_ops[index]
        held = [op for op in unique(ex_ops[:index]) if op != failing]
        return [{"operation": op, "status": "pass"} for op in held] + [
            {"operation": failing, "status": status}
        ]
    if status in ("fail", "error") and id_op:
        return [{"operation": id_op, "status": status}]
    if not touched:
        touched = [SUPPORT]
    return [{"operation": op, "status": status} for op in touched]
