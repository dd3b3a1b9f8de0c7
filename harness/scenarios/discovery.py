"""Find scenario files and pick the cases a run should include."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.scenarios.loader import load_scenarios
from harness.scenarios.model import Scenario


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
