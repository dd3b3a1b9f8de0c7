"""The package's shape, enforced: no import cycle between rooms, no module over 500 lines, the
reference server a room apart, and the pytest plugin light until asked.

A *room* is a first-level subpackage or module of ``harness`` (``harness.targets``,
``harness.phases``, ...). Every import counts, including those inside functions: a lazy import
is still a dependency.
"""

from __future__ import annotations

import ast
import itertools
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import harness

PACKAGE = Path(harness.__file__).resolve().parent
MAX_LINES = 500


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append((".".join(parts), path))
    return out


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "harness"


def _imports(module: str, path: Path) -> set[str]:
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "harness" or name.startswith("harness.")}


def room_graph() -> dict[str, dict[str, set[str]]]:
    """room -> room it imports -> the files that do."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    known = {name for name, _ in _modules()}
    for module, path in _modules():
        source = _room(module)
        for name in _imports(module, path):
            # ``from harness.x import y``: y may be a module or a name; the room is x either way
            while name not in known and "." in name:
                name = name.rpartition(".")[0]
            target = _room(name)
            if target not in (source, "harness"):
                graph[source][target].add(str(path.relative_to(PACKAGE.parent)))
    return graph


def _cycles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    cycles = []
    for start in sorted(graph):
        stack = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for nxt in sorted(graph.get(node, {})):
                if nxt == start:
                    cycles.append([*trail, start])
                elif nxt not in trail and nxt > start:
                    stack.append((nxt, [*trail, nxt]))
    return cycles


def test_no_import_cycle_between_rooms() -> None:
    graph = room_graph()
    problems = []
    for cycle in _cycles(graph):
        hops = [
            f"{a} -> {b} ({', '.join(sorted(graph[a][b]))})" for a, b in itertools.pairwise(cycle)
        ]
        problems.append(" | ".join(hops))
    assert problems == []


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b": {"x"}}, "b": {"c": {"y"}}, "c": {"a": {"z"}}, "d": {"a": {"w"}}}
    assert _cycles(graph) == [["a", "b", "c", "a"]]


def test_no_module_over_500_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE.parent)): n
        for _, path in _modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_reference_server_is_a_room_apart() -> None:
    # The harness reaches the reference only as a server (HTTP or ASGI), and the reference
    # knows nothing of the harness.
    graph = room_graph()
    # asgi_server (serve an ASGI app on a loopback thread) is a leaf the reference may use.
    assert set(graph.get("reference", {})) <= {"asgi_server"}
    assert set(graph.get("asgi_server", {})) == set()
    users = {room for room, targets in graph.items() if "reference" in targets}
    assert users <= {"targets", "commands"}, users


def test_schemathesis_internals_stay_in_the_compat_module() -> None:
    private = ("schemathesis.core", "schemathesis.engine", "schemathesis.generation", "_")
    offenders = []
    for module, path in _modules():
        if module == "harness.fuzz.compat":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")
                if top[0] in ("schemathesis", "hypothesis") and (
                    any(part.startswith("_") for part in top[1:])
                    or name.startswith(private[:3])
                    or name.startswith("hypothesis.internal")
                ):
                    offenders.append(f"{path.relative_to(PACKAGE.parent)}: {name}")
    assert offenders == []


def test_the_pytest_plugin_costs_nothing_until_asked() -> None:
    code = (
        "import sys, harness.pytest_plugin; "
        "heavy = sorted(m for m in sys.modules if m.startswith(('harness.', 'httpx', "
        "'schemathesis', 'starlette', 'yaml', 'jsonschema')) and m != 'harness.pytest_plugin'); "
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_docs_architecture_names_every_room() -> None:
    """docs/architecture.md's table is drawn from the imports: a new room must appear there."""
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    rooms = {_room(name) for name, _ in _modules()} - {"harness"}
    assert sorted(r for r in rooms if f"`{r}`" not in page) == []
