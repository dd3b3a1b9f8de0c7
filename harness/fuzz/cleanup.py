"""Delete every task a fuzz run created, whatever happened (also after an interrupt or an
error); against a tagged target, also sweep the run's tag for tasks the tracker missed."""

from __future__ import annotations

from typing import Any

from harness.fuzz.session import FuzzSession

#: Pages of the tag sweep at most (1000 tasks each).
MAX_SWEEP_PAGES = 20


def cleanup(
    session: FuzzSession, deleted: list[str] | None = None, failures: dict[str, str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """The SIDs deleted, and those that could not be deleted (with the reason); ``deleted``
    and ``failures`` are filled as it goes (an interrupted cleanup keeps what it did)."""
    deleted = [] if deleted is None else deleted
    failures = {} if failures is None else failures
    for workspace_sid, sid in list(session.tracker.items):
        _delete(session, workspace_sid, sid, deleted, failures)
    if session.target.tag and not session.in_process:
        for workspace_sid, sid in _tagged_tasks(session):
            if sid not in deleted and sid not in failures:
                session.tracker.add(workspace_sid, sid)
                _delete(session, workspace_sid, sid, deleted, failures)
    return deleted, failures


def _delete(
    session: FuzzSession,
    workspace_sid: str,
    sid: str,
    deleted: list[str],
    failures: dict[str, str],
) -> None:
    import requests

    url = session.url(f"/v1/Workspaces/{workspace_sid}/Tasks/{sid}")
    try:
        response = session.session.delete(
            url, auth=session.auth, timeout=session.options.request_timeout_s
        )
    except requests.RequestException as exc:
        failures[sid] = f"{type(exc).__name__}: {exc}"
        return
    # 404: the run deleted it already (or retention purged it).
    if response.status_code in (204, 404):
        deleted.append(sid)
    else:
        failures[sid] = f"DELETE answered {response.status_code}"


def _tagged_tasks(session: FuzzSession) -> list[tuple[str, str]]:
    import requests

    options = session.options
    found: list[tuple[str, str]] = []
    url: str | None = session.url(f"/v1/Workspaces/{options.workspace_sid}/Tasks")
    params: dict[str, Any] | None = {
        "EvaluateTaskAttributes": f'trc_run == "{session.target.tag}"',
        "PageSize": 1000,
    }
    pages = 0
    while url and pages < MAX_SWEEP_PAGES:
        pages += 1
        try:
            response = session.session.get(
                url, params=params, auth=session.auth, timeout=options.request_timeout_s
            )
            data = response.json() if response.status_code == 200 else {}
        except (requests.RequestException, ValueError):
            break
        for task in data.get("tasks") or []:
            if isinstance(task, dict) and isinstance(task.get("sid"), str):
                found.append((task.get("workspace_sid") or options.workspace_sid, task["sid"]))
        url = (data.get("meta") or {}).get("next_page_url")
        params = None
    return found
