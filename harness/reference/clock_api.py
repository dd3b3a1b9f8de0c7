"""The test-clock extension: ``POST /trc/v1/Clock`` with ``Advance=SECONDS`` moves the
reference server's time forward, ``GET /trc/v1/Clock`` tells it.

Outside Twilio's surface (the ``/trc/`` prefix is not one of Twilio's), documented in
docs/test-clock.md and present only when the server was started with it (``trc serve
--test-clock``, or the embedded target, which turns it on); otherwise the path answers 404
like any unknown one. Requests are authenticated like every other request. The harness uses
it when a target profile declares ``clock: {advance: URL}``: a TTL, a retention window or a
reservation timeout then passes in one request instead of a sleep.
"""

from __future__ import annotations

import math
import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from harness.reference.clock import TestClock, iso
from harness.reference.errors import bad_request
from harness.reference.forms import parse_pairs

PATH = "/trc/v1/Clock"
#: the largest single advance (ten days): more is a typo, not a test
MAX_ADVANCE_SECONDS = 864_000.0
#: a plain decimal number of seconds (ASCII digits, an optional fraction)
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+")


def clock_json(clock: TestClock) -> dict[str, object]:
    now = clock.now()
    return {
        "now": iso(now),
        "epoch": round(now, 3),
        "advanced_seconds": round(clock.advanced, 3),
        "url": PATH,
    }


def parse_advance(value: str | None) -> float:
    """``Advance``: a plain decimal number of seconds in ``[0, MAX_ADVANCE_SECONDS]``
    (``0`` moves nothing); anything else is a 400."""
    if value is None:
        raise bad_request("Missing required parameter Advance in the post body")
    if not _NUMBER.fullmatch(value.strip()):
        raise bad_request(f"Invalid Advance '{value[:40]}': expected a number of seconds")
    seconds = float(value.strip())
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_ADVANCE_SECONDS:
        raise bad_request(
            f"Invalid Advance {value[:40]}: must be between 0 and {MAX_ADVANCE_SECONDS:g} seconds"
        )
    return seconds


async def handle(request: Request, clock: TestClock) -> Response:
    """GET: the clock; POST: advance it by ``Advance`` seconds, then the clock."""
    if request.method == "POST":
        params = parse_pairs(await request.body(), "form body")
        clock.advance(parse_advance(params.one("Advance")))
    return JSONResponse(clock_json(clock))
