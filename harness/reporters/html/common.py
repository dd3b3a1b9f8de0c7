"""What every section of report.html uses: escaping, JSON excerpts, the page's status keys."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

from harness.report.model import Case
from harness.results.vocab import Status

MAX_BODY = 20_000
#: the case list's status keys, in the order the list shows them ("expected": an expected
#: deviation, whatever its status)
EXPECTED = "expected"
ORDER = {
    Status.FAIL: 0,
    Status.ERROR: 1,
    EXPECTED: 2,
    Status.SKIPPED: 3,
    Status.NOT_CONFIGURED: 4,
    Status.UNSUPPORTED: 5,
    Status.NOT_APPLICABLE: 6,
    Status.PASS: 7,
}


def e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def as_json(value: Any) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    if len(text) > MAX_BODY:
        text = text[:MAX_BODY] + f"\n… [{len(text) - MAX_BODY} more characters]"
    return text


def short(value: Any, limit: int = 2000) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)[:limit]


def status_key(case: Case) -> str:
    return EXPECTED if case.expected_deviation is not None else str(case.status)


def options(values: Sequence[str]) -> str:
    return "".join(f'<option value="{e(v)}">{e(v)}</option>' for v in values)


def select(label: str, ident: str, values: Sequence[str]) -> str:
    return (
        f'<label>{e(label)} <select id="{e(ident)}"><option value="">all</option>'
        f"{options(values)}</select></label>"
    )
