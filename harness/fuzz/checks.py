"""TaskRouter checks the spec cannot express, run next to schemathesis' own.

They are passed per call (``additional_checks``), never registered globally, so they cannot
leak into other users of schemathesis in the same process.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from harness.fuzz.compat import KeyedFailure, Severity
from harness.fuzz.steering import attributes_are_invalid

#: Operations whose form body carries Attributes.
ATTRIBUTES_OPERATIONS = frozenset({"CreateTask", "UpdateTask"})


class InvalidAttributesAccepted(KeyedFailure):
    """A create/update with Attributes that are not a JSON object got a 2xx (one finding per
    status code)."""

    code = "ST901"
    checks = ("invalid_attributes_rejection",)
    kind_title = "Invalid Attributes accepted"

    def __init__(self, *, operation: str, message: str, status_code: int) -> None:
        super().__init__(
            operation=operation, message=message, key=str(status_code), severity=Severity.HIGH
        )
        self.status_code = status_code


def sent_form(response: Any) -> dict[str, str]:
    """The form fields as they went on the wire (last value of repeated keys)."""
    request = getattr(response, "request", None)
    body = getattr(request, "body", None)
    if not body:
        return {}
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    headers = getattr(request, "headers", {}) or {}
    if "form-urlencoded" not in str(headers.get("Content-Type", "")):
        return {}
    return dict(parse_qsl(str(body), keep_blank_values=True))


def sent_invalid_attributes(response: Any, case: Any) -> str | None:
    """The Attributes value the request carried, when it is not a JSON object."""
    if case.operation.definition.raw.get("operationId") not in ATTRIBUTES_OPERATIONS:
        return None
    value = sent_form(response).get("Attributes")
    if value is not None and attributes_are_invalid(value):
        return value
    return None


def invalid_attributes_rejection(ctx: Any, response: Any, case: Any) -> bool | None:
    """Attributes that do not parse as a JSON object (or exceed 4096 characters) must be
    rejected (clauses task.validation.attributes-json, task.limits.attributes-length)."""
    value = sent_invalid_attributes(response, case)
    if value is None or not 200 <= response.status_code < 300:
        return None
    shown = value if len(value) <= 60 else value[:57] + "..."
    raise InvalidAttributesAccepted(
        operation=case.operation.label,
        message=f"Attributes that are not a JSON object were accepted with "
        f"{response.status_code} (expected 400, code 20001): Attributes={shown!r}",
        status_code=response.status_code,
    )


CUSTOM_CHECKS = (invalid_attributes_rejection,)
