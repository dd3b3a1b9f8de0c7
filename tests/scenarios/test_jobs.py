"""``trc run --jobs N``: the same verdicts and the same report for any N, apart from timings.

- against the embedded reference (test clock), clean and with named faults: the whole report;
- against a separate ``trc serve`` without a test clock, where waits are real and overlap;
- against the stateless mock: the same case finds the reused SIDs, the same cases are skipped;
- a Ctrl-C in the middle of a parallel run: exit 130, nothing of the run left on the target;
- ``on_start``/``on_record`` come in the cases' order, from the main thread, whatever order
  the cases finish in.
"""

from __future__ import annotations

import functools
import json
import re
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import yaml

from harness.commands.run import run_command
from harness.reference.fixture import default_fixture
from harness.results.model import CaseRecord, Exchange, Status
from harness.scenarios.discovery import discover, load_clause_registry
from harness.scenarios.engine import ScenarioEngine
from harness.scenarios.loader import load_scenarios
from harness.scenarios.model import Scenario
from harness.speccheck.openapi import SpecChecker
from harness.targets.profile import TargetProfile, profile_from_fixture
from harness.targets.resolve import ReadyTarget
from harness.targets.target import Credentials
from tests.commands.test_run_interrupts import _check_clean, _run
from tests.fakes import ACCOUNT, TOKEN, FakeTaskRouter
from tests.fakes_stateless import StatelessMock
from tests.fakes_tripwire import Moment, Trip, creates
from tests.fixtures.ci import trc_serve
from tests.fixtures.engine import FAKE_URL, Sleeper
from tests.report.helpers import invoke

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
#: the retention of the separate ``trc serve`` and of its profile (the retention cases wait it)
RETENTION = 2

Doc = dict[str, Any]

# -- comparing two reports -----------------------------------------------------------------------

#: keys that are timings or name the run, its folder or its jobs: never compared
VOLATILE = {"duration_s", "started_at", "finished_at", "run_id", "run_tag", "report_dir", "jobs"}
SCRUB = [
    (re.compile(r"trc_\d{8}T\d{6}Z_[0-9a-f]{6}"), "<run-tag>"),  # case tags keep their _NNNN
    (re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}"), "<run-id>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "<host>"),
    (re.compile(r"\b(W[TR])[0-9a-f]{32}\b"), r"\1<sid>"),  # the target's new tasks/reservations
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z"), "<time>"),
]


def scrub(value: Any) -> Any:
    """``value`` without volatile keys, with run tags, ports, new SIDs and times replaced."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        for pattern, replacement in SCRUB:
            value = pattern.sub(replacement, value)
    return value


def exchange_outline(exchange: Doc) -> Doc:
    """What a case sent and the status it got: not the answer's body (times, ages)."""
    request, response = exchange["request"], exchange.get("response") or {}
    return scrub(
        {
            "step": exchange["step"],
            "method": request["method"],
            "url": request["url"],
            "body": request.get("body"),
            "status": response.get("status"),
            "error": exchange.get("error"),
        }
    )


@functools.cache
def polling_cases() -> frozenset[str]:
    """The library's cases with an ``eventually:`` step. How often one asks is a timing: the
    target's time is real time plus the test clock's advances, so even on a test clock the
    attempts of a window vary by one from run to run, whatever the jobs."""
    clauses, _ = load_clause_registry()
    return frozenset(
        s.id
        for s in discover(SCENARIOS, clauses)
        if any(step.eventually for step in (*s.steps, *s.finally_steps))
    )


ATTEMPTS = re.compile(r"after \d+ attempt\(s\) over [\d.]+s")


def comparable_case(case: Doc, real_time: bool) -> Doc:
    case = dict(case)
    exchanges = case.pop("exchanges")
    case["cut"] = [{k: v for k, v in c.items() if k != "size"} for c in case["cut"]]
    if real_time or case["id"] in polling_cases():
        for key in ("exchange_count", "exchanges_dropped", "cut", "curl"):
            case.pop(key)
        if case["failure"]:
            message = ATTEMPTS.sub("after N attempt(s) over Ts", case["failure"]["message"])
            case["failure"] = {**case["failure"], "message": message}
    else:
        case["exchanges"] = [exchange_outline(e) for e in exchanges]
    return scrub(case)


