"""JSON Schema of ``report.json`` (``docs/report-schema.json`` is generated from ``SCHEMA``).

Regenerate the document after a change (a test fails when they differ):

    python -m harness.report.schema > docs/report-schema.json
 Versioning: ``schema_version`` is bumped when a field is
removed, renamed or changes meaning; new optional fields do not bump it (objects other than the
top level and the score/gate blocks accept additional properties, so readers must ignore what
they do not know).
"""

from __future__ import annotations

import json
from typing import Any

FORMAT = "trc-report"
SCHEMA_VERSION = 1
SCHEMA_ID = "https://taskrouter-conformance.invalid/schemas/report-1.json"

_STATUS = {"enum": ["pass", "fail", "error", "unsupported", "skipped"]}
_STR_OR_NULL = {"type": ["string", "null"]}
_NUM_OR_NULL = {"type": ["number", "null"]}
_INT_OR_NULL = {"type": ["integer", "null"]}
_STRINGS = {"type": "array", "items": {"type": "string"}}


def _obj(required: dict[str, Any], optional: dict[str, Any] | None = None, **extra: Any) -> dict:
    return {
        "type": "object",
        "required": sorted(required),
        "properties": {**required, **(optional or {})},
        **extra,
    }


_REQUEST = _obj(
    {
        "method": {"type": "string"},
        "url": {"type": "string"},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    {"body": _STR_OR_NULL},
)
_RESPONSE = _obj(
    {
        "status": {"type": "integer"},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    {"body": {}},
)
_EXCHANGE = _obj(
    {"step": {"type": "string"}, "request": {"$ref": "#/$defs/request"}},
    {
        "response": {"anyOf": [{"$ref": "#/$defs/response"}, {"type": "null"}]},
        "duration_s": {"type": "number"},
        "error": _STR_OR_NULL,
    },
)
_FAILURE = _obj(
    {"step": {"type": "string"}, "expectation": {"type": "string"}},
    {"expected": {}, "actual": {}, "message": {"type": "string"}},
)
_FIELD_VERDICT = _obj(
    {
        "operation": {"type": "string"},
        "field": {"type": "string"},
        "verdict": {
            "enum": ["equal", "normalised-equal", "type-only", "missing", "extra", "different"]
        },
    },
    {"exchange": _STR_OR_NULL, "expected": {}, "actual": {}, "detail": _STR_OR_NULL},
)
_OPERATION = _obj({"operation": {"type": "string"}, "status": _STATUS})
_EXPECTED = _obj(
    {"entry": {"type": "integer"}, "match": {"type": "string"}, "reason": {"type": "string"}}
)
_CASE = _obj(
    {
        "target": {"type": "string"},
        "id": {"type": "string"},
        "title": {"type": "string"},
        "phase": {"type": "string"},
        "category": {"type": "string"},
        "feature": {"type": "string"},
        "status": _STATUS,
        "strength": {"enum": ["documented", "inferred"]},
        "effective_strength": {"enum": ["documented", "inferred"]},
        "weight": {"type": "integer", "minimum": 0},
        "counted": {"type": "boolean"},
        "clauses": {
            "type": "array",
            "items": _obj({"id": {"type": "string"}, "strength": {"type": "string"}}),
        },
        "operations": {"type": "array", "items": {"$ref": "#/$defs/operation"}},
        "expected_deviation": {"anyOf": [{"$ref": "#/$defs/expected"}, {"type": "null"}]},
        "failure": {"anyOf": [{"$ref": "#/$defs/failure"}, {"type": "null"}]},
        "exchanges": {"type": "array", "items": {"$ref": "#/$defs/exchange"}},
        "fields": {"type": "array", "items": {"$ref": "#/$defs/field_verdict"}},
        "curl": _STR_OR_NULL,
    },
    {
        "duration_s": {"type": "number"},
        "tags": _STRINGS,
        "source": _STR_OR_NULL,
        "note": _STR_OR_NULL,
        "reason": _STR_OR_NULL,
        "exchange_count": {"type": "integer"},
        "warnings": _STRINGS,
    },
)
_COUNTS = _obj(
    {
        k: {"type": "integer", "minimum": 0}
        for k in ("pass", "fail", "error", "unsupported", "skipped", "expected_deviation")
    },
    additionalProperties=False,
)
_SCORE = _obj(
    {
        "value": {"type": ["number", "null"], "minimum": 0, "maximum": 100},
        "display": {"type": "string"},
        "earned": {"type": "integer", "minimum": 0},
        "possible": {"type": "integer", "minimum": 0},
        "counted": {"type": "integer", "minimum": 0},
        "passed": {"type": "integer", "minimum": 0},
        "failed": {"type": "integer", "minimum": 0},
        "errors": {"type": "integer", "minimum": 0},
        "could_not_run": {"type": "integer", "minimum": 0},
        "unsupported": {"type": "integer", "minimum": 0},
        "excluded": {"type": "integer", "minimum": 0},
        "expected_deviations": {"type": "integer", "minimum": 0},
        "weights": {"type": "object", "additionalProperties": {"type": "integer"}},
        "by_strength": {"type": "object"},
        "lost": {
            "type": "array",
            "items": _obj(
                {"id": {"type": "string"}, "status": _STATUS, "weight": {"type": "integer"}}
            ),
        },
        "formula": {"type": "string"},
    },
    additionalProperties=False,
)
_CELL = _obj(
    {
        **{k: {"type": "integer"} for k in ("pass", "fail", "error", "unsupported", "skipped")},
        "expected": {"type": "integer"},
        "cases": {"type": "integer"},
        "ids": _STRINGS,
        "state": {"enum": ["fail", "deviation", "incomplete", "pass", "unsupported", "none"]},
    }
)
_MATRIX = _obj(
    {
        "rows": _STRINGS,
        "columns": _STRINGS,
        "cells": {
            "type": "object",
            "additionalProperties": {"type": "object", "additionalProperties": _CELL},
        },
    }
)
_FIELD_MATRIX = {
    "anyOf": [
        {"type": "null"},
        _obj(
            {
                "rows": _STRINGS,
                "columns": _STRINGS,
                "cells": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": _obj(
                            {"state": {"enum": ["fail", "partial", "pass", "none"]}}
                        ),
                    },
                },
            }
        ),
    ]
}
_CHECK = _obj(
    {
        "name": {"enum": ["ran", "reachable", "conformance", "regressions", "fail-under"]},
        "passed": {"type": "boolean"},
        "detail": {"type": "string"},
    }
)
_PHASE = _obj(
    {
        "name": {"type": "string"},
        "status": {"enum": ["ran", "unavailable", "not-run", "interrupted", "error"]},
        "reason": _STR_OR_NULL,
    },
    {"cases": {"type": "integer"}, "seed": _INT_OR_NULL, "summary": {"type": "object"}},
)
_TARGET = _obj(
    {
        "label": {"type": "string"},
        "spec": {"type": "string"},
        "kind": {"enum": ["embedded", "url", "cassette"]},
        "base_url": _STR_OR_NULL,
        "faults": _STRINGS,
        "profile": _STR_OR_NULL,
        "reachable": {"type": "boolean"},
        "error": _STR_OR_NULL,
        "seed": _INT_OR_NULL,
        "phases": {"type": "array", "items": {"$ref": "#/$defs/phase"}},
        "counts": {"$ref": "#/$defs/counts"},
        "score": {"$ref": "#/$defs/score"},
        "matrix": {"$ref": "#/$defs/matrix"},
        "field_matrix": {"$ref": "#/$defs/field_matrix"},
        "gate": _obj(
            {
                "passed": {"type": "boolean"},
                "checks": {"type": "array", "items": {"$ref": "#/$defs/check"}},
            }
        ),
    },
    {
        "run_tag": _STR_OR_NULL,
        "started_at": _STR_OR_NULL,
        "finished_at": _STR_OR_NULL,
        "duration_s": {"type": "number"},
        "interrupted": {"type": "boolean"},
        "cleanup": {"type": "object", "additionalProperties": {"type": "integer"}},
        "warnings": _STRINGS,
    },
)
_CHANGE = _obj(
    {"id": {"type": "string"}, "before": _STR_OR_NULL, "after": _STR_OR_NULL},
    {"phase": {"type": "string"}, "message": {"type": "string"}},
)
_TARGET_DIFF = _obj(
    {
        "target": _STR_OR_NULL,
        "score_before": _NUM_OR_NULL,
        "score_after": _NUM_OR_NULL,
        "score_delta": _NUM_OR_NULL,
        **{
            k: {"type": "array", "items": _CHANGE}
            for k in ("new_failures", "regressions", "fixes", "changed", "added", "removed")
        },
    },
    {"target_before": _STR_OR_NULL, "target_after": _STR_OR_NULL},
)

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "taskrouter-conformance run report (report.json)",
    "description": "One document per `trc run`: configuration (redacted), targets, every case "
    "with its clauses and evidence, per-target score, parity matrices and gate. "
    "Formula of the score: docs/scoring.md. Gate and exit codes: docs/ci.md.",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "format",
        "schema_version",
        "harness",
        "run",
        "config",
        "seed",
        "phases",
        "selection",
        "score",
        "targets",
        "cases",
        "clauses",
        "comparison",
        "deviations",
        "baseline",
        "gate",
        "warnings",
    ],
    "properties": {
        "format": {"const": FORMAT},
        "schema_version": {"const": SCHEMA_VERSION},
        "harness": _obj(
            {"name": {"type": "string"}, "version": {"type": "string"}},
            {"python": {"type": "string"}},
        ),
        "run": _obj(
            {
                "run_id": {"type": "string"},
                "started_at": {"type": "string"},
                "finished_at": _STR_OR_NULL,
                "duration_s": {"type": "number"},
                "interrupted": {"type": "boolean"},
                "rerun_of": _STR_OR_NULL,
            }
        ),
        "config": {
            "type": "object",
            "description": "The run's options as given, redacted (auth tokens never appear); "
            "`trc rerun` reads it back.",
            "properties": {
                "targets": _STRINGS,
                "auth_token": {"enum": [None, "<redacted>"]},
            },
        },
        "seed": {
            "type": ["integer", "null"],
            "description": "The fuzz seed used (null when no fuzz phase ran).",
        },
        "phases": {"type": "array", "items": {"$ref": "#/$defs/phase"}},
        "selection": {"type": "object"},
        "score": {"$ref": "#/$defs/score"},
        "targets": {"type": "array", "items": {"$ref": "#/$defs/target"}},
        "cases": {"type": "array", "items": {"$ref": "#/$defs/case"}},
        "clauses": {
            "type": "object",
            "additionalProperties": _obj(
                {"quote": _STR_OR_NULL, "strength": _STR_OR_NULL},
                {
                    "section": _STR_OR_NULL,
                    "category": _STR_OR_NULL,
                    "source": _STR_OR_NULL,
                    "assumption": _STR_OR_NULL,
                },
            ),
        },
        "comparison": {
            "anyOf": [
                {"type": "null"},
                _obj(
                    {
                        "targets": _STRINGS,
                        "differing": {"type": "integer"},
                        "rows": {
                            "type": "array",
                            "items": _obj(
                                {
                                    "id": {"type": "string"},
                                    "statuses": {
                                        "type": "object",
                                        "additionalProperties": {
                                            "anyOf": [_STATUS, {"type": "null"}]
                                        },
                                    },
                                    "differs": {"type": "boolean"},
                                }
                            ),
                        },
                    }
                ),
            ]
        },
        "deviations": {
            "anyOf": [
                {"type": "null"},
                _obj(
                    {
                        "file": _STR_OR_NULL,
                        "entries": {"type": "array"},
                        "expected": {"type": "array"},
                        "stale": {"type": "array"},
                        "unmatched": {"type": "array"},
                    }
                ),
            ]
        },
        "baseline": {
            "anyOf": [
                {"type": "null"},
                _obj(
                    {
                        "file": _STR_OR_NULL,
                        "run_id": _STR_OR_NULL,
                        "targets": {"type": "array", "items": _TARGET_DIFF},
                        "regressions": {"type": "integer"},
                    }
                ),
            ]
        },
        "gate": _obj(
            {
                "passed": {"type": "boolean"},
                "exit_code": {"enum": [0, 1, 2, 3, 130]},
                "mode": {"enum": ["conformance", "baseline"]},
                "fail_under": _NUM_OR_NULL,
                "failed_checks": _STRINGS,
                "summary": {"type": "string"},
            }
        ),
        "warnings": _STRINGS,
    },
    "$defs": {
        "request": _REQUEST,
        "response": _RESPONSE,
        "exchange": _EXCHANGE,
        "failure": _FAILURE,
        "field_verdict": _FIELD_VERDICT,
        "operation": _OPERATION,
        "expected": _EXPECTED,
        "case": _CASE,
        "counts": _COUNTS,
        "score": _SCORE,
        "matrix": _MATRIX,
        "field_matrix": _FIELD_MATRIX,
        "check": _CHECK,
        "phase": _PHASE,
        "target": _TARGET,
    },
}


def schema_text() -> str:
    return json.dumps(SCHEMA, indent=2) + "\n"


def validate_document(document: Any) -> list[str]:
    """Schema violations of ``document`` ("path: message"), most specific first; [] if valid."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(document), key=lambda e: -len(list(e.absolute_path)))
    out = []
    for error in errors:
        path = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        out.append(f"{path}: {error.message}")
    return out


if __name__ == "__main__":
    print(schema_text(), end="")
