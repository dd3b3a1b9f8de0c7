"""Hostile YAML for the tests: alias bombs, deep nesting and oversized files."""

from __future__ import annotations

import itertools
from pathlib import Path


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs": each anchor is a list of ``width`` aliases of the one before, so
    the last one expands to ``width ** levels`` strings (9**9: about 387 million)."""
    names = [f"l{i}" for i in range(levels + 1)]
    lines = [f"{names[0]}: &{names[0]} [{', '.join(['lol'] * width)}]"]
    for before, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{', '.join([f'*{before}'] * width)}]")
    return "\n".join(lines) + "\n"


def deep_nesting(depth: int = 100_000) -> str:
    return "x: " + "[" * depth + "]" * depth + "\n"


def oversized(path: Path, size: int) -> Path:
    """A file of ``size`` bytes written as a sparse file: instant, and no disk used."""
    with path.open("wb") as stream:
        stream.truncate(size)
    return path
