"""Record against the reference, replay against the reference: every exchange and field matches;
re-binding carries a recorded session over to a server with different SIDs, ETags and tokens."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import httpx
import vcr

from harness import __version__
from harness.cassette.format import FORMAT, REFERENCE_NOTICE, load_cassette, spec_version
from harness.replay.normalise import MATCHES
from harness.replay.replay import Replayer
from harness.results.model import Status
from harness.results.runid import new_run_id
from harness.speccheck import default_spec_path
from tests.replay.support import reference, remapped_fixture


class Spy(httpx.BaseTransport):
    """Passes requests on to a real transport and remembers them."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_provenance_names_what_was_recorded_where_and_when(session_cassette) -> None:
    p = session_cassette.provenance
    assert p.format == FORMAT
    assert p.notice == REFERENCE_NOTICE and "NOT against Twilio" in p.notice
    assert p.target_kind == "embedded" and p.live_twilio is False
    assert p.target_host.startswith("127.0.0.1:")
    assert p.harness_version == __version__
    assert p.spec_version == spec_version(default_spec_path()) and p.spec_version
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", p.recorded_at)
    assert re.fullmatch(r"trc_\d{8}T\d{6}Z_[0-9a-f]{6}", p.run_tag)
    assert [s.id for s in p.scenarios] == ["replaytest.session", "replaytest.errors"]
    assert all(s.status == "pass" for s in p.scenarios)
    assert {"authorization-header", "auth-token"} <= set(p.redactions)
    assert p.profile["workspaces"]["single"]["sid"].startswith("WS")
    assert p.interaction_count == len(session_cassette.interactions)
    ops = {i.operation for i in session_cassette.interactions}
    assert {"CreateTask", "FetchTask", "UpdateTask", "ListTask", "DeleteTask"} <= ops
    steps = [i.step for i in session_cassette.interactions if i.scenario == "replaytest.session"]
    assert steps[:6] == ["five tasks"] * 5 + ["fetch the first"]
    assert "walk every page of two" in steps and "(cleanup)" in steps
    assert all(i.at is not None and i.took is not None for i in session_cassette.interactions)
    auths = {i.step: i.auth for i in session_cassette.interactions}
    assert auths["no credentials"] == "none" and auths["five tasks"] == "default"


def test_cassette_file_round_trips_and_vcrpy_plays_it_back(session_cassette, tmp_path) -> None:
    path = tmp_path / "session.yaml"
    copy.copy(session_cassette).write(path)
    loaded = load_cassette(path)
    assert loaded.provenance == session_cassette.provenance
    assert [i.to_dict() for i in loaded.interactions] == [
        i.to_dict() for i in session_cassette.interactions
    ]
    # The recording server is gone; vcrpy answers from the file alone.
    first = next(i for i in loaded.interactions if i.step == "no credentials")
    with vcr.use_cassette(str(path), record_mode="none"), httpx.Client() as client:
        response = client.get(first.uri)
    assert response.status_code == 401
    assert response.json()["code"] == 20003


def test_replay_against_the_reference_matches_every_exchange_and_field(session_cassette) -> None:
    with reference() as target, Replayer(target, session_cassette, new_run_id()) as replayer:
        records = replayer.run()
    assert [r.status for r in records] == [Status.PASS, Status.PASS], [r.failure for r in records]
    assert all(r.phase == "replay" and r.category == "replay" for r in records)
    assert records[0].id == "replay:cassette:replaytest.session"
    fields = [f for r in records for f in r.fields]
    assert fields and all(f.verdict in MATCHES for f in fields)
    verdicts = {f.verdict for f in fields}
    assert {"equal", "normalised-equal"} <= verdicts  # SIDs, dates, URLs are normalised-equal
    assert replayer.stats.exchanges == len(session_cassette.interactions)
    assert replayer.stats.left == 0 and replayer.stats.created == 5


def test_rebinding_carries_the_session_to_another_account(session_cassette) -> None:
    """A server with other workspace/queue/workflow/channel SIDs, another account and new task
    SIDs, ETags and page tokens: everything is re-bound and still matches."""
    spy = Spy()
    fixture = remapped_fixture()
    recorded = session_cassette.provenance
    with reference(fixture) as target:
        replayer = Replayer(target, session_cassette, new_run_id(), transport=spy)
        with replayer:
            records = replayer.run()
        base = target.base_url
    assert all(r.status is Status.PASS for r in records), [r.failure for r in records]
    bindings = replayer.bindings
    rec_ws = recorded.profile["workspaces"]["single"]["sid"]
    assert bindings.sids.to_candidate(rec_ws) == fixture.single.sid != rec_ws
    assert bindings.sids.label(rec_ws) == "<workspace:single>"
    assert bindings.sids.to_candidate(recorded.account_sid) == fixture.account_sid

    recorded_tasks = [s for s in bindings.sids.forward if s.startswith("WT")]
    assert len(recorded_tasks) == 5
    assert all(bindings.sids.forward[s] != s for s in recorded_tasks)
    # numbered within their scenario (shown as <task:1@N> once another scenario is replayed)
    assert [bindings.sids.labels[s] for s in recorded_tasks[:2]] == ["<task:1>", "<task:2>"]
    assert bindings.tokens.forward, "page tokens were learned from next_page_url"
    assert bindings.etags.forward and bindings.urls

    urls = [str(r.url) for r in spy.sent]
    assert all(u.startswith(base) for u in urls)
    assert not any(task in u for u in urls for task in recorded_tasks)
    assert not any(rec_ws in u for u in urls)
    paged = [u for u in urls if "PageToken=" in u]
    recorded_tokens = set(bindings.tokens.forward)
    assert paged and not any(f"PageToken={t}" in u for u in paged for t in recorded_tokens)
    if_match = [r for r in spy.sent if "if-match" in r.headers]
    assert len(if_match) == 3  # current ETag, stale ETag, delete
    candidate_etags = {key.split("|", 1)[1] for key in bindings.etags.backward}
    assert {r.headers["if-match"] for r in if_match} <= candidate_etags


def test_replay_of_a_written_cassette_by_path(session_cassette, tmp_path: Path) -> None:
    path = tmp_path / "named.yaml"
    copy.copy(session_cassette).write(path)
    cassette = load_cassette(path)
    with reference() as target, Replayer(target, cassette, new_run_id()) as replayer:
        records = replayer.run()
    assert records[0].id == "replay:named:replaytest.session"
    assert records[0].source == f"{path}#0"
