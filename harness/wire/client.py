"""One keep-alive HTTP client per target: Basic auth, form encoding, 429 retries, host pinning.

Every request goes to the target's own scheme and host; an absolute URL elsewhere (say a
``next_page_url`` pointing at another host) is refused so credentials never leave the target,
and redirects are never followed (a 3xx is the answer under test).

Every attempt has a total deadline (connect + headers + the whole body within ``timeout``
seconds, ``NoCompleteAnswer`` otherwise), its body is read up to ``max_body_bytes``
(``ResponseTooLarge`` beyond), and the sleeps between 429/503 retries come out of one budget
for the client's life (``retry_budget_s``; ``RetryBudgetSpent`` once it is spent). All three
are ``httpx.TransportError``s: a runner that handles "no response" handles them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from harness import __version__
from harness.wire.limits import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_RETRY_BUDGET_S,
    NoCompleteAnswer,
    RetryBudgetSpent,
    deadline_scope,
    deadline_transport,
    read_capped,
    seconds,
)

FORM = "application/x-www-form-urlencoded"
WRONG_TOKEN = "0" * 32
MAX_RETRY_AFTER = 30.0
#: Statuses retried (after Retry-After, within the retry budget): rate limited, unavailable.
RETRIED_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class Credentials:
    """HTTP Basic credentials: the Account SID and its auth token."""

    account_sid: str
    auth_token: str


class ForeignHostError(Exception):
    """An absolute URL that is not on the target's host."""


def encode_pairs(pairs: Sequence[tuple[str, Any]]) -> str:
    """``[(k, v)]`` with list values expanded to repeated keys, urlencoded."""
    flat: list[tuple[str, str]] = []
    for key, value in pairs:
        for item in value if isinstance(value, list) else [value]:
            flat.append((key, _text(item)))
    return urlencode(flat)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


class TargetClient:
    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        timeout: float = 10.0,
        max_retries_on_429: int = 3,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        retry_budget_s: float = DEFAULT_RETRY_BUDGET_S,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.timeout = float(timeout)
        self.max_retries_on_429 = max_retries_on_429
        self.max_body_bytes = max_body_bytes
        self.retry_budget_s = float(retry_budget_s)
        #: seconds of the retry budget still to spend (shared by every request of the client)
        self.retry_budget_left = float(retry_budget_s)
        self.sleep = sleep
        base = urlsplit(self.base_url)
        self._origin = (base.scheme, base.netloc.lower())
        self._http = httpx.Client(
            timeout=timeout,
            transport=transport if transport is not None else deadline_transport(),
            follow_redirects=False,
            headers={"User-Agent": f"taskrouter-conformance/{__version__}"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TargetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url_for(self, path_or_url: str, query: Sequence[tuple[str, Any]] = ()) -> str:
        """Absolute URL on the target for a path (``/v1/...``) or an absolute URL."""
        if path_or_url.startswith(("http://", "https://")):
            parts = urlsplit(path_or_url)
            if (parts.scheme, parts.netloc.lower()) != self._origin:
                raise ForeignHostError(
                    f"refusing to send credentials to {parts.scheme}://{parts.netloc} "
                    f"(the target is {self.base_url})"
                )
            url = path_or_url
        else:
            url = self.base_url + path_or_url
        if query:
            url += ("&" if "?" in url else "?") + encode_pairs(query)
        return url

    def build(
        self,
        method: str,
        path_or_url: str,
        query: Sequence[tuple[str, Any]] = (),
        form: Sequence[tuple[str, Any]] | None = None,
        body: str | None = None,
        headers: Sequence[tuple[str, Any]] = (),
        auth: str = "default",
    ) -> httpx.Request:
        url = self.url_for(path_or_url, query)
        header_list = [(k, _text(v)) for k, v in headers]
        names = {k.lower() for k, _ in header_list}
        content: str | None = None
        if form is not None:
            content = encode_pairs(form)
            if "content-type" not in names:
                header_list.append(("Content-Type", FORM))
        elif body is not None:
            content = body
        if "accept" not in names:
            header_list.append(("Accept", "application/json"))
        request = self._http.build_request(method, url, headers=header_list, content=content)
        if auth == "default":
            request.headers["Authorization"] = _basic(
                self.credentials.account_sid, self.credentials.auth_token
            )
        elif auth == "wrong":
            request.headers["Authorization"] = _basic(self.credentials.account_sid, WRONG_TOKEN)
        return request

    def send(self, request: httpx.Request) -> httpx.Response:
        """Send, retrying a 429/503 up to ``max_retries_on_429`` times (honouring Retry-After)
        while the retry budget lasts; each attempt bounded by the total deadline and body cap."""
        attempt = 0
        while True:
            response = self._attempt(request)
            if response.status_code not in RETRIED_STATUSES or attempt >= self.max_retries_on_429:
                return response
            attempt += 1
            wait = _retry_after(response, attempt)
            if wait > self.retry_budget_left:
                raise RetryBudgetSpent(
                    f"the target still answers {response.status_code} after {attempt - 1} "
                    f"retr{'y' if attempt == 2 else 'ies'} and the run's retry budget "
                    f"({seconds(self.retry_budget_s)} s) is spent "
                    f"(Retry-After asks {seconds(wait)} s more)",
                    request=request,
                )
            self.retry_budget_left -= wait
            self.sleep(wait)

    def _attempt(self, request: httpx.Request) -> httpx.Response:
        deadline = time.monotonic() + self.timeout
        try:
            with deadline_scope(deadline):
                response = self._http.send(request, stream=True)
                return read_capped(response, self.max_body_bytes, deadline, self.timeout)
        except httpx.TimeoutException as exc:
            if isinstance(exc, NoCompleteAnswer) or time.monotonic() >= deadline:
                raise NoCompleteAnswer(
                    f"no complete answer within {seconds(self.timeout)} s", request=request
                ) from None
            raise


def _basic(user: str, password: str) -> str:
    import base64

    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def _retry_after(response: httpx.Response, attempt: int) -> float:
    header = response.headers.get("retry-after")
    try:
        return min(float(header), MAX_RETRY_AFTER) if header else min(2.0**attempt, 8.0)
    except ValueError:
        return min(2.0**attempt, 8.0)
