"""A curl command that reproduces a request without embedding secrets.

The request's own headers are kept (``If-Match: "x"``, a ``Content-Type``, a deliberately wrong
``Authorization`` a scenario writes literally), except those curl sets itself. Credentials are
never written: the harness's own ``Authorization`` becomes ``-u "$TWILIO_ACCOUNT_SID:..."`` (the
reader's environment), and any header, URL or body text that holds one of ``secrets`` (the
target's auth token) as is, percent-encoded, hex or Base64-encoded (``Basic`` of ``SID:token``
included) is replaced by ``<redacted>``.

``headers``: the headers the scenario step wrote itself, as sent (before the recording redacted
them); they replace the recorded values of the same names, so that a literal wrong credential is
reproduced as written.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl

from harness.results.model import RecordedRequest
from harness.results.redact import REDACTED, holds_secret, scrub

__all__ = ["REDACTED", "curl_command", "holds_secret"]
#: headers curl writes itself (or that describe the connection, not the request)
CURL_HEADERS = frozenset({"content-length", "host", "accept-encoding", "connection", "user-agent"})
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization"})
#: kept for callers of the previous version
SKIP_HEADERS = CURL_HEADERS | {"authorization"}
FORM = "application/x-www-form-urlencoded"
#: auth modes whose Authorization header the harness wrote (curl's -u stands for it)
HARNESS_AUTH = frozenset({"default", "wrong"})


def curl_command(
    request: RecordedRequest,
    auth: str = "default",
    headers: Mapping[str, str] | None = None,
    secrets: Sequence[str] = (),
) -> str:
    """``auth``: ``default`` uses the environment's credentials, ``wrong`` a bad token,
    ``none`` sends no credentials of the harness (only those the step wrote itself)."""
    keys = [s for s in secrets if s and len(s) >= 4]
    parts = ["curl", "-sS", "-i", "-X", request.method, shlex.quote(_clean(request.url, keys))]
    if auth == "default":
        parts += ["-u", '"$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN"']
    elif auth == "wrong":
        parts += ["-u", '"$TWILIO_ACCOUNT_SID:not-the-auth-token"']
    literal = {name.lower(): (name, value) for name, value in (headers or {}).items()}
    content_type = ""
    merged: list[tuple[str, str]] = []
    for name, value in request.headers.items():
        lower = name.lower()
        if lower in literal:
            name, value = literal.pop(lower)
        elif lower in CREDENTIAL_HEADERS and auth in HARNESS_AUTH:
            continue  # the harness's own credentials: -u above stands for them
        merged.append((name, value))
    merged += list(literal.values())
    for name, value in merged:
        lower = name.lower()
        if lower == "content-type":
            content_type = value.split(";")[0].strip().lower()
        if lower in CURL_HEADERS or (lower == "content-type" and content_type == FORM):
            continue
        if lower in CREDENTIAL_HEADERS and holds_secret(value, keys):
            value = _scheme(value) + REDACTED
        parts += ["-H", shlex.quote(f"{name}: {_clean(value, keys)}")]
    if request.body:
        body = _clean(request.body, keys)
        if content_type == FORM:
            for key, value in parse_qsl(body, keep_blank_values=True):
                parts += ["--data-urlencode", shlex.quote(f"{key}={value}")]
        else:
            parts += ["--data-binary", shlex.quote(body)]
    return " ".join(parts)


def _scheme(value: str) -> str:
    """``Basic `` of ``Basic abc``; nothing for a bare credential."""
    head, _, rest = value.partition(" ")
    return f"{head} " if rest and head.isalpha() else ""


def _clean(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret replaced, in any encoding (harness.results.redact)."""
    return scrub(text, secrets)
