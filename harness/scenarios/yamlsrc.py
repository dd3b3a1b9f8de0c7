"""YAML loading that remembers where every value came from (file and line).

Values are plain Python objects except mappings and sequences, which are ``LDict``/``LList``
(subclasses of dict/list) carrying the line of the container and of each key/item, so a
validator can say ``file:line: field: problem``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


class SourceError(Exception):
    """A problem in a YAML source file, located by line and field."""

    def __init__(self, file: str, line: int | None, field: str, message: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


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


def load_documents(text: str, file: str) -> list[Any]:
    """Every document of a YAML stream, as located values. Syntax errors become SourceError."""
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        raise SourceError(file, line, "", f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise SourceError(file, None, "", f"YAML error: {exc}") from None
    builder = _Builder(file)
    return [builder.build(node) for node in nodes if node is not None]


def load_file(path: Path, display: str | None = None) -> list[Any]:
    file = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(file, None, "", f"cannot read: {exc}") from None
    return load_documents(text, file)


def plain(value: Any) -> Any:
    """Located values back to plain dicts/lists (for JSON output and jsonschema)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
