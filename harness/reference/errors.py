"""Twilio's error body and the codes the reference server answers with."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

BAD_REQUEST = 20001
PERMISSION_DENIED = 20003
METHOD_NOT_ALLOWED = 20004
NOT_FOUND = 20404
PRECONDITION_FAILED = 20412
TOO_MANY_REQUESTS = 20429
INTERNAL_ERROR = 20500


class TwilioError(Exception):
    """An error answered as ``{"code", "message", "more_info", "status"}``."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=headers)


def bad_request(message: str) -> TwilioError:
    return TwilioError(400, BAD_REQUEST, message)


def not_found(message: str = "The requested resource was not found") -> TwilioError:
    return TwilioError(404, NOT_FOUND, message)
