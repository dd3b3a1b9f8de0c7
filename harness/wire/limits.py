"""Bounds on one exchange with a target: a total deadline, a body cap and a retry budget.

httpx's timeout applies to each read, so a target that drips one byte a second is never cut
off by it. ``DeadlineBackend`` is an httpcore network backend that gives every connect, read
and write at most the time left until the current request's deadline (``deadline_scope``),
so connect + headers + body end within the deadline whatever the target does.
"""

from __future__ import annotations

import functools
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

DEFAULT_MAX_BODY_BYTES = 1_000_000
DEFAULT_RETRY_BUDGET_S = 30.0

#: ``response.extensions`` key of a response whose body was cut at the cap: the number of
#: bytes seen (at least cap + 1; the true size is in the error when Content-Length gave it).
CUT_SIZE = "trc_cut_size"

_local = threading.local()


class NoCompleteAnswer(httpx.TimeoutException):
    """The target did not send a complete answer within the request's total deadline."""


class ResponseTooLarge(httpx.TransportError):
    """The response body is larger than the body cap; ``size`` is its size when known
    (Content-Length), ``body`` the first ``cap`` bytes, ``response`` the (cut) response."""

    def __init__(self, message: str, size: int | None, body: bytes, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.size = size
        self.body = body
        self.response: httpx.Response | None = None


class RetryBudgetSpent(httpx.TransportError):
    """The target keeps answering 429/503 and the run's retry budget is spent."""


def seconds(value: float) -> str:
    """``10`` for 10.0, ``0.5`` for 0.5: how a deadline is named in messages."""
    return f"{value:g}"


@contextmanager
def deadline_scope(deadline: float) -> Iterator[None]:
    """Within the block, every socket operation of this thread ends by ``deadline``
    (``time.monotonic()`` seconds)."""
    previous = getattr(_local, "deadline", None)
    _local.deadline = deadline
    try:
        yield
    finally:
        _local.deadline = previous


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    deadline = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the request's total deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """The sync socket backend, each operation bounded by the thread's current deadline."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, bounded, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, bounded, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every client of the process (loading the CA bundle
    takes tens of milliseconds; a run opens a client per phase and per cassette)."""
    return httpx.create_ssl_context()


#: httpx writes a request's headers and its body separately: without TCP_NODELAY the body
#: waits for the server's (delayed) ACK of the headers (urllib3 sets it by default too)
_SOCKET_OPTIONS = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


def deadline_transport() -> httpx.HTTPTransport:
    """httpx's own transport, its connection pool on ``DeadlineBackend``, without Nagle."""
    transport = httpx.HTTPTransport(verify=_tls_context(), socket_options=_SOCKET_OPTIONS)
    pool = transport._pool
    if not hasattr(pool, "_network_backend"):  # pragma: no cover - an httpcore without it
        raise RuntimeError("httpcore's ConnectionPool has no _network_backend to bound")
    pool._network_backend = DeadlineBackend()
    return transport


def read_capped(
    response: httpx.Response, cap: int, deadline: float, timeout: float
) -> httpx.Response:
    """Read a streamed ``response``'s body, at most ``cap`` bytes (decoded), by ``deadline``.

    ``ResponseTooLarge`` beyond the cap (the response closed, its body the first ``cap``
    bytes); ``NoCompleteAnswer`` when the deadline passes first."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:
                kept = (b"".join(chunks) + chunk)[:cap]
                response._content = kept
                response.extensions = {**response.extensions, CUT_SIZE: size}
                declared = _content_length(response)
                if declared:
                    response.extensions = {**response.extensions, CUT_SIZE: declared}
                shown = f"{declared} bytes" if declared else f"more than {cap} bytes"
                error = ResponseTooLarge(
                    f"response too large ({shown}; the cap is {cap} bytes)",
                    declared,
                    kept,
                    request=response.request,
                )
                error.response = response
                raise error
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise NoCompleteAnswer(
                    f"no complete answer within {seconds(timeout)} s", request=response.request
                )
    finally:
        response.close()
    response._content = b"".join(chunks)
    return response


def _content_length(response: httpx.Response) -> int | None:
    try:
        value = int(response.headers.get("content-length", ""))
    except ValueError:
        return None
    return value if value >= 0 else None
