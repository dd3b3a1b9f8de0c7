"""The fuzz phase's HTTP session: a ``requests.Session`` bounded like ``TargetClient``.

schemathesis sends every generated request through a ``requests.Session``; ``BoundedSession``

- never follows a redirect (a 3xx is the observed answer, judged like any other);
- ignores the environment (``trust_env`` off): no ``HTTP(S)_PROXY``/``ALL_PROXY`` proxy is
  ever another host between the harness and the target, and no ``.netrc`` or CA bundle from
  the environment is read, exactly as ``TargetClient`` (whose transport is its own);
- refuses an absolute URL on another host than the target's (``ForeignHost``);
- ends each request within a total deadline (connect + headers + body): a watchdog shuts down
  the socket of the request in flight when the deadline passes (``NoCompleteAnswerError``), as
  ``requests``' own timeout applies to each read only;
- reads bodies up to a cap (``ResponseTooLargeError`` beyond, naming the size);
- shows every answer to ``observer`` (the fuzz phase's creation tracker), probes sent by
  schemathesis' own checks included, and lets a first Ctrl-C wait until the answer to a POST
  in flight has been shown to it (``harness.interrupts.shielded``): no created task goes
  unnoticed.

The watchdog reaches into urllib3: the adapter's pools use a connection class that tells the
session which connection is sending the current request.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from harness.interrupts import shielded
from harness.wire.limits import DEFAULT_MAX_BODY_BYTES, seconds

#: Called with (method, path, status, body) for each complete answer.
Observer = Callable[[str, str, int, bytes], None]

_local = threading.local()
CHUNK = 64 * 1024


class NoCompleteAnswerError(requests.Timeout):
    """No complete answer within the total deadline."""


class ResponseTooLargeError(requests.RequestException):
    """A response body beyond the body cap."""


class ForeignHost(requests.RequestException):
    """A request to another host than the target's."""


class _Watch:
    """The connection the current request uses, and whether the watchdog cut it."""

    def __init__(self) -> None:
        self.connection: HTTPConnection | None = None
        self.fired = False
        self.lock = threading.Lock()

    def cut(self) -> None:
        with self.lock:
            self.fired = True
            sock = getattr(self.connection, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def _watched(connection: HTTPConnection) -> None:
    watch = getattr(_local, "watch", None)
    if watch is not None:
        with watch.lock:
            watch.connection = connection


class _Connection(HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _watched(self)
        super().request(*args, **kwargs)


class _TLSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _watched(self)
        super().request(*args, **kwargs)


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}


class BoundedSession(requests.Session):
    def __init__(
        self,
        base_url: str,
        timeout_s: float,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        observer: Observer | None = None,
    ) -> None:
        super().__init__()
        # no proxy from the environment, no .netrc: the request goes to the target's host only
        # (this also spares requests its scan of os.environ on every request)
        self.trust_env = False
        self.observer = observer
        parts = urlsplit(base_url)
        self.base_url = base_url
        self.origin = (parts.scheme, parts.netloc.lower())
        self.timeout_s = float(timeout_s)
        self.max_body_bytes = max_body_bytes
        adapter = _Adapter()
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        # Never follow, and never read a 3xx body to prepare the next request (requests does
        # that, unbounded, for ``response.next``).
        return None

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        text = url.decode() if isinstance(url, bytes) else str(url)
        parts = urlsplit(text)
        if (parts.scheme, parts.netloc.lower()) != self.origin:
            raise ForeignHost(
                f"refusing to send a request to {parts.scheme}://{parts.netloc} "
                f"(the target is {self.base_url})"
            )
        kwargs["allow_redirects"] = False
        kwargs["stream"] = True
        verb = method.decode() if isinstance(method, bytes) else str(method)
        with shielded(verb.upper() == "POST"):
            response = self._bounded(verb, text, *args, **kwargs)
            if self.observer is not None:
                self.observer(verb.upper(), parts.path, response.status_code, response.content)
        return response

    def _bounded(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        watch = _Watch()
        _local.watch = watch
        timer = threading.Timer(self.timeout_s, watch.cut)
        timer.daemon = True
        deadline = time.monotonic() + self.timeout_s
        timer.start()
        try:
            response = super().request(method, url, *args, **kwargs)
            self._read(response, deadline)
            return response
        except requests.RequestException as exc:
            # requests' own timeout may end a read a moment before the watchdog cuts it: at
            # the deadline, either is the deadline
            at_deadline = isinstance(exc, requests.Timeout) and time.monotonic() >= deadline
            if (watch.fired or at_deadline) and not isinstance(exc, ResponseTooLargeError):
                raise NoCompleteAnswerError(
                    f"no complete answer within {seconds(self.timeout_s)} s"
                ) from None
            raise
        finally:
            timer.cancel()
            _local.watch = None

    def _read(self, response: requests.Response, deadline: float) -> None:
        chunks: list[bytes] = []
        size = 0
        cap = self.max_body_bytes
        try:
            for chunk in response.raw.stream(CHUNK, decode_content=True):
                size += len(chunk)
                if size > cap:
                    declared = response.headers.get("content-length", "")
                    shown = f"{declared} bytes" if declared.isdigit() else f"more than {cap} bytes"
                    raise ResponseTooLargeError(
                        f"response too large ({shown}; the cap is {cap} bytes)",
                        response=response,
                    )
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise NoCompleteAnswerError(
                        f"no complete answer within {seconds(self.timeout_s)} s"
                    )
        except requests.RequestException:
            raise
        except (OSError, ValueError, urllib3.exceptions.HTTPError) as exc:  # a cut or broken stream
            raise requests.ConnectionError(f"{type(exc).__name__}: {exc}") from None
        finally:
            response.close()
        response._content = b"".join(chunks)
        response._content_consumed = True
