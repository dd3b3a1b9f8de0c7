"""Does the target keep state? The run-wide identity watch of the scenario engine.

Every case's creates and its lists over its own tasks are watched:

* a create (201) that returns a SID an earlier create of this run already returned means the
  target does not keep state (``state.sids-reused``): the case that finds it fails; from then
  on, the cases that depend on the identity of created tasks are not run (``skipped``, could
  not run) with that reason, and the others run with a warning when they see it again;
* a fetch or update of a task this case created (``…/Tasks/{sid}``, 200) must answer that
  task: one that answers another SID fails with ``state.other-task``;
* a list filtered on this case's tag (a list request whose query holds the case tag) must
  return only tasks this case created, each once: otherwise the case fails with
  ``state.foreign-tasks`` (a task that carries neither this case's SIDs nor its tag: the target
  keeps no state) or ``list.other-case-tasks`` (tasks of other cases of this run: the filter
  was not applied), or ``list.duplicate-sids``.

Which cases depend on identity (``depends_on_identity``): a case that saves something from a
create response (a request step POSTing to the Tasks collection, or ``create_tasks`` with
``save``) and uses the saved variable in a later step (in a path, query, form, header, body,
expectation or relation, ``finally`` steps included), or a case that lists with its own tag.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from harness.results.model import Failure
from harness.scenarios.failures import StepFailed
from harness.scenarios.model import Scenario, Step
from harness.targets.safety import CASE_KEY, COLLECTION, INSTANCE, RUN_KEY

if TYPE_CHECKING:
    from harness.scenarios.runner import CaseRun

_COLLECTION_TEMPLATE = re.compile(r"^/v1/Workspaces/[^/]+/Tasks/?$")


class StateCause(StrEnum):
    """The root-cause signatures (``CaseRecord.cause``) the identity watch gives."""

    SIDS_REUSED = "state.sids-reused"
    FOREIGN_TASKS = "state.foreign-tasks"
    OTHER_CASE_TASKS = "list.other-case-tasks"
    DUPLICATE_SIDS = "list.duplicate-sids"
    OTHER_TASK = "state.other-task"


NOT_KEPT = "the target does not keep state"
SIDS_REUSED_REASON = f"{NOT_KEPT}: SIDs are reused"


@dataclass
class StateWatch:
    """What every case of a run shares: the SIDs creates returned, and what is known."""

    #: sid -> (case tag, case id) of the create that first returned it
    created: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: set once a create returned a SID already returned in this run
    sids_reused: str | None = None
    #: the case tag of the case that found it (that case fails; later ones are skipped)
    detected_in: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def note_create(self, sid: str, case_tag: str, case_id: str) -> tuple[str, str] | None:
        """Remember a create's SID; ``(case tag, case id)`` of an earlier create that returned
        it too, or None."""
        with self._lock:
            earlier = self.created.get(sid)
            if earlier is None:
                self.created[sid] = (case_tag, case_id)
            elif self.sids_reused is None:
                self.sids_reused, self.detected_in = sid, case_tag
            return earlier


@dataclass(frozen=True)
class IdentityProblem:
    cause: StateCause
    message: str
    field: str
    expected: Any
    actual: Any

    def failure(self, step: str) -> Failure:
        return Failure(step, self.field, self.expected, self.actual, self.message)


def reused_sid_problem(sid: str, earlier: tuple[str, str], case_tag: str) -> IdentityProblem:
    which = "this case" if earlier[0] == case_tag else f"an earlier case ({earlier[1]})"
    return IdentityProblem(
        StateCause.SIDS_REUSED,
        f"{SIDS_REUSED_REASON}: the create answered {sid}, a SID already returned to a create "
        f"of {which} in this run (every create must make a new task with a new SID)",
        "json.sid",
        "a SID no earlier create of this run returned",
        sid,
    )


def list_problem(
    items: Iterable[Any], own: set[str], case_tag: str, run_tag: str
) -> IdentityProblem | None:
    """The first way a list filtered on ``case_tag`` returned tasks that are not this case's own
    and distinct (None when every listed task is one this case created, each once)."""
    seen: set[str] = set()
    foreign: list[str] = []
    others: list[str] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("sid"), str):
            continue
        sid = item["sid"]
        if sid in seen:
            return IdentityProblem(
                StateCause.DUPLICATE_SIDS,
                f"a list filtered on this case's tag returned task {sid} twice",
                "json.tasks[*].sid",
                "distinct SIDs",
                sid,
            )
        seen.add(sid)
        tag = _tags(item.get("attributes"))
        if sid in own and tag.get(CASE_KEY, case_tag) == case_tag:
            continue
        if tag.get(RUN_KEY) == run_tag and tag.get(CASE_KEY) not in (None, case_tag):
            others.append(sid)
        else:
            foreign.append(sid)
    if foreign:
        return IdentityProblem(
            StateCause.FOREIGN_TASKS,
            f"{NOT_KEPT}: a list filtered on this case's tag returned {len(foreign)} task(s) this "
            f"case did not create ({', '.join(foreign[:3])}), without this case's tag (or the "
            "target does not apply the filter)",
            "json.tasks[*].sid",
            sorted(own),
            foreign,
        )
    if others:
        return IdentityProblem(
            StateCause.OTHER_CASE_TASKS,
            f"a list filtered on this case's tag returned {len(others)} task(s) of other cases "
            f"of this run ({', '.join(others[:3])}): the filter was not applied",
            "json.tasks[*].sid",
            sorted(own),
            others,
        )
    return None


def _tags(attributes: Any) -> dict[str, Any]:
    value = attributes
    if isinstance(attributes, str):
        try:
            value = json.loads(attributes)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def lists_own_tasks(
    method: str, path: str, query: Iterable[tuple[str, Any]], case_tag: str
) -> bool:
    """Is this request a list filtered on the case's tag?"""
    if method.upper() != "GET" or not COLLECTION.match(unquote(path)):
        return False
    return any(case_tag in str(value) for _, value in query)


