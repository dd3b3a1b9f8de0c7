"""The push-channel step kinds and their run-wide hooks (harness.scenarios.callback_steps,
the engine's CallbackChannel): the events library against the reference, against targets
that declare the channel unsupported, lack it, or are not on this machine; the restore after
a run and after an interrupt; a callback that never comes; loader errors; ``in_order``."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from click.testing import CliRunner

from harness.asgi_server import ThreadedServer
from harness.callbacks.channel import RECEIVER_KEY, CallbackChannel, CallbacksUnavailable
from harness.callbacks.receiver import CallbackKind
from harness.commands.run import run_command
from harness.resources import scenarios_dir
from harness.results.model import Exchange, Status
from harness.scenarios import callback_steps
from harness.scenarios.discovery import discover, load_clause_registry
from harness.scenarios.engine import ScenarioEngine
from harness.scenarios.interpolate import render
from harness.scenarios.loader import load_file_scenarios
from harness.scenarios.matchers import MatchContext, match
from harness.scenarios.model import Scenario
from harness.scenarios.runner import CaseRun
from harness.speccheck import load_spec
from harness.targets.profile import TargetProfile
from harness.targets.resolve import ReadyTarget
from harness.targets.target import Credentials
from tests.fakes_events import (
    After,
    EventsGate,
    ForwardingTransport,
    is_events,
    is_workflows,
    is_workspace,
    no_events_nor_settings,
    no_workspace_update,
    serve,
)
from tests.scenarios.formats import matcher_problem

EVENTS = str(scenarios_dir() / "events")
RUN_ID = "20260101T000000Z-cb0001"
REMOTE = "http://203.0.113.7:9"
CONFIGURE_FAILED = "could not configure callbacks"


@pytest.fixture(scope="module")
def clauses() -> Any:
    return load_clause_registry()[0]


@pytest.fixture(scope="module")
def library(clauses: Any) -> list[Scenario]:
    """The events folder, in the library's order (pull cases, then push cases)."""
    found = [s for s in discover(scenarios_dir(), clauses) if s.category == "events"]
    assert len(found) >= 10 and {is_push(s) for s in found} == {True, False}
    return found


def is_push(scenario: Scenario) -> bool:
    return scenario.id.startswith("events.push.")


@pytest.fixture
def gate() -> Iterator[tuple[EventsGate, ThreadedServer]]:
    """The reference (with its test clock, so that waits cost nothing) on a loopback port."""
    opened = EventsGate(test_clock=True)
    with serve(opened) as server:
        yield opened, server


def trc(tmp_path: Path, name: str, *args: str) -> tuple[int, dict[str, Any], str]:
    reports = tmp_path / name
    result = CliRunner().invoke(
        run_command, ["--phases", "scenarios", "--report-dir", str(reports), *args]
    )
    report_file = reports / "latest" / "report.json"
    report = json.loads(report_file.read_text()) if report_file.exists() else {}
    return result.exit_code, report, result.output


def trc_against(
    gate: EventsGate, server: ThreadedServer, tmp_path: Path, name: str, *args: str, **profile: Any
) -> tuple[int, dict[str, Any], str]:
    folder = tmp_path / f"{name}-profile"
    folder.mkdir()
    return trc(
        tmp_path,
        name,
        "--target", server.base_url, "--profile", str(gate.write_profile(folder, **profile)),
        *gate.credentials, *args,
    )  # fmt: skip


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["cases"]}


def callback_fields(gate: EventsGate, base_url: str) -> dict[str, str | None]:
    """path -> event_callback_url / assignment_callback_url, for every profile workspace and
    workflow, read by the test itself."""
    shown: dict[str, str | None] = {}
    auth = (gate.fixture.account_sid, gate.fixture.auth_token)
    with httpx.Client(base_url=base_url, auth=auth, timeout=10, trust_env=False) as http:
        for ws in gate.profile().data["workspaces"].values():
            path = f"/v1/Workspaces/{ws['sid']}"
            shown[path] = http.get(path).json()["event_callback_url"]
            for workflow in ws["workflows"]:
                wf_path = f"{path}/Workflows/{workflow['sid']}"
                shown[wf_path] = http.get(wf_path).json()["assignment_callback_url"]
    assert len(shown) == 5
    return shown


