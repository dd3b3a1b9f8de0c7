"""Run isolation: tag what a run creates, remember it, refuse to touch anything else.

* Every task create (POST ``.../Tasks``) gets ``"trc_run"`` and ``"trc_case"`` keys added to
  its ``Attributes`` JSON object (and an ``Attributes`` parameter if there was none); an update
  that sends ``Attributes`` gets them too, so a task never loses its tag. Attributes that are
  not a JSON object (deliberately invalid input) are sent untouched, as are requests with
  ``tag: false``.
* The SID of every task created (201) is remembered; tasks seen in listings that carry this
  run's tag are learned as well. A request to a task path whose SID the run does not know is
  refused unless the step says ``foreign_ok: true`` - and even then never a POST or DELETE to a
  task the run has *seen* in a response but does not own.
* ``live()`` is what still needs deleting when a case or the run ends: every task the run
  created, even one a scenario deleted itself (a target may answer 204 and keep the task), until
  the cleanup's own DELETE gets 204 or 404.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import httpx

from harness import interrupts
from harness.wire.client import TargetClient

COLLECTION = re.compile(r"^/v1/Workspaces/(?P<ws>[^/]+)/Tasks/?$")
INSTANCE = re.compile(r"^/v1/Workspaces/(?P<ws>[^/]+)/Tasks/(?P<sid>[^/]+)(?:/.*)?$")
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
RUN_KEY = "trc_run"
CASE_KEY = "trc_case"


class RefusedRequest(Exception):
    """The runner will not send this request (it could touch a task the run does not own)."""


@dataclass(frozen=True)
class OwnedTask:
    sid: str
    workspace_sid: str
    case_tag: str


def tag_attributes(text: str, run_tag: str, case_tag: str) -> str | None:
    """``text`` with the tag keys inserted after its ``{``, or None to leave it alone."""
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        return None
    if not isinstance(value, dict) or RUN_KEY in value:
        return None
    tag = f'"{RUN_KEY}":{json.dumps(run_tag)},"{CASE_KEY}":{json.dumps(case_tag)}'
    start = text.index("{") + 1
    rest = text[start:]
    separator = "," if value else ""
    if not value:
        return text[:start] + tag + rest
    return text[:start] + tag + separator + rest


class RunGuard:
    def __init__(self, run_tag: str) -> None:
        self.run_tag = run_tag
        self._lock = threading.Lock()
        self._live: dict[str, OwnedTask] = {}
        self._known: set[str] = set()
        self._seen_foreign: set[str] = set()
        self.created_count = 0
        self.cleaned_count = 0

    # -- before sending ---------------------------------------------------------------------
    def prepare_form(
        self,
        method: str,
        path: str,
        form: Sequence[tuple[str, Any]] | None,
        case_tag: str,
        enabled: bool = True,
    ) -> list[tuple[str, Any]] | None:
        """The form to send, with the run tag injected where it applies."""
        path = unquote(path)
        is_create = method == "POST" and bool(COLLECTION.match(path))
        is_update = method == "POST" and bool(INSTANCE.match(path))
        if not enabled or not (is_create or is_update):
            return list(form) if form is not None else None
        pairs = list(form or [])
        index = next((i for i, (k, _) in enumerate(pairs) if k == "Attributes"), None)
        if index is None:
            if is_create:
                tagged = json.dumps({RUN_KEY: self.run_tag, CASE_KEY: case_tag})
                pairs.append(("Attributes", tagged.replace(", ", ",").replace(": ", ":")))
            return pairs if (pairs or form is not None) else None
        value = pairs[index][1]
        if isinstance(value, str):
            tagged = tag_attributes(value, self.run_tag, case_tag)
            if tagged is not None:
                pairs[index] = ("Attributes", tagged)
        return pairs

    def check(self, method: str, path: str, foreign_ok: bool) -> None:
        """Raise RefusedRequest when the request could touch a task this run does not own."""
        path = unquote(path)
        method = method.upper()
        instance = INSTANCE.match(path)
        with self._lock:
            if instance:
                sid = instance.group("sid")
                if sid in self._known:
                    return
                if foreign_ok and not (method in MUTATING and sid in self._seen_foreign):
                    return
                if sid in self._seen_foreign:
                    raise RefusedRequest(
                        f"refusing {method} {path}: task {sid} exists on the target but was not "
                        "created by this run"
                    )
                raise RefusedRequest(
                    f"refusing {method} {path}: task {sid} was not created by this run "
                    "(mark the step foreign_ok: true for deliberate requests to unknown SIDs)"
                )
        if COLLECTION.match(path) and method in ("GET", "POST", "HEAD", "OPTIONS"):
            return
        if method in MUTATING and not foreign_ok:
            raise RefusedRequest(
                f"refusing {method} {path}: only task creates and requests to this run's own "
                "tasks may change anything (mark the step foreign_ok: true to send it anyway)"
            )

    # -- after a response -------------------------------------------------------------------
    def observe(self, method: str, path: str, status: int, body: Any, case_tag: str) -> None:
        path = unquote(path)
        method = method.upper()
        collection = COLLECTION.match(path)
        with self._lock:
            if collection and method == "POST" and status == 201 and isinstance(body, dict):
                sid = body.get("sid")
                if isinstance(sid, str) and sid:
                    ws = body.get("workspace_sid") or collection.group("ws")
                    self._live[sid] = OwnedTask(sid, str(ws), case_tag)
                    self._known.add(sid)
                    self._seen_foreign.discard(sid)
                    self.created_count += 1
                return
            for item in _task_items(body):
                sid = item.get("sid")
                if not isinstance(sid, str) or sid in self._known:
                    continue
                if carries_run_tag(item.get("attributes"), self.run_tag):
                    self._known.add(sid)
                else:
                    self._seen_foreign.add(sid)

    # -- cleanup ----------------------------------------------------------------------------
    def live(self, case_tag: str | None = None) -> list[OwnedTask]:
        with self._lock:
            return [t for t in self._live.values() if case_tag is None or t.case_tag == case_tag]

    def forget(self, sid: str, deleted: bool = False) -> None:
        """Stop tracking ``sid`` (the cleanup deleted it, or it was already gone)."""
        with self._lock:
            if self._live.pop(sid, None) is not None and deleted:
                self.cleaned_count += 1

    def owns(self, sid: str) -> bool:
        with self._lock:
            return sid in self._known


def _task_items(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict):
        if isinstance(body.get("tasks"), list):
            return [t for t in body["tasks"] if isinstance(t, dict)]
        if isinstance(body.get("sid"), str):
            return [body]
    return []


def carries_run_tag(attributes: Any, run_tag: str) -> bool:
    if not isinstance(attributes, str):
        return False
    try:
        value = json.loads(attributes)
    except ValueError:
        return False
    return isinstance(value, dict) and value.get(RUN_KEY) == run_tag


def delete_owned(client: TargetClient, guard: RunGuard, case_tag: str | None) -> tuple[int, int]:
    """Delete live tasks this run created (of one case, or all); ``(deleted, failed)``."""
    deleted = failed = 0
    for task in guard.live(case_tag):
        path = f"/v1/Workspaces/{task.workspace_sid}/Tasks/{task.sid}"
        try:
            response = client.send(client.build("DELETE", path))
        except httpx.TransportError:
            failed += 1
            continue
        if response.status_code in (204, 404):
            guard.forget(task.sid, deleted=response.status_code == 204)
            deleted += response.status_code == 204
        else:
            failed += 1
    return deleted, failed


def clean_up_run(client: TargetClient, guard: RunGuard) -> dict[str, int]:
    """Delete every live task of the run, unless a second interrupt abandoned the cleanup;
    the counts ``{created, deleted, left}``. A first interrupt during it lets it finish; a
    second raises ``interrupts.CleanupAbandoned`` (the counts are kept in ``guard``)."""
    if not interrupts.abandoned():
        with interrupts.cleaning():
            delete_owned(client, guard, None)
    return run_counts(guard)


def run_counts(guard: RunGuard) -> dict[str, int]:
    return {
        "created": guard.created_count,
        "deleted": guard.cleaned_count,
        "left": len(guard.live()),
    }
