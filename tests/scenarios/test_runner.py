"""The runner against a fake target: steps, saves, eventually, paging, failures, safety."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from harness.results.model import Status
from harness.scenarios.engine import ScenarioEngine
from harness.scenarios.model import Scenario
from harness.targets.profile import TargetProfile
from tests.fakes import FakeTaskRouter
from tests.fixtures.engine import Sleeper

CREATE = """
  - name: create
    request:
      method: POST
      path: /v1/Workspaces/{ws}/Tasks
      form: {Attributes: '{"type":"sales"}', Priority: 3}
    expect: {status: 201}
    save: {task_sid: sid, etag0: "header:ETag"}
"""


def head(name: str = "demo.case", extra: str = "") -> str:
    return f"id: {name}\ntitle: T\nclauses: [task.a]\n{extra}steps:\n"


def test_saves_interpolation_and_relations_pass(
    load_one: Callable[..., Scenario],
    make_engine: Callable[..., ScenarioEngine],
    fake: FakeTaskRouter,
) -> None:
    scenario = load_one(
        head()
        + CREATE
        + """
  - name: update
    request:
      method: POST
      path: /v1/Workspaces/{ws}/Tasks/{task_sid}
      headers: {If-Match: "{etag0}"}
      form: {Priority: "{calc:2 * 5}"}
    expect:
      status: 200
      json: {sid: {equals_var: task_sid}, priority: 10, workspace_sid: "{ws}"}
      relations: [{etag_changed: {from: etag0}}]
"""
    )
    record = make_engine().run_case(scenario)
    assert record.status is Status.PASS, record.failure
    _, _, headers, body = fake.requests[1]
    assert headers["if-match"] == "0" and "Priority=10" in body


def test_failing_step_stops_the_case_runs_finally_and_cleans_up(
    load_one: Callable[..., Scenario],
    make_engine: Callable[..., ScenarioEngine],
    fake: FakeTaskRouter,
) -> None:
    scenario = load_one(
        head()
        + CREATE
        + """
  - name: wrong expectation
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks/{task_sid}"}
    expect: {status: 200, json: {priority: 4}}
  - name: never runs
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks"}
finally:
  - name: finally runs
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks/{task_sid}"}
"""
    )
    record = make_engine().run_case(scenario)
    assert record.status is Status.FAIL
    assert record.failure is not None
    assert record.failure.step == "wrong expectation"
    assert record.failure.expectation == "json.priority"
    assert record.failure.expected == 4 and record.failure.actual == 3
    steps = [e.step for e in record.exchanges]
    assert "never runs" not in steps and "finally runs" in steps
    assert fake.tasks == {}  # the case deleted what it created
    assert record.curl and '"$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN"' in record.curl


def test_broken_target_without_etag_fails_the_etag_smoke_scenario(
    make_engine: Callable[..., ScenarioEngine], spec_checker: Any
) -> None:
    from harness.resources import scenarios_dir
    from harness.scenarios.discovery import discover

    (scenario,) = [
        s for s in discover(scenarios_dir() / "smoke", None) if s.id == "smoke.etag-if-match"
    ]
    healthy = make_engine(spec=spec_checker).run_case(scenario)
    assert healthy.status is Status.PASS, healthy.failure
    broken = FakeTaskRouter(omit_etag=True)
    record = make_engine(spec=spec_checker, server=broken).run_case(scenario)
    assert record.status is Status.FAIL
    assert record.failure is not None and record.failure.step == "create"
    assert "ETag" in record.failure.message
    # without the spec the scenario's own header expectation still catches it
    record = make_engine(server=FakeTaskRouter(omit_etag=True)).run_case(scenario)
    assert record.status is Status.FAIL and record.failure.expectation == "headers.ETag"  # type: ignore[union-attr]
    ignoring = make_engine(spec=spec_checker, server=FakeTaskRouter(ignore_if_match=True)).run_case(
        scenario
    )
    assert ignoring.status is Status.FAIL
    assert ignoring.failure.step == "update with the stale ETag is refused"  # type: ignore[union-attr]


def test_off_spec_body_fails_even_when_expectations_hold(
    load_one: Callable[..., Scenario], make_engine: Callable[..., ScenarioEngine], spec_checker: Any
) -> None:
    scenario = load_one(head() + CREATE)
    fake = FakeTaskRouter(attributes_as_object=True)
    record = make_engine(spec=spec_checker, server=fake).run_case(scenario)
    assert record.status is Status.FAIL
    assert record.failure is not None and record.failure.expectation == "spec"
    assert record.failure.message.startswith("off-spec response")
    assert "attributes" in record.failure.message


def test_eventually_retries_until_it_holds(
    load_one: Callable[..., Scenario], make_engine: Callable[..., ScenarioEngine], sleeper: Sleeper
) -> None:
    fake = FakeTaskRouter(delete_404_after_seconds=0.0)
    scenario = load_one(
        head()
        + CREATE
        + """
  - name: cancel
    request:
      method: POST
      path: /v1/Workspaces/{ws}/Tasks/{task_sid}
      form: {AssignmentStatus: canceled, Reason: done}
    expect: {status: 200}
  - name: gone within the retention window
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks/{task_sid}"}
    eventually: {within: retention_window.max, every: 1}
    expect: {status: 404}
