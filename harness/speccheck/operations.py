"""Name the operation of a request: the spec's operationId, or a fallback from the path shape."""

from __future__ import annotations

import re
from functools import lru_cache

from harness.speccheck import load_spec
from harness.speccheck.openapi import SpecChecker

_FALLBACK = (
    ("GET", re.compile(r"^/v1/Workspaces/[^/]+/Tasks/?$"), "ListTask"),
    ("POST", re.compile(r"^/v1/Workspaces/[^/]+/Tasks/?$"), "CreateTask"),
    ("GET", re.compile(r"^/v1/Workspaces/[^/]+/Tasks/[^/]+/?$"), "FetchTask"),
    ("POST", re.compile(r"^/v1/Workspaces/[^/]+/Tasks/[^/]+/?$"), "UpdateTask"),
    ("DELETE", re.compile(r"^/v1/Workspaces/[^/]+/Tasks/[^/]+/?$"), "DeleteTask"),
)
_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


@lru_cache(maxsize=1)
def _default_spec() -> SpecChecker | None:
    try:
        return load_spec()
    except Exception:  # a broken spec must not stop a replay
        return None


def operation_name(method: str, path: str, spec: SpecChecker | None = None) -> str:
    spec = spec or _default_spec()
    if spec is not None:
        operation = spec.operation(method, path)
        if operation is not None and operation.operation_id:
            return operation.operation_id
    method = method.upper()
    for wanted, pattern, name in _FALLBACK:
        if method == wanted and pattern.match(path):
            return name
    shape = "/".join("{sid}" if _SID.match(part) else part for part in path.split("/"))
    return f"{method} {shape}"
