"""What a fault is (``Fault``) and what it sees of an exchange (``Exchange``); the faults
themselves are in ``faults.py`` and ``faults_events.py``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

TASK_PATH = re.compile(r"^/v1/Workspaces/[^/]+/Tasks/[^/]+$")
LIST_PATH = re.compile(r"^/v1/Workspaces/[^/]+/Tasks$")


@dataclass
class Exchange:
    """One request/response as the faults see it: editable before and after the app."""

    method: str
    path: str
    query: list[tuple[str, str]]
    form: list[tuple[str, str]]
    headers: dict[str, str]
    status: int = 0
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    body: Any = None

    @property
    def is_task(self) -> bool:
        return TASK_PATH.match(self.path) is not None

    @property
    def is_list(self) -> bool:
        return LIST_PATH.match(self.path) is not None

    def form_value(self, name: str) -> str | None:
        return next((v for k, v in self.form if k == name), None)

    def tasks_in_body(self) -> list[dict[str, Any]]:
        if isinstance(self.body, dict) and isinstance(self.body.get("tasks"), list):
            return self.body["tasks"]
        if isinstance(self.body, dict) and "sid" in self.body:
            return [self.body]
        return []


class Fault:
    """Base: a named deviation. Override any of the three hooks."""

    name = ""
    category = ""
    description = ""

    def before(self, ex: Exchange) -> None:
        """Rewrite the request."""

    def after(self, ex: Exchange) -> None:
        """Rewrite the response (``ex.body`` is parsed JSON, or None)."""

    def patch(self, app: Any) -> None:
        """Patch the reference app's service (``app.state.reference``)."""
