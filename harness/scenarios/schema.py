"""The scenario file format as a JSON Schema: ``scenario.schema.json``, shipped in the package.

The schema says everything about a scenario's structure (keys, types, enums, the shapes of
steps, expectations, matchers and relations); the loader adds what a schema cannot know
(clause ids, saved variables, placeholders, paths and expressions). Editors can use the same
file (see scenarios/README.md).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema.protocols import Validator

from harness.yamlsrc import schema_validator

SCHEMA_FILE = "scenario.schema.json"


@cache
def scenario_schema() -> dict[str, Any]:
    """The parsed schema (Draft 2020-12)."""
    text = resources.files("harness.scenarios").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def scenario_validator() -> Validator:
    return schema_validator(scenario_schema())