def comparable_target(target: Doc, real_time: bool) -> Doc:
    target = dict(target)
    if real_time:
        # a canceled task of a finished case may age out of the retention before the cleanup
        target["cleanup"] = {k: target["cleanup"][k] for k in ("created", "left")}
    return scrub(target)


def assert_same_report(one: Doc, four: Doc, real_time: bool = False) -> None:
    """The reports of ``--jobs 1`` and ``--jobs 4`` agree on everything but timings."""
    assert one["config"]["jobs"] == 1 and four["config"]["jobs"] == 4
    assert [c["id"] for c in four["cases"]] == [c["id"] for c in one["cases"]]
    for a, b in zip(one["cases"], four["cases"], strict=True):
        assert comparable_case(b, real_time) == comparable_case(a, real_time), a["id"]
    assert len(one["targets"]) == len(four["targets"])
    for a, b in zip(one["targets"], four["targets"], strict=True):
        for key in ("counts", "score", "causes", "matrix", "field_matrix", "gate", "cleanup"):
            assert comparable_target(b, real_time)[key] == comparable_target(a, real_time)[key], key
        assert comparable_target(b, real_time) == comparable_target(a, real_time)
    rest = {k: v for k, v in one.items() if k not in ("cases", "targets")}
    assert scrub({k: four[k] for k in rest}) == scrub(rest)


def run_both(args: list[str], folder: Path, exit_code: int) -> tuple[Doc, Doc]:
    docs: list[Doc] = []
    for jobs in ("1", "4"):
        reports = folder / f"jobs-{jobs}"
        result = invoke(run_command, [*args, "--jobs", jobs, "--report-dir", str(reports)])
        assert result.exit_code == exit_code, result.output
        docs.append(json.loads((reports / "latest" / "report.json").read_text()))
    return docs[0], docs[1]


# -- (a) the embedded reference --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("faults", "exit_code"),
    [
        pytest.param([], 0, id="clean"),
        pytest.param(["filter-ignored", "retention-never"], 1, id="filter-ignored+retention-never"),
    ],
)
def test_jobs_4_and_1_give_the_same_report_on_the_embedded_reference(
    tmp_path: Path, faults: list[str], exit_code: int
) -> None:
    args = ["--phases", "scenarios", *(a for f in faults for a in ("--fault", f))]
    if faults:  # the categories the faults break
        args += ["-k", "filtering or retention"]
    one, four = run_both(args, tmp_path, exit_code)
    assert_same_report(one, four)
    assert len(one["cases"]) >= (30 if faults else 100)
    failed = {c["id"] for c in one["cases"] if c["status"] == "fail"}
    if faults:  # the faults are seen, the same way
        assert any(i.startswith("filtering.") for i in failed), failed
        assert any(i.startswith("retention.") for i in failed), failed
        assert one["targets"][0]["causes"]
    else:
        assert failed == set() and one["score"]["value"] == 100.0


# -- (b) a separate trc serve: real waits, overlapping -------------------------------------------


