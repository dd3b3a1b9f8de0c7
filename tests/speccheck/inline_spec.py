"""A small OpenAPI document carrying the ``x-trc-*`` strength annotations, for tests."""

from __future__ import annotations

import copy
from typing import Any

TASK_PATH = "/v1/Workspaces/{WorkspaceSid}/Tasks"
TASK = "#/components/schemas/Task"

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "inline", "version": "1"},
    "paths": {
        TASK_PATH: {
            "post": {
                "operationId": "CreateTask",
                "responses": {
                    "201": {
                        "description": "created",
                        "headers": {"ETag": {"required": True, "schema": {"type": "string"}}},
                        "content": {"application/json": {"schema": {"$ref": TASK}}},
                    }
                },
            },
            "get": {
                "operationId": "ListTask",
                "responses": {
                    "200": {
                        "description": "page",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "tasks": {"type": "array", "items": {"$ref": TASK}}
                                    },
                                }
                            }
                        },
                    }
                },
            },
        },
        TASK_PATH + "/{Sid}": {
            "get": {
                "operationId": "FetchTask",
                "responses": {
                    "200": {
                        "description": "task",
                        "content": {"application/json": {"schema": {"$ref": TASK}}},
                    }
                },
            },
            "delete": {"operationId": "DeleteTask", "responses": {"204": {"description": "gone"}}},
        },
    },
    "components": {
        "schemas": {
            "Task": {
                "type": "object",
                "required": ["sid", "priority", "age"],
                "x-trc-inferred-required": ["age"],
                "x-trc-assumption": "age is assumed always present",
                "properties": {
                    "sid": {"type": "string", "pattern": "^WT[0-9a-fA-F]{32}$"},
                    "priority": {"type": "integer"},
                    "age": {"type": "integer"},
                    "links": {"$ref": "#/components/schemas/Links"},
                    "routing": {
                        "type": "object",
                        "nullable": True,
                        "x-trc-strength": "inferred",
                        "x-trc-assumption": "routing is an object",
                        "properties": {"target": {"type": "string"}},
                    },
                },
            },
            "Links": {
                "type": "object",
                "x-trc-strength": "inferred",
                "x-trc-assumption": "the four links keys are assumed from the SDK mocks",
                "required": ["task_queue"],
                "properties": {"task_queue": {"type": "string", "format": "uri"}},
            },
        }
    },
}


def document() -> dict[str, Any]:
    return copy.deepcopy(DOCUMENT)
