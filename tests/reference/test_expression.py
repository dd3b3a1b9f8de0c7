"""The TaskRouter expression language: parsing, every operator, type rules and errors."""

from __future__ import annotations

import dataclasses
import itertools
import json
import pickle
import random
import re
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.reference.expression import (
    MAX_LENGTH,
    Expression,
    ExpressionSyntaxError,
    compile_expression,
)


def ev(text: str, attrs: dict[str, Any]) -> bool:
    result = compile_expression(text).matches(attrs)
    assert type(result) is bool
    return result


# --------------------------------------------------------------------------------------------
# Operators, aliases and type rules: (expression, attributes, expected)

OPERATOR_CASES: list[tuple[str, dict[str, Any], bool]] = [
    # == and its alias =
    ("a == 1", {"a": 1}, True),
    ("a == 1", {"a": 2}, False),
    ("a == 1", {"a": 1.0}, True),
    ("a == 1.0", {"a": 1}, True),
    ("a == 1", {"a": "1"}, False),
    ("a == 1", {"a": True}, False),
    ("a == 1", {}, False),
    ("a = 1", {"a": 1}, True),
    ("a = 1", {"a": 2}, False),
    ("a = 'x'", {"a": "x"}, True),
    ('a == "x"', {"a": "x"}, True),
    ('a == "x"', {"a": "X"}, False),
    ('a == "x"', {"a": "x "}, False),
    ("a == true", {"a": True}, True),
    ("a == true", {"a": 1}, False),
    ("a == false", {"a": False}, True),
    ("a == false", {"a": 0}, False),
    ("a == false", {}, False),
    ("a == b", {"a": "x", "b": "x"}, True),
    ("a == b", {"a": 2, "b": 2.0}, True),
    ("a == b", {"a": 1, "b": True}, False),
    ("a == b", {}, True),  # null == null
    # !=
    ("a != 1", {"a": 2}, True),
    ("a != 1", {"a": 1}, False),
    ("a != 1", {"a": 1.0}, False),
    ("a != 1", {"a": "1"}, True),
    ("a != 1", {"a": True}, True),
    ("a != 1", {}, True),
    ('a != "x"', {"a": "X"}, True),
    ('a != "x"', {"a": "x"}, False),
    ("a != true", {"a": False}, True),
    ("a != true", {"a": True}, False),
    # null literal, missing keys
    ("a == null", {}, True),
    ("a == null", {"a": None}, True),
    ("a == null", {"a": 0}, False),
    ("a == null", {"a": ""}, False),
    ("a == null", {"a": False}, False),
    ("a == null", {"a": {}}, False),
    ("a != null", {}, False),
    ("a != null", {"a": None}, False),
    ("a != null", {"a": 0}, True),
    ("a != null", {"a": "x"}, True),
    ("null == a", {}, True),
    ("a IN [1, 2]", {}, False),
    ("a NOT IN [1, 2]", {}, True),
    ("a IN [null]", {}, False),
    ("a NOT IN [null]", {"a": None}, True),
    # > < >= <=
    ("a > 5", {"a": 6}, True),
    ("a > 5", {"a": 5}, False),
    ("a > 5", {"a": 5.5}, True),
    ("a > 5", {"a": "6"}, False),
    ("a > 5", {"a": True}, False),
    ("a > 5", {}, False),
    ("a > 5", {"a": None}, False),
    ("a < 5", {"a": 4}, True),
    ("a < 5", {"a": 5}, False),
    ("a < 5", {"a": "4"}, False),
    ("a >= 5.1", {"a": 5.1}, True),
    ("a >= 5.1", {"a": 6}, True),
    ("a >= 5.1", {"a": 5}, False),
    ("a <= -2", {"a": -2}, True),
    ("a <= -2", {"a": -2.5}, True),
    ("a <= -2", {"a": -1}, False),
    ('a > "b"', {"a": "c"}, True),
    ('a > "b"', {"a": "a"}, False),
    ('a > "b"', {"a": "B"}, False),  # case-sensitive, code point order
    ('a < "b"', {"a": "B"}, True),
    ('a >= "abc"', {"a": "abc"}, True),
    ('a <= "abc"', {"a": "abd"}, False),
    ('a > "1"', {"a": 2}, False),
    ("a > true", {"a": True}, False),  # booleans are not ordered
    ("a >= true", {"a": True}, False),
    ("a <= false", {"a": False}, False),
    ("a >= null", {}, False),
    ("a <= null", {"a": None}, False),
    ("a > b", {"a": 2, "b": 1}, True),
    ("a > b", {"a": 2, "b": "1"}, False),
    ("5 > a", {"a": 4}, True),  # constant on the left
    ("5 > a", {"a": 6}, False),
    ("5 <= a", {"a": 5}, True),
    ('"b" > a', {"a": "a"}, True),
    # CONTAINS (substring)
    ('a CONTAINS "ell"', {"a": "hello"}, True),
    ('a CONTAINS "ell"', {"a": "HELLO"}, False),
    ('a CONTAINS "ell"', {"a": ["ell"]}, False),
    ('a CONTAINS "ell"', {"a": 5}, False),
    ('a CONTAINS "ell"', {}, False),
    ('a CONTAINS ""', {"a": "x"}, True),
    ("a CONTAINS 1", {"a": "1"}, False),
    ('"hello" CONTAINS a', {"a": "ell"}, True),
    ('"hello" CONTAINS a', {"a": "xyz"}, False),
    ("a CONTAINS b", {"a": "support-tier", "b": "tier"}, True),
    # HAS and its alias >-
    ('skills HAS "support"', {"skills": ["support", "sales"]}, True),
    ('skills HAS "support"', {"skills": ["sales"]}, False),
    ('skills HAS "support"', {"skills": []}, False),
    ('skills HAS "support"', {"skills": "support"}, False),  # two scalars
    ('skills HAS "support"', {}, False),
    ('skills HAS "Support"', {"skills": ["support"]}, False),
    ('skills >- "support"', {"skills": ["support"]}, True),
    ('skills >- "support"', {"skills": ["sales"]}, False),
    ("skills>-'support'", {"skills": ["support"]}, True),
    ("n HAS 1", {"n": [1.0]}, True),
    ("n HAS 1", {"n": [True]}, False),
    ("n HAS 2.5", {"n": [2.5, 3]}, True),
    ("b HAS true", {"b": [1]}, False),
    ("b HAS true", {"b": [True]}, True),
    ("x HAS null", {"x": [None]}, True),
    ("x HAS null", {"x": [0]}, False),
    ("x HAS [1]", {"x": [[1]]}, False),  # right side must be a scalar
    ('x HAS "a"', {"x": {"a": 1}}, False),  # objects are not arrays
    ("x HAS y", {"x": [{"k": 1}], "y": {"k": 1}}, True),
    ("[1, 2] HAS a", {"a": 2}, True),
    # IN and its alias <-
    ('a IN ["en", "fr"]', {"a": "en"}, True),
    ('a IN ["en", "fr"]', {"a": "de"}, False),
    ('a IN ["en", "fr"]', {"a": "EN"}, False),
    ('a IN ["en", "fr"]', {}, False),
    ('a IN ["en", "fr"]', {"a": ["en"]}, False),  # left array
    ('a IN ["en", "fr"]', {"a": {"en": 1}}, False),  # left object
    ('a <- ["en", "fr"]', {"a": "fr"}, True),
    ('a <- ["en", "fr"]', {"a": "de"}, False),
    ("a IN [1, 2]", {"a": 1.0}, True),
    ("a IN [1, 2]", {"a": True}, False),
    ("a IN [1.5]", {"a": 1.5}, True),
    ("a IN [true]", {"a": 1}, False),
    ("a IN [true]", {"a": True}, True),
    ("a IN [false, null]", {"a": False}, True),
    ("a IN []", {"a": "x"}, False),
    ('a IN "en"', {"a": "en"}, False),  # array operator on two scalars
    ("a IN b", {"a": "x", "b": ["x", "y"]}, True),
    ("a IN b", {"a": "z", "b": ["x", "y"]}, False),
    ("a IN b", {"a": "x", "b": "x"}, False),
    ('"x" IN b', {"b": ["x"]}, True),
    ("1 IN [1, 2]", {}, True),
    # NOT IN
    ('a NOT IN ["en", "fr"]', {"a": "de"}, True),
    ('a NOT IN ["en", "fr"]', {"a": "en"}, False),
    ('a NOT IN ["en", "fr"]', {"a": ["de"]}, False),  # left array
    ('a NOT IN ["en", "fr"]', {"a": {}}, False),  # left object
    ("a NOT IN []", {"a": "x"}, True),
    ('a NOT IN "en"', {"a": "de"}, False),  # array operator on two scalars
    ("a NOT IN [1]", {"a": True}, True),
    ("a NOT IN [1]", {"a": 1.0}, False),
    ("a NOT IN b", {"a": "z", "b": ["x"]}, True),
    ("a NOT IN b", {"a": "z"}, False),  # right side null, not a list
    # a scalar operator applied to an array gives false (even !=)
    ("a == 1", {"a": [1]}, False),
    ("a != 1", {"a": [1]}, False),
    ("a != 2", {"a": [1]}, False),
    ("a > 0", {"a": [1]}, False),
    ("a <= 5", {"a": [1]}, False),
    ("a == [1]", {"a": [1]}, False),
    ("a != [1]", {"a": [2]}, False),
    ("a == b", {"a": [1], "b": [1]}, False),
    ("a != b", {"a": [1], "b": [2]}, False),
    ("[1] == [1]", {}, False),
    ("[] != 1", {}, False),
    # objects compare equal only to structurally equal objects
    ("a == b", {"a": {"x": 1}, "b": {"x": 1}}, True),
    ("a == b", {"a": {"x": 1}, "b": {"x": 1.0}}, True),
    ("a == b", {"a": {"x": 1}, "b": {"x": True}}, False),
    ("a == b", {"a": {"x": 1}, "b": {"x": 2}}, False),
    ("a == b", {"a": {"x": 1}, "b": {"x": 1, "y": 2}}, False),
    ("a == b", {"a": {"x": [1, {"y": None}]}, "b": {"x": [1, {"y": None}]}}, True),
    ("a == b", {"a": {"x": [1, 2]}, "b": {"x": [2, 1]}}, False),
    ("a != b", {"a": {"x": 1}, "b": {"x": 2}}, True),
    ("a != b", {"a": {"x": 1}, "b": {"x": 1}}, False),
    ('a == "x"', {"a": {"x": 1}}, False),
    ('a != "x"', {"a": {}}, True),
    ("a > 1", {"a": {}}, False),
]


