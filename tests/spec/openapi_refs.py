"""Local ``$ref`` handling for the spec tests (JSON pointers into one OpenAPI document)."""

from __future__ import annotations

from typing import Any


def json_pointer(doc: Any, pointer: str) -> Any:
    """Resolve a local JSON pointer (``#/a/b``) in ``doc``; KeyError/IndexError if absent."""
    assert pointer.startswith("#"), pointer
    node = doc
    for raw in pointer[1:].split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def resolve(doc: dict[str, Any], node: Any) -> Any:
    """Follow ``$ref`` (possibly chained) until a non-reference node is reached."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref not in seen, f"$ref cycle at {ref}"
        seen.add(ref)
        node = json_pointer(doc, ref)
    return node


def deref(doc: dict[str, Any], node: Any) -> Any:
    """A deep copy of ``node`` with every local ``$ref`` inlined (the specs have no cycles)."""
    node = resolve(doc, node)
    if isinstance(node, dict):
        return {key: deref(doc, value) for key, value in node.items()}
    if isinstance(node, list):
        return [deref(doc, value) for value in node]
    return node
