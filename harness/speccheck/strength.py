"""How sure the spec is of a rule: the ``x-trc-strength`` annotations of the OpenAPI document.

Any schema object may carry ``x-trc-strength: inferred`` (and ``x-trc-assumption: <text>``):
every validation error whose schema path passes through or ends at that object is inferred.
An object schema may carry ``x-trc-inferred-required: [key, ...]``: a ``required`` error for
one of those keys is inferred. Everything else is documented.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError

from harness.results.vocab import Strength

STRENGTH_KEY = "x-trc-strength"
ASSUMPTION_KEY = "x-trc-assumption"
INFERRED_REQUIRED_KEY = "x-trc-inferred-required"
_REQUIRED = re.compile(r"^(?P<key>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\") is a required property")


@dataclass(frozen=True)
class SpecProblem:
    """One way a response differs from the spec."""

    message: str
    #: the rule broken: a JSON pointer into the OpenAPI document, ending at the keyword
    rule: str
    strength: Strength = Strength.DOCUMENTED
    #: why an inferred rule is assumed (``x-trc-assumption``), when the spec says
    assumption: str | None = None

    @property
    def inferred(self) -> bool:
        return self.strength is Strength.INFERRED


def marked_inferred(node: Any) -> str | None:
    """The assumption text ("" when none is given) if ``node`` is marked inferred, else None."""
    if isinstance(node, dict) and str(node.get(STRENGTH_KEY, "")).lower() == "inferred":
        return str(node.get(ASSUMPTION_KEY) or "")
    return None


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _at(document: Any, pointer: str) -> Any:
    node = document
    for token in pointer.lstrip("/").split("/"):
        if token == "":
            continue
        node = node[int(token)] if isinstance(node, list) else node[_unescape(token)]
    return node


def _missing_key(error: ValidationError) -> str | None:
    match = _REQUIRED.match(error.message)
    if match is None:
        return None
    try:
        value = ast.literal_eval(match.group("key"))
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def error_strength(
    document: Any, root_pointer: str, error: ValidationError
) -> tuple[Strength, str, str | None]:
    """``(strength, rule, assumption)`` of one validation error of the schema at
    ``root_pointer`` (the validator's root is ``{"$ref": "<uri>#<root_pointer>"}``)."""
    node: Any = _at(document, root_pointer)
    pointer = root_pointer
    marks: list[str] = []

    def follow(start: Any, where: str) -> tuple[Any, str]:
        """Mark ``start`` and every schema its ``$ref``s lead to; the last one and its pointer."""
        current = start
        for _ in range(20):
            found = marked_inferred(current)
            if found is not None:
                marks.append(found)
            ref = current.get("$ref") if isinstance(current, dict) else None
            if not isinstance(ref, str):
                break
            fragment = ref.split("#", 1)[1] if "#" in ref else ""
            try:
                current, where = _at(document, fragment), fragment
            except (KeyError, IndexError, TypeError, ValueError):
                break
        return current, where

    node, pointer = follow(node, pointer)
    tokens = [t for t in error.schema_path if t != "$ref"]
    for index, token in enumerate(tokens):
        if index == len(tokens) - 1:  # the keyword that failed
            pointer += f"/{token}"
            break
        try:
            node = node[token] if isinstance(node, list | dict) else None
        except (KeyError, IndexError, TypeError):
            break
        node, pointer = follow(node, f"{pointer}/{token}")
    assumption = next((m for m in marks if m), "" if marks else None)
    if assumption is None and error.validator == "required" and isinstance(node, dict):
        key = _missing_key(error)
        listed = node.get(INFERRED_REQUIRED_KEY) or []
        if key is not None and key in listed:
            assumption = str(node.get(ASSUMPTION_KEY) or f"{key} is assumed to be required")
    rule = f"#{pointer}"
    if assumption is None:
        return Strength.DOCUMENTED, rule, None
    return Strength.INFERRED, rule, assumption or None