@pytest.mark.parametrize(("text", "attrs", "expected"), OPERATOR_CASES)
def test_operator(text: str, attrs: dict[str, Any], expected: bool) -> None:
    assert ev(text, attrs) is expected


# --------------------------------------------------------------------------------------------
# Keys: nesting, indexes, task./worker. prefixes

NESTED = {
    "a": {"b": {"c": 1}, "list": [{"name": "w"}, {"name": "x"}, {"name": "y"}], "s": "str"},
    "m": [[], ["z", "q"], 7],
    "skills": ["support"],
}

KEY_CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("a.b.c == 1", NESTED, True),
    ("a.b.c == 2", NESTED, False),
    ("a.b == 1", {"a": {"b": 1}}, True),
    ("a.b.c == null", {"a": {"b": 1}}, True),  # name step into a number
    ("a.b.c == null", {"a": [1]}, True),  # name step into an array
    ("a.s.x == null", NESTED, True),  # name step into a string
    ('a.list[2].name == "y"', NESTED, True),
    ('a.list[0].name == "w"', NESTED, True),
    ('a.list[1].name == "y"', NESTED, False),
    ("a.list[3].name == null", NESTED, True),  # out of range
    ("a.list[99999999999999999999] == null", NESTED, True),
    ("a.b[0] == null", NESTED, True),  # index into an object
    ("m[0] == null", NESTED, False),  # m[0] is [], an array: a scalar operator gives false
    ('m[1][0] == "z"', NESTED, True),
    ('m[1][1] == "q"', NESTED, True),
    ("m[2] == 7", NESTED, True),
    ("m[2][0] == null", NESTED, True),  # index into a number
    ("m[0] HAS 1", NESTED, False),
    ('m[1] HAS "q"', NESTED, True),
    ("x[0] == 1", {"x": {"0": 1}}, False),  # [0] is an index, not the key "0"
    ("A == 1", {"a": 1}, False),  # keys are case-sensitive
    ("_private == 1", {"_private": 1}, True),
    ("a1_b2 == 1", {"a1_b2": 1}, True),
    ("android == 1", {"android": 1}, True),  # keyword prefixes are not keywords
    ("index == 1", {"index": 1}, True),
    ("nullable == true", {"nullable": True}, True),
    ("task.in == 1", {"task": {"in": 1}}, True),  # keywords fine after a dot
    ('task.language == "en"', {"task": {"language": "en"}}, True),
    (
        "task.language == worker.language",
        {"task": {"language": "en"}, "worker": {"language": "en"}},
        True,
    ),
    (
        "task.language == worker.language",
        {"task": {"language": "en"}, "worker": {"language": "fr"}},
        False,
    ),
    (
        "worker.languages HAS task.language",
        {"task": {"language": "en"}, "worker": {"languages": ["en"]}},
        True,
    ),
    (
        "task.language IN worker.languages",
        {"task": {"language": "en"}, "worker": {"languages": ["fr"]}},
        False,
    ),
    (
        "worker.skill_level >= task.required",
        {"task": {"required": 3}, "worker": {"skill_level": 4}},
        True,
    ),
    ('taskrouter.dayOfWeek = "Sat"', {"taskrouter": {"dayOfWeek": "Sat"}}, True),
]