"""
    )
    record = make_engine(server=fake).run_case(scenario)
    assert record.status is Status.PASS, record.failure


def test_eventually_gives_up_after_the_budget(
    load_one: Callable[..., Scenario], make_engine: Callable[..., ScenarioEngine], sleeper: Sleeper
) -> None:
    scenario = load_one(
        head()
        + CREATE
        + """
  - name: never gone
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks/{task_sid}"}
    eventually: {within: "retention_window.max + 2", every: 2}
    expect: {status: 404}
"""
    )
    record = make_engine().run_case(scenario)  # the profile's retention max is 2 + 8 = 10
    assert record.status is Status.FAIL
    assert record.failure is not None and "eventually within 12s" in record.failure.message
    assert sum(sleeper.slept) <= 12 and len(sleeper.slept) >= 5


def test_wait_step_uses_profile_keys(
    load_one: Callable[..., Scenario], make_engine: Callable[..., ScenarioEngine], sleeper: Sleeper
) -> None:
    scenario = load_one(head() + "  - name: pause\n    wait: retention_window.min\n")
    assert make_engine().run_case(scenario).status is Status.PASS
    assert sleeper.slept == [2.0]


def test_create_tasks_and_paginate_walk_every_page(
    load_one: Callable[..., Scenario],
    make_engine: Callable[..., ScenarioEngine],
    fake: FakeTaskRouter,
) -> None:
    scenario = load_one(
        head()
        + """
  - name: make 23
    create_tasks:
      count: 23
      form: {Attributes: '{"n":{i}}', Priority: "{calc:i % 5}"}
      save: created
  - name: walk
    request:
      method: GET
      path: /v1/Workspaces/{ws}/Tasks
      query: {PageSize: 5, EvaluateTaskAttributes: 'trc_case == "{case_tag}"'}
    paginate: true
    expect:
      status: 200
      json: {meta.page_size: 5, meta.key: tasks}
    collected:
      json: {items: {length: 23}, pages: 5}
      relations:
        - unique: "items[*].sid"
        - set_equals: {path: "items[*].sid", var: created}
    save: {walked: "items[*].sid"}
  - name: compare saved lists
    wait: 0
    """.rstrip()
        + "\n"
    )
    record = make_engine().run_case(scenario)
    assert record.status is Status.PASS, record.failure
    creates = [r for r in fake.requests if r[0] == "POST"]
    assert len(creates) == 23
    assert fake.tasks == {}


def test_paginate_catches_a_missing_task(
    load_one: Callable[..., Scenario],
    make_engine: Callable[..., ScenarioEngine],
    fake: FakeTaskRouter,
) -> None:
    scenario = load_one(
        head()
        + """
  - name: make 6
    create_tasks: {count: 6, save: created}
  - name: walk
    request:
      method: GET
      path: /v1/Workspaces/{ws}/Tasks
      query: {PageSize: 4, EvaluateTaskAttributes: 'trc_case == "{case_tag}"'}
    paginate: true
    collected:
      relations: [{set_equals: {path: "items[*].sid", var: created}}]
"""
    )
    original = fake._list

    def lossy(*args: Any) -> Any:  # drops the first task of every page
        status, headers, body = original(*args)
        document = json.loads(body)
        document["tasks"] = document["tasks"][1:]
        return status, headers, json.dumps(document).encode()

    fake._list = lossy  # type: ignore[method-assign]
    record = make_engine().run_case(scenario)
    assert record.status is Status.FAIL
    assert record.failure is not None and record.failure.expectation.startswith("relations[0]")


def test_run_tag_is_injected_into_creates_and_updates(
    load_one: Callable[..., Scenario],
    make_engine: Callable[..., ScenarioEngine],
    fake: FakeTaskRouter,
) -> None:
    scenario = load_one(
        head()
        + """
  - name: no attributes at all
    request: {method: POST, path: "/v1/Workspaces/{ws}/Tasks"}
    expect:
      status: 201
      json: {attributes: {json_string: {trc_case: "{case_tag}", trc_run: "{run_tag}"}}}
    save: {t1: sid}
  - name: attributes of my own
    request:
      {method: POST, path: "/v1/Workspaces/{ws}/Tasks", form: {Attributes: '{"type": "call"}'}}
    expect: {status: 201, json: {attributes: {json_string: {type: call, trc_run: "{run_tag}"}}}}
    save: {t2: sid}
  - name: update keeps the tag
    request:
      method: POST
      path: "/v1/Workspaces/{ws}/Tasks/{t2}"
      form: {Attributes: '{"type": "sms"}'}
    expect: {status: 200, json: {attributes: {json_string: {type: sms, trc_run: "{run_tag}"}}}}
  - name: invalid attributes are left alone
    request: {method: POST, path: "/v1/Workspaces/{ws}/Tasks", form: {Attributes: "not json"}}
    expect: {status: 400}
  - name: opt out
    request: {method: POST, path: "/v1/Workspaces/{ws}/Tasks", form: {Attributes: "{}"}, tag: false}
    expect: {status: 201, json: {attributes: "{}"}}