def ready(gate: EventsGate, base_url: str, profile: TargetProfile | None = None) -> ReadyTarget:
    creds = Credentials(gate.fixture.account_sid, gate.fixture.auth_token)
    return ReadyTarget("gate", base_url, creds, profile or gate.profile())


# --- the events library against the reference -----------------------------------------------


def test_the_events_folder_passes_with_one_and_four_jobs_and_leaves_the_urls_as_they_were(
    gate: tuple[EventsGate, ThreadedServer], library: list[Scenario], tmp_path: Path
) -> None:
    target, server = gate
    before = callback_fields(target, server.base_url)
    assert set(before.values()) == {None}
    seen: dict[str, dict[str, str]] = {}
    for jobs in ("1", "4"):
        code, report, output = trc_against(
            target, server, tmp_path, f"jobs{jobs}", "--scenarios", EVENTS, "--jobs", jobs
        )
        assert code == 0, output[-3000:]
        seen[jobs] = statuses(report)
        assert callback_fields(target, server.base_url) == before, jobs
    assert seen["1"] == seen["4"]
    assert set(seen["1"]) == {s.id for s in library}
    assert set(seen["1"].values()) == {"pass"}
    # the runs really used the push channel (each pointed the target at its receiver)
    updates = target.requests(lambda m, p: m == "POST" and is_workspace(p))
    # 2 runs x 2 workspaces x (point + restore), at least: the URLs point at the receiver
    # only while a push case runs, so a run points and restores once per such stretch
    assert len(updates) >= 2 * 2 * 2 and len(updates) % 2 == 0


def test_declared_unsupported_events_and_callbacks_send_nothing_to_them(
    gate: tuple[EventsGate, ThreadedServer], library: list[Scenario], tmp_path: Path
) -> None:
    target, server = gate
    code, report, output = trc_against(
        target, server, tmp_path, "unsupported", "--scenarios", EVENTS, "--jobs", "4",
        unsupported=["events", "callbacks"],
    )  # fmt: skip
    assert code == 1, output  # nothing counted: the gate fails (docs/scoring.md)
    assert "Traceback" not in output
    assert set(statuses(report)) == {s.id for s in library}
    assert set(statuses(report).values()) == {"unsupported"}
    assert target.requests(lambda m, p: is_events(p)) == []
    assert target.requests(lambda m, p: is_workspace(p)) == []
    assert target.requests(lambda m, p: is_workflows(p)) == []


