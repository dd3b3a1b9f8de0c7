"""Helpers for the reference server's own tests: a thin Task API client and the error-body
assertion (the fixtures that build them are in tests/fixtures/reference.py)."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.testclient import TestClient

from harness.reference.fixture import Fixture

START = 1_790_000_000.0  # 2026-09-21T...Z; fixed so dates are predictable


class Api:
    """A thin Task API client bound to one workspace."""

    def __init__(self, http: httpx.Client | TestClient, fixture: Fixture, ws_sid: str) -> None:
        self.http = http
        self.fixture = fixture
        self.ws = ws_sid
        self.auth = (fixture.account_sid, fixture.auth_token)

    @property
    def base(self) -> str:
        return f"/v1/Workspaces/{self.ws}/Tasks"

    def create(self, **form: Any) -> httpx.Response:
        return self.http.post(self.base, data=form, auth=self.auth)

    def created(self, **form: Any) -> dict[str, Any]:
        response = self.create(**form)
        assert response.status_code == 201, response.text
        return response.json()

    def fetch(self, sid: str) -> httpx.Response:
        return self.http.get(f"{self.base}/{sid}", auth=self.auth)

    def list(self, params: Any = None) -> httpx.Response:
        return self.http.get(self.base, params=params, auth=self.auth)

    def update(self, sid: str, if_match: str | None = None, **form: Any) -> httpx.Response:
        headers = {"If-Match": if_match} if if_match is not None else {}
        return self.http.post(f"{self.base}/{sid}", data=form, headers=headers, auth=self.auth)

    def delete(self, sid: str, if_match: str | None = None) -> httpx.Response:
        headers = {"If-Match": if_match} if if_match is not None else {}
        return self.http.delete(f"{self.base}/{sid}", headers=headers, auth=self.auth)

    def on(self, ws_sid: str) -> Api:
        return Api(self.http, self.fixture, ws_sid)


def assert_error(response: httpx.Response, status: int, code: int, *words: str) -> dict[str, Any]:
    """The response is Twilio's error body with this status and code, naming ``words``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"code", "message", "more_info", "status"}, body
    assert body["status"] == status and body["code"] == code, body
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    for word in words:
        assert word in body["message"], (word, body["message"])
    return body
