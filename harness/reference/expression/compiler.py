"""Compile the parse into nested closures, one lark callback per grammar rule.

The transformer runs *inline* in the LALR parser (``Lark(..., transformer=Compiler())``), so no
parse tree is built and no recursion happens at compile time, however deep the parentheses.
Each comparison becomes one closure ``attrs -> bool``, specialised for the common
``key OP constant`` shapes; AND/OR chains are flattened into n-ary short-circuit closures and
constant sub-expressions (``1 == 1``) are folded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lark import Token, Transformer

from .evaluate import MIRROR, NUM, OPERATORS, STR, Getter, kind, make_getter, op_in, op_not_in

Predicate = Callable[[Mapping[str, Any]], bool]

#: Deepest alternating AND/OR nesting accepted. Evaluation recurses once per level, so this keeps
#: matching far away from Python's recursion limit. Pure grouping ``((a == 1))`` costs nothing.
MAX_DEPTH = 100


class CompileError(Exception):
    """A semantic rejection found while compiling; ``pos`` is a 0-based offset."""

    def __init__(self, pos: int, reason: str) -> None:
        super().__init__(reason)
        self.pos = pos
        self.reason = reason


@dataclass(slots=True)
class Operand:
    pos: int
    is_key: bool
    value: Any  # the constant, or the Getter when is_key
    path: str | None = None


@dataclass(slots=True)
class Node:
    fn: Predicate
    pos: int
    depth: int
    keys: frozenset[str]
    const: bool | None = None  # set when the value does not depend on the attributes
    op: str | None = None  # "AND"/"OR" for flattening
    parts: tuple[Node, ...] = ()


_OP_BY_TOKEN = {
    "EQ": "==",
    "EQ_ALIAS": "==",
    "NE": "!=",
    "GT": ">",
    "LT": "<",
    "GE": ">=",
    "LE": "<=",
    "CONTAINS": "CONTAINS",
    "HAS": "HAS",
    "HAS_ALIAS": "HAS",
    "IN": "IN",
    "IN_ALIAS": "IN",
}

_ESCAPE = re.compile(r"\\(.)", re.S)
_SEGMENT = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[([0-9]+)\]")


def _const_true(_attrs: Mapping[str, Any]) -> bool:
    return True


def _const_false(_attrs: Mapping[str, Any]) -> bool:
    return False


def _parse_path(text: str) -> tuple[str | int, ...]:
    return tuple(name if name else int(index) for name, index in _SEGMENT.findall(text))


# --- comparison closures ----------------------------------------------------------------------


def _key_vs_const(op: str, get: Getter, c: Any) -> Predicate:
    """``key OP constant`` with fast paths for string/number constants."""
    fn = OPERATORS[op]
    kc = kind(c)
    if kc == STR and op in ("==", "!=", ">", "<", ">=", "<="):
        return _fast_typed(op, get, c, fn, str, str)
    if kc == NUM and op in ("==", "!=", ">", "<", ">=", "<="):
        return _fast_typed(op, get, c, fn, int, float)
    if op in ("IN", "NOT IN") and isinstance(c, list):
        return _in_const_list(op, get, c)
    if op == "HAS" and kc == STR:

        def has_str(attrs: Mapping[str, Any]) -> bool:
            v = get(attrs)
            if type(v) is list:
                return c in v  # a JSON value equals a str only if it is that str
            return fn(v, c)

        return has_str
    if op == "CONTAINS" and kc == STR:

        def contains_str(attrs: Mapping[str, Any]) -> bool:
            v = get(attrs)
            return c in v if type(v) is str else fn(v, c)

        return contains_str

    def generic(attrs: Mapping[str, Any]) -> bool:
        return fn(get(attrs), c)

    return generic


def _fast_typed(op: str, get: Getter, c: Any, fn: Any, t1: type, t2: type) -> Predicate:
    # One closure per operator so the hot path is a type check plus one comparison.
    if op == "==":

        def eq(attrs: Mapping[str, Any]) -> bool:
            v = get(attrs)
            t = type(v)
            return v == c if (t is t1 or t is t2) else fn(v, c)

        return eq
    if op == "!=":

        def ne(attrs: Mapping[str, Any]) -> bool:
            v = get(attrs)
            t = type(v)
            return v != c if (t is t1 or t is t2) else fn(v, c)

        return ne
    if op == ">":

        def gt(attrs: Mapping[str, Any]) -> bool:
            v = get(attrs)
            t = type(v)
            return v > c if (t is t1 or t is t2) else fn(v, c)

        return gt
    if op == "<":

        def lt(attrs: Mapping[str, Any]) -> bool:
            v = get(attrs)
            t = type(v)
            return v < c if (t is t1 or t is t2) else fn(v, c)

        return lt
    if op == ">=":

        def ge(attrs: Mapping[str, Any]) -> bool:
            v = get(attrs)
            t = type(v)
            return v >= c if (t is t1 or t is t2) else fn(v, c)

        return ge

    def le(attrs: Mapping[str, Any]) -> bool:
        v = get(attrs)
        t = type(v)
        return v <= c if (t is t1 or t is t2) else fn(v, c)

    return le


def _in_const_list(op: str, get: Getter, items: list[Any]) -> Predicate:
    """``key IN [...]`` / ``key NOT IN [...]`` via per-kind sets (so ``true IN [1]`` is false)."""
    strs = frozenset(i for i in items if type(i) is str)
    nums = frozenset(i for i in items if type(i) is int or type(i) is float)
    generic = op_in if op == "IN" else op_not_in

    if op == "IN":

        def in_list(attrs: Mapping[str, Any]) -> bool:
            v = get(attrs)
            t = type(v)
            if t is str:
                return v in strs
            if t is int or t is float:
                return v in nums
            return generic(v, items)

        return in_list

    def not_in_list(attrs: Mapping[str, Any]) -> bool:
        v = get(attrs)
        t = type(v)
        if t is str:
            return v not in strs
        if t is int or t is float:
            return v not in nums
        return generic(v, items)

    return not_in_list


def _comparison(left: Operand, op: str, right: Operand) -> Predicate | bool:
    fn = OPERATORS[op]
    if left.is_key and right.is_key:
        lget, rget = left.value, right.value

        def key_vs_key(attrs: Mapping[str, Any]) -> bool:
            return fn(lget(attrs), rget(attrs))

        return key_vs_key
    if left.is_key:
        return _key_vs_const(op, left.value, right.value)
    if right.is_key:
        if op in MIRROR:
            return _key_vs_const(MIRROR[op], right.value, left.value)
        c, rget = left.value, right.value

        def const_vs_key(attrs: Mapping[str, Any]) -> bool:
            return fn(c, rget(attrs))

        return const_vs_key
    return fn(left.value, right.value)  # constant on both sides: fold now


# --- logical closures -------------------------------------------------------------------------


def _all(fns: tuple[Predicate, ...]) -> Predicate:
    if len(fns) == 2:
        f, g = fns
        return lambda attrs: f(attrs) and g(attrs)
    if len(fns) == 3:
        f, g, h = fns
        return lambda attrs: f(attrs) and g(attrs) and h(attrs)

    # An explicit loop, not all(<genexpr>): one Python frame per nesting level, and faster.
    def all_of(attrs: Mapping[str, Any]) -> bool:
        for f in fns:  # noqa: SIM110
            if not f(attrs):
                return False
        return True

    return all_of


def _any(fns: tuple[Predicate, ...]) -> Predicate:
    if len(fns) == 2:
        f, g = fns
        return lambda attrs: f(attrs) or g(attrs)
    if len(fns) == 3:
        f, g, h = fns
        return lambda attrs: f(attrs) or g(attrs) or h(attrs)

    def any_of(attrs: Mapping[str, Any]) -> bool:
        for f in fns:  # noqa: SIM110
            if f(attrs):
                return True
        return False

    return any_of


def _constant_node(value: bool, pos: int, keys: frozenset[str]) -> Node:
    return Node(_const_true if value else _const_false, pos, 0, keys, const=value)


def _logical(op: str, children: list[Node]) -> Node:
    pos = children[0].pos
    keys = frozenset().union(*(c.keys for c in children))
    # Flatten (a AND b) AND c; parentheses never change the meaning of a same-operator chain.
    parts: list[Node] = []
    for child in children:
        parts.extend(child.parts if child.op == op else (child,))
    absorbing = op == "OR"  # True absorbs OR, False absorbs AND
    if any(p.const is absorbing for p in parts):
        return _constant_node(absorbing, pos, keys)
    live = tuple(p for p in parts if p.const is None)
    if not live:
        return _constant_node(not absorbing, pos, keys)
    if len(live) == 1:
        only = live[0]
        return Node(only.fn, pos, only.depth, keys, None, only.op, only.parts)
    depth = 1 + max(p.depth for p in live)
    if depth > MAX_DEPTH:
        raise CompileError(pos, f"expression nested too deeply (more than {MAX_DEPTH} levels)")
    fns = tuple(p.fn for p in live)
    fn = _all(fns) if op == "AND" else _any(fns)
    return Node(fn, pos, depth, keys, None, op, live)


# --- the lark transformer ---------------------------------------------------------------------


class Compiler(Transformer):
    """Inline LALR callbacks: tokens -> Operand, comparison -> Node, AND/OR -> Node."""

    # logical structure
    def or_expr(self, children: list[Node]) -> Node:
        return _logical("OR", children)

    def and_expr(self, children: list[Node]) -> Node:
        return _logical("AND", children)

    def group(self, children: list[Any]) -> Node:
        lpar, inner, _rpar = children
        return Node(
            inner.fn, lpar.start_pos, inner.depth, inner.keys, inner.const, inner.op, inner.parts
        )

    def comparator(self, children: list[Token]) -> str:
        if len(children) == 2:
            return "NOT IN"
        return _OP_BY_TOKEN[children[0].type]

    def comparison(self, children: list[Any]) -> Node:
        left, op, right = children
        keys = frozenset(o.path for o in (left, right) if o.is_key)
        compiled = _comparison(left, op, right)
        if isinstance(compiled, bool):
            return _constant_node(compiled, left.pos, keys)
        return Node(compiled, left.pos, 0, keys)

    # operands
    def key(self, children: list[Token]) -> Operand:
        (tok,) = children
        text = str(tok)
        return Operand(tok.start_pos, True, make_getter(_parse_path(text)), text)

    def string(self, children: list[Token]) -> Operand:
        (tok,) = children
        return Operand(tok.start_pos, False, _ESCAPE.sub(r"\1", str(tok)[1:-1]))

    def number(self, children: list[Token]) -> Operand:
        (tok,) = children
        text = str(tok)
        try:
            value: int | float = float(text) if "." in text else int(text)
        except ValueError as exc:  # e.g. more digits than sys.get_int_max_str_digits()
            raise CompileError(tok.start_pos, f"invalid number {text[:20]!r}") from exc
        return Operand(tok.start_pos, False, value)

    def true(self, children: list[Token]) -> Operand:
        return Operand(children[0].start_pos, False, True)

    def false(self, children: list[Token]) -> Operand:
        return Operand(children[0].start_pos, False, False)

    def null(self, children: list[Token]) -> Operand:
        return Operand(children[0].start_pos, False, None)

    def list(self, children: list[Any]) -> Operand:
        lsqb = children[0]
        return Operand(lsqb.start_pos, False, [o.value for o in children[1:-1]])
