"""``X-Twilio-Signature``: computing and checking the signature Twilio puts on every webhook.

Twilio (https://www.twilio.com/docs/usage/security): take the full URL of the request (scheme
through query string); for a form POST, sort the POST parameters by name (case-sensitive,
byte order), append each name followed by its value with no delimiters; sign the string with
HMAC-SHA1, the AuthToken as key; Base64-encode. A name sent several times contributes each of
its distinct values, sorted, as twilio-python's ``RequestValidator`` does.

Like ``RequestValidator.validate``, a signature is accepted for the URL as given, the URL with
its port removed, or the URL with the scheme's default port added (Twilio's own signing is
not consistent about ports).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from enum import StrEnum
from urllib.parse import SplitResult, urlsplit, urlunsplit

SIGNATURE_HEADER = "X-Twilio-Signature"

_DEFAULT_PORTS = {"http": 80, "https": 443}


class SignatureState(StrEnum):
    """What the receiver made of a callback's ``X-Twilio-Signature``."""

    VALID = "valid"
    INVALID = "invalid"
    #: the request carried no ``X-Twilio-Signature`` header (with or without a token)
    MISSING = "missing"
    #: a signature was sent but no AuthToken is known to check it against
    UNCHECKED = "unchecked"


def signing_string(url: str, params: Iterable[tuple[str, str]]) -> str:
    """The text Twilio signs: the URL, then each name with each of its values, sorted."""
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    parts = [url]
    # str order is code-point order, which for UTF-8 is the same as byte order
    for name in sorted(values):
        parts.extend(name + value for value in sorted(values[name]))
    return "".join(parts)


def compute_signature(token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The Base64 HMAC-SHA1 of the signing string, keyed with ``token``."""
    text = signing_string(url, params)
    mac = hmac.new(token.encode("utf-8"), text.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def url_variants(url: str) -> list[str]:
    """``url`` as given, without its port, and with the scheme's default port (no repeats)."""
    variants = [url]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # an unparsable port: only the URL as given can match
        return variants
    userinfo, host = _split_netloc(parts)
    if port is not None:
        variants.append(_with_netloc(parts, userinfo + host))
    elif parts.scheme.lower() in _DEFAULT_PORTS and host:
        default = _DEFAULT_PORTS[parts.scheme.lower()]
        variants.append(_with_netloc(parts, f"{userinfo}{host}:{default}"))
    return list(dict.fromkeys(variants))


def verify_signature(
    token: str | None,
    url: str,
    params: Iterable[tuple[str, str]],
    signature: str | None,
) -> SignatureState:
    """Check ``signature`` (the header's value, ``None`` when absent) for a request to ``url``.

    The comparison is constant-time. ``MISSING`` is reported whether or not a token is known;
    a signature present without a token is ``UNCHECKED``.
    """
    if signature is None:
        return SignatureState.MISSING
    if not token:
        return SignatureState.UNCHECKED
    pairs = list(params)
    offered = signature.strip().encode("utf-8")
    matched = False
    for candidate in url_variants(url):
        expected = compute_signature(token, candidate, pairs).encode("ascii")
        # no short-circuit: every variant is computed and compared
        matched = hmac.compare_digest(expected, offered) or matched
    return SignatureState.VALID if matched else SignatureState.INVALID


def _split_netloc(parts: SplitResult) -> tuple[str, str]:
    """(``user:pass@`` or ``""``, the host without its port; IPv6 keeps its brackets)."""
    userinfo, at, hostport = parts.netloc.rpartition("@")
    prefix = userinfo + at
    if hostport.startswith("["):
        end = hostport.find("]")
        return prefix, hostport[: end + 1] if end >= 0 else hostport
    return prefix, hostport.split(":", 1)[0]


def _with_netloc(parts: SplitResult, netloc: str) -> str:
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
