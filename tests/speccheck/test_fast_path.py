"""The compiled fast path of the response check never says "fits" where jsonschema finds a
problem: on Twilio's documented bodies and on thousands of mutations of them, against the
product's own spec. (Its "does not fit" is never trusted: jsonschema then names the errors.)"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.resources import spec_file
from harness.speccheck.openapi import SpecChecker, _inline_refs
from tests.spec.twilio_data import documented_examples, exchange_for

CHECKER = SpecChecker.from_path(spec_file())
JSON_HEADERS = {"content-type": "application/json", "etag": '"1"'}
EXAMPLES = [e for e in documented_examples()["examples"] if e["kind"] in ("task", "list")]

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["2024-01-01T00:00:00Z", "not-a-date", "https://x.test/a", "pending"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)


def _verdicts(method: str, url: str, status: int, body: Any) -> tuple[bool, bool]:
    """(fast says it fits, jsonschema finds no error) for ``body``."""
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    operation = CHECKER.operation(method, path)
    assert operation is not None
    pointer = CHECKER._schema_pointer(operation, str(status), "application/json")
    fast = CHECKER._fast_validator(pointer)
    assert fast is not None, f"the schema at {pointer} was not compiled"
    slow = not list(CHECKER._validator(pointer).iter_errors(body))
    return fast(body), slow


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _set(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


def test_every_documented_body_gets_the_same_verdict_from_both() -> None:
    assert EXAMPLES
    for example in EXAMPLES:
        method, url, status = exchange_for(example)
        fast, slow = _verdicts(method, url, status, example["body"])
        assert fast == slow, example["id"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_mutated_body_that_jsonschema_refuses_is_never_passed(data: st.DataObject) -> None:
    example = data.draw(st.sampled_from(EXAMPLES))
    method, url, status = exchange_for(example)
    body = copy.deepcopy(example["body"])
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(body)))
        if path and data.draw(st.booleans()) and isinstance(body, dict):
            parent = body
            for key in path[:-1]:
                parent = parent[key]
            if isinstance(parent, dict):
                del parent[path[-1]]
                continue
        body = _set(body, path, data.draw(values))
    fast, slow = _verdicts(method, url, status, body)
    if fast:
        assert slow, f"the fast path passed a body jsonschema refuses: {json.dumps(body)[:300]}"


def test_a_schema_that_refers_to_itself_has_no_fast_path() -> None:
    document = {"a": {"type": "object", "properties": {"child": {"$ref": "#/a"}}}}
    try:
        _inline_refs(document, document["a"])
    except Exception as exc:  # the cycle is refused, never expanded forever
        assert "#/a" in str(exc)
    else:
        raise AssertionError("a self-referring schema was inlined")
