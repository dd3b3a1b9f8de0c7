"""The run's last cleanup, and the count of what it left, from the target itself.

Every phase deletes what it knows it created. ``settle`` then asks the target: it lists the
tasks carrying this run's tag (and the tag of each part of the run, such as a replayed
cassette's) in every workspace of the profile (the filter checked on the
client side), fetches each task a phase created without the tag, deletes whatever still
exists, and lists again. ``left`` is what that final listing still shows, not what the
bookkeeping believes: a create the server committed while an interrupt stopped the harness
before it saw the 201 is found by its tag and deleted; a clone that answers 204 to a DELETE
and keeps the task is counted.

A listing capped at ``MAX_PAGES`` pages (the tag filter refused, every task listed) or a
target that stops answering leaves the count unverified (``Settled.verified`` false, with
the reason in ``warnings``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx

from harness import interrupts
from harness.targets.sweep import ListFailed, SweepResult, TaggedTask, find_tagged
from harness.wire.client import ForeignHostError, TargetClient

#: Pages (of 1000 tasks) a settle listing reads at most per workspace.
MAX_PAGES = 20


@dataclass
class Settled:
    """What the final cleanup found and did."""

    #: tasks the phases' own cleanups had not deleted, deleted now
    deleted: int = 0
    #: tasks of this run the final listing still shows
    left: int = 0
    #: False when the final listing could not be made (then ``left`` is a lower bound)
    verified: bool = True
    #: SIDs still there after the final listing
    left_sids: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Unverified(Exception):
    pass


def settle(
    client: TargetClient,
    workspace_sids: Iterable[str],
    run_tags: Iterable[str],
    untagged: Iterable[tuple[str, str]] = (),
) -> Settled:
    """Delete what is left of the run tagged ``run_tags`` and count what remains (see module doc).

    Runs inside ``interrupts.cleaning()``: a first interrupt lets it finish, a second raises
    ``interrupts.CleanupAbandoned``."""
    result = Settled()
    tags = list(dict.fromkeys(run_tags))
    spaces = list(dict.fromkeys(workspace_sids))
    loose = list(dict.fromkeys(untagged))
    with interrupts.cleaning():
        try:
            found = _find(client, spaces, tags, loose, result)
            if not found:
                return result
            for ws, sid in found:
                response = client.send(client.build("DELETE", f"/v1/Workspaces/{ws}/Tasks/{sid}"))
                result.deleted += response.status_code == 204
            remaining = _find(client, spaces, tags, found, result)
        except _Unverified as exc:
            result.verified = False
            result.warnings.append(f"what this run left could not be counted: {exc}")
            return result
    result.left = len(remaining)
    result.left_sids = [sid for _, sid in remaining]
    return result


def _find(
    client: TargetClient,
    spaces: list[str],
    tags: list[str],
    loose: list[tuple[str, str]],
    result: Settled,
) -> list[tuple[str, str]]:
    """The run's tasks that exist: tagged ones by listing, ``loose`` ones by fetching."""
    notes = SweepResult()
    found: dict[str, tuple[str, str]] = {}
    try:
        for ws in spaces:
            for tag in tags:
                tagged: list[TaggedTask] = find_tagged(client, ws, notes, tag, MAX_PAGES)
                for task in tagged:
                    found.setdefault(task.sid, (ws, task.sid))
        for ws, sid in loose:
            if sid in found:
                continue
            response = client.send(client.build("GET", f"/v1/Workspaces/{ws}/Tasks/{sid}"))
            if response.status_code == 200:
                found[sid] = (ws, sid)
            elif response.status_code != 404:
                raise _Unverified(f"GET task {sid} answered {response.status_code}")
    except (ListFailed, ForeignHostError, ValueError, httpx.TransportError) as exc:
        raise _Unverified(f"{type(exc).__name__}: {exc}") from None
    for warning in notes.warnings:
        if warning not in result.warnings:
            result.warnings.append(warning)
    return list(found.values())
