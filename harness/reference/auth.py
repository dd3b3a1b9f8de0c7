"""HTTP Basic authentication with the fixture's Account SID and Auth Token."""

from __future__ import annotations

import base64
import binascii
import hmac

from harness.reference.errors import PERMISSION_DENIED, TwilioError
from harness.reference.fixture import Fixture

CHALLENGE = {"WWW-Authenticate": 'Basic realm="Twilio API"'}
#: Longest credentials header looked at; anything longer cannot be the fixture's.
MAX_HEADER_LENGTH = 4096


def credentials(header: str | None) -> tuple[bytes, bytes] | None:
    """``(username, password)`` from a ``Basic`` header, or None for anything else.

    The header arrives as Starlette decodes it (latin-1, so every byte is one character);
    non-ASCII text, bad base64, undecodable UTF-8 and a missing colon all give None.
    """
    if not header or len(header) > MAX_HEADER_LENGTH or header[:6].lower() != "basic ":
        return None
    try:
        raw = header[6:].strip().encode("ascii")
        decoded = base64.b64decode(raw, validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        return None
    username, colon, password = decoded.partition(":")
    if not colon:
        return None
    return username.encode(), password.encode()


def authenticate(header: str | None, fixture: Fixture) -> None:
    """Raise a 401 (code 20003) unless ``header`` carries the fixture's credentials."""
    given = credentials(header)
    if given is not None:
        username, password = given
        user_ok = hmac.compare_digest(username, fixture.account_sid.encode())
        password_ok = hmac.compare_digest(password, fixture.auth_token.encode())
        if user_ok and password_ok:
            return
    raise TwilioError(401, PERMISSION_DENIED, "Authentication Error - invalid username")
