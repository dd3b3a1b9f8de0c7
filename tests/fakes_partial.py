"""A partial clone of the Task resource: the reference server with parts taken away, the way a
real clone or an early-stage mock might lack them. Each knob is one behaviour:

- ``no_virtual_start_time``: VirtualStartTime is not implemented. A create or update that
  sends it, and a list ordered by it, is refused with 400/20001 "not supported" (the answer a
  clone that validates strictly gives to a parameter it does not know); the profile says so
  with ``unsupported: [virtual-start-time]`` (``PartialClone.profile()``).
- ``validation_status``: every 400 the reference would give is answered with this status
  instead (e.g. 422, what many web frameworks answer to bad input), body unchanged.
- ``allow_header``: False drops the ``Allow`` header from 405 responses.

It is served in-process (an ASGI app) so that the fuzz phase can drive it like the reference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from harness.reference.app import create_app
from harness.reference.config import ServerConfig
from harness.targets.features import Feature
from harness.targets.profile import TargetProfile, profile_from_fixture

NOT_SUPPORTED = {
    "code": 20001,
    "message": "VirtualStartTime is not supported by this server",
    "more_info": "https://www.twilio.com/docs/errors/20001",
    "status": 400,
}


@dataclass
class PartialClone:
    no_virtual_start_time: bool = True
    validation_status: int = 400
    allow_header: bool = True

    def __post_init__(self) -> None:
        self.config = ServerConfig()
        self.inner = create_app(self.config)
        self.fixture = self.config.fixture
        #: Requests refused because they used VirtualStartTime.
        self.refused: list[str] = []

    @property
    def unsupported(self) -> list[str]:
        return [str(Feature.VIRTUAL_START_TIME)] if self.no_virtual_start_time else []

    def profile(self) -> TargetProfile:
        """The clone's target profile: the reference's, with what it lacks declared."""
        base = profile_from_fixture(self.fixture, self.config.retention_seconds)
        return TargetProfile.from_dict({**base.data, "unsupported": self.unsupported}, "partial")

    def uses_virtual_start_time(self, query: bytes, body: bytes) -> bool:
        fields = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
        fields += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        for name, value in fields:
            if name == "VirtualStartTime":
                return True
            if name == "Ordering" and "virtualstarttime" in value.lower():
                return True
        return False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        if self.no_virtual_start_time and self.uses_virtual_start_time(
            scope.get("query_string", b""), body
        ):
            self.refused.append(f"{scope['method']} {scope['path']}")
            await _answer(send, self.validation_status, NOT_SUPPORTED)
            return
        delivered = False

        async def replay() -> dict[str, Any]:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def edit(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                if status == 400:
                    status = self.validation_status
                if status == 405 and not self.allow_header:
                    headers = [(k, v) for k, v in headers if k.lower() != b"allow"]
                message = {**message, "status": status, "headers": headers}
            await send(message)

        await self.inner(scope, replay, edit)


async def _answer(send: Any, status: int, payload: dict[str, Any]) -> None:
    data = json.dumps({**payload, "status": status}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