"""
    )
    engine = make_engine()
    record = engine.run_case(scenario)
    assert record.status is Status.PASS, record.failure
    bodies = [r[3] for r in fake.requests if r[0] == "POST"]
    assert "Attributes=not+json" in bodies[3]
    assert engine.guard.created_count == 3
    assert fake.tasks == {}  # even the untagged one: it was tracked by SID


def test_refuses_tasks_it_did_not_create(
    load_one: Callable[..., Scenario],
    make_engine: Callable[..., ScenarioEngine],
    fake: FakeTaskRouter,
) -> None:
    foreign = FakeTaskRouter()
    _, _, victim_body = foreign._create(  # a task someone else created
        "WS" + "0" * 32, {"Attributes": '{"owner":"someone"}'}, "http://fake.test"
    )
    fake.tasks.update(foreign.tasks)
    victim = json.loads(victim_body)["sid"]
    scenario = load_one(
        head()
        + f"""
  - name: delete a stranger's task
    request: {{method: DELETE, path: "/v1/Workspaces/{{ws}}/Tasks/{victim}"}}
"""
    )
    record = make_engine().run_case(scenario)
    assert record.status is Status.ERROR
    assert record.failure is not None and "not created by this run" in record.failure.message
    assert victim in fake.tasks
    assert not any(r[0] == "DELETE" for r in fake.requests)


def test_foreign_ok_allows_unknown_sids_but_never_mutating_seen_foreign_tasks(
    load_one: Callable[..., Scenario],
    make_engine: Callable[..., ScenarioEngine],
    fake: FakeTaskRouter,
) -> None:
    random_sid = "WT" + "f" * 32
    scenario = load_one(
        head()
        + f"""
  - name: fetch a random sid
    request: {{method: GET, path: "/v1/Workspaces/{{ws}}/Tasks/{random_sid}"}}
    foreign_ok: true
    expect: {{status: 404, json: {{code: 20404}}}}
  - name: delete a random sid
    request: {{method: DELETE, path: "/v1/Workspaces/{{ws}}/Tasks/{random_sid}"}}
    foreign_ok: true
    expect: {{status: 404}}
"""
    )
    assert make_engine().run_case(scenario).status is Status.PASS

    # a task seen in a listing that is not ours may never be changed, even with foreign_ok
    from tests.fakes import WS

    _, _, body = fake._create(WS, {"Attributes": '{"owner":"someone"}'}, "http://fake.test")
    other = json.loads(body)["sid"]
    scenario = load_one(
        head("demo.case2")
        + f"""
  - name: list everything
    request: {{method: GET, path: "/v1/Workspaces/{{ws}}/Tasks"}}
  - name: try to delete what the listing showed
    request: {{method: DELETE, path: "/v1/Workspaces/{{ws}}/Tasks/{other}"}}
    foreign_ok: true
