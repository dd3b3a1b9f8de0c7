"""Relations across steps: each one holding and not holding."""

from __future__ import annotations

from typing import Any

import pytest

from harness.scenarios.relations import Subject, evaluate
from tests.scenarios.formats import relation_problem

VARS: dict[str, Any] = {
    "etag0": "0",
    "quoted": '"3"',
    "t0": "2026-01-01T00:00:00Z",
    "a": ["WT1", "WT2"],
    "b": ["WT3"],
    "c": ["WT2", "WT1"],
    "created": ["WT1", "WT2", "WT3"],
}


def subject(document: Any = None, headers: dict[str, str] | None = None) -> Subject:
    return Subject(document, headers or {}, lambda name: VARS[name])


def holds(
    relation: dict[str, Any], document: Any = None, headers: dict[str, str] | None = None
) -> bool:
    return evaluate(relation, subject(document, headers)) is None


def test_etag_changed_and_same() -> None:
    assert holds({"etag_changed": {"from": "etag0"}}, headers={"ETag": "1"})
    assert not holds({"etag_changed": {"from": "etag0"}}, headers={"ETag": "0"})
    assert not holds({"etag_changed": {"from": "etag0"}}, headers={})
    assert holds({"etag_same": {"from": "etag0"}}, headers={"etag": '"0"'})  # quotes ignored
    assert holds({"etag_same": {"from": "quoted"}}, headers={"ETag": 'W/"3"'})
    assert not holds({"etag_same": {"from": "etag0"}}, headers={"ETag": "1"})


def test_date_advanced() -> None:
    later = {"date_updated": "2026-01-01T00:00:05Z"}
    same = {"date_updated": "2026-01-01T00:00:00Z"}
    earlier = {"date_updated": "2025-12-31T23:59:59Z"}
    assert holds({"date_advanced": {"path": "date_updated", "from": "t0"}}, later)
    assert holds({"date_advanced": {"path": "date_updated", "from": "t0"}}, same)
    assert not holds(
        {"date_advanced": {"path": "date_updated", "from": "t0", "strict": True}}, same
    )
    assert not holds({"date_advanced": {"path": "date_updated", "from": "t0"}}, earlier)
    assert not holds(
        {"date_advanced": {"path": "date_updated", "from": "t0"}}, {"date_updated": "junk"}
    )


def test_sorted_single_key() -> None:
    doc = {"tasks": [{"priority": 9}, {"priority": 5}, {"priority": 5}, {"priority": 1}]}
    assert holds({"sorted": {"path": "tasks[*].priority", "order": "desc", "by": "int"}}, doc)
    assert not holds({"sorted": {"path": "tasks[*].priority", "order": "asc", "by": "int"}}, doc)
    dates = {"tasks": [{"d": "2026-01-01T00:00:00Z"}, {"d": "2026-01-02T00:00:00Z"}]}
    assert holds({"sorted": {"path": "tasks[*].d", "order": "asc", "by": "date"}}, dates)
    assert not holds({"sorted": {"path": "tasks[*].d", "order": "desc", "by": "date"}}, dates)
    assert not holds(
        {"sorted": {"path": "tasks[*].p", "order": "asc", "by": "int"}}, {"tasks": [{"p": "1"}]}
    )


def test_sorted_multi_key() -> None:
    relation = {
        "sorted": {
            "items": "tasks",
            "keys": [
                {"field": "priority", "order": "desc", "by": "int"},
                {"field": "date_created", "order": "asc", "by": "date"},
            ],
        }
    }
    good = {
        "tasks": [
            {"priority": 5, "date_created": "2026-01-01T00:00:00Z"},
            {"priority": 5, "date_created": "2026-01-01T00:00:01Z"},
            {"priority": 1, "date_created": "2025-01-01T00:00:00Z"},
        ]
    }
    bad = {"tasks": [good["tasks"][1], good["tasks"][0], good["tasks"][2]]}
    assert holds(relation, good)
    assert not holds(relation, bad)


def test_unique_disjoint_set_equals_subset() -> None:
    assert holds({"unique": "items[*].sid"}, {"items": [{"sid": "a"}, {"sid": "b"}]})
    assert not holds({"unique": {"path": "items[*].sid"}}, {"items": [{"sid": "a"}, {"sid": "a"}]})
    assert holds({"disjoint": ["a", "b"]})
    assert not holds({"disjoint": ["a", "c"]})
    assert holds({"disjoint": {"path": "tasks[*].sid", "var": "b"}}, {"tasks": [{"sid": "WT1"}]})
    assert not holds(
        {"disjoint": {"path": "tasks[*].sid", "var": "a"}}, {"tasks": [{"sid": "WT1"}]}
    )
    assert holds({"set_equals": ["a", "c"]})
    assert not holds({"set_equals": ["a", "b"]})
    assert holds(
        {"set_equals": {"path": "tasks[*].sid", "var": "a"}},
        {"tasks": [{"sid": "WT2"}, {"sid": "WT1"}]},
    )
    assert not holds(
        {"set_equals": {"path": "tasks[*].sid", "var": "a"}}, {"tasks": [{"sid": "WT2"}]}
    )
    assert holds({"subset": {"path": "tasks[*].sid", "of": "created"}}, {"tasks": [{"sid": "WT3"}]})
    assert not holds({"subset": {"path": "tasks[*].sid", "of": "a"}}, {"tasks": [{"sid": "WT3"}]})
    assert holds({"subset": {"var": "a", "of": "created"}})
    assert not holds({"subset": {"var": "created", "of": "a"}})


@pytest.mark.parametrize(
    ("relation", "fragment"),
    [
        ({"etag_changed": {}}, "missing"),
        ({"sorted": {"path": "x", "order": "sideways"}}, "asc or desc"),
        ({"sorted": {"path": "x", "order": "asc", "by": "colour"}}, "one of"),
        ({"sorted": {"items": "tasks", "keys": []}}, "non-empty"),
        ({"disjoint": ["only-one"]}, "two or more"),
        ({"bogus": 1}, "unknown relation"),
        ({"unique": "x", "sorted": {}}, "exactly one"),
    ],
)
def test_bad_relations_are_rejected(relation: dict[str, Any], fragment: str) -> None:
    problem = relation_problem(relation)
    assert problem is not None and fragment in problem, problem
