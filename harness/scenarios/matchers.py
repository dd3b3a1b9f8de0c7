"""Value matchers for ``expect.json`` (and ``json_string`` inside it).

A matcher is a literal (JSON equality) or a mapping of one or more matcher keys, all of which
must hold. The scenario file's JSON Schema validates a matcher when a scenario loads; ``match``
applies it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.jsonpath import MISSING, parse_path

TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

MATCHER_KEYS = (
    "any",
    "type",
    "regex",
    "sid",
    "iso_date",
    "range",
    "length",
    "absent",
    "equals",
    "not_equals",
    "equals_var",
    "not_equals_var",
    "contains",
    "in_order",
    "not_contains",
    "starts_with",
    "one_of",
    "json_string",
    "not",
)


@dataclass(frozen=True)
class Mismatch:
    expected: Any
    actual: Any
    message: str


class MatchContext:
    """What matchers need from the running case: saved variables and interpolation."""

    def __init__(self, var: Callable[[str], Any], render: Callable[[Any], Any]) -> None:
        self.var = var
        self.render = render


def variables_used(spec: Any) -> list[str]:
    """Names referenced by equals_var/not_equals_var (for load-time checks)."""
    names: list[str] = []
    if isinstance(spec, dict):
        for key, arg in spec.items():
            if key in ("equals_var", "not_equals_var") and isinstance(arg, str):
                names.append(arg)
            elif key == "json_string" and isinstance(arg, dict):
                for sub in arg.values():
                    names.extend(variables_used(sub))
            elif key == "not":
                names.extend(variables_used(arg))
    return names


# ---------------------------------------------------------------------------------------------
# matching (run time)


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: booleans never equal numbers, 1 == 1.0, containers compared deeply."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if a is MISSING or b is MISSING:
        return a is b
    return type(a) is type(b) and a == b


def match(spec: Any, value: Any, ctx: MatchContext) -> Mismatch | None:
    """None when ``value`` satisfies ``spec``, else the first mismatch."""
    if not isinstance(spec, dict):
        expected = ctx.render(spec)
        if json_equal(value, expected):
            return None
        return Mismatch(expected, value, f"expected {_show(expected)}, got {_show(value)}")
    if "absent" in spec:
        if spec["absent"] and value is not MISSING:
            return Mismatch("<absent>", value, f"expected no such field, got {_show(value)}")
        if not spec["absent"] and value is MISSING:
            return Mismatch("<present>", value, "expected the field to be present")
    elif value is MISSING and set(spec) != {"not"}:
        return Mismatch(_describe(spec), MISSING, "field is missing")
    for key, arg in spec.items():
        if key == "absent":
            continue
        problem = _MATCHERS[key](arg, value, ctx)
        if problem:
            return problem
    return None


def _show(value: Any) -> str:
    if value is MISSING:
        return "<missing>"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 200 else text[:197] + "..."


def _describe(spec: Any) -> str:
    return json.dumps(spec, default=str)


def _m_any(arg: bool, value: Any, ctx: MatchContext) -> Mismatch | None:
    return None


def _m_type(arg: Any, value: Any, ctx: MatchContext) -> Mismatch | None:
    names = arg if isinstance(arg, list) else [arg]
    if any(TYPES[n](value) for n in names):
        return None
    return Mismatch({"type": arg}, value, f"expected type {'|'.join(names)}, got {_show(value)}")


def _m_regex(arg: str, value: Any, ctx: MatchContext) -> Mismatch | None:
    pattern = ctx.render(arg)
    if isinstance(value, str) and re.search(pattern, value):
        return None
    return Mismatch(
        {"regex": pattern}, value, f"expected a string matching /{pattern}/, got {_show(value)}"
    )


def _m_sid(arg: str, value: Any, ctx: MatchContext) -> Mismatch | None:
    if isinstance(value, str) and re.fullmatch(rf"{arg}[0-9a-fA-F]{{32}}", value):
        return None
    return Mismatch(
        {"sid": arg}, value, f"expected a {arg} SID ({arg} + 32 hex), got {_show(value)}"
    )


def _m_iso_date(arg: bool, value: Any, ctx: MatchContext) -> Mismatch | None:
    ok = isinstance(value, str) and bool(ISO_DATE.match(value))
    if ok == arg:
        return None
    want = "an ISO 8601 UTC date like 2014-05-14T18:50:02Z" if arg else "not an ISO date"
    return Mismatch({"iso_date": arg}, value, f"expected {want}, got {_show(value)}")


def _number(bound: Any, ctx: MatchContext) -> float:
    value = ctx.render(bound) if isinstance(bound, str) else bound
    return float(value)


def _m_range(arg: dict[str, Any], value: Any, ctx: MatchContext) -> Mismatch | None:
    low = _number(arg["min"], ctx) if "min" in arg else None
    high = _number(arg["max"], ctx) if "max" in arg else None
    expected = {"range": {k: v for k, v in (("min", low), ("max", high)) if v is not None}}
    if not TYPES["number"](value):
        return Mismatch(expected, value, f"expected a number, got {_show(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        return Mismatch(expected, value, f"expected {value} to be within {expected['range']}")
    return None


def _m_length(arg: Any, value: Any, ctx: MatchContext) -> Mismatch | None:
    if not isinstance(value, str | list | dict):
        return Mismatch(
            {"length": arg}, value, f"expected something with a length, got {_show(value)}"
        )
    size = len(value)
    if isinstance(arg, int):
        if size == arg:
            return None
        return Mismatch({"length": arg}, size, f"expected length {arg}, got {size}")
    low = _number(arg["min"], ctx) if "min" in arg else None
    high = _number(arg["max"], ctx) if "max" in arg else None
    if (low is not None and size < low) or (high is not None and size > high):
        return Mismatch({"length": arg}, size, f"expected length within {arg}, got {size}")
    return None


def _m_equals(arg: Any, value: Any, ctx: MatchContext) -> Mismatch | None:
    expected = ctx.render(arg)
    if json_equal(value, expected):
        return None
    return Mismatch(expected, value, f"expected {_show(expected)}, got {_show(value)}")


def _m_not_equals(arg: Any, value: Any, ctx: MatchContext) -> Mismatch | None:
    expected = ctx.render(arg)
    if not json_equal(value, expected):
        return None
    return Mismatch({"not_equals": expected}, value, f"expected anything but {_show(expected)}")


def _m_equals_var(arg: str, value: Any, ctx: MatchContext) -> Mismatch | None:
    expected = ctx.var(arg)
    if json_equal(value, expected):
        return None
    return Mismatch(
        expected, value, f"expected {_show(expected)} (saved as {arg}), got {_show(value)}"
    )


def _m_not_equals_var(arg: str, value: Any, ctx: MatchContext) -> Mismatch | None:
    saved = ctx.var(arg)
    if not json_equal(value, saved):
        return None
    return Mismatch(
        {"not_equals_var": arg}, value, f"expected a value different from {arg} ({_show(saved)})"
    )


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, str):
        return isinstance(item, str) and item in container
    if isinstance(container, list):
        return any(json_equal(x, item) for x in container)
    if isinstance(container, dict):
        return isinstance(item, str) and item in container
    return False


def _m_contains(arg: Any, value: Any, ctx: MatchContext) -> Mismatch | None:
    item = ctx.render(arg)
    if _contains(value, item):
        return None
    return Mismatch({"contains": item}, value, f"expected {_show(value)} to contain {_show(item)}")


def _m_not_contains(arg: Any, value: Any, ctx: MatchContext) -> Mismatch | None:
    item = ctx.render(arg)
    if not _contains(value, item):
        return None
    return Mismatch(
        {"not_contains": item}, value, f"expected {_show(value)} not to contain {_show(item)}"
    )


def _m_in_order(arg: list[Any], value: Any, ctx: MatchContext) -> Mismatch | None:
    """The list holds these items in this order (others may come between them)."""
    wanted = ctx.render(arg)
    if not isinstance(value, list):
        return Mismatch({"in_order": wanted}, value, f"expected a list, got {_show(value)}")
    position = 0
    for item in wanted:
        while position < len(value) and not json_equal(value[position], item):
            position += 1
        if position == len(value):
            return Mismatch(
                {"in_order": wanted},
                value,
                f"expected {_show(value)} to hold {_show(wanted)} in that order "
                f"({_show(item)} missing or out of order)",
            )
        position += 1
    return None


def _m_starts_with(arg: str, value: Any, ctx: MatchContext) -> Mismatch | None:
    prefix = ctx.render(arg)
    if isinstance(value, str) and value.startswith(str(prefix)):
        return None
    return Mismatch(
        {"starts_with": prefix},
        value,
        f"expected a string starting with {_show(prefix)}, got {_show(value)}",
    )


def _m_one_of(arg: list[Any], value: Any, ctx: MatchContext) -> Mismatch | None:
    options = ctx.render(arg)
    if any(json_equal(value, option) for option in options):
        return None
    return Mismatch(
        {"one_of": options}, value, f"expected one of {_show(options)}, got {_show(value)}"
    )


def _m_json_string(arg: dict[str, Any], value: Any, ctx: MatchContext) -> Mismatch | None:
    if not isinstance(value, str):
        return Mismatch({"json_string": arg}, value, f"expected a JSON string, got {_show(value)}")
    try:
        document = json.loads(value)
    except ValueError as exc:
        return Mismatch(
            {"json_string": arg}, value, f"expected a JSON string, got unparsable text ({exc})"
        )
    for path_text, sub in arg.items():
        path = parse_path(str(path_text))
        problem = match_path(path_text, sub, path.resolve(document), path.multi, ctx)
        if problem:
            return Mismatch(
                problem.expected,
                problem.actual,
                f"inside the JSON string at {path_text}: {problem.message}",
            )
    return None


def _m_not(arg: Any, value: Any, ctx: MatchContext) -> Mismatch | None:
    if match(arg, value, ctx) is None:
        return Mismatch(
            {"not": arg}, value, f"expected {_show(value)} not to match {_describe(arg)}"
        )
    return None


def match_path(
    path_text: str, spec: Any, resolved: Any, multi: bool, ctx: MatchContext
) -> Mismatch | None:
    """Apply ``spec`` to a resolved path; a ``[*]`` path must have items and all must match."""
    if not multi:
        return match(spec, resolved, ctx)
    if not resolved:
        return Mismatch(_describe(spec), [], f"no items at {path_text}")
    for index, item in enumerate(resolved):
        problem = match(spec, item, ctx)
        if problem:
            return Mismatch(problem.expected, problem.actual, f"item {index}: {problem.message}")
    return None


_MATCHERS: dict[str, Callable[[Any, Any, MatchContext], Mismatch | None]] = {
    "in_order": _m_in_order,
    "any": _m_any,
    "type": _m_type,
    "regex": _m_regex,
    "sid": _m_sid,
    "iso_date": _m_iso_date,
    "range": _m_range,
    "length": _m_length,
    "equals": _m_equals,
    "not_equals": _m_not_equals,
    "equals_var": _m_equals_var,
    "not_equals_var": _m_not_equals_var,
    "contains": _m_contains,
    "not_contains": _m_not_contains,
    "starts_with": _m_starts_with,
    "one_of": _m_one_of,
    "json_string": _m_json_string,
    "not": _m_not,
}