def watch_response(
    run: CaseRun,
    step: str,
    method: str,
    path: str,
    query: Iterable[tuple[str, Any]],
    status: int,
    document: Any,
) -> None:
    """The run-wide identity checks on one response of ``run``; StepFailed with the cause."""
    state: StateWatch = run.services.state
    created = method.upper() == "POST" and status == 201 and bool(COLLECTION.match(unquote(path)))
    if created and isinstance(document, dict) and isinstance(document.get("sid"), str):
        sid = document["sid"]
        earlier = state.note_create(sid, run.case_tag, run.scenario.id)
        run.own_sids.append(sid)
        if earlier is None:
            return
        problem = reused_sid_problem(sid, earlier, run.case_tag)
        if not run.depends_on_identity and state.detected_in != run.case_tag:
            if problem.message not in run.warnings:
                run.warnings.append(problem.message)
            return
        raise StepFailed(problem.failure(step), str(problem.cause))
    instance = INSTANCE.match(unquote(path))
    if status == 200 and instance and instance.group("sid") in run.own_sids:
        asked = instance.group("sid")
        answered = document.get("sid") if isinstance(document, dict) else None
        if isinstance(answered, str) and answered != asked and unquote(path).count("/") == 5:
            problem = IdentityProblem(
                StateCause.OTHER_TASK,
                f"{NOT_KEPT}: a {method.upper()} of task {asked}, which this case created, "
                f"answered task {answered}",
                "json.sid",
                asked,
                answered,
            )
            raise StepFailed(problem.failure(step), str(problem.cause))
    if status == 200 and lists_own_tasks(method, path, query, run.case_tag):
        items = document.get("tasks") if isinstance(document, dict) else None
        if isinstance(items, list):
            own = set(run.own_sids)
            problem = list_problem(items, own, run.case_tag, run.services.guard.run_tag)
            if problem is not None:
                raise StepFailed(problem.failure(step), str(problem.cause))


# -- which cases depend on identity --------------------------------------------------------------


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key)
            yield from strings_in(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from strings_in(item)
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            yield from strings_in(getattr(value, f.name))
    elif hasattr(value, "text") and isinstance(value.text, str):  # a JsonPath
        yield value.text


def _uses(step: Step, name: str) -> bool:
    pattern = re.compile(r"\{" + re.escape(name) + r"(?:[.\[}])")
    parts = (step.request, step.expect, step.collected, step.create_tasks, step.wait, step.callback)
    return any(s == name or pattern.search(s) for s in strings_in(parts))


def _is_create(step: Step) -> bool:
    if step.kind == "create_tasks":
        return True
    request = step.request
    if request is None or request.method != "POST" or request.path is None:
        return False
    return bool(_COLLECTION_TEMPLATE.match(request.path))


def _create_saves(step: Step) -> list[str]:
    if step.kind == "create_tasks":
        return [step.create_tasks.save] if step.create_tasks and step.create_tasks.save else []
    return [save.name for save in step.save] if _is_create(step) else []


def depends_on_identity(scenario: Scenario) -> bool:
    """Does this case depend on the identity of the tasks it creates (see the module doc)?"""
    steps = [*scenario.steps, *scenario.finally_steps]
    saved: set[str] = set()
    for step in steps:
        if saved and any(_uses(step, name) for name in saved):
            return True
        request = step.request
        own_list = request is not None and request.method == "GET"
        if own_list and any("{case_tag}" in s for s in strings_in(request.query)):
            return True
        saved.update(_create_saves(step))
    return False
