"""Strict parsing of query strings and form bodies, keeping repeated keys."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl

from harness.reference.errors import bad_request


class Params:
    """Request parameters by name, in order, repeated keys kept."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for key, value in pairs:
            self._values.setdefault(key, []).append(value)

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def names(self) -> list[str]:
        return list(self._values)

    def all(self, name: str) -> list[str]:
        return list(self._values.get(name, []))

    def one(self, name: str) -> str | None:
        """The single value of ``name``; a repeated scalar parameter is a 400."""
        values = self._values.get(name)
        if not values:
            return None
        if len(values) > 1:
            raise bad_request(f"Parameter '{name}' may be given only once")
        return values[0]


def parse_pairs(raw: bytes | str, what: str) -> Params:
    """Parse ``application/x-www-form-urlencoded`` data, 400 on undecodable input."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad_request(f"Malformed {what}: {exc}") from None
    return Params(pairs)
