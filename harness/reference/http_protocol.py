"""uvicorn's HTTP/1.1 protocol with Twilio's error body for requests it cannot parse.

A malformed request line or header block never reaches the ASGI app: uvicorn's h11 protocol
answers it itself with a plain-text 400. This subclass answers the same 400 (and closes the
connection, as uvicorn does) with ``{"code", "message", "more_info", "status"}``. Pass it as
``uvicorn.Config(http=TwilioH11Protocol)``; uvicorn's httptools protocol is not used then.
"""

from __future__ import annotations

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from harness.reference.errors import bad_request


def malformed_request_body(message: str) -> bytes:
    return json.dumps(bad_request(f"Malformed HTTP request: {message}").body()).encode()


class TwilioH11Protocol(H11Protocol):
    """H11Protocol whose parse-error 400 carries Twilio's JSON error body."""

    def send_400_response(self, msg: str) -> None:
        body = malformed_request_body(msg)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event))
        self.transport.close()
