"""YAML loading that remembers where every value came from (file and line).

Values are plain Python objects except mappings and sequences, which are ``LDict``/``LList``
(subclasses of dict/list) carrying the line of the container and of each key/item, so a
validator can say ``file:line: field: problem``. ``schema_problem`` does that for a JSON Schema:
it validates located values and turns the most relevant error into a ``SourceError``.

Files are read within limits (size, aliases, nesting: ``harness.yamlsrc.limits``). A bottom
room: it imports nothing else from the harness, so scenarios, targets and reports can use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from jsonschema import validators
from jsonschema.exceptions import ValidationError, best_match, by_relevance
from jsonschema.protocols import Validator
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from harness.yamlsrc.limits import (
    CASSETTE_LIMITS,
    DEFAULT_LIMITS,
    Limits,
    SourceError,
    compose_documents,
    load_plain_file,
    read_source,
)

__all__ = [
    "CASSETTE_LIMITS",
    "DEFAULT_LIMITS",
    "LDict",
    "LList",
    "Limits",
    "SourceError",
    "compose_documents",
    "describe_value",
    "line_of",
    "load_documents",
    "load_file",
    "load_plain_file",
    "plain",
    "read_source",
    "schema_problem",
    "schema_validator",
]


class LDict(dict[Any, Any]):
    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LList(list[Any]):
    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


def line_of(container: Any, key: Any = None) -> int:
    """The line of ``container[key]`` (or of the container itself), 0 when unknown."""
    if key is not None and isinstance(container, LDict | LList):
        return container.line_of(key)
    return getattr(container, "line", 0)


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.scalars = SafeConstructor()

    def build(self, node: Node, field: str = "") -> Any:
        if isinstance(node, ScalarNode):
            if node.tag == "tag:yaml.org,2002:timestamp":
                return node.value  # dates stay strings: they are compared as text
            try:
                return self.scalars.construct_object(node, deep=True)
            except yaml.YAMLError as exc:
                raise SourceError(
                    self.file, node.start_mark.line + 1, field, f"bad value: {exc}"
                ) from None
        if isinstance(node, SequenceNode):
            items = LList()
            items.line = node.start_mark.line + 1
            items.item_lines = []
            for index, child in enumerate(node.value):
                items.append(self.build(child, f"{field}[{index}]"))
                items.item_lines.append(child.start_mark.line + 1)
            return items
        if isinstance(node, MappingNode):
            mapping = LDict()
            mapping.line = node.start_mark.line + 1
            mapping.key_lines = {}
            for key_node, value_node in node.value:
                key = self.build(key_node, field)
                line = key_node.start_mark.line + 1
                name = f"{field}.{key}" if field else str(key)
                if key == "<<":
                    raise SourceError(self.file, line, name, "YAML merge keys are not supported")
                if not isinstance(key, str | int | float | bool) and key is not None:
                    raise SourceError(self.file, line, field, "mapping keys must be scalars")
                if key in mapping:
                    raise SourceError(self.file, line, name, "duplicate key")
                mapping[key] = self.build(value_node, name)
                mapping.key_lines[key] = line
            return mapping
        raise SourceError(self.file, node.start_mark.line + 1, field, "unsupported YAML node")


def load_documents(text: str, file: str, limits: Limits | None = None) -> list[Any]:
    """Every document of a YAML stream, as located values. Syntax errors and broken limits
    become SourceError."""
    builder = _Builder(file)
    return [builder.build(node) for node in compose_documents(text, file, limits)]


def load_file(path: Path, display: str | None = None, limits: Limits | None = None) -> list[Any]:
    file = display or str(path)
    return load_documents(read_source(path, file, limits), file, limits)


def plain(value: Any) -> Any:
    """Located values back to plain dicts/lists (for JSON output and jsonschema)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# JSON Schema validation of located values
#
# Schemas may carry two keywords jsonschema ignores: ``errorMessage`` (the message shown when a
# keyword of that subschema fails, as VS Code style editors use it; unknown keys keep their own
# message) and ``x-unknown`` (what an unknown key of that mapping is called: "matcher").

#: Keywords about a value's own shape: their messages end with ", got <the value>".
_VALUE_KEYWORDS = frozenset({
    "type", "enum", "const", "pattern", "format", "minLength", "maxLength", "minimum",
    "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
})  # fmt: skip
_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def schema_validator(schema: Mapping[str, Any]) -> Validator:
    """A validator of the schema's own draft that checks ``format: regex`` and, as YAML does,
    tells integers from floats (``5.0`` is not an ``integer``)."""
    base = validators.validator_for(schema)
    types = base.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    )
    strict = validators.extend(base, type_checker=types)
    return strict(schema, format_checker=base.FORMAT_CHECKER)  # type: ignore[no-any-return]


