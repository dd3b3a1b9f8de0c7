"""report.json stays small however many cases fail: exchanges and bodies are bounded."""

from __future__ import annotations

import json
from pathlib import Path

from harness.report.trim import CUT_MARK
from harness.reporters.files import write_artifacts
from harness.results.model import (
    CaseRecord,
    Exchange,
    Failure,
    RecordedRequest,
    RecordedResponse,
    Status,
)
from tests.report.helpers import WS, document, record

BIG = 60_000


def big_exchange(step: str, n: int) -> Exchange:
    return Exchange(
        step=step,
        request=RecordedRequest(
            "POST",
            f"http://127.0.0.1:9/v1/Workspaces/{WS}/Tasks",
            {"content-type": "application/x-www-form-urlencoded"},
            "Attributes=" + "x" * 20_000,
        ),
        response=RecordedResponse(
            400 if step == "step 5" else 201,
            {"content-type": "application/json"},
            {"n": n, "attributes": "y" * BIG, "tasks": [{"i": i} for i in range(200)]},
        ),
    )


def failing(n: int) -> CaseRecord:
    return record(
        f"validation.case-{n:03d}",
        Status.FAIL,
        category="validation",
        failure=Failure("step 5", "json.attributes", "z" * 5000, "y" * BIG, "differs"),
        exchanges=[big_exchange(f"step {i}", i) for i in range(10)],
        exchange_count=10,
        curl="curl -sS -X POST http://127.0.0.1:9/v1/... --data-urlencode 'Attributes=...'",
    )


def test_three_hundred_failing_cases_with_large_bodies_stay_under_two_megabytes(
    tmp_path: Path,
) -> None:
    doc = document({"t": [failing(n) for n in range(300)]})
    write_artifacts(tmp_path, doc)
    size = (tmp_path / "report.json").stat().st_size
    assert size < 2_000_000, size
    case = doc.cases[0]
    # the failing exchange and its neighbours are kept, the rest counted
    assert [x.step for x in case.exchanges] == ["step 4", "step 5", "step 6"]
    assert case.exchanges_dropped == 7 and case.exchange_count == 10
    # bodies are cut, with their sizes before
    parts = {(c.exchange, c.part) for c in case.cut}
    assert parts == {(i, p) for i in range(3) for p in ("request", "response")}
    response = next(c for c in case.cut if c.exchange == 1 and c.part == "response")
    assert response.size > BIG
    body = case.exchanges[1].response.body  # type: ignore[union-attr]
    assert isinstance(body, str) and body.endswith(CUT_MARK) and '"n":5' in body
    assert str(case.failure.actual).endswith(CUT_MARK)  # type: ignore[union-attr]
    # the other reports stay bounded too
    assert (tmp_path / "report.html").stat().st_size < 4_000_000
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["cases"][0]["cut"][0]["size"] > 20_000


def test_small_evidence_is_kept_whole() -> None:
    small = record(
        "etag.x",
        Status.FAIL,
        failure=Failure("update", "status", 412, 200, "expected status 412, got 200"),
        exchanges=[
            Exchange(
                "update",
                RecordedRequest("POST", f"http://h/v1/Workspaces/{WS}/Tasks/WT1", {}, "Priority=9"),
                RecordedResponse(200, {}, {"priority": 9}),
            )
        ],
    )
    case = document({"t": [small]}).cases[0]
    assert case.cut == [] and case.exchanges_dropped == 0
    assert case.exchanges[0].response.body == {"priority": 9}  # type: ignore[union-attr]
    assert case.exchanges[0].request.body == "Priority=9"


def test_replay_cases_keep_their_differences_and_the_field_matrix_counts_every_verdict() -> None:
    from harness.results.model import FieldVerdict, Verdict

    fields = [FieldVerdict("FetchTask", f"f{n}", Verdict.EQUAL) for n in range(50)]
    fields.append(FieldVerdict("FetchTask", "ignore_capacity", Verdict.MISSING, expected=False))
    replayed = record(
        "replay:x",
        Status.FAIL,
        phase="replay",
        category="replay",
        failure=Failure("fetch", "FetchTask ignore_capacity", False, None, "missing"),
        fields=fields,
    )
    doc = document({"t": [replayed]})
    case = doc.cases[0]
    assert [f.field for f in case.fields] == ["ignore_capacity"]
    assert case.fields_dropped == 50
    fm = doc.targets[0].field_matrix
    assert fm is not None and fm.cells["FetchTask"]["f0"].equal == 1
    assert fm.cells["FetchTask"]["ignore_capacity"].missing == 1
