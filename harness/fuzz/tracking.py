"""Which tasks a fuzz run created: every 201 to a create, seen on the wire, each task once.

``CreationTracker`` keeps them in creation order (cleanup deletes exactly these, and case
digests name them by index, not by their server-assigned SID); ``CreationWatcher`` sits in
front of an in-process app so that even the extra requests some checks send are seen.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from harness.targets.safety import carries_run_tag

#: Called with the SID and the body of each newly created task.
Listener = Callable[[str, dict[str, Any]], None]


class CreationTracker:
    """Every task a 201 created, in order, each once."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self._index: dict[str, int] = {}
        #: the Attributes each task was created with (as answered)
        self.attributes: dict[str, Any] = {}
        self.listeners: list[Listener] = []

    def add(self, workspace_sid: str, sid: str, task: dict[str, Any] | None = None) -> None:
        if sid in self._index:
            return
        self._index[sid] = len(self.items)
        self.attributes[sid] = (task or {}).get("attributes")
        self.items.append((workspace_sid, sid))
        for listener in self.listeners:
            listener(sid, task or {})

    def untagged(self, run_tag: str | None) -> list[tuple[str, str]]:
        """The tasks whose Attributes do not carry ``run_tag``."""
        return [
            (ws, sid)
            for ws, sid in self.items
            if run_tag is None or not carries_run_tag(self.attributes.get(sid), run_tag)
        ]

    def index(self, sid: str) -> int | None:
        return self._index.get(sid)

    def observe(self, method: str, path: str, status: int, body: bytes | str | None) -> None:
        if method.upper() != "POST" or status != 201 or not body:
            return
        try:
            data = json.loads(body)
        except (ValueError, TypeError):
            return
        if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
            return
        parts = path.strip("/").split("/")
        workspace = data.get("workspace_sid")
        if not isinstance(workspace, str):
            workspace = parts[2] if len(parts) > 2 else ""
        self.add(workspace, data["sid"], data)


class CreationWatcher:
    """ASGI middleware in front of an in-process target: sees every 201, probes included."""

    def __init__(self, app: Any, tracker: CreationTracker) -> None:
        self.app = app
        self.tracker = tracker
        self.state = getattr(app, "state", None)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        status = 0
        chunks: list[bytes] = []

        async def watch(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status == 201:
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, watch)
        if status == 201:
            self.tracker.observe("POST", scope.get("path", ""), status, b"".join(chunks))
