"""JSON paths and ``{placeholder}`` interpolation."""

from __future__ import annotations

from typing import Any

import pytest

from harness.jsonpath import MISSING, parse_path
from harness.scenarios.interpolate import (
    InterpolationError,
    evaluate_expression,
    placeholders,
    render,
    resolve_in,
    split_name,
)

DOC = {"tasks": [{"sid": "a", "p": 1}, {"sid": "b"}], "meta": {"page_size": 50}, "x.y": 3}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("tasks[0].sid", "a"),
        ("tasks[-1].sid", "b"),
        ("tasks[*].sid", ["a", "b"]),
        ("tasks[*].p", [1, MISSING]),
        ("meta.page_size", 50),
        ('["x.y"]', 3),
        ("$.meta.page_size", 50),
        ("$", DOC),
        ("nope", MISSING),
        ("tasks[9]", MISSING),
        ("meta.page_size.deeper", MISSING),
    ],
)
def test_paths_resolve(path: str, value: Any) -> None:
    assert parse_path(path).resolve(DOC) == value


@pytest.mark.parametrize("bad", ["", "a..b", "a[", ".a", "a b", "a[x]"])
def test_bad_paths(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_path(bad)


VARS: dict[str, Any] = {"n": 5, "sid": "WT1", "task": {"sid": "WT9", "tags": ["x"]}, "i": 2}


def lookup(name: str) -> Any:
    root, rest = split_name(name)
    if root not in VARS:
        raise InterpolationError(f"{root} undefined")
    return resolve_in(VARS[root], rest, name)


def test_render_keeps_json_and_types() -> None:
    assert render("{n}", lookup) == 5  # a whole-value placeholder keeps its type
    assert render("n={n}", lookup) == "n=5"
    assert render('{"type":"x","sid":"{sid}"}', lookup) == '{"type":"x","sid":"WT1"}'
    assert render("{task.sid}/{task.tags[0]}", lookup) == "WT9/x"
    assert render("{{n}", lookup) == "{n}"
    assert render({"a": ["{sid}", 1]}, lookup) == {"a": ["WT1", 1]}
    assert render("{calc:n * 60 + i}", lookup) == 302
    assert render("p{calc:n % 3}", lookup) == "p2"


def test_iso_ago_renders_a_utc_date() -> None:
    value = render("{iso_ago:3600}", lookup)
    assert isinstance(value, str) and value.endswith("Z") and "T" in value


def test_undefined_and_bad_expressions_raise() -> None:
    with pytest.raises(InterpolationError):
        render("{ghost}", lookup)
    with pytest.raises(InterpolationError):
        render("{task.nope}", lookup)
    with pytest.raises(InterpolationError):
        evaluate_expression("n ** 2", lookup)
    with pytest.raises(InterpolationError):
        evaluate_expression("sid + 1", lookup)
    with pytest.raises(InterpolationError):
        evaluate_expression("1 / 0", lookup)


def test_placeholders_lists_roots() -> None:
    names = placeholders('{a} {calc:i*60+b} {d.sid} {{x} {"json":1}')
    assert sorted(names) == ["a", "b", "d", "i"]
