"""Redaction of recorded interactions, applied in vcrpy's ``before_record_*`` hooks.

Always:

* the ``Authorization`` header is replaced by a marker naming the auth mode the harness used
  (``Basic <redacted>`` for the target's credentials, ``Basic <wrong-token>`` for the harness's
  deliberately wrong token, no header when none was sent, ``<redacted:DIGEST>`` - 16 hex
  digits of its SHA-256 - for any other value a scenario set literally) - the replay needs
  the mode, never the value; ``Proxy-Authorization``, ``Cookie`` and ``Set-Cookie`` are dropped;
* the auth token is replaced by ``<redacted>`` wherever it appears (URI, bodies, headers) in
  every form ``harness.results.redact`` knows: raw, percent-encoded, hex, standard and URL-safe
  Base64 of the token and of ``account:token`` (padded or not), and any run that decodes to
  one of those - a target that echoes the request's ``Authorization`` writes nothing usable;
* after writing, ``assert_clean`` re-reads the file and refuses it if any form survived.

On request:

* ``--redact-account``: the Account SID becomes ``AC000…0`` everywhere (the provenance says so,
  and the replay maps it to the candidate's account);
* ``--redact-attributes``: every string value inside task attributes (request ``Attributes``,
  response ``attributes``) is replaced by ``redacted-N`` - the same original always by the same
  placeholder, so filters keep working - and quoted literals equal to an original value are
  replaced inside ``EvaluateTaskAttributes`` expressions and error messages. Keys, numbers,
  booleans and the harness's own ``trc_run``/``trc_case`` tags are kept.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from harness.cassette.format import AUTH_DEFAULT, AUTH_MARKERS, AUTH_WRONG, other_auth_marker
from harness.results.redact import Redactor, SecretMatcher
from harness.results.redact import secret_forms as token_forms
from harness.targets.safety import CASE_KEY, RUN_KEY
from harness.targets.target import Credentials
from harness.wire.client import WRONG_TOKEN

ACCOUNT_PLACEHOLDER = "AC" + "0" * 32
DROPPED_HEADERS = ("proxy-authorization", "cookie", "set-cookie")
#: Transport noise a replay never uses; dropped from recorded requests.
NOISE_REQUEST_HEADERS = ("host", "connection", "accept-encoding", "content-length")
PLACEHOLDER = re.compile(r"^redacted-\d+$")
TAG_KEYS = frozenset({RUN_KEY, CASE_KEY})


class SecretLeak(Exception):
    """A secret survived redaction; the cassette is not written."""


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


class CassetteRedactor:
    def __init__(
        self,
        credentials: Credentials,
        redact_account: bool = False,
        redact_attributes: bool = False,
    ) -> None:
        self.credentials = credentials
        self.redact_account = redact_account
        self.redact_attributes = redact_attributes
        token = credentials.auth_token
        self.secrets = secret_forms(credentials)
        self._token = Redactor([token], account_sid=credentials.account_sid)
        self._basic_default = basic(credentials.account_sid, token)
        self._basic_wrong = basic(credentials.account_sid, WRONG_TOKEN)
        self.attribute_values: dict[str, str] = {}

    # -- what the provenance says -------------------------------------------------------------
    @property
    def applied(self) -> list[str]:
        names = ["authorization-header", "auth-token"]
        if self.redact_account:
            names.append("account-sid")
        if self.redact_attributes:
            names.append("attribute-values")
        return names

    @property
    def account_sid(self) -> str:
        return ACCOUNT_PLACEHOLDER if self.redact_account else self.credentials.account_sid

    # -- vcrpy hooks (idempotent: vcrpy may call the request hook twice) ----------------------
    def auth_marker(self, key: str, value: str, request: Any) -> str:
        if value in AUTH_MARKERS.values() or value.startswith("<redacted:"):
            return value
        if value == self._basic_default:
            return AUTH_MARKERS[AUTH_DEFAULT]
        if value == self._basic_wrong:
            return AUTH_MARKERS[AUTH_WRONG]
        return other_auth_marker(value)

    def request(self, request: Any) -> Any:
        for name in (*DROPPED_HEADERS, *NOISE_REQUEST_HEADERS):
            if name in request.headers:
                del request.headers[name]
        for name in list(request.headers):
            if name.lower() != "authorization":
                request.headers[name] = self.text(str(request.headers[name]))
        request.uri = self.uri(request.uri)
        body = request.body
        if isinstance(body, bytes) and body:
            text = body.decode("utf-8", "replace")
            content_type = str(request.headers.get("content-type", ""))
            if "form-urlencoded" in content_type:
                text = self.form(text)
            request.body = self.text(text)
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        headers = response.get("headers") or {}
        response["headers"] = {
            name: [self.text(str(v)) for v in values]
            for name, values in headers.items()
            if name.lower() not in DROPPED_HEADERS
        }
        body = (response.get("body") or {}).get("string")
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        if isinstance(body, str) and body:
            response["body"] = {"string": self.text(self.response_text(body))}
        return response

    # -- pieces -------------------------------------------------------------------------------
    def text(self, value: str) -> str:
        value = self._token.text(value)
        if self.redact_account and self.credentials.account_sid:
            value = value.replace(self.credentials.account_sid, ACCOUNT_PLACEHOLDER)
        return value

    def uri(self, uri: str) -> str:
        uri = self.text(uri)
        if not self.redact_attributes:
            return uri
        parts = urlsplit(uri)
        if not parts.query:
            return uri
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        changed = [(k, self.query_value(k, v)) for k, v in pairs]
        if changed == pairs:
            return uri
        return urlunsplit(parts._replace(query=urlencode(changed)))

    def form(self, text: str) -> str:
        if not self.redact_attributes:
            return text
        pairs = parse_qsl(text, keep_blank_values=True)
        changed = [(k, self.query_value(k, v)) for k, v in pairs]
        return text if changed == pairs else urlencode(changed)

    def query_value(self, key: str, value: str) -> str:
        if key == "Attributes":
            return self.attributes_text(value)
        if key == "EvaluateTaskAttributes":
            return self.expression(value)
        return value

    def attributes_text(self, text: str) -> str:
        """A JSON attributes string with its string values replaced (non-JSON: unchanged)."""
        try:
            value = json.loads(text)
        except (TypeError, ValueError):
            return text
        if not isinstance(value, dict):
            return text
        return json.dumps(self._attr_value(value, top=True), separators=(",", ":"))

    def _attr_value(self, value: Any, top: bool = False) -> Any:
        if isinstance(value, dict):
            return {
                k: (v if top and k in TAG_KEYS else self._attr_value(v)) for k, v in value.items()
            }
        if isinstance(value, list):
            return [self._attr_value(v) for v in value]
        if isinstance(value, str):
            return self.placeholder(value)
        return value

    def placeholder(self, value: str) -> str:
        if PLACEHOLDER.match(value):
            return value
        if value not in self.attribute_values:
            self.attribute_values[value] = f"redacted-{len(self.attribute_values) + 1}"
        return self.attribute_values[value]

    def expression(self, text: str) -> str:
        """Quoted literals of an expression that are known attribute values get replaced."""

        def swap(match: re.Match[str]) -> str:
            quote_char, inner = match.group(1), match.group(2)
            if inner in self.attribute_values:
                return f"{quote_char}{self.attribute_values[inner]}{quote_char}"
            return match.group(0)

        # Make sure literals compared against attributes are known even before any create.
        for match in re.finditer(r"([\"'])(.*?)\1", text):
            inner = match.group(2)
            if not inner.startswith("trc_") and not PLACEHOLDER.match(inner):
                self.placeholder(inner)
        return re.sub(r"([\"'])(.*?)\1", swap, text)

    def response_text(self, body: str) -> str:
        if not self.redact_attributes:
            return body
        try:
            document = json.loads(body)
        except ValueError:
            return body
        changed = self._response_value(document)
        return json.dumps(changed) if changed != document else body

    def _response_value(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: self._response_value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._response_value(v, key) for v in value]
        if isinstance(value, str):
            if key == "attributes":
                return self.attributes_text(value)
            if key == "message":
                return self._scrub_values(value)
            if key in ("url", "first_page_url", "next_page_url", "previous_page_url"):
                return self.uri(value)
        return value

    def _scrub_values(self, text: str) -> str:
        for original in sorted(self.attribute_values, key=len, reverse=True):
            if len(original) >= 4:
                text = text.replace(original, self.attribute_values[original])
        return text


def secret_forms(credentials: Credentials) -> list[str]:
    """Every explicit form in which the auth token could appear in a file (longest first)."""
    return token_forms(credentials.auth_token, credentials.account_sid)


def assert_clean(text: str, secrets: Iterable[str], where: str) -> None:
    """Raise SecretLeak (naming the place, never the secret) if any secret is in ``text``, as
    is or in a run that decodes to it (percent, Base64, hex)."""
    if SecretMatcher.from_forms(secrets).found(text):
        raise SecretLeak(f"{where}: a credential survived redaction; nothing was written")
