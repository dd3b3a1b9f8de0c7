"""Callbacks the reference POSTs: Event callbacks to the Workspace's EventCallbackUrl and
assignment callbacks to the Workflow's AssignmentCallbackUrl, each signed with
``X-Twilio-Signature`` (https://www.twilio.com/docs/usage/security).

Delivery never blocks a REST answer: callbacks go on queues served by daemon threads. Events
of a workspace are sent one at a time in the order they happened; a receiver gets 15 seconds
(Twilio: "respond ... within 15 seconds") and one attempt (Twilio documents no retry; so the
reference retries nothing: inferred). Assignment callbacks run on a small pool, 5 seconds each
(Twilio: "If your application doesn't respond within 5 seconds with a 200 OK ... and
Content-Type application/json, TaskRouter will not process the Assignment Instruction response
and will initiate a new webhook to FallbackAssignmentCallbackUrl"). A full queue drops the
callback and counts it (``dropped``): a slow receiver never stalls the server.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

log = logging.getLogger("harness.reference.delivery")

EVENT_DEADLINE_SECONDS = 15.0
ASSIGNMENT_DEADLINE_SECONDS = 5.0
#: the most of an assignment callback's answer the reference reads
MAX_ANSWER_BYTES = 64 * 1024
QUEUE_LIMIT = 10_000


def without_userinfo(url: str) -> str:
    """The URL without ``user:password@`` (Twilio drops it before signing)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()


def twilio_signature(token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's request signature: HMAC-SHA1 (key: the auth token) over the full URL (without
    any ``user:password@``) followed by every POST parameter's name and value, sorted by
    name, Base64-encoded."""
    pairs = sorted(set(params))
    data = without_userinfo(url) + "".join(name + value for name, value in pairs)
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Delivery:
    """One callback to send."""

    url: str
    params: tuple[tuple[str, str], ...]
    deadline: float


@dataclass(frozen=True)
class Answer:
    """What a receiver answered (status 0: no answer within the deadline, or unreachable)."""

    status: int
    content_type: str
    body: bytes

    @property
    def instruction(self) -> dict[str, Any] | None:
        """The JSON object of a 200 ``application/json`` answer, else None (Twilio does not
        process any other answer)."""
        if self.status != 200 or not self.content_type.startswith("application/json"):
            return None
        try:
            document = json.loads(self.body)
        except ValueError:
            return None
        return document if isinstance(document, dict) else None


class Sender:
    """Sends one signed form POST within a total deadline; never follows a redirect."""

    def __init__(self, token: str) -> None:
        self.token = token
        self._client = httpx.Client(follow_redirects=False, trust_env=False)

    def sign(self, url: str, params: tuple[tuple[str, str], ...]) -> dict[str, str]:
        """The headers of a callback (faults patch this)."""
        return {"X-Twilio-Signature": twilio_signature(self.token, url, params)}

    def post(self, delivery: Delivery) -> Answer:
        started = time.monotonic()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "TwilioProxy/1.1 (taskrouter-conformance reference)",
            **self.sign(delivery.url, delivery.params),
        }
        timeout = httpx.Timeout(delivery.deadline)
        try:
            with self._client.stream(
                "POST", delivery.url, data=dict(delivery.params), headers=headers, timeout=timeout
            ) as response:
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if (
                        len(body) > MAX_ANSWER_BYTES
                        or time.monotonic() - started > delivery.deadline
                    ):
                        return Answer(0, "", b"")
                content_type = response.headers.get("content-type", "").lower()
                return Answer(response.status_code, content_type, body)
        except (httpx.HTTPError, OSError, ValueError) as exc:
            shown = without_userinfo(delivery.url).split("?")[0]
            log.info("callback to %s failed: %s", shown, type(exc).__name__)
            return Answer(0, "", b"")

    def close(self) -> None:
        self._client.close()


class Dispatcher:
    """The queues and threads that send callbacks; started on first use, daemon threads."""

    def __init__(self, token: str) -> None:
        self.sender = Sender(token)
        self.dropped = 0
        self.sent = 0
        self._events: queue.Queue[Delivery | None] = queue.Queue(QUEUE_LIMIT)
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._pending = 0
        self._idle = threading.Condition(self._lock)
        self._closed = False

    def event(self, delivery: Delivery) -> None:
        with self._lock:
            if self._closed:
                return
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve_events, name="trc-reference-events", daemon=True
                )
                self._thread.start()
            try:
                self._events.put_nowait(delivery)
            except queue.Full:
                self.dropped += 1
                return
            self._pending += 1

    def assignment(
        self, delivery: Delivery, fallback: Delivery | None, on_answer: Callable[[Answer], None]
    ) -> None:
        """POST the assignment callback (then the fallback if the first is not processable)
        and hand the processable answer, or the last one, to ``on_answer``."""
        with self._lock:
            if self._closed:
                return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(4, thread_name_prefix="trc-reference-assign")
            self._pending += 1
            self._pool.submit(self._assign, delivery, fallback, on_answer)

    def _assign(
        self, delivery: Delivery, fallback: Delivery | None, on_answer: Callable[[Answer], None]
    ) -> None:
        try:
            answer = self.sender.post(delivery)
            if answer.instruction is None and fallback is not None:
                answer = self.sender.post(fallback)
            on_answer(answer)
        except Exception:  # a bug in acting on the answer must not kill the pool
            log.exception("assignment callback handling failed")
        finally:
            self._done()

    def _serve_events(self) -> None:
        while True:
            delivery = self._events.get()
            if delivery is None:
                return
            try:
                if self.sender.post(delivery).status:
                    self.sent += 1
            finally:
                self._done()

    def _done(self) -> None:
        with self._lock:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every queued callback was sent (tests, shutdown); True if idle."""
        end = time.monotonic() + timeout
        with self._lock:
            while self._pending:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread, pool = self._thread, self._pool
        if thread is not None:
            with contextlib.suppress(queue.Empty):  # drop what was not sent: the server
                while True:  # is going away, and a full queue must not block its stop
                    self._events.get_nowait()
            with contextlib.suppress(queue.Full):
                self._events.put_nowait(None)
            thread.join(timeout=1)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        self.sender.close()
