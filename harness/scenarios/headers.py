"""Header expectations: ``present``, ``absent``, ``equals`` and ``matches``."""

from __future__ import annotations

import re
from typing import Any

import httpx

from harness.scenarios.interpolate import to_text
from harness.scenarios.matchers import Mismatch


def check_header(name: str, rule: str, expected: Any, headers: httpx.Headers) -> Mismatch | None:
    """How the response's ``name`` header breaks ``rule`` (``expected`` already rendered)."""
    actual = headers.get(name)
    if rule == "present":
        if actual is not None:
            return None
        return Mismatch("<present>", None, f"expected a {name} header")
    if rule == "absent":
        if actual is None:
            return None
        return Mismatch("<absent>", actual, f"expected no {name} header, got {actual!r}")
    if actual is None:
        return Mismatch(expected, None, f"expected a {name} header")
    if rule == "equals":
        if actual == to_text(expected):
            return None
        return Mismatch(expected, actual, f"expected {name}: {to_text(expected)!r}, got {actual!r}")
    if re.search(str(expected), actual):
        return None
    return Mismatch(
        {"matches": expected}, actual, f"expected {name} matching /{expected}/, got {actual!r}"
    )
