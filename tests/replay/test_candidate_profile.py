"""Replay judges the candidate by the candidate's own profile, not by the recording's.

* windows (retention, TTL, ``eventually`` deadlines, ``wait:`` steps) come from the candidate's
  profile: the shipped cassettes (recorded against a 2 s retention) replay clean against a
  reference started as ``trc serve`` starts it (300 s retention) with ``--profile reference``;
  a window above the replay's wait budget is ``not-configured``, never a failure; a candidate
  that never deletes still fails;
* page tokens are compared by role: a clone whose tokens are offsets is not ``different``;
* features the profile declares unsupported excuse the differences that need them, and a
  recorded profile SID the candidate does not map is ``not-configured`` naming the key, or
  ``unsupported`` when it serves an unsupported feature; differences name what they mean;
* every failing record carries a root-cause signature (``record.cause``).

No sleeps: the reference runs on a ManualClock that the replay's ``sleep`` advances.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness.cassette.format import Cassette, load_cassette
from harness.reference.clock import ManualClock
from harness.reference.config import DEFAULT_RETENTION_SECONDS, ServerConfig
from harness.reference.server import start_in_thread
from harness.replay.replay import Replayer, ReplayOptions
from harness.results.model import CaseRecord, Status
from harness.results.runid import new_run_id
from harness.targets.profile import TargetProfile
from harness.targets.ready import ReadyTarget
from harness.targets.resolve import TargetOptions, open_target
from tests.replay.proxies import NoRouting, OffsetTokens
from tests.replay.support import REPO, reference

SHIPPED = {p.stem: p for p in sorted((REPO / "cassettes" / "reference").glob("*.yaml"))}
RETENTION_CASES = {
    "replay:retention:retention.canceled-deleted-within-window",
    "replay:retention:retention.completed-deleted-within-window",
}


@contextmanager
def trc_serve(faults: frozenset[str] = frozenset()) -> Iterator[tuple[ReadyTarget, ManualClock]]:
    """A reference configured as ``trc serve`` configures it (default retention), on a manual
    clock, opened as ``--target URL --profile reference``."""
    clock = ManualClock(time.time())
    config = ServerConfig(clock=clock, faults=faults)
    assert config.retention_seconds == DEFAULT_RETENTION_SECONDS == 300
    server = start_in_thread(config)
    fixture = config.fixture
    options = TargetOptions(
        target=server.base_url,
        profile="reference",
        account_sid=fixture.account_sid,
        auth_token=fixture.auth_token,
    )
    try:
        with open_target(options) as ready:
            yield ready, clock
    finally:
        server.stop()


def replay(
    ready: ReadyTarget,
    cassette: Cassette | Path,
    clock: ManualClock | None = None,
    options: ReplayOptions | None = None,
    **kwargs: object,
) -> tuple[list[CaseRecord], Replayer]:
    if isinstance(cassette, Path):
        cassette = load_cassette(cassette)
    timing = {"sleep": clock.advance, "monotonic": clock.now} if clock is not None else {}
    with Replayer(ready, cassette, new_run_id(), options, **timing, **kwargs) as replayer:  # type: ignore[arg-type]
        return replayer.run(), replayer


def with_profile(ready: ReadyTarget, **changes: object) -> ReadyTarget:
    data = {**ready.profile.data, **changes}
    profile = TargetProfile.from_dict(data, "test")
    return ReadyTarget(ready.name, ready.base_url, ready.credentials, profile, ready.embedded)


def problems(records: list[CaseRecord]) -> list[tuple[str, str, str | None]]:
    return [
        (r.id, r.status.value, r.failure.message if r.failure else r.reason)
        for r in records
        if r.status.is_problem
    ]


# -- windows from the candidate's profile ------------------------------------------------------
def test_shipped_cassettes_replay_clean_against_trc_serve_with_the_reference_profile() -> None:
    with trc_serve() as (ready, clock):
        assert ready.profile.data["retention_window"]["min"] == 300
        began = clock.now()
        records: list[CaseRecord] = []
        for path in SHIPPED.values():
            got, replayer = replay(ready, path, clock, ReplayOptions(wait_budget=600))
            records += got
            assert replayer.stats.left == 0
    assert not problems(records)
    retention = {r.id: r.status for r in records if r.id in RETENTION_CASES}
    assert retention == dict.fromkeys(RETENTION_CASES, Status.PASS)
    # The replay waited the candidate's window (300 s and more), not the recording's 2 s.
    assert clock.now() - began >= 2 * DEFAULT_RETENTION_SECONDS


def test_a_window_longer_than_the_wait_budget_is_not_configured_not_failed() -> None:
    with trc_serve() as (ready, clock):
        records, _ = replay(ready, SHIPPED["retention"], clock)
    assert {r.id: r.status for r in records} == dict.fromkeys(
        RETENTION_CASES, Status.NOT_CONFIGURED
    )
    for record in records:
        assert "retention_window.max + 2 = 310s" in (record.reason or "")
        assert "wait budget of 120s" in (record.reason or "")
        assert record.exchange_count == 0


def test_a_candidate_that_never_deletes_fails_after_its_own_window() -> None:
    with trc_serve(frozenset({"retention-never"})) as (ready, clock):
        began = clock.now()
        records, _ = replay(ready, SHIPPED["retention"], clock, ReplayOptions(wait_budget=600))
        waited = clock.now() - began
    canceled = next(r for r in records if "canceled" in r.id)
    assert canceled.status is Status.FAIL
    assert canceled.cause == "status:FetchTask:200!=404"
    assert "recorded 404, candidate 200" in (canceled.failure.message if canceled.failure else "")
    assert waited >= 300 + 2


# -- page tokens by role -----------------------------------------------------------------------
def test_page_tokens_are_compared_by_role_not_spelling() -> None:
    proxy = OffsetTokens()
    with reference() as ready:
        records, _ = replay(ready, SHIPPED["paging"], transport=proxy)
    # The fake really spells tokens otherwise, and one spelling stands for several pages.
    assert proxy.stood_for and any(len(real) > 1 for real in proxy.stood_for.values())
    assert not problems(records)
    urls = [f for r in records for f in r.fields if f.field.endswith("next_page_url")]
    assert urls and all(f.verdict in ("equal", "normalised-equal") for f in urls)


# -- unsupported features, unmapped profile keys, meanings, causes -------------------------------
def _default_queue(ready: ReadyTarget) -> tuple[str, str]:
    queue = ready.profile.data["workspaces"]["single"]["queues"]["default"]
    return queue["sid"], queue["friendly_name"]


@pytest.mark.parametrize("cassette", ["filtering", "lifecycle", "workforce"])
def test_a_clone_without_routing_fails_unless_it_declares_routing_unsupported(
    cassette: str,
) -> None:
    with reference() as ready:
        sid, name = _default_queue(ready)
        routed, _ = replay(ready, SHIPPED[cassette], transport=NoRouting(sid, name))
        declared, _ = replay(
            with_profile(ready, unsupported=["routing"]),
            SHIPPED[cassette],
            transport=NoRouting(sid, name),
        )
    # Without the declaration the missing routing is a failure, with one cause per field...
    failed = [r for r in routed if r.status is Status.FAIL]
    assert failed
    assert any(r.cause and "task_queue" in r.cause for r in failed)
    assert all(r.cause for r in failed)
    # ...with it, nothing fails: the records that differed only there are unsupported.
    assert not problems(declared)
    unsupported = [r for r in declared if r.status is Status.UNSUPPORTED]
    assert {r.id for r in unsupported} >= {r.id for r in failed}
    rows = [f for r in unsupported for f in r.fields if f.verdict == "different"]
    assert rows and all("routing" in (f.detail or "") for f in rows)


def test_an_unmapped_profile_key_is_not_configured_and_the_difference_says_what_it_is() -> None:
    with reference() as ready:
        queues = dict(ready.profile.data["workspaces"]["single"]["queues"])
        del queues["sales"]
        single = {**ready.profile.data["workspaces"]["single"], "queues": queues}
        workspaces = {**ready.profile.data["workspaces"], "single": single}
        sid, name = _default_queue(ready)
        lacking = with_profile(ready, workspaces=workspaces)
        records, _ = replay(lacking, SHIPPED["filtering"], transport=NoRouting(sid, name))
        excused, _ = replay(
            with_profile(ready, workspaces=workspaces, unsupported=["routing"]),
            SHIPPED["filtering"],
            transport=NoRouting(sid, name),
        )
    by_status = {s: [r for r in records if r.status is s] for s in Status}
    key = "workspaces.single.queues.sales.sid"
    assert by_status[Status.NOT_CONFIGURED]
    assert all(key in (r.reason or "") for r in by_status[Status.NOT_CONFIGURED])
    assert not by_status[Status.SKIPPED]
    # A routed task's queue is the recording's Sales queue: the difference says so.
    meant = [
        f
        for r in records
        for f in r.fields
        if f.field.endswith("task_queue_sid") and f.expected == "<queue:single.queues.sales>"
    ]
    assert meant and all(f.verdict == "different" for f in meant)
    meaning = (
        "<queue:single.queues.sales> = the recording's Sales Queue "
        "(workspaces.single.queues.sales), which your profile does not map: routing"
    )
    assert all(meaning in (f.detail or "") for f in meant)
    # With routing declared unsupported, the same gaps are unsupported, not failures.
    assert not problems(excused)
    assert all(r.status is not Status.NOT_CONFIGURED for r in excused)


def test_causes_are_signatures_shared_with_the_other_phases() -> None:
    with reference(faults=("etag-frozen",)) as ready:
        records, _ = replay(ready, SHIPPED["etag"])
    failed = [r for r in records if r.status is Status.FAIL]
    assert failed and all(r.cause for r in failed)
    assert "replay-field:UpdateTask:header:ETag:different" in {r.cause for r in failed}
    for record in failed:
        kind = (record.cause or "").split(":", 1)[0]
        assert kind in ("replay-field", "status", "no-response")
