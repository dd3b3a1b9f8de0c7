"""A curl command that reproduces a request without embedding secrets."""

from __future__ import annotations

import shlex
from urllib.parse import parse_qsl

from harness.results.model import RecordedRequest

SKIP_HEADERS = frozenset(
    {"authorization", "content-length", "host", "accept-encoding", "connection", "user-agent"}
)
FORM = "application/x-www-form-urlencoded"


def curl_command(request: RecordedRequest, auth: str = "default") -> str:
    """``auth``: ``default`` uses the environment's credentials, ``wrong`` a bad token,
    ``none`` sends no credentials."""
    parts = ["curl", "-sS", "-i", "-X", request.method, shlex.quote(request.url)]
    if auth == "default":
        parts += ["-u", '"$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN"']
    elif auth == "wrong":
        parts += ["-u", '"$TWILIO_ACCOUNT_SID:not-the-auth-token"']
    content_type = ""
    for name, value in request.headers.items():
        if name.lower() == "content-type":
            content_type = value.split(";")[0].strip().lower()
        if name.lower() in SKIP_HEADERS:
            continue
        if name.lower() == "content-type" and content_type == FORM:
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if request.body:
        if content_type == FORM:
            for key, value in parse_qsl(request.body, keep_blank_values=True):
                parts += ["--data-urlencode", shlex.quote(f"{key}={value}")]
        else:
            parts += ["--data-binary", shlex.quote(request.body)]
    return " ".join(parts)
