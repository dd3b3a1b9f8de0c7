"""Relations: expectations that compare the current response with values saved earlier.

Each relation is a one-key mapping in ``expect.relations`` (or ``collected.relations``).
``check_relation`` validates one at load time; ``evaluate`` applies it.
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
# load-time validation


def check_relation(relation: Any) -> tuple[list[tuple[str, str]], list[str]]:
    """``(problems, variables used)`` for one relation mapping."""
    if not isinstance(relation, dict) or len(relation) != 1:
        return [
            ("", f"a relation is a mapping with exactly one of: {', '.join(RELATION_KEYS)}")
        ], []
    ((key, arg),) = relation.items()
    if key not in RELATION_KEYS:
        return [(str(key), f"unknown relation {key!r} (known: {', '.join(RELATION_KEYS)})")], []
    return _CHECKS[key](arg)


def _paths(*texts: Any) -> list[tuple[str, str]]:
    problems = []
    for text in texts:
        try:
            parse_path(str(text))
        except ValueError as exc:
            problems.append((f".{text}", str(exc)))
    return problems


def _mapping(arg: Any, required: set[str], optional: set[str]) -> list[tuple[str, str]]:
    if not isinstance(arg, dict):
        return [("", f"takes a mapping with {', '.join(sorted(required))}")]
    missing = required - set(arg)
    extra = set(arg) - required - optional
    problems = [(f".{k}", "missing") for k in sorted(missing)]
    problems += [
        (f".{k}", f"unknown key (allowed: {', '.join(sorted(required | optional))})")
        for k in sorted(extra)
    ]
    return problems


def _check_etag(arg: Any) -> tuple[list[tuple[str, str]], list[str]]:
    problems = _mapping(arg, {"from"}, set())
    return problems, [arg["from"]] if not problems else []


def _check_date(arg: Any) -> tuple[list[tuple[str, str]], list[str]]:
    problems = _mapping(arg, {"path", "from"}, {"strict"})
    if problems:
        return problems, []
    if "strict" in arg and not isinstance(arg["strict"], bool):
        problems.append((".strict", "true or false"))
    return problems + _paths(arg["path"]), [arg["from"]]


def _check_sort_key(key: Any, where: str) -> list[tuple[str, str]]:
    problems = _mapping(key, {"order"}, {"by", "field", "path"})
    if problems:
        return [(where + s, m) for s, m in problems]
    if key["order"] not in ("asc", "desc"):
        problems.append((f"{where}.order", "asc or desc"))
    if key.get("by", "string") not in SORT_BY:
        problems.append((f"{where}.by", f"one of {', '.join(SORT_BY)}"))
    return problems


def _check_sorted(arg: Any) -> tuple[list[tuple[str, str]], list[str]]:
    if isinstance(arg, dict) and "keys" in arg:
        problems = _mapping(arg, {"items", "keys"}, set())
        if problems:
            return problems, []
        if not isinstance(arg["keys"], list) or not arg["keys"]:
            return [(".keys", "a non-empty list of {field, order, by}")], []
        for index, key in enumerate(arg["keys"]):
            where = f".keys[{index}]"
            problems += _check_sort_key(key, where)
            if isinstance(key, dict) and "field" not in key:
                problems.append((where, "needs field (a path inside each item)"))
            elif isinstance(key, dict):
                problems += _paths(key["field"])
        return problems + _paths(arg["items"]), []
    problems = _mapping(arg, {"path", "order"}, {"by"})
    if problems:
        return problems, []
    return _check_sort_key({k: v for k, v in arg.items() if k != "path"}, "") + _paths(
        arg["path"]
    ), []


def _check_unique(arg: Any) -> tuple[list[tuple[str, str]], list[str]]:
    if isinstance(arg, str):
        return _paths(arg), []
    problems = _mapping(arg, {"path"}, set())
    return (problems or _paths(arg["path"])), []


def _check_var_list(arg: Any) -> tuple[list[tuple[str, str]], list[str]]:
    if not (isinstance(arg, list) and len(arg) >= 2 and all(isinstance(v, str) for v in arg)):
        return [("", "takes a list of two or more variable names")], []
    return [], list(arg)


def _check_set_equals(arg: Any) -> tuple[list[tuple[str, str]], list[str]]:
    if isinstance(arg, list):
        return _check_var_list(arg)
    problems = _mapping(arg, {"path", "var"}, set())
    return (problems or _paths(arg["path"])), ([arg["var"]] if not problems else [])


def _check_subset(arg: Any) -> tuple[list[tuple[str, str]], list[str]]:
    if isinstance(arg, dict) and "var" in arg:
        problems = _mapping(arg, {"var", "of"}, set())
        return problems, [] if problems else [arg["var"], arg["of"]]
    problems = _mapping(arg, {"path", "of"}, set())
    return (problems or _paths(arg["path"])), ([arg["of"]] if not problems else [])


def _check_disjoint(arg: Any) -> tuple[list[tuple[str, str]], list[str]]:
    if isinstance(arg, dict):
        problems = _mapping(arg, {"path", "var"}, set())
        return (problems or _paths(arg["path"])), ([arg["var"]] if not problems else [])
    return _check_var_list(arg)


_CHECKS: dict[str, Callable[[Any], tuple[list[tuple[str, str]], list[str]]]] = {
    "etag_changed": _check_etag,
    "etag_same": _check_etag,
    "date_advanced": _check_date,
    "sorted": _check_sorted,
    "unique": _check_unique,
    "disjoint": _check_disjoint,
    "set_equals": _check_set_equals,
    "subset": _check_subset,
}


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
