"""Load one ``expect:`` block through the real scenario loader (the JSON Schema and the
loader's own checks) and return its one-line problem, or None when it loads."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from harness.scenarios.loader import ScenarioLoadError, load_file_scenarios

HEAD = "id: demo.x\ntitle: t\nclauses: [task.a]\n"


def expect_problem(expect: dict[str, Any]) -> str | None:
    """The loader's message for a GET step with this ``expect``, after a step that saves
    ``saved``, ``sid`` and ``name`` (None: it loads)."""
    text = (
        HEAD
        + "steps:\n  - name: first\n    request: {method: GET, path: /x}\n"
        + "    save: {saved: a, sid: b, name: c}\n"
        + "  - name: s\n    request: {method: GET, path: /x}\n"
        + f"    expect: {json.dumps(expect)}\n"
    )
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = root / "demo" / "case.yaml"
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
        try:
            load_file_scenarios(path, root, {"task.a": object()})
        except ScenarioLoadError as exc:
            return str(exc)
    return None


def matcher_problem(spec: Any) -> str | None:
    return expect_problem({"status": 200, "json": {"sid": spec}})


def relation_problem(relation: Any) -> str | None:
    return expect_problem({"status": 200, "relations": [relation]})
