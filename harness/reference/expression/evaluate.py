"""Runtime semantics of the expression language: value kinds, operators and key resolution.

Everything here is total over JSON values (None, bool, int, float, str, list, dict) and never
raises; see the package docstring for the rules and which of them are documented or inferred.
Values of non-JSON Python types are tolerated: they are equal to nothing and never ordered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Getter = Callable[[Mapping[str, Any]], Any]

# Value kinds.
NULL, BOOL, NUM, STR, ARR, OBJ, OTHER = range(7)


def kind(value: Any) -> int:
    """The JSON kind of ``value``; bool is its own kind, never a number."""
    t = type(value)
    if t is str:
        return STR
    if t is int or t is float:
        return NUM
    if t is bool:
        return BOOL
    if value is None:
        return NULL
    if t is list or t is tuple:
        return ARR
    if t is dict:
        return OBJ
    # Subclasses and other containers (slow path, never hit for json.loads output).
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int | float):
        return NUM
    if isinstance(value, str):
        return STR
    if isinstance(value, Mapping):
        return OBJ
    if isinstance(value, list | tuple):
        return ARR
    return OTHER


def _deep_equal(x: Any, y: Any) -> bool:
    """Strict JSON equality for arrays/objects, iterative so any nesting depth is safe."""
    stack = [(x, y)]
    while stack:
        a, b = stack.pop()
        ka = kind(a)
        if ka != kind(b):
            return False
        if ka == ARR:
            if len(a) != len(b):
                return False
            stack.extend(zip(a, b, strict=True))
        elif ka == OBJ:
            if len(a) != len(b):
                return False
            for k, va in a.items():
                if k not in b:
                    return False
                stack.append((va, b[k]))
        elif ka == OTHER or (ka != NULL and a != b):
            return False
    return True


def values_equal(x: Any, y: Any) -> bool:
    """Strict JSON equality: numbers numerically, bool only with bool, null only with null."""
    t = type(x)
    if t is type(y) and (t is str or t is int or t is float or t is bool):
        return x == y
    kx = kind(x)
    if kx != kind(y) or kx == OTHER:
        return False
    if kx == NULL:
        return True
    if kx in (ARR, OBJ):
        return _deep_equal(x, y)
    return bool(x == y)


# --- operators --------------------------------------------------------------------------------
# Each takes (left, right) and returns a bool.


def op_eq(x: Any, y: Any) -> bool:
    if x is None or y is None:
        return x is None and y is None  # null comparisons are presence tests (inferred)
    if kind(x) == ARR or kind(y) == ARR:
        return False  # scalar operator applied to an array
    return values_equal(x, y)


def op_ne(x: Any, y: Any) -> bool:
    if x is None or y is None:
        # Twilio's docs use `preferred_agents != null` where preferred_agents is an array:
        # a null comparison tests presence, for arrays too (inferred).
        return not (x is None and y is None)
    if kind(x) == ARR or kind(y) == ARR:
        return False  # scalar operator applied to an array, even for !=
    return not values_equal(x, y)


def _orderable(x: Any, y: Any) -> bool:
    k = kind(x)
    return k in (NUM, STR) and kind(y) == k


def op_gt(x: Any, y: Any) -> bool:
    return _orderable(x, y) and bool(x > y)


def op_lt(x: Any, y: Any) -> bool:
    return _orderable(x, y) and bool(x < y)


def op_ge(x: Any, y: Any) -> bool:
    return _orderable(x, y) and bool(x >= y)


def op_le(x: Any, y: Any) -> bool:
    return _orderable(x, y) and bool(x <= y)


def op_contains(x: Any, y: Any) -> bool:
    return kind(x) == STR and kind(y) == STR and y in x


def op_has(x: Any, y: Any) -> bool:
    if kind(x) != ARR or kind(y) == ARR:
        return False
    return any(values_equal(e, y) for e in x)


def op_in(x: Any, y: Any) -> bool:
    kx = kind(x)
    if kind(y) != ARR or kx in (ARR, OBJ, NULL):
        return False
    return any(values_equal(x, e) for e in y)


def op_not_in(x: Any, y: Any) -> bool:
    kx = kind(x)
    if kind(y) != ARR or kx in (ARR, OBJ):
        return False
    if kx == NULL:
        return True
    return not any(values_equal(x, e) for e in y)


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": op_eq,
    "!=": op_ne,
    ">": op_gt,
    "<": op_lt,
    ">=": op_ge,
    "<=": op_le,
    "CONTAINS": op_contains,
    "HAS": op_has,
    "IN": op_in,
    "NOT IN": op_not_in,
}

# a OP b  <=>  b MIRROR[OP] a  (only for the symmetric / order operators)
MIRROR = {"==": "==", "!=": "!=", ">": "<", "<": ">", ">=": "<=", "<=": ">="}


# --- key resolution ---------------------------------------------------------------------------


def _step(cur: Any, seg: str | int) -> Any:
    """One path step; anything that cannot be traversed resolves to None (null)."""
    if type(seg) is str:
        if type(cur) is dict:
            return cur.get(seg)
        if isinstance(cur, Mapping):
            try:
                return cur.get(seg)
            except Exception:
                return None
        return None
    if (type(cur) is list or isinstance(cur, list | tuple)) and seg < len(cur):
        return cur[seg]
    return None


def make_getter(segments: tuple[str | int, ...]) -> Getter:
    """A resolver for a parsed key path; the top-level mapping is always a plain dict."""
    first = segments[0]
    assert type(first) is str
    if len(segments) == 1:

        def get1(attrs: Mapping[str, Any]) -> Any:
            return attrs.get(first)

        return get1

    second = segments[1]
    if len(segments) == 2 and type(second) is str:

        def get2(attrs: Mapping[str, Any]) -> Any:
            cur = attrs.get(first)
            if type(cur) is dict:
                return cur.get(second)
            return _step(cur, second)

        return get2

    rest = segments[1:]

    def get_n(attrs: Mapping[str, Any]) -> Any:
        cur = attrs.get(first)
        for seg in rest:
            if cur is None:
                return None
            cur = _step(cur, seg)
        return cur

    return get_n