def schema_problem(validator: Validator, document: Any, file: str) -> SourceError | None:
    """The most relevant schema error of a located ``document`` (None when it is valid): an
    unknown key beats a missing one in the same mapping, a shallower error a deeper one, an
    earlier line a later one."""
    errors = list(validator.iter_errors(document))
    if not errors:
        return None
    relevance = by_relevance()

    def key(error: ValidationError) -> tuple[Any, ...]:
        depth, _path, *rest = relevance(error)
        line = _locate(document, list(error.absolute_path))[1]
        return (depth, error.validator == "additionalProperties", -line, *rest)

    error = best_match(errors, key=key)
    assert error is not None
    # best_match descends into oneOf/anyOf branches; a message on the combinator itself wins
    node: ValidationError | None = error
    while node is not None and not _message_of(node.schema):
        node = node.parent
    if node is not None:
        error = node
    return _describe(error, document, file, validator.schema)


def describe_value(value: Any) -> str:
    """A short description of a value for messages: ``str 'abc'``, ``a mapping``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def _message_of(schema: Any) -> str | None:
    message = schema.get("errorMessage") if isinstance(schema, dict) else None
    return message if isinstance(message, str) else None


def _locate(document: Any, path: list[Any]) -> tuple[str, int, Any]:
    """``(field, line, value)`` of a path: the field as ``steps[1].expect.status``, the line of
    the last key or item on the way (the document's line for the top level)."""
    field, node, line = "", document, line_of(document) or 1
    for part in path:
        if isinstance(node, list):
            field += f"[{part}]"
        else:
            field = f"{field}.{part}" if field else str(part)
        line = line_of(node, part) or line
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return field, line, node


def _join(field: str, key: Any) -> str:
    return f"{field}.{key}" if field else str(key)


def _describe(error: ValidationError, document: Any, file: str, root: Any) -> SourceError:
    field, line, node = _locate(document, list(error.absolute_path))
    schema = error.schema if isinstance(error.schema, dict) else {}
    message = _message_of(schema)
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(schema.get("properties", {}))
        extra = next((k for k in instance if k not in allowed), None)
        if extra is not None:
            noun = schema.get("x-unknown")
            text = (
                f"unknown {noun} {extra!r} (known: {', '.join(allowed)})"
                if noun
                else f"unknown key (allowed: {', '.join(sorted(allowed))})"
            )
            return SourceError(file, line_of(instance, extra) or line, _join(field, extra), text)
    if error.validator == "required" and isinstance(instance, dict):
        missing = next(k for k in error.validator_value if k not in instance)
        trigger = next(
            (k for k in _triggers(root).get(id(error.schema), ()) if k in instance), None
        )
        where = line_of(instance, trigger) if trigger is not None else line_of(instance) or line
        return SourceError(file, where, _join(field, missing), message or "missing required field")
    schema_path = list(error.relative_schema_path)
    if len(schema_path) >= 2 and schema_path[-2] == "propertyNames" and isinstance(node, dict):
        line, field = line_of(node, instance) or line, _join(field, instance)
    if message is None:
        return SourceError(file, line, field, _default_message(error))
    if error.validator in _VALUE_KEYWORDS:
        message = f"{message}, got {describe_value(instance)}"
    return SourceError(file, line, field, message)


def _default_message(error: ValidationError) -> str:
    got = describe_value(error.instance)
    value = error.validator_value
    if error.validator == "type":
        names = [value] if isinstance(value, str) else list(value)
        return f"expected {' or '.join(_TYPE_NAMES.get(n, n) for n in names)}, got {got}"
    if error.validator == "enum":
        return f"one of {', '.join(str(v) for v in value)}, got {got}"
    if error.validator == "const":
        return f"expected {value!r}, got {got}"
    if error.validator == "format" and value == "regex":
        try:
            re.compile(error.instance)
        except (re.error, TypeError) as exc:
            return f"invalid regex: {exc}"
    if error.validator in ("minItems", "minProperties"):
        return f"expected at least {value} {'item' if error.validator == 'minItems' else 'key'}(s)"
    if error.validator in ("maxItems", "maxProperties"):
        return f"expected at most {value} {'item' if error.validator == 'maxItems' else 'key'}(s)"
    if error.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        sign = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">"}.get(error.validator, "<")
        return f"must be {sign} {value}, got {got}"
    if error.validator == "pattern":
        return f"must match /{value}/, got {got}"
    if error.validator == "not":
        return "not allowed here"
    return error.message if len(error.message) <= 200 else error.message[:197] + "..."


def _triggers(root: Any) -> dict[int, tuple[str, ...]]:
    """For each ``then`` subschema, the keys its ``if`` requires: a conditional requirement is
    reported on the line of the key that triggered it (``strength: inferred`` needs ``note``)."""
    found: dict[int, tuple[str, ...]] = {}
    for node in _subschemas(root):
        condition, then = node.get("if"), node.get("then")
        if isinstance(condition, dict) and isinstance(then, dict):
            found[id(then)] = tuple(condition.get("required", ()))
    return found


def _subschemas(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _subschemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _subschemas(value)
