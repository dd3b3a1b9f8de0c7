"""The small parts: pacing, bindings, normalisers, request rewriting, cassette editing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from harness.cassette.format import Cassette, Interaction, Provenance, ScenarioEntry
from harness.replay.bindings import Bindings, Table, kind_of
from harness.replay.compare import CandidateAnswer, Comparator
from harness.replay.normalise import (
    DIFFERENT,
    EQUAL,
    NORMALISED_EQUAL,
    TYPE_ONLY,
    Context,
    FreeText,
    UrlWithoutHost,
)
from harness.replay.normalise_time import AgeTolerance, TimestampOrder
from harness.replay.pacing import PacedTransport, Pacer

WT1, WT2, WT3 = ("WT" + c * 32 for c in "123")
WS_REC, WS_CAND = "WS" + "a" * 32, "WS" + "b" * 32
REC_BASE, CAND_BASE = "http://rec.test:1", "http://cand.test:2"
LIST = "http://t.test/v1/Workspaces/WS/Tasks"
TAG_REC, TAG_NEW = "trc_20261128T190102Z_a1b2c3", "trc_20261129T080000Z_d4e5f6"


def bindings() -> Bindings:
    b = Bindings(TAG_REC, TAG_NEW, REC_BASE, CAND_BASE)
    b.sids.bind(WS_REC, WS_CAND, "<workspace:single>")
    return b


def context(b: Bindings | None = None) -> Context:
    return Context(b or bindings(), "rec.test:1", "cand.test:2")


# -- pacing -----------------------------------------------------------------------------------
def test_pacer_allows_three_evaluate_requests_per_second() -> None:
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    pacer = Pacer(rate=3, clock=lambda: now[0], sleep=sleep)
    sent: list[float] = []
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if "EvaluateTaskAttributes" in request.url.params:
            sent.append(now[0])
        return httpx.Response(200)

    transport = PacedTransport(httpx.MockTransport(handler), pacer)
    with httpx.Client(transport=transport) as client:
        for _ in range(7):
            client.get(
                "http://t.test/v1/Workspaces/WS/Tasks", params={"EvaluateTaskAttributes": "1==1"}
            )
            client.get("http://t.test/v1/Workspaces/WS/Tasks/WT1")  # never paced
    assert len(calls) == 14
    assert all(sum(1 for t in sent if start <= t < start + 1.0) <= 3 for start in sent)
    assert sent[3] >= 1.0 and sent[6] >= 2.0
    assert pacer.paced == 7 and pytest.approx(sum(sleeps)) == pacer.waited_s == 2.0


# -- bindings ---------------------------------------------------------------------------------
def test_table_is_a_bijection_with_numbered_labels() -> None:
    table = Table(kind_of)
    assert table.check(WT1, "WT" + "9" * 32) == (True, "<task:1>", "<task:1>")
    assert table.check(WT2, "WT" + "8" * 32)[0]
    ok, rec, cand = table.check(WT1, "WT" + "8" * 32)  # <task:1> cannot become task 2
    assert (ok, rec, cand) == (False, "<task:1>", "<task:2>")
    ok, rec, cand = table.check(WT3, "WT" + "9" * 32)  # two recorded tasks, one candidate task
    assert (ok, rec, cand) == (False, "<task:3>", "<task:1>")
    assert table.to_candidate(WT1) == "WT" + "9" * 32


def test_requests_are_rewritten_for_the_candidate() -> None:
    b = bindings()
    b.sids.bind(WT1, WT2)
    b.tokens.bind("PTrecorded", "PTcandidate")
    b.etags.bind(f"{WT1}|3", f"{WT2}|7")
    b.names["Sales Queue"] = "Sales"
    uri = (
        f"{REC_BASE}/v1/Workspaces/{WS_REC}/Tasks?PageSize=2&PageToken=PTrecorded"
        f"&EvaluateTaskAttributes=trc_case+%3D%3D+%22{TAG_REC}_0007%22&TaskQueueName=Sales+Queue"
    )
    url = b.url(uri)
    assert url.startswith(f"{CAND_BASE}/v1/Workspaces/{WS_CAND}/Tasks?")
    assert "PageToken=PTcandidate" in url and f"{TAG_NEW}_0007" in url
    assert "TaskQueueName=Sales&" in url + "&" and TAG_REC not in url
    assert b.url(f"{REC_BASE}/v1/Workspaces/{WS_REC}/Tasks/{WT1}").endswith(f"/Tasks/{WT2}")
    assert b.if_match(WT1, "3") == "7" and b.if_match(WT1, "99") == "99"
    assert b.form(f"Attributes=%7B%22trc_run%22%3A%22{TAG_REC}%22%7D&TaskChannel=x") == (
        f"Attributes=%7B%22trc_run%22%3A%22{TAG_NEW}%22%7D&TaskChannel=x"
    )
    learned = f"{CAND_BASE}/v1/Workspaces/{WS_CAND}/Tasks?PageToken=abc"
    b.urls[uri] = learned
    assert b.url(uri) == learned  # a URL learned from the candidate's answer wins
    b.urls[uri] = "http://elsewhere.test/v1"
    assert b.url(uri).startswith(CAND_BASE)  # ... unless it leaves the candidate's host


def test_only_timestamps_near_the_recording_move() -> None:
    recorded_at = datetime(2026, 11, 28, 19, 0, 0, tzinfo=UTC)
    b = bindings()
    b.recorded_at, b.time_shift = recorded_at, timedelta(days=2)
    assert b.shift_times("VirtualStartTime=2026-11-28T17:00:00Z") == (
        "VirtualStartTime=2026-11-30T17:00:00Z"
    )
    assert b.shift_times("1899-12-31T23:59:59Z") == "1899-12-31T23:59:59Z"


def test_profiles_bind_by_role_and_report_what_the_candidate_lacks() -> None:
    b = Bindings(TAG_REC, TAG_NEW, REC_BASE, CAND_BASE)
    recorded = {
        "workspaces": {
            "single": {
                "sid": WS_REC,
                "friendly_name": "One",
                "queues": {"sales": {"sid": "WQ" + "1" * 32}},
            },
            "multi": {"sid": "WS" + "c" * 32},
        }
    }
    candidate = {
        "workspaces": {
            "single": {
                "sid": WS_CAND,
                "friendly_name": "Uno",
                "queues": {"sales": {"sid": "WQ" + "2" * 32}},
            }
        }
    }
    assert b.bind_profiles(recorded, candidate) == []
    assert b.sids.label("WQ" + "1" * 32) == "<queue:single.queues.sales>"
    assert b.names == {"One": "Uno"}
    assert b.unmapped_in(f"/v1/Workspaces/{'WS' + 'c' * 32}/Tasks") == ["workspaces.multi.sid"]


# -- normalisers ------------------------------------------------------------------------------
def test_timestamps_compare_by_format_and_order() -> None:
    n = TimestampOrder()
    ctx = context()
    rec = {"date_created": "2026-11-28T19:00:00Z", "date_updated": "2026-11-28T19:00:05Z"}
    same = {"date_created": "2026-12-01T08:00:00Z", "date_updated": "2026-12-01T08:00:03Z"}
    ctx.parents = (rec, same)
    v = n.compare(("date_updated",), rec["date_updated"], same["date_updated"], ctx)
    assert v is not None and v.verdict == NORMALISED_EQUAL
    flipped = {"date_created": "2026-12-01T08:00:03Z", "date_updated": "2026-12-01T08:00:00Z"}
    ctx.parents = (rec, flipped)
    v = n.compare(("date_updated",), rec["date_updated"], flipped["date_updated"], ctx)
    assert v is not None and v.verdict == DIFFERENT and "order" in v.detail
    v = n.compare(("date_created",), rec["date_created"], "Mon, 01 Dec 2026 08:00:00 +0000", ctx)
    assert v is not None and v.verdict == DIFFERENT and "rfc2822" in v.detail
    ctx.entity, ctx.parents = WT1, (None, None)
    n.compare(("date_updated",), "2026-11-28T19:00:05Z", "2026-12-01T08:00:05Z", ctx)
    v = n.compare(("date_updated",), "2026-11-28T19:00:09Z", "2026-12-01T08:00:01Z", ctx)
    assert v is not None and v.verdict == DIFFERENT and "backward" in v.detail


def test_age_within_tolerance_and_free_text_type_only() -> None:
    ctx = context()
    assert AgeTolerance(5).compare(("age",), 3, 3, ctx).verdict == EQUAL
    assert AgeTolerance(5).compare(("age",), 3, 7, ctx).verdict == NORMALISED_EQUAL
    assert AgeTolerance(5).compare(("age",), 3, 30, ctx).verdict == DIFFERENT
    assert AgeTolerance(5).compare(("age",), 3, "3", ctx).verdict == DIFFERENT
    v = FreeText().compare(("message",), "Task not found", "No such task", ctx)
    assert v.verdict == TYPE_ONLY
    assert FreeText().compare(("message",), "x", 5, ctx).verdict == DIFFERENT
    assert FreeText().compare(("detail", "message"), "a", "b", ctx) is None


def test_urls_compare_without_host_and_bind_page_tokens() -> None:
    b = bindings()
    ctx = context(b)
    rec = f"{REC_BASE}/v1/Workspaces/{WS_REC}/Tasks?PageSize=2&Page=1&PageToken=PTa"
    cand = f"{CAND_BASE}/v1/Workspaces/{WS_CAND}/Tasks?Page=1&PageToken=PTz&PageSize=2"
    v = UrlWithoutHost().compare(("meta", "next_page_url"), rec, cand, ctx)
    assert v is not None and v.verdict == NORMALISED_EQUAL
    assert v.recorded == v.candidate
    assert b.tokens.to_candidate("PTa") == "PTz" and b.urls[rec] == cand
    elsewhere = cand.replace(CAND_BASE, "http://other.test")
    v = UrlWithoutHost().compare(("url",), rec, elsewhere, ctx)
    assert v is not None and v.verdict == DIFFERENT and "host" in v.detail
    smaller = cand.replace("PageSize=2", "PageSize=3")
    assert UrlWithoutHost().compare(("url",), rec, smaller, ctx).verdict == DIFFERENT
    docs = "https://www.twilio.com/docs/errors/20404"
    assert UrlWithoutHost().compare(("more_info",), docs, docs, ctx) is None  # not the target's


def _interaction(
    body: str,
    status: int = 200,
    etag: str | None = None,
    path: str = f"/v1/Workspaces/{WS_REC}/Tasks/{WT1}",
) -> Interaction:
    headers = {"content-type": ["application/json"]}
    if etag is not None:
        headers["etag"] = [etag]
    return Interaction(
        0, "GET", REC_BASE + path, {}, None, status, "", headers, body, operation="FetchTask"
    )


def test_comparator_verdicts_per_field_and_etag_versions() -> None:
    b = bindings()
    comparator = Comparator(b, REC_BASE, CAND_BASE)
    rec = (
        f'{{"sid":"{WT1}","workspace_sid":"{WS_REC}","priority":5,"attributes":'
        f'"{{\\"trc_run\\":\\"{TAG_REC}\\",\\"type\\":\\"x\\"}}","gone":1}}'
    )
    cand = (
        f'{{"sid":"{WT2}","workspace_sid":"{WS_CAND}","priority":"5","attributes":'
        f'"{{\\"type\\":\\"x\\",\\"trc_run\\":\\"{TAG_NEW}\\"}}","new":2}}'
    )
    rows = {
        r.field: r
        for r in comparator.exchange(
            _interaction(rec, etag="1"),
            CandidateAnswer(
                200, {"content-type": "application/json; charset=utf-8", "etag": "4"}, cand
            ),
        )
    }
    assert rows["status"].verdict == EQUAL
    assert rows["sid"].verdict == NORMALISED_EQUAL and rows["sid"].recorded == "<task:1>"
    assert rows["workspace_sid"].recorded == "<workspace:single>"
    assert rows["priority"].verdict == DIFFERENT and "type" in rows["priority"].detail
    assert rows["attributes"].verdict == NORMALISED_EQUAL
    assert rows["gone"].verdict == "missing" and rows["new"].verdict == "extra"
    assert rows["header:Content-Type"].verdict == NORMALISED_EQUAL
    assert rows["header:ETag"].verdict == NORMALISED_EQUAL
    # The next version: recorded 1 -> 2, the candidate's ETag stays 4 (frozen).
    rows = {
        r.field: r
        for r in comparator.exchange(
            _interaction(f'{{"sid":"{WT1}"}}', etag="2"),
            CandidateAnswer(
                200, {"content-type": "application/json", "etag": "4"}, f'{{"sid":"{WT2}"}}'
            ),
        )
    }
    assert rows["header:ETag"].verdict == DIFFERENT
    assert (rows["header:ETag"].recorded, rows["header:ETag"].candidate) == (
        "<etag:task:1#2>",
        "<etag:task:1#1>",
    )
    # A status of another class: the body is not compared.
    rows = comparator.exchange(_interaction("{}", status=200), CandidateAnswer(404, {}, "{}"))
    assert [r.field for r in rows] == ["status"]


def test_trial_comparisons_learn_nothing() -> None:
    b = bindings()
    comparator = Comparator(b, REC_BASE, CAND_BASE)
    recorded = _interaction(f'{{"sid":"{WT1}"}}')
    answer = CandidateAnswer(200, {"content-type": "application/json"}, f'{{"sid":"{WT2}"}}')
    assert comparator.trial(recorded, answer)
    assert WT1 not in b.sids


def test_cassette_without_drops_and_reindexes() -> None:
    provenance = Provenance(
        "2026-11-28T19:00:00Z",
        "0",
        None,
        "embedded",
        "h",
        REC_BASE,
        False,
        "AC" + "0" * 32,
        TAG_REC,
        scenarios=[
            ScenarioEntry("a", interactions=[0, 1]),
            ScenarioEntry("b", interactions=[1, 2]),
        ],
    )
    interactions = [_interaction("{}"), _interaction("{}"), _interaction("{}")]
    for index, (item, scenario) in enumerate(zip(interactions, "abb", strict=True)):
        item.index, item.scenario = index, scenario
    cassette = Cassette(provenance, interactions).without({"a"}, "failed")
    assert [i.index for i in cassette.interactions] == [0, 1]
    assert [s.id for s in cassette.provenance.scenarios] == ["b"]
    assert cassette.provenance.scenarios[0].interactions == [0, 2]
    assert cassette.provenance.excluded == [{"id": "a", "status": "", "reason": "failed"}]


def test_labels_are_numbered_per_scenario_and_an_earlier_scenarios_task_never_passes() -> None:
    from harness.replay.bindings import Table, kind_of

    table = Table(kind_of, "sid")
    first, second = "WT" + "1" * 32, "WT" + "2" * 32
    table.restart_numbering(0)
    assert table.check(first, "WT" + "a" * 32)[1] == "<task:1>"
    table.restart_numbering(7)
    # the second scenario's first task is <task:1> too, whichever scenarios ran before
    assert table.check(second, "WT" + "b" * 32)[1] == "<task:1>"
    # a candidate answering the first scenario's task where the second's is expected differs
    ok, recorded, candidate = table.check(second, "WT" + "a" * 32)
    assert not ok and recorded == "<task:1>" and candidate == "<task:1@0>"