@pytest.fixture(scope="module")
def real_time_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``trc serve --retention RETENTION`` (no test clock) on a free port; its URL and the
    profile for it."""
    folder = tmp_path_factory.mktemp("serve")
    profile = folder / "profile.yaml"
    data = profile_from_fixture(default_fixture(), RETENTION).data
    profile.write_text(yaml.safe_dump(data, sort_keys=False))
    with trc_serve(folder / "serve.log", "--retention", str(RETENTION)) as url:
        yield url, profile


#: cases that wait in real time (retention, TTL, a task's age), one of them changing the worker
#: of the other workspace (and so running alone there), after a quick case whose creates let
#: the run go parallel at once (until two creates it runs cases one at a time)
WAITING = "filtering.routing-target or slow or workforce.redrive"


def test_jobs_4_and_1_agree_against_a_real_time_server(
    real_time_serve: tuple[str, Path], tmp_path: Path
) -> None:
    url, profile = real_time_serve
    fixture = default_fixture()
    args = [
        "--phases", "scenarios", "--target", url, "--profile", str(profile), "-k", WAITING,
        "--account-sid", fixture.account_sid, "--auth-token", fixture.auth_token,
    ]  # fmt: skip
    one, four = run_both(args, tmp_path, 0)
    assert_same_report(one, four, real_time=True)
    ids = {c["id"] for c in one["cases"]}
    assert {"retention.canceled-deleted-within-window", "lifecycle.ttl-cancels-task"} <= ids
    assert "workforce.redrive-keeps-position-by-age" in ids  # exclusive, in the other workspace
    # the waits did overlap: the run took less than its cases one after another
    waited = sum(c["duration_s"] for c in four["cases"])
    assert four["run"]["duration_s"] < waited - 1.5, (four["run"]["duration_s"], waited)
    assert one["run"]["duration_s"] >= 0.95 * sum(c["duration_s"] for c in one["cases"])


def test_cassettes_replay_side_by_side_with_the_same_verdicts(
    real_time_serve: tuple[str, Path], tmp_path: Path
) -> None:
    """Without a test clock the replay phase replays cassettes side by side: the same records
    in the same order, everything it created deleted, the recorded waits overlapping."""
    url, profile = real_time_serve
    fixture = default_fixture()
    args = [
        "--phases", "replay", "--target", url, "--profile", str(profile),
        "-k", "retention or lifecycle.ttl or ordering.date-created or redrive",
        "--account-sid", fixture.account_sid, "--auth-token", fixture.auth_token,
    ]  # fmt: skip
    one, four = run_both(args, tmp_path, 0)
    assert [(c["id"], c["status"]) for c in one["cases"]] == [
        (c["id"], c["status"]) for c in four["cases"]
    ]
    assert len({c["source"].split("#")[0] for c in four["cases"]}) >= 3  # several cassettes
    for doc in (one, four):
        (target,) = doc["targets"]
        assert target["cleanup"]["left"] == 0 and target["cleanup"]["created"] > 0
    # the cassettes' recorded waits overlapped: a second and more saved on the run
    walls = one["run"]["duration_s"], four["run"]["duration_s"]
    assert walls[1] < walls[0] - 1.0, walls


# -- (c) the stateless mock ------------------------------------------------------------------------


class Slow(httpx.BaseTransport):
    """``inner`` with a delay before every answer: as over a network, cases side by side
    interleave their requests (an in-memory mock answers before another thread gets a turn)."""

    def __init__(self, inner: httpx.BaseTransport, delay_s: float) -> None:
        self.inner = inner
        self.delay_s = delay_s

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        time.sleep(self.delay_s)
        return self.inner.handle_request(request)


def run_mock(jobs: int, profile: TargetProfile, spec: SpecChecker) -> list[CaseRecord]:
    clauses, _ = load_clause_registry()
    sleeper = Sleeper()
    target = ReadyTarget("mock", FAKE_URL, Credentials(ACCOUNT, TOKEN), profile)
    engine = ScenarioEngine(
        target,
        "20260101T000000Z-abc123",
        spec=spec,
        transport=Slow(StatelessMock().transport(), 0.01),
        sleep=sleeper.sleep,
        jobs=jobs,
    )
    engine.services.monotonic = sleeper.monotonic
    with engine:
        return engine.run(discover(SCENARIOS, clauses))


def verdicts(records: list[CaseRecord]) -> list[tuple[Any, ...]]:
    return [
        (r.id, r.status, r.cause, r.reason, r.failure and (r.failure.step, r.failure.message))
        for r in records
    ]


def test_the_stateless_mock_gets_the_same_verdicts_for_any_jobs(
    profile: TargetProfile, spec_checker: SpecChecker
) -> None:
    one, four = (run_mock(jobs, profile, spec_checker) for jobs in (1, 4))
    assert verdicts(four) == verdicts(one)
    for records in (one, four):
        detected = [
            r.id for r in records if r.cause == "state.sids-reused" and r.status is Status.FAIL
        ]
        assert len(detected) == 1, detected
    skipped = [r.id for r in one if r.status is Status.SKIPPED]
    assert len(skipped) >= 50
    assert skipped == [r.id for r in four if r.status is Status.SKIPPED]


# -- (d) an interrupt in the middle of a parallel run ---------------------------------------------


def test_ctrl_c_in_a_parallel_library_run_leaves_nothing(tmp_path: Path) -> None:
    run = _run(
        tmp_path,
        [Trip(creates, nth=30, moment=Moment.COMMITTED)],
        "--phases", "scenarios", "--jobs", "4",
    )  # fmt: skip
    _check_clean(run)
    assert run.report is not None and run.report["config"]["jobs"] == 4
    (target,) = run.report["targets"]
    assert target["cleanup"]["created"] == run.wire.created()
    assert sum(1 for m, p, _ in run.wire.log if m == "POST" and p.endswith("/Tasks")) < 30 + 40


def _write_case(folder: Path, id: str, steps: str) -> None:
    text = f"id: jobs.{id}\ntitle: case {id}\nclauses: [task.create.status-201]\nsteps:\n"
    (folder / f"{id}.yaml").write_text(text + textwrap.dedent(steps))


WAIT_S = 60
#: what a waiting case would fetch after its wait (an unknown task: it never gets there)
NEVER = "/v1/Workspaces/{ws}/Tasks/WT" + "0" * 32
ONE_TASK = """\
  - name: one task
    create_tasks: {count: 1, form: {Attributes: '{"type":"other"}'}}
