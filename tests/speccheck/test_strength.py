"""Each spec problem carries the rule it broke and that rule's strength (x-trc-* annotations)."""

from __future__ import annotations

import json
from typing import Any

from harness.results.vocab import Strength
from harness.speccheck.openapi import SpecChecker
from harness.speccheck.strength import SpecProblem
from tests.speccheck.inline_spec import document

URL = "http://t.test/v1/Workspaces/WS1/Tasks"
JSON = {"content-type": "application/json", "etag": '"1"'}
GOOD: dict[str, Any] = {"sid": "WT" + "a" * 32, "priority": 0, "age": 3}


def problems(
    body: Any, url: str = URL, method: str = "POST", status: int = 201
) -> list[SpecProblem]:
    checker = SpecChecker(document(), "inline")
    return checker.check_problems(method, url, status, JSON, json.dumps(body))


def only(body: Any, **kwargs: Any) -> SpecProblem:
    (problem,) = problems(body, **kwargs)
    return problem


def test_a_body_on_spec_has_no_problem() -> None:
    assert problems(GOOD) == []
    assert problems({**GOOD, "links": {"task_queue": "https://x.test/q"}, "routing": None}) == []


def test_a_documented_rule_is_documented() -> None:
    missing = only({"priority": 0, "age": 3})
    assert missing.strength is Strength.DOCUMENTED and not missing.inferred
    assert missing.rule == "#/components/schemas/Task/required"
    assert "'sid' is a required property" in missing.message
    wrong_type = only({**GOOD, "priority": "high"})
    assert wrong_type.strength is Strength.DOCUMENTED
    assert wrong_type.rule == "#/components/schemas/Task/properties/priority/type"


def test_inferred_required_makes_only_that_key_inferred() -> None:
    age = only({"sid": GOOD["sid"], "priority": 0})
    assert age.strength is Strength.INFERRED
    assert age.assumption == "age is assumed always present"
    both = problems({"priority": 0})
    assert sorted((p.strength, "'age'" in p.message) for p in both) == [
        (Strength.DOCUMENTED, False),
        (Strength.INFERRED, True),
    ]


def test_an_error_inside_or_at_an_inferred_object_is_inferred() -> None:
    inside = only({**GOOD, "links": {"task_queue": 7}})  # passes through Links
    assert inside.strength is Strength.INFERRED
    assert inside.rule == "#/components/schemas/Links/properties/task_queue/type"
    assert inside.assumption == "the four links keys are assumed from the SDK mocks"
    at = only({**GOOD, "links": {}})  # ends at Links (its required)
    assert at.strength is Strength.INFERRED and at.rule == "#/components/schemas/Links/required"


def test_a_nullable_inferred_object_stays_inferred() -> None:
    problem = only({**GOOD, "routing": "WK1"})
    assert problem.strength is Strength.INFERRED
    assert problem.assumption == "routing is an object"


def test_inferred_problems_in_a_list_item_and_check_keeps_its_sentences() -> None:
    page = {"tasks": [GOOD, {**GOOD, "links": {}}]}
    problem = only(page, method="GET", status=200)
    assert problem.strength is Strength.INFERRED and "body.tasks[1].links" in problem.message
    checker = SpecChecker(document(), "inline")
    sentences = checker.check("POST", URL, 201, JSON, json.dumps({"priority": 0, "age": 1}))
    assert sentences == ["CreateTask 201: body: 'sid' is a required property"]


def test_headers_and_undeclared_statuses_are_documented() -> None:
    checker = SpecChecker(document(), "inline")
    found = checker.check_problems("POST", URL, 201, {"content-type": "application/json"}, "{}")
    header = next(p for p in found if "ETag" in p.message)
    assert header.strength is Strength.DOCUMENTED
    (status,) = checker.check_problems("POST", URL, 418, JSON, "{}")
    assert "status 418 is not declared" in status.message
    assert status.strength is Strength.DOCUMENTED


def test_an_inferred_header_rule_is_inferred() -> None:
    doc = document()
    etag = doc["paths"]["/v1/Workspaces/{WorkspaceSid}/Tasks"]["post"]["responses"]["201"]
    etag["headers"]["ETag"]["x-trc-strength"] = "inferred"
    checker = SpecChecker(doc, "inline")
    body = json.dumps(GOOD)
    (problem,) = checker.check_problems(
        "POST", URL, 201, {"content-type": "application/json"}, body
    )
    assert problem.strength is Strength.INFERRED and "ETag" in problem.message