@pytest.mark.parametrize(("text", "attrs", "expected"), KEY_CASES)
def test_keys(text: str, attrs: dict[str, Any], expected: bool) -> None:
    assert ev(text, attrs) is expected


# --------------------------------------------------------------------------------------------
# Literals: quotes, escapes, numbers, booleans, null, lists


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a == 'single'", "single"),
        ('a == "double"', "double"),
        ('a == ""', ""),
        ("a == ''", ""),
        (r'a == "say \"hi\""', 'say "hi"'),
        (r"a == 'it\'s'", "it's"),
        ('a == "it\'s"', "it's"),
        ("a == 'say \"hi\"'", 'say "hi"'),
        (r'a == "back\\slash"', "back\\slash"),
        (r'a == "\n"', "n"),  # no escapes other than "next character is literal"
        ('a == "en-US"', "en-US"),  # hyphens are fine inside strings
        ('a == "AND OR == ( ) [ ]"', "AND OR == ( ) [ ]"),
        ('a == "café ✓"', "café ✓"),
        ("a == 1", 1),
        ("a == 0", 0),
        ("a == -3", -3),
        ("a == 3.25", 3.25),
        ("a == -0.5", -0.5),
        ("a == 3.141529", 3.141529),
        ("a == 12345678901234567890", 12345678901234567890),
        ("a == true", True),
        ("a == false", False),
        ("a == null", None),
    ],
)
def test_literal_values(text: str, value: Any) -> None:
    assert ev(text, {"a": value}) is True
    if value is not None:
        assert ev(text, {"a": [value]}) is False


