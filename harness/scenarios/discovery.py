"""Find scenario files and pick the cases a run should include."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from harness.scenarios.loader import load_scenarios
from harness.scenarios.model import Scenario

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCENARIOS = REPO_ROOT / "scenarios"


def scenario_files(root: Path) -> list[Path]:
    """``*.yaml``/``*.yml`` under ``root`` (or ``root`` itself if it is a file), skipping
    folders whose name starts with ``_`` or ``.`` (examples, drafts)."""
    if root.is_file():
        return [root]
    files = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        relative = path.relative_to(root).parts
        if any(part.startswith(("_", ".")) for part in relative[:-1]):
            continue
        files.append(path)
    return files


def load_clause_registry() -> tuple[Mapping[str, Any] | None, str | None]:
    """``(clauses, warning)``: the clause catalogue, or None and why it is unavailable."""
    try:
        from harness.clauses import load_clauses
    except ImportError:
        return None, "harness.clauses is not available: clause ids are not checked"
    try:
        return load_clauses(), None
    except Exception as exc:  # ClauseFileError and friends
        return None, f"clause catalogue unavailable ({exc}): clause ids are not checked"


def discover(root: Path, clauses: Mapping[str, Any] | None) -> list[Scenario]:
    base = root if root.is_dir() else root.parent
    return load_scenarios(scenario_files(root), base, clauses)


# ---------------------------------------------------------------------------------------------
# -k expressions: words combined with and/or/not and parentheses. A word matches a case when it
# is a substring of its id or title (case-insensitive), or equals one of its tags or its
# category.

_TOKENS = re.compile(r"\s*(\(|\)|[^\s()]+)")


class SelectError(ValueError):
    pass


def _words(scenario: Scenario) -> tuple[str, set[str]]:
    text = f"{scenario.id} {scenario.title}".lower()
    names = {t.lower() for t in scenario.tags} | {scenario.category.lower()}
    return text, names


def compile_select(expression: str) -> Any:
    tokens = [t for t in _TOKENS.findall(expression) if t]
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        token = tokens[position]
        position += 1
        return token

    def parse_or() -> Any:
        left = parse_and()
        while peek() is not None and peek().lower() == "or":  # type: ignore[union-attr]
            take()
            right = parse_and()
            left = (lambda a, b: lambda s: a(s) or b(s))(left, right)
        return left

    def parse_and() -> Any:
        left = parse_not()
        while peek() is not None and peek().lower() == "and":  # type: ignore[union-attr]
            take()
            right = parse_not()
            left = (lambda a, b: lambda s: a(s) and b(s))(left, right)
        return left

    def parse_not() -> Any:
        token = peek()
        if token is not None and token.lower() == "not":
            take()
            inner = parse_not()
            return lambda s: not inner(s)
        return parse_atom()

    def parse_atom() -> Any:
        token = peek()
        if token is None:
            raise SelectError(f"-k {expression!r}: unexpected end of expression")
        if token == "(":
            take()
            inner = parse_or()
            if peek() != ")":
                raise SelectError(f"-k {expression!r}: missing ')'")
            take()
            return inner
        if token == ")" or token.lower() in ("and", "or"):
            raise SelectError(f"-k {expression!r}: unexpected {token!r}")
        word = take().lower()

        def matches(scenario: Scenario) -> bool:
            text, names = _words(scenario)
            return word in text or word in names

        return matches

    if not tokens:
        return lambda s: True
    predicate = parse_or()
    if position != len(tokens):
        raise SelectError(f"-k {expression!r}: unexpected {tokens[position]!r}")
    return predicate


def select(
    scenarios: Iterable[Scenario], expression: str | None = None, tags: Iterable[str] = ()
) -> list[Scenario]:
    """Cases matching ``-k expression`` and carrying at least one of ``tags`` (if given)."""
    predicate = compile_select(expression or "")
    wanted = {t.lower() for t in tags}
    chosen = []
    for scenario in scenarios:
        if wanted and not wanted & {t.lower() for t in scenario.tags}:
            continue
        if predicate(scenario):
            chosen.append(scenario)
    return chosen
