"""Reading YAML within limits: size, aliases, nesting.

Every YAML file a user hands the harness (scenarios, target profiles, cassettes, deviation
files) is read through here. The events of the parser (libyaml's when available, for speed) are
composed into nodes here, not by PyYAML's composer, so the limits hold with the C and the
pure-Python parser alike and are checked as the events arrive: an alias bomb ("billion laughs")
stops at the alias that breaks the budget, a deep nesting at the level that is too deep (both
parsers slow down with the nesting depth, and libyaml's composer recurses in C), an oversized
file before it is parsed. Each is a ``SourceError`` naming the file and, where it can, the line.

Part of the bottom room ``harness.yamlsrc``: it imports nothing from the harness.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    ScalarEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
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


_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds on one YAML file."""

    #: The file's size in bytes, checked before it is parsed.
    max_bytes: int = 5 * MB
    #: How many alias references (``*name``) the file may hold.
    max_aliases: int = 1000
    #: How many nodes aliases may add when expanded (the nodes of every aliased value, counted
    #: once per reference, nested aliases included).
    max_alias_nodes: int = 100_000
    #: How deep mappings and sequences may nest.
    max_depth: int = 64


#: Scenarios, target profiles and deviation files.
DEFAULT_LIMITS = Limits()
#: Cassettes: recorded sessions, bodies included, are larger.
CASSETTE_LIMITS = Limits(max_bytes=64 * MB)


def read_source(path: Path, file: str, limits: Limits | None = None) -> str:
    """The text of a YAML file, refused before it is read when it is over the size limit (a
    file that is not a regular one, such as a pipe, is read up to the limit and no further)."""
    cap = (limits or DEFAULT_LIMITS).max_bytes
    try:
        size = path.stat().st_size if path.is_file() else 0
        if size <= cap:
            with path.open("rb") as stream:
                data = stream.read(cap + 1)
            size = len(data)
        if size > cap:
            actual = f"{size} bytes" if path.is_file() else f"more than {cap} bytes"
            raise SourceError(
                file, None, "", f"file too large ({actual}; the limit is {_size(cap)})"
            )
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(file, None, "", f"cannot read: {exc}") from None


def compose_documents(text: str, file: str, limits: Limits | None = None) -> list[Node]:
    """The node of every document of a YAML stream, within the limits."""
    loader = _Loader(text)
    try:
        return _compose_all(loader, file, limits or DEFAULT_LIMITS)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, file, limits or DEFAULT_LIMITS) from None
    finally:
        loader.dispose()


def load_plain_file(path: Path, display: str | None = None, limits: Limits | None = None) -> Any:
    """The single document of a YAML file as plain Python values (as ``yaml.safe_load`` gives
    them), within the limits; None for an empty file."""
    file = display or str(path)
    text = read_source(path, file, limits)
    loader = _Loader(text)
    try:
        nodes = _compose_all(loader, file, limits or DEFAULT_LIMITS)
        if len(nodes) > 1:
            line = nodes[1].start_mark.line + 1
            raise SourceError(file, line, "", "expected a single YAML document")
        return loader.construct_document(nodes[0]) if nodes else None
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, file, limits or DEFAULT_LIMITS) from None
    finally:
        loader.dispose()


def _size(count: int) -> str:
    return f"{count // MB} MB" if count % MB == 0 else f"{count} bytes"


#: libyaml >= 0.2.5 (bundled with newer PyYAML wheels) has a nesting limit of its own; when
#: its scanner, which reads ahead of our composer, hits it first, the error says what ours says
_LIBYAML_DEPTH = "maximum nesting depth"


def _syntax_error(exc: yaml.YAMLError, file: str, limits: Limits) -> SourceError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        if _LIBYAML_DEPTH in str(exc.problem or ""):
            message = f"nested too deeply (more than {limits.max_depth} levels)"
            return SourceError(file, line, "", message)
        return SourceError(file, line, "", f"YAML syntax error: {exc.problem or exc}")
    return SourceError(file, None, "", f"YAML error: {exc}")


