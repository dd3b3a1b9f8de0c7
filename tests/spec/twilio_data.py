"""Twilio's own material kept in the repository as test data (``tests/data/``), with its
provenance: the response bodies Twilio documents for the Task resource and an excerpt of the
official OpenAPI description (twilio/twilio-oai at a named commit)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data"
EXAMPLES_PATH = DATA / "twilio-documented-examples.json"
OAI_PATH = DATA / "twilio-oai-task.json"
#: Twilio's own placeholders, used by every documented body.
WORKSPACE = "WS" + "a" * 32
TASK = "WT" + "a" * 32
LIST_URL = f"https://taskrouter.twilio.com/v1/Workspaces/{WORKSPACE}/Tasks"
INSTANCE_URL = f"{LIST_URL}/{TASK}"


@cache
def documented_examples() -> dict[str, Any]:
    """The fixture as stored: ``about``, ``origins``, ``fields``, ``examples``."""
    data: dict[str, Any] = json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))
    return data


@cache
def oai_excerpt() -> dict[str, Any]:
    """The official OpenAPI excerpt (paths, Task schemas, security) with its provenance."""
    data: dict[str, Any] = json.loads(OAI_PATH.read_text(encoding="utf-8"))
    return data


def exchange_for(example: dict[str, Any]) -> tuple[str, str, int]:
    """(method, url, status) under which a documented body is judged.

    The SDK mocks and the official examples name their operation and status; a block of the
    doc page has neither, so a single Task is read as a fetch (200) and a list as a list (200).
    """
    op = example["op"].lower()
    kind = example["kind"]
    status = example["status"]
    if kind == "list":
        return "GET", LIST_URL, status or 200
    if kind == "delete":
        return "DELETE", INSTANCE_URL, status or 204
    if op.startswith("create"):
        return "POST", LIST_URL, status or 201
    if op.startswith("update"):
        return "POST", INSTANCE_URL, status or 200
    return "GET", INSTANCE_URL, status or 200


def tasks_of(example: dict[str, Any]) -> list[dict[str, Any]]:
    """The Task representations a documented body holds (one, or a list page's items)."""
    body = example["body"]
    if example["kind"] == "task":
        return [body]
    if example["kind"] == "list":
        return list(body["tasks"])
    return []
