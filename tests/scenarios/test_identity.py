"""The engine's identity watch: a target that reuses SIDs or lists tasks a case did not create
is flagged once, with its cause; a correct target never is."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from harness.results.model import Status
from harness.scenarios.engine import ScenarioEngine
from harness.scenarios.identity import depends_on_identity
from harness.scenarios.model import Scenario
from tests.fakes import WS, FakeTask, FakeTaskRouter
from tests.fakes_stateless import StatelessMock

CREATE = """
  - name: create
    request: {method: POST, path: "/v1/Workspaces/{ws}/Tasks", form: {Attributes: '{"n":1}'}}
    expect: {status: 201}
    save: {a: sid}
"""
CREATE_B = CREATE.replace("name: create", "name: create b").replace("{a: sid}", "{b: sid}")
FETCH = """
  - name: fetch
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks/{a}"}
    expect: {status: 200, json: {sid: "{a}"}}
"""
LIST = """
  - name: list mine
    request:
      method: GET
      path: /v1/Workspaces/{ws}/Tasks
      query: {EvaluateTaskAttributes: 'trc_case == "{case_tag}"'}
    expect: {status: 200, json: {tasks: {length: 1}, "tasks[0].sid": "{a}"}}
"""
UNKNOWN = """
  - name: unknown
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks/WT00000000000000000000000000000000"}
    foreign_ok: true
    expect: {status: 404}
"""
BARE_CREATE = """
  - name: create
    request: {method: POST, path: "/v1/Workspaces/{ws}/Tasks", form: {Attributes: '{"n":1}'}}
    expect: {status: 201}
"""


def head(name: str) -> str:
    return f"id: {name}\ntitle: T\nclauses: [task.a]\nsteps:\n"


def test_which_cases_depend_on_identity(load_one: Callable[..., Scenario]) -> None:
    assert depends_on_identity(load_one(head("d.fetch") + CREATE + FETCH))
    assert depends_on_identity(load_one(head("d.list") + LIST.replace('"{a}"', "WT1")))
    assert not depends_on_identity(load_one(head("d.unknown") + UNKNOWN))
    # a saved SID that nothing uses later, and a create that saves nothing
    assert not depends_on_identity(load_one(head("d.saved") + CREATE))
    assert not depends_on_identity(load_one(head("d.bare") + BARE_CREATE))
    relation = """
  - name: list
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks"}
    expect: {relations: [{set_equals: {path: "tasks[*].sid", var: made}}]}
