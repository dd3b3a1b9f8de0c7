"""Which Task operation a request is: method + path template -> CreateTask, FetchTask, ...

A case exercises the operations of its exchanges. Passing scenario records keep no exchanges,
so the scenarios phase also hands over the operations its steps would send (``hints``), read
from the scenario's own requests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from harness.report.model import CaseOperation
from harness.results.model import CaseRecord
from harness.results.vocab import Operation, Status

SUPPORT = Operation.SUPPORT
OPERATIONS = tuple(op for op in Operation if op is not SUPPORT)
#: The rows of the parity matrices: the five operations, then Support.
ROWS: tuple[Operation, ...] = (*OPERATIONS, SUPPORT)

_LIST = re.compile(r"^/v1/Workspaces/[^/]+/Tasks/?$")
_ITEM = re.compile(r"^/v1/Workspaces/[^/]+/Tasks/[^/]+/?$")
_FUZZ_ID = re.compile(rf"^fuzz\.({'|'.join(OPERATIONS)})(\.|$)")

_BY_METHOD = {
    ("list", "GET"): Operation.LIST,
    ("list", "POST"): Operation.CREATE,
    ("item", "GET"): Operation.FETCH,
    ("item", "POST"): Operation.UPDATE,
    ("item", "DELETE"): Operation.DELETE,
}


def _path(url_or_path: str) -> str:
    text = url_or_path or ""
    if "://" in text:
        text = urlsplit(text).path
    return text.split("?", 1)[0].split("#", 1)[0]


def operation_of(method: str, url_or_path: str) -> Operation:
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
            ops.append(Operation.CREATE)
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
                ops.append(Operation.LIST)
            continue
        ops.append(operation_of(request.method, target))
    return unique(ops)


def _exchange_ops(record: CaseRecord) -> list[str]:
    return [operation_of(x.request.method, x.request.url) for x in record.exchanges]


def _id_operation(record: CaseRecord) -> str | None:
    match = _FUZZ_ID.match(record.id)
    return match.group(1) if match else None


def case_operations(record: CaseRecord, hint: Sequence[str] = ()) -> list[CaseOperation]:
    """Per operation the case touched, the status it has there.

    A failed (or errored) case fails at the operation of its failing step; the operations of
    the steps before it are ``not-applicable`` there: they answered, but the case did not get
    far enough to judge them (a delete that deleted nothing is not credited because a later
    fetch found out). Any other status applies to every operation the case touched.
    """
    status = record.status
    ex_ops = _exchange_ops(record)
    id_op = _id_operation(record)
    field_ops = unique(f.operation or SUPPORT for f in record.fields)
    touched = unique([*hint, *ex_ops, *field_ops, *([id_op] if id_op else [])])
    if status.is_problem and ex_ops:
        step = record.failure.step if record.failure else None
        steps = [x.step for x in record.exchanges]
        index = max((i for i, s in enumerate(steps) if s == step), default=len(steps) - 1)
        failing = id_op or ex_ops[index]
        held = [op for op in unique(ex_ops[:index]) if op != failing]
        return [CaseOperation(op, Status.NOT_APPLICABLE) for op in held] + [
            CaseOperation(failing, status)
        ]
    if status.is_problem and id_op:
        return [CaseOperation(id_op, status)]
    if not touched:
        touched = [SUPPORT]
    return [CaseOperation(op, status) for op in touched]
