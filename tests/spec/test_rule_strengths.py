"""Schema-rule strengths in spec/taskrouter-tasks.yaml.

The interface the spec checker reads: any schema object may carry ``x-trc-strength:
inferred`` with ``x-trc-assumption: text`` (a violation under it is an inferred difference);
an object schema may carry ``x-trc-inferred-required: [key, ...]`` (a missing key among those
is an inferred difference). Everything unannotated is documented.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT / "spec" / "taskrouter-tasks.yaml"
SUPPORT_PATH = REPO_ROOT / "spec" / "taskrouter-support.yaml"
STRENGTH = "x-trc-strength"
ASSUMPTION = "x-trc-assumption"
INFERRED_REQUIRED = "x-trc-inferred-required"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return document


def _nodes(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _nodes(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _nodes(value, f"{where}/{index}")


def problems_with_strengths(document: dict[str, Any]) -> list[str]:
    problems = []
    for where, node in _nodes(document):
        if STRENGTH in node and node[STRENGTH] != "inferred":
            problems.append(f"{where}: {STRENGTH} must be 'inferred', got {node[STRENGTH]!r}")
        if STRENGTH in node and not str(node.get(ASSUMPTION) or "").strip():
            problems.append(f"{where}: {STRENGTH} without {ASSUMPTION}")
        if ASSUMPTION in node and STRENGTH not in node:
            problems.append(f"{where}: {ASSUMPTION} without {STRENGTH}")
        if INFERRED_REQUIRED in node:
            keys = node[INFERRED_REQUIRED]
            if not isinstance(keys, list) or not keys:
                problems.append(f"{where}: {INFERRED_REQUIRED} must be a non-empty list")
            elif not set(keys) <= set(node.get("required") or []):
                extra = sorted(set(keys) - set(node.get("required") or []))
                problems.append(f"{where}: {INFERRED_REQUIRED} names keys not required: {extra}")
    return problems


@pytest.mark.parametrize("path", [SPEC_PATH, SUPPORT_PATH], ids=lambda p: p.name)
def test_the_documents_are_still_valid_openapi(path: Path) -> None:
    validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", [SPEC_PATH, SUPPORT_PATH], ids=lambda p: p.name)
def test_every_annotation_is_well_formed(path: Path) -> None:
    assert problems_with_strengths(yaml.safe_load(path.read_text(encoding="utf-8"))) == []


def test_support_required_lists_are_inferred() -> None:
    """Twilio's Worker, Activity and Reservation schemas require nothing either."""
    schemas = yaml.safe_load(SUPPORT_PATH.read_text(encoding="utf-8"))["components"]["schemas"]
    for name, schema in schemas.items():
        if schema.get("required") and not name.endswith("Request"):
            assert set(schema.get(INFERRED_REQUIRED, [])) >= set(schema["required"]) - {
                "message",
                "status",
            }, name


@pytest.mark.parametrize(
    ("patch", "needle"),
    [
        pytest.param({STRENGTH: "documented", ASSUMPTION: "x"}, "must be 'inferred'", id="value"),
        pytest.param({STRENGTH: "inferred"}, "without x-trc-assumption", id="no-assumption"),
        pytest.param({ASSUMPTION: "x"}, "without x-trc-strength", id="no-strength"),
        pytest.param({INFERRED_REQUIRED: ["nope"]}, "not required", id="not-required"),
    ],
)
def test_malformed_annotations_are_found(spec: dict[str, Any], patch: Any, needle: str) -> None:
    document = {"components": {"schemas": {"X": {"type": "object", "required": ["a"], **patch}}}}
    found = problems_with_strengths(document)
    assert any(needle in p for p in found), found


def test_the_four_links_keys_are_inferred(spec: dict[str, Any]) -> None:
    links = spec["components"]["schemas"]["Task"]["properties"]["links"]
    four = {"task_queue", "workflow", "workspace", "reservations"}
    assert set(links[INFERRED_REQUIRED]) == set(links["required"]) == four
    assert all(links["properties"][key][STRENGTH] == "inferred" for key in four)


def test_every_addition_to_the_official_required_lists_is_inferred(spec: dict[str, Any]) -> None:
    """The official schemas have no `required` list at all: every one here is an assumption."""
    schemas = spec["components"]["schemas"]
    for name in ("Task", "TaskList", "ListMeta"):
        assert set(schemas[name][INFERRED_REQUIRED]) == set(schemas[name]["required"]), name
    # Twilio's response page gives status and message; code and more_info "if present".
    assert set(schemas["Error"][INFERRED_REQUIRED]) == {"code", "more_info"}


def test_assumed_bounds_are_inferred(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["CreateTaskRequest"]["properties"]["Timeout"][STRENGTH] == "inferred"
    meta = schemas["ListMeta"]["properties"]
    assert meta["key"][STRENGTH] == meta["page"][STRENGTH] == meta["page_size"][STRENGTH]
    assert spec["components"]["headers"]["ETag"]["schema"][STRENGTH] == "inferred"
