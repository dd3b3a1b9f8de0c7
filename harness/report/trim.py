"""Bound the evidence a report keeps, so report.json stays small however many cases fail.

Per case, the report keeps the failing exchange and its neighbours (``NEIGHBOURS`` either
side; the first ``KEPT_OTHERWISE`` of a case that did not fail) and counts the rest in
``exchanges_dropped``. Bodies of kept exchanges are cut to a share of a budget for the whole
report (at most ``FAILING_BODY`` characters for the failing exchange, ``OTHER_BODY`` for the
others); a cut body becomes the start of its JSON text, and ``Case.cut`` keeps its size
before. Long expected/actual values of failures and field verdicts are cut the same way.
Replay's field verdicts that match (equal, normalised-equal) are counted in
``fields_dropped`` and left out: the operation x field matrix, built before the cut, counts
them; a case keeps its differences.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from harness.report.model import Case, CutBody
from harness.results.model import Exchange
from harness.results.vocab import Verdict

NEIGHBOURS = 1
KEPT_OTHERWISE = 3
FAILING_BODY = 4096
OTHER_BODY = 1024
#: characters of kept bodies in the whole report (failing exchanges / the others)
FAILING_BUDGET = 250_000
OTHER_BUDGET = 50_000
MIN_BODY = 96
VALUE_LIMIT = 400
FIELD_VALUE_LIMIT = 300
CURL_LIMIT = 4096
CUT_MARK = "… [cut]"


def _text(body: Any) -> str:
    if isinstance(body, str):
        return body
    return json.dumps(body, ensure_ascii=False, default=str, separators=(",", ":"))


def cut_value(value: Any, limit: int) -> Any:
    """``value``, or the start of its JSON text when that is longer than ``limit``."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = _text(value)
    return value if len(text) <= limit else text[:limit] + CUT_MARK


def _matches(verdict: str) -> bool:
    try:
        return Verdict(verdict).is_match
    except ValueError:
        return False


def failing_index(case: Case) -> int | None:
    """The index of the exchange the case failed at (its failing step's last), if it failed."""
    if not case.exchanges or not (case.status.is_problem or case.cause):
        return None
    step = case.failure.step if case.failure else None
    matching = [i for i, x in enumerate(case.exchanges) if x.step == step]
    return matching[-1] if matching else len(case.exchanges) - 1


def keep_exchanges(case: Case) -> int | None:
    """Drop the exchanges the report does not keep; the failing one's new index."""
    exchanges, index = case.exchanges, failing_index(case)
    if index is None:
        kept, new_index = exchanges[:KEPT_OTHERWISE], None
    else:
        start = max(0, index - NEIGHBOURS)
        kept, new_index = exchanges[start : index + NEIGHBOURS + 1], index - start
    case.exchanges_dropped += len(exchanges) - len(kept)
    case.exchanges = list(kept)
    return new_index


def _bodies(exchange: Exchange) -> int:
    response = exchange.response
    return int(bool(exchange.request.body)) + int(
        response is not None and response.body not in (None, "")
    )


def _share(budget: int, bodies: int, cap: int) -> int:
    return max(MIN_BODY, min(cap, budget // max(1, bodies)))


def _cut_exchange(case: Case, number: int, exchange: Exchange, limit: int) -> None:
    request, response = exchange.request, exchange.response
    if request.body:
        text = _text(request.body)
        if len(text) > limit:
            request.body = text[:limit] + CUT_MARK
            case.cut.append(CutBody(number, "request", len(text)))
    if response is not None and response.body not in (None, ""):
        text = _text(response.body)
        if len(text) > limit:
            response.body = text[:limit] + CUT_MARK
            case.cut.append(CutBody(number, "response", len(text)))


def trim_cases(cases: Sequence[Case]) -> None:
    """Bound the evidence of every case of a report (in place)."""
    failing: list[tuple[Case, int, Exchange]] = []
    other: list[tuple[Case, int, Exchange]] = []
    for case in cases:
        index = keep_exchanges(case)
        for number, exchange in enumerate(case.exchanges):
            (failing if number == index else other).append((case, number, exchange))
        if case.failure is not None:
            case.failure.expected = cut_value(case.failure.expected, VALUE_LIMIT)
            case.failure.actual = cut_value(case.failure.actual, VALUE_LIMIT)
        differences = [f for f in case.fields if not _matches(f.verdict)]
        case.fields_dropped += len(case.fields) - len(differences)
        case.fields = differences
        for verdict in case.fields:
            verdict.expected = cut_value(verdict.expected, FIELD_VALUE_LIMIT)
            verdict.actual = cut_value(verdict.actual, FIELD_VALUE_LIMIT)
        if case.curl and len(case.curl) > CURL_LIMIT:
            case.curl = case.curl[:CURL_LIMIT] + CUT_MARK
    limit = _share(FAILING_BUDGET, sum(_bodies(x) for _, _, x in failing), FAILING_BODY)
    for case, number, exchange in failing:
        _cut_exchange(case, number, exchange, limit)
    limit = _share(OTHER_BUDGET, sum(_bodies(x) for _, _, x in other), OTHER_BODY)
    for case, number, exchange in other:
        _cut_exchange(case, number, exchange, limit)
