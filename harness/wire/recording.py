"""Turn httpx requests/responses into redacted ``Exchange`` records."""

from __future__ import annotations

import json
from typing import Any

import httpx

from harness.results.model import Exchange, RecordedRequest, RecordedResponse
from harness.results.redact import Redactor
from harness.wire.limits import CUT_SIZE

MAX_BODY_CHARS = 20_000
#: A JSON body longer than this is recorded as its first ``MAX_BODY_CHARS`` characters (text)
#: instead of the document, so no artifact grows with what a target sends.
MAX_JSON_CHARS = 200_000


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


def _recorded_body(response: httpx.Response) -> Any:
    """What is stored of a response body: the JSON document, or text cut at ``MAX_BODY_CHARS``;
    a body cut at the body cap (``CUT_SIZE``) or a huge JSON document is stored cut, its true
    size named."""
    cut = response.extensions.get(CUT_SIZE)
    text = response.text
    if cut is not None:
        return text[:MAX_BODY_CHARS] + f"... [cut: the body is {cut} bytes or more]"
    if len(text) > MAX_JSON_CHARS:
        return _truncate(text)
    parsed = parse_text(text)
    return _truncate(parsed) if isinstance(parsed, str) else parsed


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
        parsed = _recorded_body(response)
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
