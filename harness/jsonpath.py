"""Simple JSON paths: ``sid``, ``meta.page_size``, ``tasks[0].sid``, ``tasks[-1]``,
``tasks[*].priority`` (every item), ``links["task_queue"]`` and ``$`` (the whole document)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()
WILDCARD = "*"

_TOKEN = re.compile(
    r"""
    (?P<dot>\.)?
    (?:
        (?P<name>[A-Za-z_$][\w$-]*)
      | \[(?P<index>-?\d+)\]
      | \[(?P<star>\*)\]
      | \[(?P<quote>["'])(?P<key>.*?)(?P=quote)\]
    )
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class JsonPath:
    text: str
    segments: tuple[str | int, ...]

    @property
    def multi(self) -> bool:
        return WILDCARD in self.segments

    def resolve(self, document: Any) -> Any:
        """The value at the path, ``MISSING`` if absent; a list of values if ``multi``."""
        values = _walk([document], self.segments)
        if self.multi:
            return values
        return values[0] if values else MISSING

    def __str__(self) -> str:
        return self.text


def _walk(values: list[Any], segments: tuple[str | int, ...]) -> list[Any]:
    for segment in segments:
        next_values: list[Any] = []
        for value in values:
            if segment == WILDCARD:
                if isinstance(value, list):
                    next_values.extend(value)
                elif isinstance(value, dict):
                    next_values.extend(value.values())
                # a wildcard over a missing or scalar value yields no items
            elif isinstance(segment, int):
                if isinstance(value, list) and -len(value) <= segment < len(value):
                    next_values.append(value[segment])
                else:
                    next_values.append(MISSING)
            else:
                if isinstance(value, dict) and segment in value:
                    next_values.append(value[segment])
                else:
                    next_values.append(MISSING)
        values = next_values
    return values


def parse_path(text: str) -> JsonPath:
    """Parse a path; raises ValueError with a short reason."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("empty path")
    text = text.strip()
    if text == "$":
        return JsonPath(text, ())
    source = text[1:] if text.startswith("$.") or text.startswith("$[") else text
    if source.startswith("$"):
        source = source[1:]
    segments: list[str | int] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if not match or (match.group("dot") and pos == 0 and not text.startswith("$")):
            raise ValueError(f"cannot parse path {text!r} at position {pos}")
        if match.group("dot") and match.group("name") is None:
            raise ValueError(f"cannot parse path {text!r} at position {pos}")
        if match.group("name") is not None:
            if pos > 0 and not match.group("dot"):
                raise ValueError(f"missing '.' before {match.group('name')!r} in {text!r}")
            segments.append(match.group("name"))
        elif match.group("index") is not None:
            segments.append(int(match.group("index")))
        elif match.group("star"):
            segments.append(WILDCARD)
        else:
            segments.append(match.group("key"))
        pos = match.end()
    return JsonPath(text, tuple(segments))