@pytest.mark.parametrize(
    ("text", "attrs", "expected"),
    [
        ("a > -1", {"a": 0}, True),
        ("a > -1", {"a": -2}, False),
        ("a >= -1.5", {"a": -1.5}, True),
        ("a < 0.001", {"a": 0}, True),
        ("-1 < a", {"a": 0}, True),
        ("a IN [-1, 2.5, 'x', \"y\", true, false, null]", {"a": "y"}, True),
        ("a IN [-1, 2.5, 'x', \"y\", true, false, null]", {"a": 2.5}, True),
        ("a IN [-1, 2.5, 'x', \"y\", true, false, null]", {"a": -1}, True),
        ("a IN [-1, 2.5, 'x', \"y\", true, false, null]", {"a": False}, True),
        ("a IN [-1, 2.5, 'x', \"y\", true, false, null]", {"a": 0}, False),
        ("a IN [ ]", {"a": 0}, False),
        ("a IN['x','y']", {"a": "y"}, True),
        ("a NOT IN [ ]", {"a": None}, True),
    ],
)
def test_numbers_and_lists(text: str, attrs: dict[str, Any], expected: bool) -> None:
    assert ev(text, attrs) is expected


def test_operator_lexing_is_greedy() -> None:
    # "<-" and ">-" are operators, so "a<-1" is "a IN 1" (false) and "a>-1" is "a HAS 1".
    assert ev("a<-1", {"a": -5}) is False
    assert ev("a < -1", {"a": -5}) is True
    assert ev("a>-1", {"a": [1]}) is True
    assert ev("a > -1", {"a": 0}) is True


# --------------------------------------------------------------------------------------------
# Logic: precedence, associativity, parentheses, case-insensitive keywords

BITS = list(itertools.product([0, 1], repeat=3))


@pytest.mark.parametrize(("a", "b", "c"), BITS)
def test_and_binds_tighter_than_or(a: int, b: int, c: int) -> None:
    attrs = {"a": a, "b": b, "c": c}
    assert ev("a == 1 OR b == 1 AND c == 1", attrs) is bool(a or (b and c))
    assert ev("a == 1 AND b == 1 OR c == 1", attrs) is bool((a and b) or c)
    assert ev("a == 1 OR (b == 1 AND c == 1)", attrs) is bool(a or (b and c))


@pytest.mark.parametrize(("a", "b", "c"), BITS)
def test_parentheses_override_precedence(a: int, b: int, c: int) -> None:
    attrs = {"a": a, "b": b, "c": c}
    assert ev("(a == 1 OR b == 1) AND c == 1", attrs) is bool((a or b) and c)
    assert ev("a == 1 AND (b == 1 OR c == 1)", attrs) is bool(a and (b or c))
    assert ev("((a == 1) AND ((b == 1)))", attrs) is bool(a and b)
    assert ev("a == 1 AND b == 1 AND c == 1", attrs) is bool(a and b and c)
    assert ev("a == 1 OR b == 1 OR c == 1", attrs) is bool(a or b or c)
    assert ev("(a == 1 OR b == 1) AND (a == 0 OR c == 1)", attrs) is bool((a or b) and (not a or c))


def test_precedence_witness() -> None:
    # a true, c false: "a OR (b AND c)" is true, "(a OR b) AND c" would be false.
    attrs = {"a": 1, "b": 1, "c": 0}
    assert ev("a == 1 OR b == 1 AND c == 1", attrs) is True
    assert ev("(a == 1 OR b == 1) AND c == 1", attrs) is False


