"""What the checks of the separate spec parts (taskrouter-support.yaml, taskrouter-events.yaml)
share: loading, walking operations, schemas, and the document-shape checks both apply."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.spec.openapi_refs import deref, resolve

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@cache
def load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fd:
        return yaml.safe_load(fd)


def operations(doc: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (method, path, operation object), for the paths (not the callbacks)."""
    found = {}
    for path, item in doc["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                found[item[method]["operationId"]] = (method, path, item[method])
    return found


def parameters(doc: dict[str, Any], op: dict[str, Any]) -> list[dict[str, Any]]:
    return [resolve(doc, raw) for raw in op.get("parameters", [])]


def body_schema(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, Any] | None:
    if "requestBody" not in op:
        return None
    body = resolve(doc, op["requestBody"])
    return resolve(doc, body["content"]["application/x-www-form-urlencoded"]["schema"])


def schema_errors(doc: dict[str, Any], schema: dict[str, Any], instance: Any) -> list[str]:
    from openapi_schema_validator import OAS30Validator, oas30_format_checker

    validator = OAS30Validator(deref(doc, schema), format_checker=oas30_format_checker)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


def check_declared_responses(spec: dict[str, Any], declared: dict[str, set[str]]) -> None:
    """Each operation declares exactly these statuses; errors by the shared responses."""
    for op_id, (_, _, op) in operations(spec).items():
        assert set(op["responses"]) == declared[op_id], op_id
        for status, ref in (("400", "BadRequest"), ("401", "Unauthorized"), ("404", "NotFound")):
            if status in op["responses"]:
                assert op["responses"][status] == {"$ref": f"#/components/responses/{ref}"}


def check_unsupported_methods(spec: dict[str, Any]) -> None:
    """Every path lists the methods it does not serve, answered by MethodNotAllowed."""
    for path, item in spec["paths"].items():
        listed = {m.lower() for m in item["x-trc-unsupported-methods"]["methods"]}
        declared = {m for m in HTTP_METHODS if m in item}
        assert not listed & declared, path
        assert listed | declared >= {"get", "post", "put", "patch", "delete"}, path
        assert item["x-trc-unsupported-methods"]["response"] == (
            "#/components/responses/MethodNotAllowed"
        ), path
