"""The one probe: a single list request that tells whether a target answers at all."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from harness.targets.errors import TargetUnreachable
from harness.targets.ready import ReadyTarget
from harness.wire.client import TargetClient


def client_for(
    target: ReadyTarget,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] | None = None,
) -> TargetClient:
    """A ``TargetClient`` for ``target`` with the profile's total deadline, 429 retries, body
    cap (``http.max_body_bytes``) and retry budget (``http.retry_budget_seconds``)."""
    profile = target.profile
    extra = {"sleep": sleep} if sleep is not None else {}
    return TargetClient(
        target.base_url,
        target.credentials,
        timeout=profile.timeout_seconds,
        max_retries_on_429=profile.max_retries_on_429,
        transport=transport,
        max_body_bytes=profile.max_body_bytes,
        retry_budget_s=profile.retry_budget_seconds,
        **extra,
    )


def unreachable(target: ReadyTarget, exc: BaseException) -> TargetUnreachable:
    """The error that says ``target`` did not answer, naming the transport problem."""
    return TargetUnreachable(
        f"target {target.base_url} is unreachable: {type(exc).__name__}: {exc}"
    )


def probe(target: ReadyTarget, client: TargetClient | None = None) -> httpx.Response:
    """One ``GET Tasks?PageSize=1`` in the profile's single workspace; the response.

    Any HTTP answer (401 and 404 included) means the target is up; ``TargetUnreachable``
    when nothing answers."""
    own = client is None
    client = client or client_for(target)
    try:
        ws = target.profile.workspace("single")["sid"]
        request = client.build("GET", f"/v1/Workspaces/{ws}/Tasks", query=[("PageSize", 1)])
        try:
            return client.send(request)
        except httpx.TransportError as exc:
            raise unreachable(target, exc) from None
    finally:
        if own:
            client.close()
