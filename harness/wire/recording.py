"""Turn httpx requests/responses into redacted ``Exchange`` records."""

from __future__ import annotations

import json
from typing import Any

import httpx

from harness.results.model import Exchange, RecordedRequest, RecordedResponse
from harness.results.redact import Redactor

MAX_BODY_CHARS = 20_000


def parse_text(text: str | None) -> Any:
    """A body's JSON document, or the text itself when it is not JSON (None when empty)."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_body(response: httpx.Response) -> Any:
    """The JSON body, or the text when it is not JSON (None when empty)."""
    return parse_text(response.text)


def _truncate(text: str) -> str:
    if len(text) <= MAX_BODY_CHARS:
        return text
    return text[:MAX_BODY_CHARS] + f"... [{len(text) - MAX_BODY_CHARS} more characters]"


def record_exchange(
    step: str,
    request: httpx.Request,
    response: httpx.Response | None,
    redactor: Redactor,
    duration_s: float = 0.0,
    error: str | None = None,
) -> Exchange:
    body = request.content.decode("utf-8", "replace") if request.content else None
    recorded_request = RecordedRequest(
        method=request.method,
        url=redactor.text(str(request.url)),
        headers=redactor.headers(dict(request.headers)),
        body=redactor.text(_truncate(body)) if body else None,
    )
    recorded_response = None
    if response is not None:
        parsed = parse_body(response)
        if isinstance(parsed, str):
            parsed = _truncate(parsed)
        recorded_response = RecordedResponse(
            status=response.status_code,
            headers=redactor.headers(dict(response.headers)),
            body=redactor.value(parsed),
        )
    return Exchange(
        step=step,
        request=recorded_request,
        response=recorded_response,
        duration_s=round(duration_s, 4),
        error=redactor.text(error) if error else None,
    )
