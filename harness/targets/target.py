"""Parse ``--target`` values, pick credentials, and refuse live Twilio without ``--allow-live``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from harness.targets.errors import TargetConfigError
from harness.wire.client import Credentials

EMBEDDED = "embedded"
TWILIO_SUFFIX = "twilio.com"


CASSETTE = "cassette"


@dataclass(frozen=True)
class TargetSpec:
    """What ``--target`` asked for: the embedded reference, a server at ``url``, or a
    recording served back (``cassette:PATH``, see ``harness.cassette.serve``)."""

    kind: str  # "embedded" | "url" | "cassette"
    url: str | None = None
    path: str | None = None

    @property
    def name(self) -> str:
        if self.kind == CASSETTE:
            return f"{CASSETTE}:{self.path}"
        return EMBEDDED if self.kind == EMBEDDED else str(self.url)


def parse_target(text: str) -> TargetSpec:
    value = (text or EMBEDDED).strip()
    if value == EMBEDDED:
        return TargetSpec(EMBEDDED)
    if value.startswith(CASSETTE + ":"):
        path = value[len(CASSETTE) + 1 :].strip()
        if not path:
            raise TargetConfigError(
                f"target {value!r}: name a cassette file, e.g. "
                "cassette:cassettes/reference/smoke.yaml"
            )
        return TargetSpec(CASSETTE, path=path)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetConfigError(
            f"target {value!r}: expected 'embedded' or an http(s):// base URL "
            "such as http://127.0.0.1:8080"
        )
    if parts.query or parts.fragment:
        raise TargetConfigError(f"target {value!r}: a base URL has no query or fragment")
    return TargetSpec("url", value.rstrip("/"))


def require_server(text: str, command: str, verb: str) -> TargetSpec:
    """The target of a command that needs a live server (``trc record``, ``fuzz``, ``sweep``):
    a cassette cannot be recorded, fuzzed or swept, so it is a usage error (exit 2)."""
    spec = parse_target(text)
    if spec.kind == CASSETTE:
        raise TargetConfigError(f"{command} needs a server to {verb} (embedded or a URL)")
    return spec


def is_twilio_host(host: str | None) -> bool:
    host = (host or "").lower().rstrip(".")
    return host == TWILIO_SUFFIX or host.endswith("." + TWILIO_SUFFIX)


def refuse_live(spec: TargetSpec, allow_live: bool) -> None:
    """Twilio's own servers hold real data: only go there when explicitly allowed."""
    if spec.kind != "url" or allow_live:
        return
    host = urlsplit(str(spec.url)).hostname
    if is_twilio_host(host):
        raise TargetConfigError(
            f"target {spec.url} is a Twilio domain ({host}); refusing to run against a live "
            "account without --allow-live (the run creates and deletes tagged tasks)"
        )


def resolve_credentials(
    account_sid: str | None, auth_token: str | None, fallback: Credentials | None = None
) -> Credentials:
    """Options win over the environment (TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN), then fallback."""
    sid = account_sid or os.environ.get("TWILIO_ACCOUNT_SID") or ""
    token = auth_token or os.environ.get("TWILIO_AUTH_TOKEN") or ""
    if sid and token:
        return Credentials(sid, token)
    if fallback is not None and not (account_sid or auth_token):
        return fallback
    missing = [
        name
        for name, value in (
            ("--account-sid/TWILIO_ACCOUNT_SID", sid),
            ("--auth-token/TWILIO_AUTH_TOKEN", token),
        )
        if not value
    ]
    raise TargetConfigError("missing credentials: " + ", ".join(missing))
