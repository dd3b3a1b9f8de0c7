"""``{name}`` placeholders in scenario values.

A placeholder is ``{var}``, ``{var.path[0]}``, ``{profile.<path>}``, ``{workspace.<path>}``,
``{calc:EXPR}`` (integer/float arithmetic over numbers, variables and profile keys) or
``{iso_ago:EXPR}`` (the UTC time EXPR seconds ago, ISO 8601 with ``Z``). ``{{`` is a literal
``{``. Anything else in braces (such as JSON) is left alone. A value that is exactly one
placeholder keeps the variable's type (an int stays an int).
"""

from __future__ import annotations

import ast
import operator
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from harness.jsonpath import MISSING, parse_path

_NAME = r"[A-Za-z_]\w*(?:\.[A-Za-z_][\w-]*|\[-?\d+\])*"
PLACEHOLDER = re.compile(
    r"\{\{|\{(?P<fn>calc|iso_ago):(?P<expr>[^{}]+)\}|\{(?P<name>" + _NAME + r")\}"
)
FUNCTIONS = ("calc", "iso_ago")


class InterpolationError(Exception):
    """A placeholder names something undefined or computes something invalid."""


def placeholders(text: str) -> list[str]:
    """Variable names (first segment) used by ``text``, including names inside calc/iso_ago."""
    names: list[str] = []
    for match in PLACEHOLDER.finditer(text):
        if match.group("name"):
            names.append(_root(match.group("name")))
        elif match.group("expr"):
            names.extend(expression_names(match.group("expr")))
    return names


def expression_names(expr: str) -> list[str]:
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as exc:
        raise InterpolationError(f"bad expression {expr!r}: {exc.msg}") from None
    return [node.id for node in ast.walk(tree) if isinstance(node, ast.Name)]


def _root(name: str) -> str:
    return re.split(r"[.\[]", name, maxsplit=1)[0]


Lookup = Callable[[str], Any]


def render(value: Any, lookup: Lookup) -> Any:
    """Interpolate every string inside ``value`` (dicts and lists are walked)."""
    if isinstance(value, str):
        return render_text(value, lookup)
    if isinstance(value, Mapping):
        return {k: render(v, lookup) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, lookup) for v in value]
    return value


def render_text(text: str, lookup: Lookup) -> Any:
    match = PLACEHOLDER.fullmatch(text)
    if match and match.group(0) != "{{":
        return _evaluate(match, lookup)

    def replace(m: re.Match[str]) -> str:
        if m.group(0) == "{{":
            return "{"
        return to_text(_evaluate(m, lookup))

    return PLACEHOLDER.sub(replace, text)


def to_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _evaluate(match: re.Match[str], lookup: Lookup) -> Any:
    if match.group("name"):
        return lookup(match.group("name"))
    value = evaluate_expression(match.group("expr"), lookup)
    if match.group("fn") == "iso_ago":
        return iso_utc(time.time() - float(value))
    return value


def iso_utc(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}


def evaluate_expression(expr: str, lookup: Lookup) -> int | float:
    """Arithmetic over numbers and names (``i * 60``, ``retention_window.max + 5``)."""
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as exc:
        raise InterpolationError(f"bad expression {expr!r}: {exc.msg}") from None

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = ev(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Name | ast.Attribute):
            name = _dotted(node)
            value = lookup(name)
            if isinstance(value, str):
                try:
                    value = float(value) if "." in value else int(value)
                except ValueError:
                    raise InterpolationError(f"{name} is not a number: {value!r}") from None
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InterpolationError(f"{name} is not a number: {value!r}")
            return value
        raise InterpolationError(f"unsupported expression {expr!r}")

    try:
        result = ev(tree)
    except ZeroDivisionError:
        raise InterpolationError(f"division by zero in {expr!r}") from None
    return result


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    raise InterpolationError("unsupported name")


def resolve_in(root: Any, rest: str, name: str) -> Any:
    """``rest`` (``.a[0].b`` or empty) inside ``root``; InterpolationError when missing."""
    if not rest:
        return root
    path = rest[1:] if rest.startswith(".") else rest
    try:
        value = parse_path(path).resolve(root)
    except ValueError as exc:
        raise InterpolationError(f"bad placeholder {{{name}}}: {exc}") from None
    if value is MISSING:
        raise InterpolationError(f"{{{name}}}: no such value")
    return value


def split_name(name: str) -> tuple[str, str]:
    root = _root(name)
    return root, name[len(root) :]
