"""HTTP Basic authentication with the fixture's Account SID and Auth Token."""

from __future__ import annotations

import base64
import binascii
import hmac

from harness.reference.errors import PERMISSION_DENIED, TwilioError
from harness.reference.fixture import Fixture

CHALLENGE = {"WWW-Authenticate": 'Basic realm="Twilio API"'}


def authenticate(header: str | None, fixture: Fixture) -> None:
    """Raise a 401 (code 20003) unless ``header`` carries the fixture's credentials."""
    if header and header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        username, _, password = decoded.partition(":")
        if hmac.compare_digest(username.encode(), fixture.account_sid.encode()) and (
            hmac.compare_digest(password.encode(), fixture.auth_token.encode())
        ):
            return
    raise TwilioError(401, PERMISSION_DENIED, "Authentication Error - invalid username")