@pytest.mark.parametrize(
    ("text", "attrs", "expected"),
    [
        ("a == 1 and b == 2", {"a": 1, "b": 2}, True),
        ("a == 1 And b == 2", {"a": 1, "b": 3}, False),
        ("a == 1 or b == 2", {"a": 0, "b": 2}, True),
        ("a == 1 oR b == 2", {"a": 0, "b": 0}, False),
        ('x has "y"', {"x": ["y"]}, True),
        ('x Has "y"', {"x": ["z"]}, False),
        ('x contains "y"', {"x": "xyz"}, True),
        ('x Contains "y"', {"x": "xz"}, False),
        ("a in [1]", {"a": 1}, True),
        ("a In [1]", {"a": 2}, False),
        ("a not in [1]", {"a": 2}, True),
        ("a Not In [1]", {"a": 1}, False),
        ("a NOT\n  IN [1]", {"a": 2}, True),
        ("a == TRUE", {"a": True}, True),
        ("a == True", {"a": True}, True),
        ("a == FALSE", {"a": False}, True),
        ("a == NULL", {}, True),
        ("a == Null", {"a": 0}, False),
    ],
)
def test_keywords_are_case_insensitive(text: str, attrs: dict[str, Any], expected: bool) -> None:
    assert ev(text, attrs) is expected


def test_whitespace_is_flexible() -> None:
    assert ev("a==1AND(b>=2)", {"a": 1, "b": 2}) is True
    assert ev("\n\ta  ==\r\n 1\t", {"a": 1}) is True


# --------------------------------------------------------------------------------------------
# The documentation's examples

DOC_ATTRS = [
    ({"language": "en", "skill_rating": 5.1}, True),
    ({"language": "fr", "skill_rating": 7}, True),
    ({"language": "fr", "skill_rating": 5}, False),
    ({"language": "de", "skill_rating": 9}, False),
    ({"language": "en"}, False),
    ({"language": "EN", "skill_rating": 9}, False),
    ({"language": ["en"], "skill_rating": 9}, False),
    ({"language": "en", "skill_rating": "9"}, False),
]


@pytest.mark.parametrize(("attrs", "expected"), DOC_ATTRS)
def test_doc_example_language_rating(attrs: dict[str, Any], expected: bool) -> None:
    text = '(language == "en" OR language == "fr") AND skill_rating >= 5.1'
    assert ev(text, attrs) is expected


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"skills": ["support", "sales"], "languages": ["english", "french"]}, True),
        ({"skills": ["support"], "languages": ["french"]}, False),
        ({"skills": ["sales"], "languages": ["english"]}, False),
        ({"skills": "support", "languages": "english"}, False),
        ({}, False),
    ],
)
def test_doc_example_has(attrs: dict[str, Any], expected: bool) -> None:
    assert ev("(skills HAS 'support') AND (languages HAS 'english')", attrs) is expected


@pytest.mark.parametrize(
    ("text", "attrs", "expected"),
    [
        ('type == "support"', {"type": "support"}, True),
        ('type == "support"', {"type": "sales"}, False),
        ('type == "support"', {}, False),
        ("1 == 1", {}, True),
        ("1 == 1", {"anything": [1, 2]}, True),
        ("1 == 2", {}, False),
        ('"apple" != "orange"', {}, True),
        ('"apple" != "apple"', {}, False),
        ("key > 1", {"key": 2}, True),
        ("preferred_agent != null", {"preferred_agent": "WK1"}, True),
        ("preferred_agent != null", {}, False),
        # The workflow docs' idiom: a null comparison tests presence, for arrays too.
        ("preferred_agents != null", {"preferred_agents": ["WK1"]}, True),
        ("preferred_agents != null", {}, False),
        ("preferred_agents == null", {"preferred_agents": ["WK1"]}, False),
        (
            "worker.id IN task.preferred_agents",
            {"worker": {"id": "WK1"}, "task": {"preferred_agents": ["WK1"]}},
            True,
        ),
        (
            "taskrouter.currentTime > 0800 AND taskrouter.currentTime < 1830",
            {"taskrouter": {"currentTime": 930}},
            True,
        ),
        (
            "taskrouter.currentTime > 0800 AND taskrouter.currentTime < 1830",
            {"taskrouter": {"currentTime": 1900}},
            False,
        ),
        ('object.param != "apple"', {"object": {"param": "pear"}}, True),
        ("(condition_a == true) OR (condition_b == true)", {"condition_b": True}, True),
        ("0 != 1", {}, True),
        ("a == 1.00", {"a": 1}, True),
        (
            'worker.activity_name in ["Available", "Idle"]',
            {"worker": {"activity_name": "Idle"}},
            True,
        ),
        ("1 == 1 OR a == 1", {}, True),
        ("1 == 2 AND a == 1", {"a": 1}, False),
        ("1 == 1 AND a == 1", {"a": 1}, True),
        ("1 == 1 AND a == 1", {"a": 2}, False),
        ("1 == 2 OR a == 1", {"a": 1}, True),
    ],
)
def test_doc_examples_and_constant_comparisons(
    text: str, attrs: dict[str, Any], expected: bool
) -> None:
    assert ev(text, attrs) is expected


