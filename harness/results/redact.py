"""Remove credentials from recorded exchanges before they reach any file or terminal."""

from __future__ import annotations

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
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value
