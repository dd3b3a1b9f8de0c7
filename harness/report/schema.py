"""JSON Schema of ``report.json``, generated from the report model (harness/report/model/).

docs/report-schema.json is this module's output; regenerate it after a change to the model (a
test fails when they differ)::

    python -m harness.report.schema > docs/report-schema.json

Every property the harness writes is listed as required (the writer always writes every
field); readers must ignore properties they do not know, so objects other than the top level
and the counts and score blocks allow additional properties. Versioning: ``schema_version`` is
bumped when a field is removed, renamed or changes meaning; new fields do not bump it.
"""

from __future__ import annotations

import json
from typing import Any

from harness.report.model import FORMAT, SCHEMA_VERSION, adapter

__all__ = ["FORMAT", "SCHEMA_ID", "SCHEMA_VERSION", "schema", "schema_text", "validate_document"]

SCHEMA_ID = f"https://taskrouter-conformance.invalid/schemas/report-{SCHEMA_VERSION}.json"
TITLE = "taskrouter-conformance run report (report.json)"


def _tidy(node: Any) -> Any:
    """Every written property required; pydantic's per-property titles dropped."""
    if isinstance(node, list):
        return [_tidy(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _tidy(value) for key, value in node.items()}
    properties = out.get("properties")
    if isinstance(properties, dict):
        for value in properties.values():
            if isinstance(value, dict):
                value.pop("title", None)
        out["required"] = list(properties)
    return out


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of report.json."""
    generated = _tidy(adapter().json_schema(mode="serialization"))
    generated.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": TITLE,
        **generated,
    }


def schema_text() -> str:
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


def validate_document(document: Any) -> list[str]:
    """Violations of the JSON Schema by ``document`` ("path: message"), most specific first;
    [] when it is valid. (``load_report`` validates with the model itself; this checks what a
    third-party reader of report.json would check.)"""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: -len(list(e.absolute_path)))
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top level)'}: {error.message}"
        for error in errors
    ]


if __name__ == "__main__":
    print(schema_text(), end="")
