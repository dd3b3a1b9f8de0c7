"""Relations: expectations that compare the current response with values saved earlier.

Each relation is a one-key mapping in ``expect.relations`` (or ``collected.relations``).
The scenario file's JSON Schema and the loader validate one at load time; ``evaluate``
applies it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harness.jsonpath import MISSING, parse_path
from harness.scenarios.matchers import Mismatch, json_equal

RELATION_KEYS = (
    "etag_changed",
    "etag_same",
    "date_advanced",
    "sorted",
    "unique",
    "disjoint",
    "set_equals",
    "subset",
)
SORT_BY = ("int", "number", "date", "string")


@dataclass(frozen=True)
class Subject:
    """What a relation looks at: the step's document and headers, and saved variables."""

    document: Any
    headers: dict[str, str]
    var: Callable[[str], Any]


def normalize_etag(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("W/"):
        text = text[2:]
    return text.strip('"')


def parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# evaluation


def evaluate(relation: dict[str, Any], subject: Subject) -> Mismatch | None:
    ((key, arg),) = relation.items()
    return _EVALUATE[key](arg, subject)


def _header(headers: dict[str, str], name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def _etag(arg: dict[str, Any], subject: Subject, same: bool) -> Mismatch | None:
    current = _header(subject.headers, "ETag")
    saved = subject.var(arg["from"])
    if current is None:
        return Mismatch(
            f"an ETag header ({'same as' if same else 'different from'} {saved})",
            None,
            "the response has no ETag header",
        )
    equal = normalize_etag(current) == normalize_etag(saved)
    if equal == same:
        return None
    if same:
        return Mismatch(
            saved, current, f"expected the ETag to stay {saved!r} ({arg['from']}), got {current!r}"
        )
    return Mismatch(
        f"not {saved}",
        current,
        f"expected the ETag to change from {saved!r} ({arg['from']}), it did not",
    )


def _date_advanced(arg: dict[str, Any], subject: Subject) -> Mismatch | None:
    current_raw = parse_path(arg["path"]).resolve(subject.document)
    saved_raw = subject.var(arg["from"])
    current, saved = parse_date(current_raw), parse_date(saved_raw)
    if current is None or saved is None:
        return Mismatch(
            f"dates at {arg['path']} and {arg['from']}",
            current_raw,
            f"cannot compare dates {current_raw!r} and {saved_raw!r}",
        )
    strict = bool(arg.get("strict"))
    if current > saved or (not strict and current == saved):
        return None
    relation = ">" if strict else ">="
    return Mismatch(
        f"{relation} {saved_raw}",
        current_raw,
        f"expected {arg['path']} {relation} {saved_raw} ({arg['from']}), got {current_raw}",
    )


def _sort_value(value: Any, by: str) -> Any:
    if by == "date":
        return parse_date(value)
    if by in ("int", "number"):
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None
    return value if isinstance(value, str) else None


def _compare(a: Any, b: Any) -> int:
    return (a > b) - (a < b)


def _sorted(arg: dict[str, Any], subject: Subject) -> Mismatch | None:
    if "keys" in arg:
        items = parse_path(arg["items"]).resolve(subject.document)
        keys = arg["keys"]
        label = arg["items"]
        if not isinstance(items, list):
            return Mismatch(f"a list at {label}", items, f"expected a list at {label}")
        rows = []
        for item in items:
            rows.append([parse_path(k["field"]).resolve(item) for k in keys])
    else:
        values = parse_path(arg["path"]).resolve(subject.document)
        if not isinstance(values, list):
            return Mismatch(f"a list at {arg['path']}", values, f"expected a list at {arg['path']}")
        keys = [{"order": arg["order"], "by": arg.get("by", "string"), "field": arg["path"]}]
        rows = [[v] for v in values]
        label = arg["path"]
    converted = []
    for index, row in enumerate(rows):
        out = []
        for key, raw in zip(keys, row, strict=True):
            value = _sort_value(raw, key.get("by", "string"))
            if value is None:
                return Mismatch(
                    f"sortable {key.get('by', 'string')} values",
                    raw,
                    f"item {index} of {label}: {key['field']} is {raw!r}, "
                    f"not a {key.get('by', 'string')}",
                )
            out.append(value)
        converted.append(out)
    for index in range(1, len(converted)):
        previous, current = converted[index - 1], converted[index]
        for key, a, b in zip(keys, previous, current, strict=True):
            order = _compare(a, b)
            if order == 0:
                continue
            if (order < 0) == (key["order"] == "asc"):
                break
            wanted = " then ".join(f"{k['field']} {k['order']}" for k in keys)
            return Mismatch(
                wanted,
                [rows[index - 1], rows[index]],
                f"{label} not sorted by {wanted}: item {index - 1} {rows[index - 1]} "
                f"comes before item {index} {rows[index]}",
            )
    return None


def _unique(arg: Any, subject: Subject) -> Mismatch | None:
    path = arg if isinstance(arg, str) else arg["path"]
    values = parse_path(path).resolve(subject.document)
    if not isinstance(values, list):
        values = [values]
    seen: list[Any] = []
    for value in values:
        if any(json_equal(value, s) for s in seen):
            return Mismatch("unique values", value, f"{path}: {value!r} appears more than once")
        seen.append(value)
    return None


def _as_list(value: Any, name: str) -> list[Any] | Mismatch:
    if value is MISSING:
        return Mismatch(f"a list at {name}", None, f"{name} is missing")
    return value if isinstance(value, list) else [value]


def _disjoint(arg: Any, subject: Subject) -> Mismatch | None:
    if isinstance(arg, dict):
        lists = {
            arg["path"]: parse_path(arg["path"]).resolve(subject.document),
            arg["var"]: subject.var(arg["var"]),
        }
    else:
        lists = {name: subject.var(name) for name in arg}
    names = list(lists)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            common = [
                v
                for v in _as_list(lists[a], a)
                if any(json_equal(v, w) for w in _as_list(lists[b], b))
            ]  # type: ignore[union-attr]
            if common:
                return Mismatch(
                    f"{a} and {b} disjoint",
                    common,
                    f"{a} and {b} share {len(common)} value(s), e.g. {common[0]!r}",
                )
    return None


def _set_equals(arg: Any, subject: Subject) -> Mismatch | None:
    if isinstance(arg, list):
        left_name, left = arg[0], subject.var(arg[0])
        pairs = [(name, subject.var(name)) for name in arg[1:]]
    else:
        left_name, left = arg["path"], parse_path(arg["path"]).resolve(subject.document)
        pairs = [(arg["var"], subject.var(arg["var"]))]
    left_list = _as_list(left, left_name)
    if isinstance(left_list, Mismatch):
        return left_list
    for name, other in pairs:
        other_list = _as_list(other, name)
        if isinstance(other_list, Mismatch):
            return other_list
        only_left = [v for v in left_list if not any(json_equal(v, w) for w in other_list)]
        only_right = [v for v in other_list if not any(json_equal(v, w) for w in left_list)]
        if only_left or only_right:
            return Mismatch(
                f"same set as {name}",
                {"only_in_" + left_name: only_left[:10], "only_in_" + name: only_right[:10]},
                f"{left_name} and {name} differ: {len(only_left)} only in {left_name}, "
                f"{len(only_right)} only in {name}",
            )
    return None


def _subset(arg: dict[str, Any], subject: Subject) -> Mismatch | None:
    if "var" in arg:
        name, values = arg["var"], subject.var(arg["var"])
    else:
        name, values = arg["path"], parse_path(arg["path"]).resolve(subject.document)
    items = _as_list(values, name)
    if isinstance(items, Mismatch):
        return items
    container = _as_list(subject.var(arg["of"]), arg["of"])
    if isinstance(container, Mismatch):
        return container
    extra = [v for v in items if not any(json_equal(v, w) for w in container)]
    if extra:
        return Mismatch(
            f"subset of {arg['of']}",
            extra[:10],
            f"{len(extra)} value(s) of {name} are not in {arg['of']}, e.g. {extra[0]!r}",
        )
    return None


_EVALUATE: dict[str, Callable[[Any, Subject], Mismatch | None]] = {
    "etag_changed": lambda arg, s: _etag(arg, s, same=False),
    "etag_same": lambda arg, s: _etag(arg, s, same=True),
    "date_advanced": _date_advanced,
    "sorted": _sorted,
    "unique": _unique,
    "disjoint": _disjoint,
    "set_equals": _set_equals,
    "subset": _subset,
}