"""


def test_ctrl_c_ends_the_real_waits_of_running_cases_at_once(tmp_path: Path) -> None:
    """Three cases sit in a 60 s real wait, each with a task of its own, when a fourth sends
    the request that trips the signal: the run stops at once and deletes the three tasks."""
    folder = tmp_path / "scenarios" / "jobs"
    folder.mkdir(parents=True)
    _write_case(folder, "a-first", ONE_TASK.replace("count: 1", "count: 2"))
    for name in ("b-waits", "c-waits", "d-waits"):
        _write_case(
            folder,
            name,
            ONE_TASK
            + f"  - name: a long wait\n    wait: {WAIT_S}\n"
            + f'  - name: never\n    request: {{method: GET, path: "{NEVER}"}}\n'
            + "    foreign_ok: true\n",
        )
    _write_case(
        folder,
        "e-trips",
        "  - name: let the others reach their waits\n    wait: 1\n"
        "  - name: the request that trips the signal\n"
        '    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks", headers: {X-Trip: now}}\n',
    )

    def marked(method: str, path: str, headers: dict[str, str]) -> bool:
        return headers.get("x-trip") == "now"

    started = time.monotonic()
    run = _run(
        tmp_path,
        [Trip(marked, nth=1, moment=Moment.ARRIVAL)],
        "--phases", "scenarios", "--jobs", "4", "--scenarios", str(tmp_path / "scenarios"),
    )  # fmt: skip
    took = time.monotonic() - started
    _check_clean(run)
    assert took < WAIT_S / 2, f"the run waited on: {took:.1f} s"
    assert run.wire.created() == 5  # a's two and one for each waiting case, all deleted
    (target,) = run.report["targets"]  # type: ignore[index]
    assert target["cleanup"]["created"] == 5
    statuses = {c["id"]: c["status"] for c in run.report["cases"]}  # type: ignore[index]
    assert statuses["jobs.a-first"] == "pass"
    for name in ("b-waits", "c-waits", "d-waits"):
        assert statuses[f"jobs.{name}"] == "skipped", statuses
    # no waiting case went on after its wait
    assert not [p for _, p, _ in run.wire.log if p.endswith("0" * 32)]


# -- (e) results in the cases' order ---------------------------------------------------------------

ORDERED = """\
id: order.{name}
title: case {name}
category: order
clauses: [task.a]
"""


def marked(name: str) -> str:
    """ONE_TASK whose attributes name the case (to pair each create with its tag)."""
    return ONE_TASK.replace('"type":"other"', f'"type":"other","who":"{name}"')


def _ordered_cases(write_yaml: Callable[..., Path], tmp_path: Path) -> list[Scenario]:
    wait = "  - name: wait\n    wait: {}\n".format
    cases = {
        # two creates: from here on the run goes parallel
        "a-creates-two": "steps:\n" + marked("a-creates-two").replace("count: 1", "count: 2"),
        "b-slow": "steps:\n" + wait(0.8) + marked("b-slow"),
        "c-middle": "steps:\n" + wait(0.4) + marked("c-middle"),
        # needs the workspace to itself: waits for b and c, and later cases wait for it
        "d-alone": "exclusive: [workspace]\nsteps:\n" + marked("d-alone"),
        # the other workspace: handed out before d, finishes first
        "e-elsewhere": "workspace: multi\nsteps:\n" + marked("e-elsewhere"),
        "f-after": "steps:\n"
        '  - name: list\n    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks"}\n',
    }
    paths = [
        write_yaml(ORDERED.replace("{name}", name) + body, f"{name}.yaml")
        for name, body in cases.items()
    ]
    return load_scenarios(paths, tmp_path / "scenarios")


def test_records_come_in_case_order_even_when_later_cases_finish_first(
    write_yaml: Callable[..., Path], tmp_path: Path, profile: TargetProfile
) -> None:
    scenarios = _ordered_cases(write_yaml, tmp_path)
    ids = [s.id for s in scenarios]
    target = ReadyTarget("fake", FAKE_URL, Credentials(ACCOUNT, TOKEN), profile)
    sent_tags: dict[str, str] = {}

    def on_exchange(exchange: Exchange) -> None:
        if exchange.request.method == "POST":
            form = dict(parse_qsl(exchange.request.body or ""))
            attributes = json.loads(form["Attributes"])
            sent_tags[attributes["who"]] = attributes["trc_case"]

    engine = ScenarioEngine(
        target,
        "20260101T000000Z-abc123",
        transport=FakeTaskRouter().transport(),
        on_exchange=on_exchange,
        jobs=4,
    )
    finished: list[str] = []
    spans: dict[str, tuple[float, float]] = {}
    events: list[tuple[str, str]] = []
    off_main: list[str] = []
    run_case = engine.run_case

    def timed(scenario: Scenario, index: int | None = None) -> CaseRecord:
        began = time.monotonic()
        record = run_case(scenario, index)
        spans[scenario.id.split(".")[1]] = (began, time.monotonic())
        finished.append(scenario.id.split(".")[1])
        return record

    def on_start(scenario: Scenario) -> None:
        if threading.current_thread() is not threading.main_thread():
            off_main.append(scenario.id)
        events.append(("start", scenario.id))

    def on_record(record: CaseRecord) -> None:
        if threading.current_thread() is not threading.main_thread():
            off_main.append(record.id)
        assert record.id.split(".")[1] in finished  # delivered only once it finished
        events.append(("record", record.id))

    engine.run_case = timed  # type: ignore[method-assign]
    with engine:
        records = engine.run(scenarios, on_start=on_start, on_record=on_record)
    assert [r.status for r in records] == [Status.PASS] * len(ids), [r.failure for r in records]
    # later cases finished first: the other workspace's at once, the shorter wait before
    # the longer, the exclusive case after both, and the case behind it after it
    assert finished == ["a-creates-two", "e-elsewhere", "c-middle", "b-slow", "d-alone", "f-after"]
    assert spans["d-alone"][0] >= max(spans["b-slow"][1], spans["c-middle"][1])
    assert spans["f-after"][0] >= spans["d-alone"][1]
    assert spans["c-middle"][0] < spans["b-slow"][1]  # b and c did run side by side
    # ... and yet everything came back in the cases' order, from the main thread
    assert [r.id for r in records] == ids
    assert events == [(kind, i) for i in ids for kind in ("start", "record")]
    assert off_main == []
    # every case's tag is numbered by its place in the run, not by when it ran
    assert sent_tags == {
        name.split(".", 1)[1]: f"{engine.run_tag}_{n:04d}"
        for n, name in enumerate(ids, start=1)
        if name != "order.f-after"
    }
