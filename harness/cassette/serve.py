"""A cassette as a target: ``trc run --target cassette:PATH`` answers from a recording.

A small ASGI app on a loopback port (no network beyond loopback, no reference server) answers
each request with the next matching recorded interaction:

* a request matches an interaction when method, path, auth mode (default / wrong token /
  none), query and form body agree once the harness's run and case tags and timestamps are
  set aside; the interaction at the cursor is tried first, then the last one served again (an
  ``eventually`` poll that runs once more), then later ones (cases that were not selected are
  skipped over); as a last resort the interaction at the cursor is taken when method, path,
  auth mode and parameter names agree (a cassette recorded with ``--redact-attributes``);
* the recorded response is served with the recording's base URL replaced by this server's and
  the recording's run/case tags replaced by the ones the current run sent, so the scenarios'
  own checks (``{base_url}``, ``{case_tag}``) hold;
* a request nothing matches gets ``501`` with a JSON body naming it (the case fails and says
  why; the run goes on).

Credentials are not checked (the recorded 401s are served as recorded); the target profile is
the one recorded in the cassette's provenance.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

from harness.asgi_server import ThreadedServer, start_in_thread
from harness.cassette.format import (
    AUTH_DEFAULT,
    AUTH_NONE,
    AUTH_OTHER,
    AUTH_WRONG,
    Cassette,
    Interaction,
    other_auth_marker,
)
from harness.results.runid import RUN_TAG_PATTERN
from harness.wire.client import WRONG_TOKEN

#: Tags: ``trc_<run id>`` (a part of a run adds ``_rN``, ``harness.results.runid.sub_run_id``)
#: optionally followed by ``_NNNN`` (the case number).
TAG = re.compile(rf"({RUN_TAG_PATTERN})(?:_\d{{4}})?")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")
DROP_RESPONSE_HEADERS = frozenset({"content-length", "date", "server", "transfer-encoding"})
CASSETTE_TOKEN = "cassette-target-no-token"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class _Keys:
    exact: tuple[Any, ...]
    loose: tuple[Any, ...]


@dataclass
class ServeStats:
    served: int = 0
    repeated: int = 0
    skipped: int = 0
    misses: list[str] = field(default_factory=list)


def _normal(text: str) -> str:
    return TIMESTAMP.sub("<ts>", TAG.sub("<tag>", text))


def _keys(
    method: str, path: str, query: str, body: str | None, content_type: str, auth: str
) -> _Keys:
    pairs = parse_qsl(query, keep_blank_values=True)
    form = parse_qsl(body, keep_blank_values=True) if body and FORM in content_type else []
    raw = "" if (not body or FORM in content_type) else _normal(body)
    exact = (
        method,
        path,
        auth,
        tuple(sorted((k, _normal(v)) for k, v in pairs)),
        tuple(sorted((k, _normal(v)) for k, v in form)),
        raw,
    )
    loose = (
        method,
        path,
        auth,
        tuple(sorted(k for k, _ in pairs)),
        tuple(sorted(k for k, _ in form)),
    )
    return _Keys(exact, loose)


def _recorded_keys(interaction: Interaction) -> _Keys:
    parts = urlsplit(interaction.uri)
    content_type = (interaction.request_header("content-type") or "").lower()
    return _keys(
        interaction.method,
        parts.path,
        parts.query,
        interaction.request_body,
        content_type,
        _recorded_auth(interaction),
    )


def _recorded_auth(interaction: Interaction) -> str:
    if interaction.auth == AUTH_OTHER:
        return f"{AUTH_OTHER}:{interaction.request_header('authorization')}"
    return interaction.auth


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


class CassetteApp:
    """ASGI app serving one cassette's interactions in order."""

    def __init__(self, cassette: Cassette) -> None:
        self.cassette = cassette
        self.interactions = list(cassette.interactions)
        self.keys = [_recorded_keys(i) for i in self.interactions]
        self.recorded_base = cassette.provenance.base_url.rstrip("/")
        self.base_url = ""
        self.cursor = 0
        self.last: int | None = None
        self.tags: dict[str, str] = {}
        self.stats = ServeStats()
        self._lock = threading.Lock()
        account = cassette.provenance.account_sid
        self.default_authorization = _basic(account, CASSETTE_TOKEN)
        self.wrong_authorization = _basic(account, WRONG_TOKEN)
        self._others = {_recorded_auth(i) for i in self.interactions if i.auth == AUTH_OTHER}

    def auth_key(self, header: str | None) -> str:
        """The live request's auth mode, as the recording spells it."""
        if header is None:
            return AUTH_NONE
        other = f"{AUTH_OTHER}:{other_auth_marker(header)}"
        if other in self._others:
            return other
        if header == self.wrong_authorization:
            return AUTH_WRONG
        if header == self.default_authorization:
            return AUTH_DEFAULT
        return other

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        text = body.decode("utf-8", "replace") if body else None
        query = scope.get("query_string", b"").decode("latin-1")
        keys = _keys(
            scope["method"],
            scope["path"],
            query,
            text,
            headers.get("content-type", "").lower(),
            self.auth_key(headers.get("authorization")),
        )
        with self._lock:
            index = self._match(keys)
            if index is None:
                what = f"{scope['method']} {scope['path']}{'?' + query if query else ''}"
                self.stats.misses.append(what)
                payload = json.dumps(
                    {
                        "code": 0,
                        "message": f"trc cassette: no recorded interaction matches {what}",
                        "more_info": "cassettes/README.md",
                        "status": 501,
                    }
                ).encode()
                await _answer(send, 501, [("content-type", "application/json")], payload)
                return
            interaction = self.interactions[index]
            self._learn_tags(interaction, query + "&" + (text or ""))
            payload = self._rewrite(interaction.response_body).encode("utf-8")
            out_headers = [
                (name, self._rewrite(value))
                for name, values in interaction.response_headers.items()
                if name.lower() not in DROP_RESPONSE_HEADERS
                for value in values
            ]
        await _answer(send, interaction.status, out_headers, payload)

    def _match(self, keys: _Keys) -> int | None:
        n = len(self.interactions)
        cursor = self.cursor
        chosen: int | None = None
        if cursor < n and self.keys[cursor].exact == keys.exact:
            chosen = cursor
        elif self.last is not None and self.keys[self.last].exact == keys.exact:
            self.stats.repeated += 1
            return self.last
        else:
            chosen = next(
                (i for i in range(cursor + 1, n) if self.keys[i].exact == keys.exact), None
            )
            if chosen is None and cursor < n and self.keys[cursor].loose == keys.loose:
                chosen = cursor
        if chosen is None:
            return None
        self.stats.skipped += chosen - cursor
        self.stats.served += 1
        self.cursor = chosen + 1
        self.last = chosen
        return chosen

    def _learn_tags(self, interaction: Interaction, live_text: str) -> None:
        recorded_text = urlsplit(interaction.uri).query + "&" + (interaction.request_body or "")
        recorded = list(TAG.finditer(unquote_plus(recorded_text)))
        live = list(TAG.finditer(unquote_plus(live_text)))
        for old, new in zip(recorded, live, strict=False):
            self.tags.setdefault(old.group(0), new.group(0))
            self.tags.setdefault(old.group(1), new.group(1))

    def _rewrite(self, text: str) -> str:
        if self.base_url and self.recorded_base:
            text = text.replace(self.recorded_base, self.base_url)
        if self.tags:
            text = TAG.sub(self._tag, text)
        return text

    def _tag(self, match: re.Match[str]) -> str:
        old, run = match.group(0), match.group(1)
        if old in self.tags:
            return self.tags[old]
        if run in self.tags:
            return self.tags[run] + old[len(run) :]
        return old


async def _answer(send: Any, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    raw.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


@dataclass
class CassetteServer(ThreadedServer):
    """The cassette app served on a loopback port (``app`` is the CassetteApp)."""


def start_cassette_server(cassette: Cassette, host: str = "127.0.0.1") -> CassetteServer:
    app = CassetteApp(cassette)
    served = start_in_thread(app, host, 0, "trc-cassette")
    app.base_url = served.base_url
    return CassetteServer(served.base_url, app, served._server, served._thread)