def _compose_all(loader: yaml.SafeLoader, file: str, limits: Limits) -> list[Node]:
    loader.get_event()  # StreamStart
    documents: list[Node] = []
    budget = _Budget(file, limits)
    while not loader.check_event(StreamEndEvent):
        loader.get_event()  # DocumentStart
        documents.append(_compose_document(loader, budget))
        loader.get_event()  # DocumentEnd
    loader.get_event()  # StreamEnd
    return documents


class _Budget:
    """What a stream has spent of its limits so far."""

    def __init__(self, file: str, limits: Limits) -> None:
        self.file, self.limits = file, limits
        self.aliases = 0
        self.alias_nodes = 0

    def error(self, event: Any, message: str) -> SourceError:
        return SourceError(self.file, event.start_mark.line + 1, "", message)

    def alias(self, event: AliasEvent, nodes: int) -> None:
        self.aliases += 1
        self.alias_nodes += nodes
        if self.aliases > self.limits.max_aliases:
            raise self.error(event, f"too many YAML aliases (limit {self.limits.max_aliases})")
        if self.alias_nodes > self.limits.max_alias_nodes:
            raise self.error(
                event,
                f"YAML aliases expand to more than {self.limits.max_alias_nodes} values "
                "(an alias bomb?)",
            )

    def depth(self, depth: int, event: Any) -> None:
        if depth > self.limits.max_depth:
            raise self.error(event, f"nested too deeply (more than {self.limits.max_depth} levels)")


class _Open:
    """A collection being composed: its node, its expanded size so far, a pending key."""

    __slots__ = ("anchor", "key", "node", "size")

    def __init__(self, node: SequenceNode | MappingNode, anchor: str | None) -> None:
        self.node, self.anchor, self.size = node, anchor, 1
        self.key: Node | None = None


def _compose_document(loader: yaml.SafeLoader, budget: _Budget) -> Node:
    anchors: dict[str, Node] = {}
    sizes: dict[str, int] = {}  # expanded size of each finished anchored node
    stack: list[_Open] = []
    root: Node | None = None
    while root is None:
        event = loader.get_event()
        node: Node | None = None
        size = 1
        if isinstance(event, AliasEvent):
            if event.anchor not in anchors or event.anchor not in sizes:
                known = "inside its own anchor" if event.anchor in anchors else "undefined"
                raise budget.error(event, f"alias *{event.anchor} is {known}")
            node, size = anchors[event.anchor], sizes[event.anchor]
            budget.alias(event, size)
        elif isinstance(event, CollectionEndEvent):
            done = stack.pop()
            done.node.end_mark = event.end_mark
            node, size = done.node, done.size
            if done.anchor is not None:
                sizes[done.anchor] = size
        else:
            anchor = event.anchor
            if anchor is not None and anchor in anchors:
                first = anchors[anchor].start_mark.line + 1
                raise budget.error(event, f"duplicate anchor &{anchor} (first on line {first})")
            if isinstance(event, ScalarEvent):
                tag = event.tag
                if tag is None or tag == "!":
                    tag = loader.resolve(ScalarNode, event.value, event.implicit)
                node = ScalarNode(
                    tag, event.value, event.start_mark, event.end_mark, style=event.style
                )
                if anchor is not None:
                    anchors[anchor], sizes[anchor] = node, 1
            else:
                kind = SequenceNode if isinstance(event, SequenceStartEvent) else MappingNode
                tag = event.tag
                if tag is None or tag == "!":
                    tag = loader.resolve(kind, None, event.implicit)
                collection = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
                if anchor is not None:
                    anchors[anchor] = collection
                stack.append(_Open(collection, anchor))
                budget.depth(len(stack), event)
                continue
        if not stack:
            root = node
            continue
        parent = stack[-1]
        parent.size += size
        if isinstance(parent.node, SequenceNode):
            parent.node.value.append(node)
        elif parent.key is None:
            parent.key = node
        else:
            parent.node.value.append((parent.key, node))
            parent.key = None
    return root