@pytest.fixture(scope="module")
def lacking(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[EventsGate, int, dict[str, Any], str]:
    """A run of the events folder against a clone of the Task resource alone (no Events, no
    Workspace, no Workflow resource) that declares nothing unsupported. Its profile gives
    Events one second to be listed (the reference's is 3 s): every pull case polls a 404
    for that long before it fails, and the window's length changes no verdict."""
    tmp_path = tmp_path_factory.mktemp("lacking")
    target = EventsGate(no_events_nor_settings, test_clock=True)
    with serve(target) as server:
        code, report, output = trc_against(
            target, server, tmp_path, "lacking", "--scenarios", EVENTS, "--jobs", "4",
            event_delay_seconds=1,
        )  # fmt: skip
    return target, code, report, output


def test_a_target_without_events_fails_pull_and_errors_push_cases(
    lacking: tuple[EventsGate, int, dict[str, Any], str], library: list[Scenario]
) -> None:
    target, code, report, output = lacking
    assert code == 1, output[-3000:]
    assert "Traceback" not in output
    cases = {c["id"]: c for c in report["cases"]}
    assert set(cases) == {s.id for s in library}
    pull = {i: c["status"] for i, c in cases.items() if i.startswith("events.pull.")}
    push = {i: c for i, c in cases.items() if i.startswith("events.push.")}
    assert set(pull.values()) == {"fail"}, pull
    assert {c["status"] for c in push.values()} == {"error"}
    reasons = {c["reason"] for c in push.values()}
    assert len(reasons) == 1, reasons  # one message for every push case
    (reason,) = reasons
    assert CONFIGURE_FAILED in reason and "answered 404" in reason and "\n" not in reason
    assert {c["failure"]["message"] for c in push.values()} == reasons
    # the failure was found once and remembered: one attempt for the whole run
    first = target.requests(lambda m, p: is_workspace(p))
    assert len(first) == 1, first
    # every push error belongs to a cause of its own kind, none to a pull cause
    causes = report["targets"][0]["causes"]
    pull_causes = {c["id"] for c in causes if set(c["case_ids"]) & set(pull)}
    for case in push.values():
        assert case["causes"], case["id"]
    for cause in causes:
        if set(cause["case_ids"]) & set(push):
            assert cause["id"] not in pull_causes
            assert set(cause["case_ids"]) <= set(push)
            assert CONFIGURE_FAILED in cause["title"]


def test_the_push_errors_of_a_target_without_callbacks_are_one_cause(
    lacking: tuple[EventsGate, int, dict[str, Any], str],
) -> None:
    _, _, report, _ = lacking
    push = {c["id"] for c in report["cases"] if c["id"].startswith("events.push.")}
    grouping = [c for c in report["targets"][0]["causes"] if set(c["case_ids"]) & push]
    assert len(grouping) == 1 and set(grouping[0]["case_ids"]) == push, grouping


# --- a target that is not on this machine ----------------------------------------------------


def test_a_remote_target_without_a_receiver_url_makes_push_cases_not_configured(
    gate: tuple[EventsGate, ThreadedServer], library: list[Scenario], clauses: Any
) -> None:
    target, server = gate
    # the client believes the target is REMOTE; the transport takes its requests to the gate
    engine = ScenarioEngine(
        ready(target, REMOTE),
        RUN_ID,
        load_spec(None),
        clauses,
        transport=ForwardingTransport(server.base_url),
        jobs=4,
    )
    with engine:
        records = engine.run(library)
    by_id = {r.id: r for r in records}
    push = [r for r in records if r.id.startswith("events.push.")]
    pull = [r for r in records if r.id.startswith("events.pull.")]
    assert {r.status for r in pull} == {Status.PASS}, {r.id: r.reason for r in pull}
    assert {r.status for r in push} == {Status.NOT_CONFIGURED}, {r.id: r.reason for r in push}
    for record in push:
        assert f"`{RECEIVER_KEY}`" in (record.reason or ""), record.reason
        assert record.failure is None
    assert by_id["events.push.task-created"].exchange_count == 0  # nothing was sent for it
    assert target.requests(lambda m, p: is_workspace(p) or is_workflows(p)) == []
    assert engine.unrestored == []


class _Channel:
    """Stands in for the run's CallbackChannel: ``ensure`` raises what it is given."""

    def __init__(self, error: Exception | None) -> None:
        self.error = error
        self.receiver = None
        self.asked = 0

    def ensure(self) -> object:
        self.asked += 1
        if self.error is not None:
            raise self.error
        return object()

    def acquire(self, holder: str) -> object:
        return self.ensure()


def fake_run(scenario: Scenario, channel: _Channel | None) -> CaseRun:
    return cast(
        CaseRun,
        SimpleNamespace(
            scenario=scenario, services=SimpleNamespace(callbacks=channel), case_tag="trc-c1"
        ),
    )


def test_unready_maps_the_channel_to_a_status(library: list[Scenario]) -> None:
    by_id = {s.id: s for s in library}
    push, pull = by_id["events.push.task-created"], by_id["events.pull.errors"]
    remote = _Channel(CallbacksUnavailable(f"set `{RECEIVER_KEY}`", not_configured=True))
    assert callback_steps.unready(fake_run(push, remote)) == (
        Status.NOT_CONFIGURED,
        f"set `{RECEIVER_KEY}`",
    )
    refused = _Channel(CallbacksUnavailable(f"{CONFIGURE_FAILED}: POST /v1/x answered 404"))
    status, reason = callback_steps.unready(fake_run(push, refused)) or (None, "")
    assert status is Status.ERROR and CONFIGURE_FAILED in reason
    # ready: nothing to say; a case without callbacks never asks the channel
    fine = _Channel(None)
    assert callback_steps.unready(fake_run(push, fine)) is None and fine.asked == 1
    assert callback_steps.unready(fake_run(pull, refused)) is None and refused.asked == 1
    # no channel at all (the profile declares callbacks unsupported) yet a callback step
    status, reason = callback_steps.unready(fake_run(push, None)) or (None, "")
    assert status is Status.ERROR and "requires: [callbacks]" in reason


def test_unready_with_a_real_channel_on_a_remote_client(library: list[Scenario]) -> None:
    target = EventsGate()
    engine = ScenarioEngine(ready(target, REMOTE), RUN_ID)
    try:
        channel = engine.services.callbacks
        assert isinstance(channel, CallbackChannel)
        push = next(s for s in library if s.id == "events.push.order")
        run = CaseRun(engine.services, push, "trc_case")
        status, reason = callback_steps.unready(run) or (None, "")
        assert status is Status.NOT_CONFIGURED and f"`{RECEIVER_KEY}`" in reason
        assert channel.receiver is None
    finally:
        engine.services.client.close()  # not engine.close(): its cleanup would call REMOTE
        target.close()


# --- the restore, also after an interrupt ----------------------------------------------------


@pytest.mark.parametrize("jobs", [1, 4])
def test_an_interrupted_run_puts_the_callback_urls_back(
    gate: tuple[EventsGate, ThreadedServer], library: list[Scenario], clauses: Any, jobs: int
) -> None:
    target, server = gate
    before = callback_fields(target, server.base_url)
    push = [s for s in library if is_push(s)]
    during: list[dict[str, str | None]] = []
    holder: list[ScenarioEngine] = []

    def interrupt(exchange: Exchange) -> None:
        # inside a push case, once the target points at the receiver: stop the run there
        channel = holder[0].services.callbacks
        if not during and channel is not None and channel.receiver is not None:
            fields = callback_fields(target, server.base_url)
            if set(fields.values()) == {
                channel.receiver.url(CallbackKind.EVENT),
                channel.receiver.url(CallbackKind.ASSIGNMENT),
            }:
                during.append(fields)
                raise KeyboardInterrupt

    engine = ScenarioEngine(
        ready(target, server.base_url),
        RUN_ID,
        load_spec(None),
        clauses,
        jobs=jobs,
        on_exchange=interrupt,
    )
    holder.append(engine)
    with engine:
        records = engine.run(push)
        assert engine.interrupted
        # restored by the run's own cleanup, before the engine is closed
        assert callback_fields(target, server.base_url) == before
        channel = engine.services.callbacks
        assert channel is not None and channel.receiver is not None
    assert during, "the run never pointed the target at the receiver"
    assert any(r.status is Status.SKIPPED and r.reason == "run interrupted" for r in records)
    assert callback_fields(target, server.base_url) == before
    assert engine.unrestored == []


def test_a_restore_the_target_refuses_is_reported(tmp_path: Path) -> None:
    # the run's two pointing updates are accepted, the two restores refused
    target = EventsGate(After(no_workspace_update, allowed=2), test_clock=True)
    with serve(target) as server:
        _, report, output = trc_against(
            target, server, tmp_path, "unrestored", "--scenarios", f"{EVENTS}/push-order.yaml"
        )
        left = callback_fields(target, server.base_url)
    assert statuses(report) == {"events.push.order": "pass"}, output
    # the run's cleanup and its close try again: every attempt refused
    refused = sorted({path for method, path, _ in target.refused})
    assert len(target.refused) >= 4 and len(refused) == 2
    assert all(left[path] is not None for path in refused)
    warnings = [*report["warnings"], *report["targets"][0]["warnings"]]
    for path in refused:
        assert any(path in w for w in warnings), warnings
        assert path in output


# --- a callback that never comes ------------------------------------------------------------

NEVER = """\
id: events.never
title: A callback that never comes
clauses: [task.event.callback.post]
tags: [events, callbacks]
requires: [callbacks]
steps:
  - name: create a task
    request:
      method: POST
      path: /v1/Workspaces/{ws}/Tasks
      form: {Attributes: '{"type":"support"}'}
    expect: {status: 201}
    save: {task_sid: sid}
  - name: a transfer that nobody started is announced
    callback:
      kind: event
      where: {EventType: task.transfer-initiated, TaskSid: "{task_sid}"}
      within: 0.5
"""


def library_folder(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    root = tmp_path / "lib"
    folder = root / "events"
    folder.mkdir(parents=True)
    (folder / name).write_text(text, encoding="utf-8")
    return root


def test_a_callback_that_never_comes_fails_after_its_within(tmp_path: Path) -> None:
    root = library_folder(tmp_path, NEVER)
    started = time.monotonic()
    code, report, output = trc(tmp_path, "never", "--scenarios", str(root))
    elapsed = time.monotonic() - started
    assert code == 1, output
    (case,) = report["cases"]
    assert case["status"] == "fail", case
    message = case["failure"]["message"]
    assert "0 of 1 event callback(s)" in message and "within 0.5 s" in message, message
    assert "EventType=task.transfer-initiated" in message
    # what did arrive for the task is named (the create's task.created)
    assert "task.created" in message, message
    assert case["failure"]["step"] == "a transfer that nobody started is announced"
    assert 0.5 <= case["duration_s"] < 2.5, case["duration_s"]
    assert elapsed < 15


def test_without_within_a_callback_step_waits_the_profile_wait_seconds(
    gate: tuple[EventsGate, ThreadedServer], clauses: Any, tmp_path: Path
) -> None:
    target, server = gate
    root = library_folder(tmp_path, NEVER.replace("      within: 0.5\n", ""))
    (scenario,) = load_file_scenarios(root / "events" / "case.yaml", root, clauses)
    assert scenario.steps[1].callback is not None and scenario.steps[1].callback.within is None
    profile = target.profile(callbacks={"wait_seconds": 0.4})
    engine = ScenarioEngine(ready(target, server.base_url, profile), RUN_ID, load_spec(None))
    with engine:
        (record,) = engine.run([scenario])
    assert record.status is Status.FAIL, record.reason
    assert record.failure is not None
    assert "0 of 1 event callback(s)" in record.failure.message
    assert "within 0.4 s" in record.failure.message, record.failure.message
    assert 0.4 <= record.duration_s < 2.4


# --- loader errors ---------------------------------------------------------------------------

HEAD = """\
id: events.bad
title: A broken callback step
clauses: [task.event.callback.post]
requires: [callbacks]
steps:
  - name: wait for it
"""


@pytest.mark.parametrize(
    ("body", "line", "field", "message"),
    [
        pytest.param(
            "    callback:\n      kind: nonsense\n",
            8,
            "steps[0].callback.kind",
            "got str 'nonsense'",
            id="unknown-kind",
        ),
        pytest.param(
            "    callback:\n      kind: event\n    paginate: true\n",
            9,
            "steps[0].paginate",
            "not allowed on a callback step",
            id="callback-and-paginate",
        ),
    ],
)
def test_a_malformed_callback_step_exits_2_with_one_line(
    tmp_path: Path, body: str, line: int, field: str, message: str
) -> None:
    root = library_folder(tmp_path, HEAD + body, "bad.yaml")
    code, _, output = trc(tmp_path, "bad", "--scenarios", str(root))
    assert code == 2, output
    lines = [text for text in output.splitlines() if text.strip()]
    assert len(lines) == 1, output
    path = root / "events" / "bad.yaml"
    assert f"{path}:{line}: {field}: " in lines[0], lines[0]
    assert message in lines[0], lines[0]
    assert "Traceback" not in output


# --- the in_order matcher --------------------------------------------------------------------

VARS = {"first": "task.created"}


def ctx() -> MatchContext:
    def lookup(name: str) -> Any:
        return VARS[name]

    return MatchContext(lookup, lambda value: render(value, lookup))


ORDER = ["task.created", "task.updated", "task.canceled"]


@pytest.mark.parametrize(
    "value",
    [
        ORDER,
        ["task.created", "task-queue.entered", "task.updated", "task.updated", "task.canceled"],
        ["task.deleted", *ORDER, "task.deleted"],
    ],
)
def test_in_order_holds(value: list[str]) -> None:
    assert match({"in_order": ORDER}, value, ctx()) is None


@pytest.mark.parametrize(
    ("value", "missing"),
    [
        (["task.created", "task.canceled", "task.updated"], '"task.canceled"'),
        (["task.updated", "task.created", "task.canceled"], '"task.updated"'),
        (["task.created", "task.updated"], '"task.canceled"'),
        ([], '"task.created"'),
    ],
)
def test_in_order_does_not_hold(value: list[str], missing: str) -> None:
    problem = match({"in_order": ORDER}, value, ctx())
    assert problem is not None
    assert "in that order" in problem.message and missing in problem.message, problem.message
    assert problem.expected == {"in_order": ORDER}


def test_in_order_needs_each_repeat_and_a_list_and_renders_placeholders() -> None:
    assert match({"in_order": ["a", "a"]}, ["a", "b", "a"], ctx()) is None
    assert match({"in_order": ["a", "a"]}, ["a", "b"], ctx()) is not None
    not_a_list = match({"in_order": ["a"]}, "a", ctx())
    assert not_a_list is not None and "expected a list" in not_a_list.message
    assert match({"in_order": ["{first}", "task.canceled"]}, ORDER, ctx()) is None
    assert match({"in_order": ["task.canceled", "{first}"]}, ORDER, ctx()) is not None
    assert match({"in_order": [{"n": 1}, 2]}, [{"n": 1}, 2.0], ctx()) is None


def test_in_order_is_checked_when_the_scenario_loads() -> None:
    assert matcher_problem({"in_order": ["a", "b"]}) is None
    for bad in ([], "a"):
        problem = matcher_problem({"in_order": bad})
        assert problem is not None and "in_order takes a non-empty list" in problem, problem


def test_an_event_type_the_workspace_filter_leaves_out_is_not_configured(
    gate: tuple[EventsGate, ThreadedServer], tmp_path: Path
) -> None:
    target, server = gate
    auth = (target.fixture.account_sid, target.fixture.auth_token)
    ws_url = f"{server.base_url}/v1/Workspaces/{target.fixture.single.sid}"
    httpx.post(ws_url, data={"EventsFilter": "task.created"}, auth=auth)
    try:
        code, report, output = trc_against(
            target, server, tmp_path, "filtered", "--scenarios", EVENTS,
            "-k", "events.push.task-created or events.push.ttl-canceled",
        )  # fmt: skip
    finally:
        httpx.post(ws_url, data={"EventsFilter": ""}, auth=auth)
    seen = statuses(report)
    assert seen == {
        "events.push.task-created": "pass",
        "events.push.ttl-canceled": "not-configured",
    }
    (ttl,) = [c for c in report["cases"] if c["id"] == "events.push.ttl-canceled"]
    assert "EventsFilter" in ttl["reason"] and "task.canceled" in ttl["reason"]
    assert "EventsFilter=task.created" in output  # and the run says so once
    assert code == 0, output  # a not-configured case costs nothing
