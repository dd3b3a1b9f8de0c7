"""Parsing entry point: text -> :class:`Expression`, with every failure as ExpressionSyntaxError."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lark import Lark, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from .compiler import CompileError, Compiler, Node

#: Longest accepted expression, in characters (inferred limit; Twilio documents none).
MAX_LENGTH = 4096

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")


class ExpressionSyntaxError(ValueError):
    """An expression that cannot be compiled.

    ``position`` is the 1-based character offset of the problem in ``expression`` (the column,
    for single-line text); ``reason`` is the bare description, e.g. ``unexpected '-'``.
    """

    def __init__(self, expression: str, position: int, reason: str) -> None:
        self.expression = expression
        self.position = position
        self.reason = reason
        super().__init__(
            f"Invalid EvaluateTaskAttributes expression at position {position}: {reason}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.expression, self.position, self.reason))


@dataclass(frozen=True, slots=True)
class Expression:
    """A compiled expression: parse once, then call :meth:`matches` per attributes object.

    ``keys`` holds every key path referenced, as written (``"task.languages"``,
    ``"a.list[2].name"``); ``roots`` holds their first segments (``"task"``, ``"a"``).
    """

    text: str
    keys: frozenset[str]
    roots: frozenset[str]
    _predicate: Callable[[Mapping[str, Any]], bool] = field(repr=False, compare=False)

    def matches(self, attributes: Mapping[str, Any]) -> bool:
        """Evaluate against one JSON object; never raises for JSON input, always a bool."""
        if type(attributes) is not dict:
            attributes = _as_dict(attributes)
        return self._predicate(attributes)


def _as_dict(attributes: Any) -> dict[Any, Any]:
    # A non-dict Mapping is copied; anything that is not a Mapping has no keys at all.
    if isinstance(attributes, Mapping):
        try:
            return dict(attributes)
        except Exception:
            return {}
    return {}


@functools.cache
def _parser() -> Lark:
    return Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="basic",
        transformer=Compiler(),
        maybe_placeholders=False,
    )


def _describe(text: str) -> str:
    shown = text if len(text) <= 30 else text[:27] + "..."
    return f"unexpected {shown!r}"


def _syntax_error(text: str, exc: UnexpectedInput) -> ExpressionSyntaxError:
    if isinstance(exc, UnexpectedToken):
        if exc.token.type == "$END":
            return ExpressionSyntaxError(text, len(text) + 1, "unexpected end of expression")
        start = exc.token.start_pos
        return ExpressionSyntaxError(
            text, (start if start is not None else 0) + 1, _describe(str(exc.token))
        )
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream
        char = text[pos] if 0 <= pos < len(text) else exc.char
        return ExpressionSyntaxError(text, pos + 1, _describe(char))
    pos = getattr(exc, "pos_in_stream", None)
    if not isinstance(pos, int) or pos < 0:
        return ExpressionSyntaxError(text, len(text) + 1, "unexpected end of expression")
    return ExpressionSyntaxError(text, pos + 1, "syntax error")


@functools.lru_cache(maxsize=1024)
def _compile(text: str) -> Expression:
    if len(text) > MAX_LENGTH:
        raise ExpressionSyntaxError(
            text, MAX_LENGTH + 1, f"expression longer than {MAX_LENGTH} characters"
        )
    if not text.strip():
        raise ExpressionSyntaxError(text, 1, "empty expression")
    try:
        node: Node = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    except CompileError as exc:
        raise ExpressionSyntaxError(text, exc.pos + 1, exc.reason) from None
    roots = frozenset(k.split(".", 1)[0].split("[", 1)[0] for k in node.keys)
    return Expression(text, node.keys, roots, node.fn)


def compile_expression(text: str) -> Expression:
    """Parse and compile ``text`` (cached on the exact text).

    Raises :class:`ExpressionSyntaxError` for anything that is not a valid expression, and
    never any other exception.
    """
    if not isinstance(text, str):
        raise ExpressionSyntaxError(repr(text), 1, "expression must be a string")
    try:
        return _compile(str(text))
    except ExpressionSyntaxError:
        raise
    except Exception as exc:  # last resort: the contract is "Expression or syntax error"
        raise ExpressionSyntaxError(text, 1, f"could not parse expression ({exc!r})") from None