"""
    )
    record = make_engine().run_case(scenario)
    assert record.status is Status.ERROR
    assert record.failure is not None and "exists on the target" in record.failure.message
    assert other in fake.tasks


def test_unsupported_and_not_configured(
    load_one: Callable[..., Scenario],
    make_engine: Callable[..., ScenarioEngine],
    profile: TargetProfile,
) -> None:
    data = json.loads(json.dumps(profile.data))
    data["unsupported"] = ["ttl", "etag"]
    del data["workspaces"]["multi"]
    limited = TargetProfile.from_dict(data)
    needs_ttl = load_one(head(extra="requires: [ttl]\n") + "  - {name: w, wait: 0}\n")
    record = make_engine(target_profile=limited).run_case(needs_ttl)
    assert record.status is Status.UNSUPPORTED and "ttl" in (record.reason or "")
    tagged = load_one(head(extra="tags: [etag]\n") + "  - {name: w, wait: 0}\n")
    assert make_engine(target_profile=limited).run_case(tagged).status is Status.UNSUPPORTED
    multi = load_one(head(extra="workspace: multi\n") + "  - {name: w, wait: 0}\n")
    record = make_engine(target_profile=limited).run_case(multi)
    assert record.status is Status.NOT_CONFIGURED
    assert "add `workspaces.multi` to the target profile" in (record.reason or "")
    vip = load_one(
        head() + "  - name: q\n    request: {method: GET, path: '/x/{workspace.queues.nope.sid}'}\n"
    )
    record = make_engine().run_case(vip)
    assert record.status is Status.NOT_CONFIGURED
    assert "add `workspaces.single.queues.nope.sid` to the target profile" in (record.reason or "")


def test_clause_strengths_come_from_the_catalogue(
    load_one: Callable[..., Scenario], make_engine: Callable[..., ScenarioEngine]
) -> None:
    class Clause:
        strength = "inferred"

    scenario = load_one(head() + "  - {name: w, wait: 0}\n")
    record = make_engine(clauses={"task.a": Clause()}).run_case(scenario)
    assert [(c.id, c.strength) for c in record.clauses] == [("task.a", "inferred")]


def test_keyboard_interrupt_mid_run_cleans_up_everything(
    load_one: Callable[..., Scenario],
    make_engine: Callable[..., ScenarioEngine],
    fake: FakeTaskRouter,
) -> None:
    first = load_one(head("demo.first") + CREATE)
    second = load_one(head("demo.second") + CREATE + "  - name: interrupted\n    wait: 1\n")
    third = load_one(head("demo.third") + CREATE)
    engine = make_engine()

    def interrupt(seconds: float) -> None:
        assert fake.tasks, "the second case's task exists when Ctrl-C arrives"
        raise KeyboardInterrupt

    engine.services.sleep = interrupt
    records = engine.run([first, second, third])
    assert engine.interrupted
    assert [r.status for r in records] == [Status.PASS, Status.SKIPPED, Status.SKIPPED]
    assert fake.tasks == {}
    assert engine.cleanup_stats["created"] == 2 and engine.cleanup_stats["left"] == 0


def test_transport_errors_fail_the_case(
    load_one: Callable[..., Scenario],
    make_engine: Callable[..., ScenarioEngine],
    fake: FakeTaskRouter,
) -> None:
    import httpx

    def explode(*args: Any) -> Any:
        raise httpx.ConnectError("boom")

    fake.handle = explode  # type: ignore[method-assign]
    record = make_engine().run_case(load_one(head() + CREATE))
    assert record.status is Status.FAIL
    assert record.failure is not None and record.failure.expectation == "response"


def test_an_off_spec_response_ends_eventually_at_once(
    load_one: Callable[..., Scenario],
    make_engine: Callable[..., ScenarioEngine],
    spec_checker: Any,
    sleeper: Sleeper,
) -> None:
    fake = FakeTaskRouter()
    scenario = load_one(
        head()
        + CREATE
        + """
  - name: wait for a 404 that never comes
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks/{task_sid}"}
    eventually: {within: 60, every: 1}
    expect: {status: 404}
"""
    )
    original = fake.handle

    def handle(method: str, url: str, headers: Any, body: str) -> Any:
        status, out_headers, content = original(method, url, headers, body)
        if method == "GET":  # fetches (not the create) come back off-spec
            document = json.loads(content)
            document["priority"] = "high"
            content = json.dumps(document).encode()
        return status, out_headers, content

    fake.handle = handle  # type: ignore[method-assign]
    record = make_engine(spec=spec_checker, server=fake).run_case(scenario)
    assert record.status is Status.FAIL
    assert record.failure is not None and record.failure.expectation == "spec"
    assert record.failure.step == "wait for a 404 that never comes"
    assert "priority" in record.failure.message
    assert sleeper.slept == []  # the first off-spec answer ended the polling


def test_a_missing_optional_channel_is_not_configured_and_names_the_key(
    load_one: Callable[..., Scenario],
    make_engine: Callable[..., ScenarioEngine],
    profile: TargetProfile,
    fake: FakeTaskRouter,
) -> None:
    data = json.loads(json.dumps(profile.data))
    del data["workspaces"]["single"]["channels"]["sms"]
    no_sms = TargetProfile.from_dict(data)
    scenario = load_one(
        head()
        + CREATE
        + """
  - name: move to sms
    request:
      method: POST
      path: /v1/Workspaces/{ws}/Tasks/{task_sid}
      form: {TaskChannel: "{workspace.channels.sms}"}
    expect: {status: 200}
"""
    )
    record = make_engine(target_profile=no_sms).run_case(scenario)
    assert record.status is Status.NOT_CONFIGURED and record.failure is None
    assert record.reason == (
        "step 'move to sms': not configured: the target profile has no "
        "`workspaces.single.channels.sms`; add `workspaces.single.channels.sms` to the target "
        "profile (see docs/target-profile.example.yaml)"
    )
    assert fake.tasks == {}  # what the case created before it stopped is cleaned up
    assert make_engine().run_case(scenario).status is Status.PASS