# --------------------------------------------------------------------------------------------
# Syntax errors and positions

SYNTAX_ERRORS: list[tuple[str, int, str]] = [
    ("skill-rating == 1", 6, "unexpected '-'"),
    ("a == 1 AND skill-level > 3", 17, "unexpected '-'"),
    ("task.skill-level > 3", 11, "unexpected '-'"),
    ("a-1 == 3", 2, "unexpected '-1'"),
    ("a == b-c", 7, "unexpected '-'"),
    ("(a == 1", 8, "unexpected end of expression"),
    ("((a == 1) OR b == 2", 20, "unexpected end of expression"),
    ("a == 1)", 7, "unexpected ')'"),
    ("()", 2, "unexpected ')'"),
    ("a ==", 5, "unexpected end of expression"),
    ("a == ", 6, "unexpected end of expression"),
    ("a == 1 AND", 11, "unexpected end of expression"),
    ("a == 1 OR OR b == 1", 11, "unexpected 'OR'"),
    ("AND a == 1", 1, "unexpected 'AND'"),
    ("== 1", 1, "unexpected '=='"),
    ("language", 9, "unexpected end of expression"),
    ("task.language", 14, "unexpected end of expression"),
    ('"x"', 4, "unexpected end of expression"),
    ("1", 2, "unexpected end of expression"),
    ("true", 5, "unexpected end of expression"),
    ("a == 1 AND b", 13, "unexpected end of expression"),
    ("(a)", 3, "unexpected ')'"),
    ("", 1, "empty expression"),
    ("   ", 1, "empty expression"),
    ("\n\t", 1, "empty expression"),
    ("a === 1", 5, "unexpected '='"),
    ("a !== 1", 5, "unexpected '='"),
    ("a == == 1", 6, "unexpected '=='"),
    ("a ~ 1", 3, "unexpected '~'"),
    ("a == 1 && b == 2", 8, "unexpected '&'"),
    ("a <> 1", 4, "unexpected '>'"),
    ('a == "abc', 6, "unexpected '\"'"),
    ("a == 'abc", 6, 'unexpected "\'"'),
    ('a == "abc\\"', 6, "unexpected '\"'"),
    ("a NOT 1", 7, "unexpected '1'"),
    ("NOT a == 1", 1, "unexpected 'NOT'"),
    ("a NOT == 1", 7, "unexpected '=='"),
    ("a IN [1, b]", 10, "unexpected 'b'"),
    ("a IN [1,]", 9, "unexpected ']'"),
    ("a IN [[1]]", 7, "unexpected '['"),
    ("a IN [1", 8, "unexpected end of expression"),
    ("a == 1 b == 2", 8, "unexpected 'b'"),
    ("a.b. == 1", 4, "unexpected '.'"),
    ("a . b == 1", 3, "unexpected '.'"),
    ("a[-1] == 1", 2, "unexpected '['"),
    ("a[x] == 1", 2, "unexpected '['"),
    ("1a == 1", 2, "unexpected 'a'"),
    ("in == 1", 1, "unexpected 'in'"),
    ("a == 1e5", 7, "unexpected 'e5'"),
    ("a == .5", 6, "unexpected '.'"),
    ("a == +1", 6, "unexpected '+'"),
    ("a == 1.", 7, "unexpected '.'"),
    ("café == 1", 4, "unexpected 'é'"),
    ("a == 1\nAND b-c == 2", 13, "unexpected '-'"),
    ("a\u00a0== 1", 2, "unexpected '\\xa0'"),
]


@pytest.mark.parametrize(("text", "position", "reason"), SYNTAX_ERRORS)
def test_syntax_error_position(text: str, position: int, reason: str) -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        compile_expression(text)
    err = info.value
    assert err.position == position
    assert err.reason == reason
    assert err.expression == text
    assert str(err) == f"Invalid EvaluateTaskAttributes expression at position {position}: {reason}"


def test_syntax_error_is_a_value_error_and_pickles() -> None:
    message = "Invalid EvaluateTaskAttributes expression at position 6: unexpected '-'"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        compile_expression("skill-rating == 1")
    err = ExpressionSyntaxError("a ==", 5, "unexpected end of expression")
    clone = pickle.loads(pickle.dumps(err))
    assert (clone.expression, clone.position, clone.reason, str(clone)) == (
        err.expression,
        err.position,
        err.reason,
        str(err),
    )


def test_length_limit() -> None:
    ok = "a == " + "1" * (MAX_LENGTH - 5)
    assert len(ok) == MAX_LENGTH
    assert compile_expression(ok).matches({"a": int("1" * (MAX_LENGTH - 5))}) is True
    with pytest.raises(ExpressionSyntaxError) as info:
        compile_expression(ok + "1")
    assert info.value.position == MAX_LENGTH + 1
    assert "longer than 4096" in info.value.reason


