"""A response over the body cap: the step fails saying "response too large", the exchange is
recorded cut (with its size), and the run goes on."""

from __future__ import annotations

import json
from collections.abc import Callable

from harness.results.model import Status
from harness.scenarios.engine import ScenarioEngine
from harness.scenarios.model import Scenario
from tests.fakes import FakeTaskRouter

HUGE = 3_000_000  # over the 1 MB default cap


class HugeFetch(FakeTaskRouter):
    """A clone whose fetch answers a valid but enormous JSON document."""

    def handle(
        self, method: str, url: str, headers: dict[str, str], body: str
    ) -> tuple[int, dict[str, str], bytes]:
        status, out_headers, content = super().handle(method, url, headers, body)
        if method == "GET" and "/Tasks/WT" in url and status == 200:
            document = json.loads(content)
            document["padding"] = "x" * HUGE
            content = json.dumps(document).encode()
        return status, out_headers, content


SCENARIO = """id: demo.huge
title: T
clauses: [task.a]
steps:
  - name: create
    request: {method: POST, path: "/v1/Workspaces/{ws}/Tasks", form: {Attributes: "{}"}}
    expect: {status: 201}
    save: {task_sid: sid}
  - name: fetch
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks/{task_sid}"}
    expect: {status: 200}
"""


def test_a_body_over_the_cap_fails_the_step_and_is_kept_cut(
    load_one: Callable[..., Scenario], make_engine: Callable[..., ScenarioEngine]
) -> None:
    engine = make_engine(server=HugeFetch())
    record = engine.run_case(load_one(SCENARIO))
    assert record.status is Status.FAIL
    assert record.failure is not None and record.failure.step == "fetch"
    assert "response too large" in record.failure.message
    fetched = next(e for e in record.exchanges if e.step == "fetch")
    assert fetched.response is not None and fetched.response.status == 200
    kept = json.dumps(fetched.response.body)
    assert len(kept) < 100_000 and "cut" in kept
    # the run goes on: the next case runs normally against the same engine
    again = engine.run_case(load_one(SCENARIO.replace("demo.huge", "demo.again")))
    assert again.status is Status.FAIL and "response too large" in again.failure.message
