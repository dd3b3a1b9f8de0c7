"""Candidates that are the reference behind a rewriting proxy (an ``httpx`` transport): a clone
whose page tokens are offsets, a clone that does not route (every task in the default queue).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

TOKEN = "PageToken"


class Rewriting(httpx.BaseTransport):
    """Forwards to the real server; ``request``/``document`` rewrite on the way."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()

    def request(self, request: httpx.Request) -> httpx.Request:
        return request

    def document(self, document: Any) -> Any:
        return document

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(self.request(request))
        response.read()
        try:
            document = json.loads(response.text)
        except ValueError:
            return response
        body = json.dumps(self.document(document)).encode()
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        return httpx.Response(response.status_code, headers=headers, content=body)

    def close(self) -> None:
        self.inner.close()


class OffsetTokens(Rewriting):
    """Page tokens spelt as the offset of the page (``PageToken=50``): the same spelling on
    every query's second page of 50, unlike the reference's own cursors."""

    def __init__(self) -> None:
        super().__init__()
        self.real: dict[tuple[str, tuple[tuple[str, str], ...], str], str] = {}
        #: fake token -> the real tokens it stood for (to prove the spellings collide)
        self.stood_for: dict[str, set[str]] = defaultdict(set)

    @staticmethod
    def _key(url: str) -> tuple[str, tuple[tuple[str, str], ...], str | None]:
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        token = next((v for k, v in pairs if k == TOKEN), None)
        rest = tuple(sorted((k, v) for k, v in pairs if k != TOKEN))
        return parts.path, rest, token

    def request(self, request: httpx.Request) -> httpx.Request:
        path, rest, token = self._key(str(request.url))
        real = self.real.get((path, rest, token or ""))
        if token is None or real is None:
            return request
        parts = urlsplit(str(request.url))
        pairs = [(k, real if k == TOKEN else v) for k, v in parse_qsl(parts.query, True)]
        url = urlunsplit((*parts[:3], urlencode(pairs), ""))
        return httpx.Request(request.method, url, headers=request.headers, content=b"")

    def _fake(self, url: Any) -> Any:
        if not isinstance(url, str) or f"{TOKEN}=" not in url:
            return url
        path, rest, token = self._key(url)
        params = dict(rest)
        offset = str(int(params.get("Page", "0")) * int(params.get("PageSize", "50")))
        self.real[(path, rest, offset)] = str(token)
        self.stood_for[offset].add(str(token))
        parts = urlsplit(url)
        pairs = [(k, offset if k == TOKEN else v) for k, v in parse_qsl(parts.query, True)]
        return urlunsplit((*parts[:3], urlencode(pairs), ""))

    def document(self, document: Any) -> Any:
        meta = document.get("meta") if isinstance(document, dict) else None
        if isinstance(meta, dict):
            for key in ("url", "next_page_url", "previous_page_url", "first_page_url"):
                meta[key] = self._fake(meta.get(key))
        return document


class NoRouting(Rewriting):
    """Every task sits in the default queue, whatever its attributes (a clone without
    workflows): ``task_queue_sid``/``task_queue_friendly_name`` and the queue link differ
    wherever the reference routes."""

    def __init__(self, default_queue_sid: str, default_queue_name: str) -> None:
        super().__init__()
        self.sid = default_queue_sid
        self.name = default_queue_name

    def _task(self, task: Any) -> None:
        if not isinstance(task, dict) or "task_queue_sid" not in task:
            return
        old = task["task_queue_sid"]
        task["task_queue_sid"] = self.sid
        task["task_queue_friendly_name"] = self.name
        links = task.get("links")
        if isinstance(links, dict) and isinstance(links.get("task_queue"), str) and old:
            links["task_queue"] = re.sub(str(old), self.sid, links["task_queue"])

    def document(self, document: Any) -> Any:
        if isinstance(document, dict):
            self._task(document)
            for task in document.get("tasks") or []:
                self._task(task)
        return document
