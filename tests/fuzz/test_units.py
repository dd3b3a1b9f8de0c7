"""Budget parsing, steering, configuration, clause references and record ids."""

from __future__ import annotations

import json
import random
from types import SimpleNamespace

import pytest

from harness.clauses import load_clauses
from harness.fuzz import (
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_TIME_BUDGET_S,
    FuzzBudget,
    workspace_fields_from_profile,
)
from harness.fuzz.checks import invalid_attributes_rejection
from harness.fuzz.config import OPERATION_CHECKS, build_config, build_config_dict
from harness.fuzz.records import CHECK_CLAUSES
from harness.fuzz.steering import (
    INVALID_ATTRIBUTES,
    Steering,
    TargetData,
    attributes_are_invalid,
)
from harness.phases import Budget
from harness.reference.expression import compile_expression
from harness.reference.listing import parse_ordering


def test_budget_defaults() -> None:
    # --fuzz-budget is parsed by harness.phases.Budget.parse (trc run and trc fuzz alike);
    # FuzzBudget.of fills in what it leaves out.
    assert FuzzBudget.of(None) == FuzzBudget(DEFAULT_MAX_EXAMPLES, DEFAULT_TIME_BUDGET_S)
    assert FuzzBudget.of(Budget.parse("40")) == FuzzBudget(40, DEFAULT_TIME_BUDGET_S)
    assert FuzzBudget.of(Budget.parse("40:90")) == FuzzBudget(40, 90)
    assert FuzzBudget.of(Budget.parse(":30")) == FuzzBudget(DEFAULT_MAX_EXAMPLES, 30)


def test_steered_attributes_are_json_objects_of_the_generated_length() -> None:
    steering = Steering(TargetData("WS" + "0" * 32, tag="trc_x"), seed=0)
    rng = random.Random(0)
    for length in (0, 1, 20, 100, 4096):
        text = steering.attributes_text(rng, length)
        assert isinstance(json.loads(text), dict)
        assert json.loads(text)["trc_run"] == "trc_x"
        if length >= 40:
            assert len(text) == length
    assert all(attributes_are_invalid(value) for value in INVALID_ATTRIBUTES)
    assert attributes_are_invalid("{" + '"a": 1, ' * 600 + '"b": 2}')  # over 4096 characters
    assert not attributes_are_invalid("{}")


def test_steered_expressions_and_orderings_are_valid_for_the_reference() -> None:
    steering = Steering(TargetData("WS" + "0" * 32, tag="trc_x"), seed=0)
    rng = random.Random(1)
    for _ in range(200):
        compile_expression(steering.expression(rng))
        parse_ordering(steering.ordering(rng))


def test_invalid_attributes_check() -> None:
    def response(status: int, body: str) -> SimpleNamespace:
        request = SimpleNamespace(
            body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        return SimpleNamespace(status_code=status, request=request)

    case = SimpleNamespace(
        operation=SimpleNamespace(
            label="POST /v1/Workspaces/{WorkspaceSid}/Tasks",
            definition=SimpleNamespace(raw={"operationId": "CreateTask"}),
        )
    )
    assert invalid_attributes_rejection(None, response(400, "Attributes=not+json"), case) is None
    assert invalid_attributes_rejection(None, response(201, "Attributes=%7B%7D"), case) is None
    with pytest.raises(AssertionError):
        invalid_attributes_rejection(None, response(201, "Attributes=not+json"), case)


def test_config_never_accepts_auth_rejections_for_valid_data() -> None:
    data = build_config_dict(
        seed=0, max_examples=5, stateful_steps=4, base_url="http://x", request_timeout_s=5
    )
    statuses = [data["checks"]["positive_data_acceptance"]["expected-statuses"]]
    statuses += [
        c["positive_data_acceptance"]["expected-statuses"] for c in OPERATION_CHECKS.values()
    ]
    for expected in statuses:
        assert "401" not in expected and "403" not in expected and "4xx" not in expected
    assert data["generation"]["database"] == "none"
    config = build_config(
        seed=0, max_examples=5, stateful_steps=4, base_url="http://x", request_timeout_s=5
    )
    assert config.seed == 0


def test_cited_clauses_exist() -> None:
    known = set(load_clauses())
    for clauses in CHECK_CLAUSES.values():
        assert set(clauses) <= known


def test_workspace_fields_from_profile() -> None:
    data = {
        "workspaces": {
            "single": {
                "sid": "WS1",
                "workflows": [{"sid": "WW1"}],
                "queues": {"sales": {"sid": "WQ1"}},
                "channels": {"voice": "TC1"},
                "worker_sid": "WK1",
            }
        }
    }
    fields = workspace_fields_from_profile(data)
    assert fields == {
        "workspace_sid": "WS1",
        "workflow_sids": ("WW1",),
        "queue_sids": ("WQ1",),
        "channels": ("voice", "TC1"),
        "worker_sids": ("WK1",),
    }
    with pytest.raises(ValueError):
        workspace_fields_from_profile({})


def test_options_for_a_ready_target() -> None:
    from harness.fuzz import options_for_target
    from harness.reference.fixture import default_fixture
    from harness.targets import Credentials, ReadyTarget
    from harness.targets.profile import profile_from_fixture

    fixture = default_fixture()
    target = ReadyTarget(
        name="embedded",
        base_url="http://127.0.0.1:1234",
        credentials=Credentials(fixture.account_sid, fixture.auth_token),
        profile=profile_from_fixture(fixture, 300.0),
        embedded=True,
    )
    options = options_for_target(target, seed=4, worker_sids=("WK1",))
    assert options.base_url == "http://127.0.0.1:1234" and options.app is None
    assert (options.account_sid, options.auth_token) == (fixture.account_sid, fixture.auth_token)
    assert options.workspace_sid == fixture.single.sid
    assert set(options.workflow_sids) == {w.sid for w in fixture.single.workflows}
    assert options.request_timeout_s == target.profile.timeout_seconds
    assert options.seed == 4 and options.worker_sids == ("WK1",)
    assert options.tags_attributes  # a socket target: generated Attributes carry the run tag
    options.validate()
