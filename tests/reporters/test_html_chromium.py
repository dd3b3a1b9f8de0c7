"""report.html in headless Chromium: the failing cases of a faulted run are shown, the filters
run, and the page loads nothing from the network."""

from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.reporters.chromium import dump_dom, ensure_chromium, screenshot

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "report-screenshot.png"


class Cases(HTMLParser):
    """The case entries of a dumped DOM: id, status, open, hidden."""

    def __init__(self) -> None:
        super().__init__()
        self.cases: dict[str, dict[str, object]] = {}
        self._current: dict[str, object] | None = None
        self._in_code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "details" and "case" in (attributes.get("class") or "").split():
            self._current = {
                "status": attributes.get("data-status"),
                "open": "open" in attributes,
                "hidden": "hidden" in attributes,
            }
        elif tag == "code" and self._current is not None and "id" not in self._current:
            self._in_code = True

    def handle_data(self, data: str) -> None:
        if self._in_code and self._current is not None:
            self._current["id"] = data
            self.cases[data] = self._current
            self._in_code = False


def parse(dom: str) -> dict[str, dict[str, object]]:
    parser = Cases()
    parser.feed(dom)
    return parser.cases


def test_the_page_is_self_contained(faulted_run: Path) -> None:
    html = (faulted_run / "report.html").read_text()
    assert "<style>" in html and "<script>" in html
    assert "prefers-color-scheme:dark" in html
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html)
    assert not re.search(r"\bsrc\s*=\s*[\"']?(https?:|//)", html)
    # links a reader may follow (clause sources) are plain anchors: nothing loads by itself
    for tag in re.findall(r"<(\w+)[^>]*\bhref\s*=\s*[\"']?(?:https?:|//)", html):
        assert tag == "a"
    assert not re.search(r"@import|url\((?!#)", html)
    assert not re.search(r"\bfetch\(|XMLHttpRequest|WebSocket", html)


@pytest.fixture(scope="module")
def chromium() -> str:
    return ensure_chromium()


def test_failing_cases_are_shown_in_chromium(
    chromium: str, faulted_run: Path, tmp_path: Path
) -> None:
    page = (faulted_run / "report.html").resolve()
    dom = dump_dom(chromium, page.as_uri(), tmp_path / "profile")
    cases = parse(dom)
    assert set(cases) == {
        "smoke.auth-required",
        "smoke.create-fetch-delete",
        "smoke.etag-if-match",
        "smoke.list-filtered-by-run-tag",
    }
    failing = cases["smoke.etag-if-match"]
    # cards are collapsed by default, failing ones too
    assert failing == {
        "status": "fail",
        "open": False,
        "hidden": False,
        "id": "smoke.etag-if-match",
    }
    assert "4 of 4 case(s) shown" in dom  # the script ran
    text = re.sub(r"<[^>]+>", " ", dom)
    assert "expected status 412, got 200" in text
    assert "If the `ETag` does not match the provided version" in text  # the clause quote
    assert "curl -sS -i -X POST" in text and "--data-urlencode Priority=9" in text
    assert "update with the stale ETag is refused" in text  # the failing step and its request

    filtered = dump_dom(chromium, page.as_uri() + "#status=fail,error", tmp_path / "profile")
    assert "1 of 4 case(s) shown" in filtered
    shown = {k for k, v in parse(filtered).items() if not v["hidden"]}
    assert shown == {"smoke.etag-if-match"}


def test_fix_these_first_leads_and_its_causes_filter_the_cases(
    chromium: str, faulted_run: Path, tmp_path: Path
) -> None:
    doc = json.loads((faulted_run / "report.json").read_text())
    causes = doc["targets"][0]["causes"]
    assert [c["case_ids"] for c in causes] == [["smoke.etag-if-match"]]
    page = (faulted_run / "report.html").resolve()
    dom = dump_dom(chromium, page.as_uri() + "#cause=" + causes[0]["id"], tmp_path / "profile")
    assert dom.index('id="causes"') < dom.index('id="matrix"')
    assert f"1 of 4 case(s) shown (cause {causes[0]['id']})" in dom
    shown = {k for k, v in parse(dom).items() if not v["hidden"]}
    assert shown == {"smoke.etag-if-match"}
    assert 'data-gate="failed"' in dom


def test_screenshot(chromium: str, faulted_run: Path, tmp_path: Path) -> None:
    page = (faulted_run / "report.html").resolve()
    out = screenshot(chromium, page.as_uri(), tmp_path / "report.png", tmp_path / "profile")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    if os.environ.get("TRC_UPDATE_SCREENSHOT"):
        shutil.copyfile(out, DOCS_SCREENSHOT)


def test_the_installer_runs_apt_get_and_updates_when_needed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import subprocess

    from tests.reporters import chromium as helper

    calls: list[list[str]] = []
    installed: list[str] = []

    def apt(command: list[str]) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        ok = command == helper.INSTALL and helper.UPDATE in calls
        if ok:
            installed.append("/usr/bin/chromium")
        return subprocess.CompletedProcess(command, 0 if ok else 100, "", "E: no candidate")

    monkeypatch.setattr(helper, "find_chromium", lambda: installed[0] if installed else None)
    monkeypatch.setattr(helper, "_apt", apt)
    monkeypatch.setattr(helper, "LOCK", tmp_path / "lock")
    monkeypatch.setattr(helper.os, "geteuid", lambda: 0)
    monkeypatch.setattr(helper.shutil, "which", lambda name: "/usr/bin/apt-get")
    assert helper.ensure_chromium() == "/usr/bin/chromium"
    assert calls == [
        ["apt-get", "install", "-y", "chromium"],
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "chromium"],
    ]
    installed.clear()
    monkeypatch.setattr(helper, "_apt", lambda c: subprocess.CompletedProcess(c, 100, "", "E: x"))
    with pytest.raises(pytest.skip.Exception, match="could not install chromium"):
        helper.ensure_chromium()


def test_the_field_matrix_scrolls_in_its_box_and_its_cells_filter_the_cases(
    chromium: str, tmp_path: Path
) -> None:
    from harness.reporters.html import report_html
    from harness.results.model import Failure, FieldVerdict, Status, Verdict
    from tests.report.helpers import document, record

    def replayed(id: str, verdict: Verdict) -> object:
        return record(
            id,
            Status.PASS if verdict.is_match else Status.FAIL,
            category="replay",
            phase="replay",
            failure=None if verdict.is_match else Failure("fetch", "FetchTask x", 1, 2, "differs"),
            fields=[FieldVerdict("FetchTask", "ignore_capacity", verdict)]
            + [FieldVerdict("FetchTask", f"field_{n}", Verdict.EQUAL) for n in range(40)],
        )

    doc = document(
        {"t": [replayed("replay:a", Verdict.DIFFERENT), replayed("replay:b", Verdict.EQUAL)]}
    )
    html = report_html(doc)
    assert '<div class="scrollbox"><table class="matrix fields">' in html
    assert 'data-field="ignore_capacity"' in html and 'data-field="field_0"' not in html
    page = tmp_path / "report.html"
    page.write_text(html)
    dom = dump_dom(chromium, page.as_uri() + "#field=FetchTask|ignore_capacity", tmp_path / "p")
    shown = {k for k, v in parse(dom).items() if not v["hidden"]}
    assert shown == {"replay:a"}