def test_long_flat_chains_and_deep_grouping_are_fine() -> None:
    chain = " AND ".join(["a == 1"] * 300)
    assert compile_expression(chain).matches({"a": 1}) is True
    assert compile_expression(chain).matches({"a": 2}) is False
    ors = " OR ".join(f"a == {i}" for i in range(300))
    assert len(ors) <= MAX_LENGTH
    assert compile_expression(ors).matches({"a": 299}) is True
    assert compile_expression(ors).matches({"a": 300}) is False
    grouped = "(" * 2000 + "a == 1" + ")" * 2000
    assert compile_expression(grouped).matches({"a": 1}) is True


def test_alternating_nesting_depth_limit() -> None:
    def nest(levels: int) -> str:
        text = "a == 1"
        for i in range(levels):
            text = f"(a == 1 {'AND' if i % 2 else 'OR'} {text})"
        return text

    assert compile_expression(nest(60)).matches({"a": 1}) is True
    assert compile_expression(nest(60)).matches({"a": 2}) is False
    with pytest.raises(ExpressionSyntaxError) as info:
        compile_expression(nest(150))
    assert "nested too deeply" in info.value.reason
    assert 1 <= info.value.position <= len(nest(150))


@pytest.mark.parametrize("bad", [None, 1, b"a == 1", ["a == 1"]])
def test_non_string_input(bad: Any) -> None:
    with pytest.raises(ExpressionSyntaxError):
        compile_expression(bad)


# --------------------------------------------------------------------------------------------
# The Expression object


def test_expression_object() -> None:
    text = "(task.languages HAS 'en' OR a.list[2].name == 1) AND b != null AND 1 == 1"
    expr = compile_expression(text)
    assert isinstance(expr, Expression)
    assert expr.text == text
    assert expr.keys == {"task.languages", "a.list[2].name", "b"}
    assert expr.roots == {"task", "a", "b"}
    assert compile_expression(text) is expr  # cached
    assert compile_expression("1 == 1").keys == frozenset()
    with pytest.raises(dataclasses.FrozenInstanceError):
        expr.text = "x"  # type: ignore[misc]


def test_matches_accepts_any_mapping() -> None:
    expr = compile_expression("a == 1")
    assert expr.matches(MappingProxyType({"a": 1})) is True
    assert expr.matches({"a": 1}) is True
    assert compile_expression("a == null").matches([("a", 1)]) is True  # type: ignore[arg-type]
    nested = {"a": MappingProxyType({"b": (1, 2)})}
    assert compile_expression("a.b[1] == 2").matches(nested) is True
    assert compile_expression("a.b HAS 1").matches(nested) is True


def test_matches_tolerates_odd_json() -> None:
    attrs = json.loads('{"a": NaN, "b": Infinity, "c": -Infinity, "d": [NaN]}')
    assert ev("a == a", attrs) is False
    assert ev("a != 1", attrs) is True
    assert ev("a > 1", attrs) is False
    assert ev("b > 12345678901234567890", attrs) is True
    assert ev("c < -1", attrs) is True
    assert ev("d HAS 1", attrs) is False
    deep: Any = 1
    for _ in range(500):
        deep = {"x": [deep]}
    assert ev("a == b", {"a": deep, "b": deep}) is True
    assert ev("a == b", {"a": deep, "b": {"x": [0]}}) is False


# --------------------------------------------------------------------------------------------
# Property tests

KEYS = ["a", "b", "skills", "language", "task", "x"]
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=12,
)
json_objects = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), json_values, max_size=6)

TOKENS = [
    "a",
    "b",
    "x.y",
    "task.skills",
    "a[0]",
    "m[1].n",
    "in",
    "IN",
    "NOT",
    "not in",
    "HAS",
    "has",
    "CONTAINS",
    "AND",
    "and",
    "OR",
    "or",
    "==",
    "=",
    "!=",
    ">",
    "<",
    ">=",
    "<=",
    ">-",
    "<-",
    "(",
    ")",
    "[",
    "]",
    ",",
    "'s'",
    '"d"',
    "'it\\'s'",
    "1",
    "-2",
    "3.5",
    "-0.25",
    "true",
    "FALSE",
    "null",
    "-",
    ".",
    '"',
    "'",
    "\\",
    "===",
    "~",
    " ",
    "\n",
]

token_soup = st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join) | st.lists(
    st.sampled_from(TOKENS), max_size=14
).map("".join)


