"""Remove credentials from recorded exchanges before they reach any file or terminal."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

REDACTED = "<redacted>"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


class Redactor:
    """Replaces secret headers and every occurrence of the given secrets in strings."""

    def __init__(self, secrets: list[str] | tuple[str, ...]) -> None:
        self.secrets = [s for s in secrets if s and len(s) >= 4]

    def text(self, value: str) -> str:
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        return value

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in headers.items():
            if name.lower() in SECRET_HEADERS:
                scheme = value.split(" ", 1)[0] if " " in value else ""
                out[name] = f"{scheme} {REDACTED}".strip()
            else:
                out[name] = self.text(value)
        return out

    def value(self, value: Any) -> Any:
        """``value`` with every secret replaced in every string it holds.

        Dicts and lists are copied; dataclass instances (records, the report model) are
        redacted in place, field by field, and returned. Enum members are vocabulary, never
        secrets, and stay as they are.
        """
        if isinstance(value, Enum):
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self._key(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.value(v) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            for item in dataclasses.fields(value):
                setattr(value, item.name, self.value(getattr(value, item.name)))
        return value

    def _key(self, key: Any) -> Any:
        return key if isinstance(key, Enum) else self.text(str(key))
