"""Validators for Task parameters: each returns a clean value or raises a Twilio 400."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from harness.reference.errors import bad_request

STATUSES = ("pending", "reserved", "assigned", "canceled", "completed", "wrapping")
MAX_PRIORITY = 2_147_483_647
MAX_TIMEOUT = 1_209_600
DEFAULT_TIMEOUT = 86_400
MAX_ATTRIBUTES_LENGTH = 4096
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50
_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
#: Longest echo of a client's value in an error message (a 1 MB value is not sent back).
MAX_SHOWN = 64
#: Significant digits beyond which an integer is out of range without being converted
#: (``int()`` refuses more than ``sys.get_int_max_str_digits()`` digits: a 500, not a 400).
_MAX_DIGITS = 40
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$"
)
_SID_PATTERN = "^{prefix}[0-9a-fA-F]{{32}}$"


def shown(value: str) -> str:
    """``value`` as quoted in an error message: at most MAX_SHOWN characters."""
    if len(value) <= MAX_SHOWN:
        return value
    return f"{value[:MAX_SHOWN]}... ({len(value)} characters)"


def sid_matches(value: str, prefix: str) -> bool:
    return re.fullmatch(_SID_PATTERN.format(prefix=prefix)[1:-1], value) is not None


def parse_sid(name: str, value: str, prefix: str) -> str:
    if not sid_matches(value, prefix):
        raise bad_request(
            f"Invalid {name} '{shown(value)}': expected a {prefix} SID ({prefix} + 32 hex digits)"
        )
    return value


def parse_int(name: str, value: str, minimum: int, maximum: int) -> int:
    """An ASCII decimal integer in ``[minimum, maximum]``; any other text is a 400 (20001),
    however many digits it has."""
    text = value.strip()
    if not _INT.fullmatch(text):
        raise bad_request(f"Invalid {name} '{shown(value)}': expected an integer")
    out_of_range = f"must be between {minimum} and {maximum}"
    digits = text.lstrip("+-").lstrip("0") or "0"
    if len(digits) > _MAX_DIGITS:
        raise bad_request(f"Invalid {name} '{shown(text)}': {out_of_range}")
    number = -int(digits) if text.startswith("-") else int(digits)
    if not minimum <= number <= maximum:
        raise bad_request(f"Invalid {name} {number}: {out_of_range}")
    return number


def parse_attributes(value: str) -> tuple[str, dict[str, Any]]:
    """A JSON object string of at most 4096 characters; returns it and its parsed form."""
    if len(value) > MAX_ATTRIBUTES_LENGTH:
        raise bad_request(
            f"Invalid Attributes: {len(value)} characters exceeds the maximum of "
            f"{MAX_ATTRIBUTES_LENGTH}"
        )
    try:
        parsed = json.loads(value)
    except (json.JSONDecodeError, RecursionError) as exc:
        message = getattr(exc, "msg", "too deeply nested")
        raise bad_request(f"Invalid Attributes: not valid JSON ({message})") from None
    if not isinstance(parsed, dict):
        raise bad_request("Invalid Attributes: must be a JSON object")
    return value, parsed


def parse_date_time(name: str, value: str, now: float, allow_future: bool = False) -> float:
    """An ISO 8601 date-time, not before the year 1900 and (unless ``allow_future``) not in
    the future."""
    match = _ISO.match(value.strip())
    if not match:
        raise bad_request(f"Invalid {name} '{shown(value)}': expected an ISO 8601 date-time")
    text = value.strip().replace(" ", "T")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise bad_request(f"Invalid {name} '{shown(value)}': not a valid date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment.year < 1900:
        raise bad_request(f"Invalid {name} '{shown(value)}': must not be before the year 1900")
    epoch = moment.timestamp()
    if epoch > now + 1 and not allow_future:
        raise bad_request(f"Invalid {name} '{shown(value)}': must not be in the future")
    return epoch


def parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise bad_request(f"Invalid {name} '{shown(value)}': expected true or false")


def parse_statuses(values: list[str]) -> list[str]:
    """``AssignmentStatus`` as repeated keys and/or comma lists."""
    statuses = [s.strip() for value in values for s in value.split(",")]
    for status in statuses:
        if status not in STATUSES:
            raise bad_request(
                f"Invalid AssignmentStatus '{shown(status)}': must be one of {', '.join(STATUSES)}"
            )
    return statuses


def ignore_capacity_flag(value: str) -> bool:
    """Twilio's lenient boolean: ``true``, ``1`` or ``yes`` are true; anything else is false
    (``IgnoreCapacity`` on create, ``Available`` on the worker list)."""
    return value.strip().lower() in ("true", "1", "yes")