def _check_compile(text: str) -> Expression | None:
    try:
        expr = compile_expression(text)
    except ExpressionSyntaxError as err:
        assert err.expression == text
        assert 1 <= err.position <= len(text) + 1
        assert str(err).startswith(
            f"Invalid EvaluateTaskAttributes expression at position {err.position}: "
        )
        return None
    assert isinstance(expr, Expression)
    assert expr.text == text
    return expr


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_property_arbitrary_text_compiles_or_raises_syntax_error(text: str) -> None:
    _check_compile(text)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(token_soup, st.lists(json_objects, max_size=3))
def test_property_token_soup(text: str, objects: list[dict[str, Any]]) -> None:
    expr = _check_compile(text)
    if expr is not None:
        for obj in objects:
            assert type(expr.matches(obj)) is bool


# Valid expressions built from the grammar, evaluated against arbitrary JSON objects.


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)


literal_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-1000, max_value=1000)
    | st.floats(min_value=-1000, max_value=1000, allow_nan=False).filter(
        lambda f: re.fullmatch(r"-?[0-9]+\.[0-9]+", repr(f)) is not None
    )
    | st.text(alphabet="abcAB -_'\"\\", max_size=5)
)
literal_values = literal_scalars | st.lists(literal_scalars, max_size=4)
key_paths = st.sampled_from(
    ["a", "b", "x", "skills", "task.language", "a.b", "x[0]", "a.list[1].n"]
)
OPS = ["==", "=", "!=", ">", "<", ">=", "<=", "CONTAINS", "HAS", ">-", "IN", "<-", "NOT IN"]
operands = key_paths | literal_values.map(_literal)
comparisons = st.builds(
    lambda lhs, op, rhs: f"{lhs} {op} {rhs}", operands, st.sampled_from(OPS), operands
)
expressions = st.recursive(
    comparisons,
    lambda inner: st.builds(
        lambda lhs, op, rhs: f"({lhs}) {op} ({rhs})" if op == "AND" else f"{lhs} {op} {rhs}",
        inner,
        st.sampled_from(["AND", "OR"]),
        inner,
    ),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions, st.lists(json_objects, min_size=1, max_size=4))
def test_property_valid_expressions_always_return_bool(text: str, objects: list[dict]) -> None:
    expr = compile_expression(text)
    for obj in objects:
        assert type(expr.matches(obj)) is bool


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(OPS), literal_values, json_values)
def test_property_constant_fast_paths_agree_with_generic(op: str, const: Any, value: Any) -> None:
    # "k OP <literal>" uses specialised closures; "k OP c" with c in the attributes does not.
    attrs = {"k": value, "c": const}
    fast = compile_expression(f"k {op} {_literal(const)}").matches(attrs)
    generic = compile_expression(f"k {op} c").matches(attrs)
    assert fast is generic
    fast_left = compile_expression(f"{_literal(const)} {op} k").matches(attrs)
    generic_left = compile_expression(f"c {op} k").matches(attrs)
    assert fast_left is generic_left


@settings(max_examples=200, deadline=None)
@given(literal_scalars, literal_scalars)
def test_property_equality_rules(x: Any, y: Any) -> None:
    attrs = {"x": x, "y": y}
    eq = ev("x == y", attrs)
    ne = ev("x != y", attrs)
    assert eq is not ne  # for scalars, != is exactly "not =="
    same_kind = type(x) is type(y) or (
        isinstance(x, int | float)
        and isinstance(y, int | float)
        and not isinstance(x, bool)
        and not isinstance(y, bool)
    )
    assert eq is (same_kind and (x is None or x == y))
    if eq and x is not None and not isinstance(x, bool):
        assert ev("x >= y", attrs) and ev("x <= y", attrs)


# --------------------------------------------------------------------------------------------
# One expression against 25,000 attribute dicts (a full list request); no timing assertions.


def test_many_tasks_count() -> None:
    rnd = random.Random(20260921)
    languages = ["en", "fr", "de", "es", "EN"]
    ratings: list[Any] = [1, 5, 5.1, 5.0, 7, 9.5, None, "9", True, [6]]
    tasks = []
    for _ in range(25_000):
        attrs: dict[str, Any] = {"type": "support", "n": rnd.random()}
        if rnd.random() < 0.95:
            attrs["language"] = rnd.choice(languages)
        if rnd.random() < 0.9:
            attrs["skill_rating"] = rnd.choice(ratings)
        tasks.append(attrs)

    def oracle(attrs: dict[str, Any]) -> bool:
        rating = attrs.get("skill_rating")
        numeric = isinstance(rating, int | float) and not isinstance(rating, bool)
        return attrs.get("language") in ("en", "fr") and numeric and rating >= 5.1

    expected = sum(1 for attrs in tasks if oracle(attrs))
    assert 0 < expected < len(tasks)
    expr = compile_expression('(language == "en" OR language == "fr") AND skill_rating >= 5.1')
    assert sum(1 for attrs in tasks if expr.matches(attrs)) == expected