"""
    many = "  - name: many\n    create_tasks: {count: 2, form: {}, save: made}\n"
    assert depends_on_identity(load_one(head("d.relation") + many + relation))
    finally_delete = (
        "finally:\n  - name: delete\n    request: {method: DELETE, path: "
        '"/v1/Workspaces/{ws}/Tasks/{a}"}\n'
    )
    assert depends_on_identity(load_one(head("d.finally") + CREATE + finally_delete))


def test_reused_sids_fail_the_first_case_and_skip_the_dependent_ones(
    load_one: Callable[..., Scenario], make_engine: Callable[..., ScenarioEngine]
) -> None:
    mock = StatelessMock()
    engine = make_engine(server=mock)
    first = load_one(head("d.first") + CREATE + CREATE_B + FETCH)
    second = load_one(head("d.second") + CREATE + FETCH)
    unknown = load_one(head("d.unknown") + UNKNOWN)
    bare = load_one(head("d.bare") + BARE_CREATE)
    records = engine.run([first, second, unknown, bare])
    assert [r.status for r in records] == [Status.FAIL, Status.SKIPPED, Status.FAIL, Status.PASS]
    failed, skipped, ran, passed = records
    assert failed.cause == skipped.cause == "state.sids-reused"
    assert failed.failure is not None and failed.failure.step == "create b"
    assert failed.failure.message.startswith("the target does not keep state: SIDs are reused")
    assert "a create of this case" in failed.failure.message
    assert skipped.exchange_count == 0
    assert (skipped.reason or "").startswith("could not run: the target does not keep state")
    # a case that does not depend on identity still runs and is judged on what it checks
    assert ran.cause is None and ran.failure is not None and ran.failure.actual == 200
    assert passed.cause is None and any("SIDs are reused" in w for w in passed.warnings)


def test_a_correct_target_is_never_flagged(
    load_one: Callable[..., Scenario], make_engine: Callable[..., ScenarioEngine]
) -> None:
    engine = make_engine()
    cases = [
        load_one(head("d.first") + CREATE + CREATE_B + FETCH),
        load_one(head("d.second") + CREATE + FETCH + LIST),
        load_one(head("d.third") + CREATE + LIST),
    ]
    records = engine.run(cases)
    assert [(r.status, r.cause, r.warnings) for r in records] == [(Status.PASS, None, [])] * 3
    assert engine.services.state.sids_reused is None


class FilterIgnored(FakeTaskRouter):
    """Answers every list with every task of the workspace (the filter is not applied)."""

    def _matches(self, task: FakeTask, expression: str | None) -> bool:
        return True


class DoubleList(FakeTaskRouter):
    """Lists every task twice."""

    def _list(self, ws: str, query: dict[str, str], base: str, path: str) -> Any:
        status, headers, body = super()._list(ws, query, base, path)
        document = json.loads(body)
        document["tasks"] = document["tasks"] * 2
        return status, headers, json.dumps(document).encode()


def test_a_list_must_hold_only_this_cases_tasks_each_once(
    load_one: Callable[..., Scenario], make_engine: Callable[..., ScenarioEngine]
) -> None:
    scenario = load_one(head("d.list") + CREATE + LIST)
    untagged = FilterIgnored()
    untagged.tasks["WT" + "1" * 32] = FakeTask("WT" + "1" * 32, WS, '{"other":"tenant"}')
    record = make_engine(server=untagged).run_case(scenario)
    assert record.status is Status.FAIL and record.cause == "state.foreign-tasks"
    assert record.failure is not None and record.failure.step == "list mine"
    assert "this case did not create (WT1111" in record.failure.message

    other_case = FilterIgnored()
    engine = make_engine(server=other_case)
    attributes = json.dumps({"trc_run": engine.run_tag, "trc_case": "trc_other_case"})
    other_case.tasks["WT" + "2" * 32] = FakeTask("WT" + "2" * 32, WS, attributes)
    record = engine.run_case(scenario)
    assert record.status is Status.FAIL and record.cause == "list.other-case-tasks"
    assert record.failure is not None and "the filter was not applied" in record.failure.message
    assert engine.services.state.sids_reused is None  # a filter bug is not missing state

    record = make_engine(server=DoubleList()).run_case(scenario)
    assert record.status is Status.FAIL and record.cause == "list.duplicate-sids"
    assert record.failure is not None and "twice" in record.failure.message


class ForeignOnLaterPages(FakeTaskRouter):
    """Slips an untagged task into every page after the first."""

    def _list(self, ws: str, query: dict[str, str], base: str, path: str) -> Any:
        status, headers, body = super()._list(ws, query, base, path)
        document = json.loads(body)
        if document["meta"]["page"] > 0:
            stranger = FakeTask("WT" + "3" * 32, ws, '{"other":"tenant"}')
            document["tasks"].append(self._task_json(stranger, base))
        return status, headers, json.dumps(document).encode()


def test_every_page_of_a_walk_is_checked(
    load_one: Callable[..., Scenario], make_engine: Callable[..., ScenarioEngine]
) -> None:
    walk = """
  - name: three
    create_tasks: {count: 3, form: {}, save: made}
  - name: walk
    request:
      method: GET
      path: /v1/Workspaces/{ws}/Tasks
      query: {PageSize: 2, EvaluateTaskAttributes: 'trc_case == "{case_tag}"'}
    paginate: true
    expect: {status: 200}
    collected: {relations: [{set_equals: {path: "items[*].sid", var: made}}]}
"""
    scenario = load_one(head("d.walk") + walk)
    assert make_engine().run_case(scenario).status is Status.PASS
    record = make_engine(server=ForeignOnLaterPages()).run_case(scenario)
    assert record.status is Status.FAIL and record.cause == "state.foreign-tasks"
    assert record.failure is not None and "WT3333" in record.failure.message


def test_a_fetch_that_answers_another_task_is_flagged(
    load_one: Callable[..., Scenario], make_engine: Callable[..., ScenarioEngine]
) -> None:
    scenario = load_one(head("d.fetch") + CREATE + FETCH)
    record = make_engine(server=StatelessMock(fresh_sids=True)).run_case(scenario)
    assert record.status is Status.FAIL and record.cause == "state.other-task"
    assert record.failure is not None and record.failure.step == "fetch"
    assert record.failure.actual == "WT" + "a" * 32
    assert make_engine().run_case(scenario).status is Status.PASS


def test_the_first_reuse_fails_even_a_case_that_does_not_depend_on_identity(
    load_one: Callable[..., Scenario], make_engine: Callable[..., ScenarioEngine]
) -> None:
    engine = make_engine(server=StatelessMock())
    bare = BARE_CREATE + BARE_CREATE.replace("name: create", "name: again")
    first, second = engine.run([load_one(head("d.bare") + bare), load_one(head("d.b2") + bare)])
    assert first.status is Status.FAIL and first.cause == "state.sids-reused"
    assert first.failure is not None and first.failure.step == "again"
    assert second.status is Status.PASS and any("SIDs are reused" in w for w in second.warnings)
