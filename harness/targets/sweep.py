"""Find and delete tasks left behind by earlier runs: only tasks whose attributes carry a
``trc_run`` tag, verified on the client side whatever the server's filter returned."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from harness.results.runid import belongs_to_run, run_tag_for
from harness.targets.safety import RUN_KEY
from harness.wire.client import ForeignHostError, TargetClient

TAG_TIME = re.compile(r"^trc_(\d{8}T\d{6}Z)_")
MAX_PAGES = 1000


@dataclass
class TaggedTask:
    sid: str
    workspace_sid: str
    run_tag: str


@dataclass
class SweepResult:
    found: dict[str, int] = field(default_factory=dict)  # workspace SID -> tagged tasks
    deleted: int = 0
    failed: int = 0
    kept: int = 0  # tagged but excluded by --run / --older-than
    warnings: list[str] = field(default_factory=list)


def _as_tag(run: str) -> str:
    """A run's tag from its id (``20261203T...-a1b2c3``) or its tag."""
    return run if run.startswith("trc_") else run_tag_for(run)


def run_tag_time(run_tag: str) -> datetime | None:
    match = TAG_TIME.match(run_tag)
    if not match:
        return None
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _tag_of(attributes: Any) -> str | None:
    if not isinstance(attributes, str):
        return None
    try:
        value = json.loads(attributes)
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get(RUN_KEY), str):
        return value[RUN_KEY]
    return None


def _pages(
    client: TargetClient, ws: str, expression: str | None, max_pages: int = MAX_PAGES
) -> list[dict[str, Any]]:
    query: list[tuple[str, Any]] = [("PageSize", 1000)]
    if expression:
        query.append(("EvaluateTaskAttributes", expression))
    response = client.send(client.build("GET", f"/v1/Workspaces/{ws}/Tasks", query=query))
    items: list[dict[str, Any]] = []
    seen_urls: set[str] = set()
    for _ in range(max_pages):
        if response.status_code != 200:
            raise ListFailed(response)
        body = response.json()
        items.extend(t for t in body.get("tasks", []) if isinstance(t, dict))
        next_url = (body.get("meta") or {}).get("next_page_url")
        if not next_url or next_url in seen_urls:
            break
        seen_urls.add(next_url)
        response = client.send(client.build("GET", next_url))
    return items


class ListFailed(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"listing answered {response.status_code}: {response.text[:200]}")
        self.response = response


def find_tagged(
    client: TargetClient,
    ws: str,
    result: SweepResult,
    run_tag: str | None = None,
    max_pages: int = MAX_PAGES,
) -> list[TaggedTask]:
    """Tasks of ``ws`` tagged by a run (by the run ``run_tag`` only, when given), checked on
    the client side: a filter the target ignores or gets wrong finds nothing extra."""
    expression = f'{RUN_KEY} == "{run_tag}"' if run_tag else f"{RUN_KEY} != null"
    try:
        items = _pages(client, ws, expression, max_pages)
    except ListFailed as exc:
        result.warnings.append(
            f"{ws}: the tag filter was refused ({exc}); listing every task instead"
        )
        items = _pages(client, ws, None, max_pages)
    tagged = []
    for item in items:
        sid = item.get("sid")
        if not isinstance(sid, str):
            continue
        tag = _tag_of(item.get("attributes"))
        if tag is None and item.get("attributes") is None:
            fetched = client.send(client.build("GET", f"/v1/Workspaces/{ws}/Tasks/{sid}"))
            if fetched.status_code == 200:
                tag = _tag_of(fetched.json().get("attributes"))
        if tag is not None and (run_tag is None or tag == run_tag):
            tagged.append(TaggedTask(sid, ws, tag))
    return tagged


def sweep(
    client: TargetClient,
    workspace_sids: list[str],
    run_tag: str | None = None,
    older_than: timedelta | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> SweepResult:
    result = SweepResult()
    now = now or datetime.now(UTC)
    for ws in workspace_sids:
        try:
            tagged = find_tagged(client, ws, result)
        except (ListFailed, ForeignHostError, ValueError) as exc:
            result.warnings.append(f"{ws}: cannot list tasks: {exc}")
            result.failed += 1
            continue
        result.found[ws] = len(tagged)
        for task in tagged:
            if run_tag and not belongs_to_run(task.run_tag, _as_tag(run_tag)):
                result.kept += 1
                continue
            if older_than is not None:
                created = run_tag_time(task.run_tag)
                if created is None or now - created < older_than:
                    result.kept += 1
                    continue
            if dry_run:
                continue
            path = f"/v1/Workspaces/{ws}/Tasks/{task.sid}"
            response = client.send(client.build("DELETE", path))
            if response.status_code in (204, 404):
                result.deleted += response.status_code == 204
            else:
                result.failed += 1
                result.warnings.append(f"DELETE {task.sid}: {response.status_code}")
    return result
