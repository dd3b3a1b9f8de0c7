"""Every matcher, holding and not holding; plus the load-time matcher checks."""

from __future__ import annotations

from typing import Any

import pytest

from harness.jsonpath import MISSING
from harness.scenarios.interpolate import render
from harness.scenarios.matchers import MatchContext, json_equal, match, match_path
from tests.scenarios.formats import matcher_problem

VARS = {"saved": 7, "sid": "WT" + "a" * 32, "name": "sales"}


def ctx() -> MatchContext:
    def lookup(name: str) -> Any:
        return VARS[name]

    return MatchContext(lambda name: VARS[name], lambda value: render(value, lookup))


SID = "WT" + "0123456789abcdef" * 2

CASES = [
    # (matcher, value that matches, value that does not)
    ("pending", "pending", "canceled"),
    (5, 5, "5"),
    (5, 5.0, True),
    (True, True, 1),
    (None, None, "null"),
    ("{name}", "sales", "support"),
    ({"any": True}, None, MISSING),
    ({"type": "string"}, "x", 1),
    ({"type": "integer"}, 3, 3.5),
    ({"type": "integer"}, 3, True),
    ({"type": "number"}, 3.5, "3.5"),
    ({"type": "boolean"}, False, 0),
    ({"type": "null"}, None, "x"),
    ({"type": "array"}, [], {}),
    ({"type": "object"}, {}, []),
    ({"type": ["string", "null"]}, None, 1),
    ({"regex": "^WT[0-9a-f]+$"}, SID, "WS123"),
    ({"regex": "^{name}$"}, "sales", "sales2"),
    ({"sid": "WT"}, SID, "WT123"),
    ({"sid": "WQ"}, "WQ" + "A" * 32, SID),
    ({"iso_date": True}, "2014-05-14T18:50:02Z", "Wed, 14 May 2014 18:50:02 +0000"),
    ({"iso_date": True}, "2014-05-14T18:50:02.123Z", "2014-05-14"),
    ({"range": {"min": 1, "max": 10}}, 10, 11),
    ({"range": {"min": 0}}, 0, -1),
    ({"range": {"max": "{saved}"}}, 7, 8),
    ({"range": {"min": 1}}, 2, "2"),
    ({"length": 2}, [1, 2], [1]),
    ({"length": {"min": 1, "max": 3}}, "abc", "abcd"),
    ({"length": {"min": 1}}, {"a": 1}, {}),
    ({"absent": True}, MISSING, None),
    ({"absent": False}, None, MISSING),
    ({"equals": {"a": [1, 2]}}, {"a": [1, 2]}, {"a": [2, 1]}),
    ({"equals": "{saved}"}, 7, "7"),
    ({"not_equals": "x"}, "y", "x"),
    ({"equals_var": "saved"}, 7, 8),
    ({"not_equals_var": "sid"}, "WT" + "b" * 32, "WT" + "a" * 32),
    ({"contains": "ale"}, "sales", "support"),
    ({"contains": 2}, [1, 2, 3], [1, 3]),
    ({"contains": "key"}, {"key": 1}, {"other": 1}),
    ({"not_contains": "x"}, "abc", "xyz"),
    ({"starts_with": "http://"}, "http://a/b", "https://a"),
    ({"one_of": ["pending", "reserved"]}, "reserved", "assigned"),
    ({"json_string": {"type": "sales"}}, '{"type":"sales"}', '{"type":"support"}'),
    ({"json_string": {"a.b[0]": {"type": "integer"}}}, '{"a":{"b":[1]}}', '{"a":{"b":["1"]}}'),
    ({"json_string": {"type": "sales"}}, '{"type":"sales"}', {"type": "sales"}),
    ({"json_string": {"type": "sales"}}, '{"type":"sales"}', "{not json"),
    ({"json_string": {"missing": {"absent": True}}}, "{}", '{"missing":1}'),
    ({"not": {"contains": "x"}}, "abc", "xyz"),
    ({"type": "integer", "range": {"min": 100}}, 100, 99),
]


@pytest.mark.parametrize(("spec", "good", "bad"), CASES, ids=[repr(c[0])[:40] for c in CASES])
def test_matcher_holds_and_fails(spec: Any, good: Any, bad: Any) -> None:
    assert matcher_problem(spec) is None
    assert match(spec, good, ctx()) is None
    mismatch = match(spec, bad, ctx())
    assert mismatch is not None
    assert mismatch.message


def test_missing_field_fails_every_matcher_but_absent() -> None:
    assert match({"type": "null"}, MISSING, ctx()) is not None
    assert "missing" in match({"regex": "."}, MISSING, ctx()).message  # type: ignore[union-attr]
    assert match(None, MISSING, ctx()) is not None  # null is not absent


def test_wildcard_paths_need_items_and_all_must_match() -> None:
    assert match_path("t[*].p", 5, [5, 5], True, ctx()) is None
    failed = match_path("t[*].p", 5, [5, 6], True, ctx())
    assert failed is not None and "item 1" in failed.message
    empty = match_path("t[*].p", 5, [], True, ctx())
    assert empty is not None and "no items" in empty.message


def test_json_equal_is_strict_about_booleans() -> None:
    assert json_equal(1, 1.0)
    assert not json_equal(1, True)
    assert not json_equal(0, False)
    assert not json_equal({"a": 1}, {"a": 1, "b": 2})


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"regx": "a"}, "unknown matcher"),
        ({"type": "str"}, "one of string, integer"),
        ({"regex": "("}, "invalid regex"),
        ({"sid": "W"}, "two-letter"),
        ({"range": 5}, "min and/or max"),
        ({"length": -1}, ">= 0"),
        ({"iso_date": "yes"}, "true or false"),
        ({"one_of": []}, "non-empty"),
        ({"json_string": {"a": {"bogus": 1}}}, "unknown matcher"),
        ({"not": {"bogus": 1}}, "unknown matcher"),
        ({}, "empty matcher"),
    ],
)
def test_the_loader_rejects_bad_matchers(spec: Any, fragment: str) -> None:
    problem = matcher_problem(spec)
    assert problem is not None and fragment in problem, problem
