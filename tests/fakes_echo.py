"""A clone that echoes what it was sent: the reference server behind an ASGI wrapper that writes
the request's headers back, the way a debugging mock or a framework's error page does.

* Every response carries ``X-Echo-*`` headers holding the request's ``Authorization`` and the
  credential it carries, in several encodings.
* Every 4xx JSON body gains ``request_headers`` (all of them, ``Authorization`` included), an
  ``echo`` object nesting the credential in every encoding ``ENCODINGS`` lists (inside a list,
  inside a JSON string), a ``message`` that ends with the ``Authorization`` value and a
  ``more_info`` URL whose query holds it percent-encoded.

The clone only knows what it received: it decodes the ``Basic`` value itself and re-encodes it.
``echoed`` counts the bodies it rewrote (a test proves its redaction check is not vacuous).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

from harness.reference.app import create_app
from harness.reference.config import ServerConfig
from harness.reference.fixture import Fixture
from harness.targets.profile import TargetProfile, profile_from_fixture


def _b64(data: bytes, urlsafe: bool = False, pad: bool = True) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    text = encode(data).decode("ascii")
    return text if pad else text.rstrip("=")


def encodings(authorization: str) -> dict[str, str]:
    """Every encoding of the credential in ``authorization`` (``Basic base64(SID:token)``)."""
    if not authorization.startswith("Basic "):
        return {"authorization": authorization}
    try:
        pair = base64.b64decode(authorization[6:], validate=True)
    except (binascii.Error, ValueError):
        return {"authorization": authorization}
    token = pair.split(b":", 1)[1] if b":" in pair else pair
    basic = _b64(pair)
    return {
        "authorization": authorization,
        "basic_standard_unpadded": _b64(pair, pad=False),
        "basic_urlsafe": _b64(pair, urlsafe=True),
        "basic_urlsafe_unpadded": _b64(pair, urlsafe=True, pad=False),
        "basic_percent": quote(authorization, safe=""),
        "basic_value_percent": quote(basic, safe=""),
        "basic_value_plus": quote_plus(basic),
        "token": token.decode("utf-8", "replace"),
        "token_percent": quote(token, safe=""),
        "token_plus": quote_plus(token),
        "token_base64": _b64(token),
        "token_base64_unpadded": _b64(token, pad=False),
        "token_base64_urlsafe": _b64(token, urlsafe=True, pad=False),
        "token_hex": token.hex(),
        "token_hex_upper": token.hex().upper(),
    }


#: the names of the encodings the clone writes (a test checks none reaches a file)
ENCODINGS = tuple(encodings("Basic " + _b64(b"AC0:t0ken")))


@dataclass
class EchoingClone:
    fixture: Fixture | None = None
    echoed: int = 0
    seen_authorization: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.config = (
            ServerConfig(fixture=self.fixture) if self.fixture is not None else ServerConfig()
        )
        self.fixture = self.config.fixture
        self.inner = create_app(self.config)

    def profile(self) -> TargetProfile:
        assert self.fixture is not None
        base = profile_from_fixture(self.fixture, self.config.retention_seconds)
        return TargetProfile.from_dict({**base.data, "name": "echoing clone"}, "echo")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        request_headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        authorization = request_headers.get("authorization", "")
        if authorization:
            self.seen_authorization.add(authorization)
        forms = encodings(authorization) if authorization else {}
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def collect(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            status = start["status"]
            body = b"".join(chunks)
            headers = [
                (k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"
            ]
            if 400 <= status < 500 and forms:
                body = self._echo_body(body, request_headers, forms)
            headers += [
                (f"x-echo-{name.replace('_', '-')}".encode(), value.encode("latin-1", "replace"))
                for name, value in forms.items()
            ]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.inner(scope, receive, collect)

    def _echo_body(
        self, body: bytes, request_headers: dict[str, str], forms: dict[str, str]
    ) -> bytes:
        try:
            document = json.loads(body)
        except ValueError:
            return body
        if not isinstance(document, dict):
            return body
        self.echoed += 1
        authorization = forms["authorization"]
        document["message"] = f"{document.get('message', '')} (you sent {authorization})"
        document["more_info"] = (
            f"https://errors.invalid/echo?auth={forms.get('basic_value_percent', '')}"
            f"&token={forms.get('token_percent', '')}"
        )
        document["request_headers"] = request_headers
        document["echo"] = {
            **forms,
            "nested": [{"again": forms}, json.dumps(forms)],
        }
        return json.dumps(document).encode()
