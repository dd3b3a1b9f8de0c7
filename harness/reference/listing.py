"""List queries: ``Ordering`` parsing, keyset paging with opaque page tokens, page URLs.

Order and tie-break (documented default, inferred tie-break): rows are sorted by the requested
keys; ``DateCreated`` is appended ascending when not requested; creation sequence breaks the
remaining ties in the direction of ``DateCreated``. Paging is keyset-based: a page token holds
the sort key of the page's boundary row, so walking all pages returns every matching task
exactly once even while tasks are created during the walk.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from harness.reference.errors import bad_request
from harness.reference.params import shown
from harness.reference.store import TaskRow

ORDER_COLUMNS = {
    "DateCreated": "date_created",
    "Priority": "priority",
    "VirtualStartTime": "virtual_start_time",
}


@dataclass(frozen=True)
class SortKey:
    column: str
    descending: bool


def parse_ordering(value: str | None) -> tuple[SortKey, ...]:
    """``Attribute:Order[,Attribute:Order]``; default ``DateCreated:asc``."""
    requested: list[tuple[str, bool]] = []
    if value is not None:
        for part in value.split(","):
            attribute, sep, order = part.strip().partition(":")
            if not sep or attribute not in ORDER_COLUMNS or order not in ("asc", "desc"):
                raise bad_request(
                    f"Invalid Ordering '{value}': expected Attribute:Order pairs where "
                    "Attribute is DateCreated, Priority or VirtualStartTime and Order is "
                    "asc or desc"
                )
            if attribute in (a for a, _ in requested):
                raise bad_request(f"Invalid Ordering '{value}': {attribute} given twice")
            requested.append((attribute, order == "desc"))
    names = {a for a, _ in requested}
    if {"DateCreated", "VirtualStartTime"} <= names:
        raise bad_request(
            f"Invalid Ordering '{value}': DateCreated and VirtualStartTime cannot be paired"
        )
    if "DateCreated" not in names:
        requested.append(("DateCreated", False))
    created_desc = dict(requested)["DateCreated"]
    keys = [SortKey(ORDER_COLUMNS[a], desc) for a, desc in requested]
    keys.append(SortKey("seq", created_desc))
    return tuple(keys)


def order_by(keys: tuple[SortKey, ...], reverse: bool = False) -> str:
    return ", ".join(f"{k.column} {'DESC' if k.descending != reverse else 'ASC'}" for k in keys)


def sort_values(row: TaskRow, keys: tuple[SortKey, ...]) -> list[Any]:
    return [getattr(row, k.column) for k in keys]


def after_clause(
    keys: tuple[SortKey, ...], values: list[Any], reverse: bool = False
) -> tuple[str, list[Any]]:
    """SQL for "rows strictly after ``values`` in this order" (before, if ``reverse``)."""
    alternatives: list[str] = []
    params: list[Any] = []
    for i, key in enumerate(keys):
        equal = [f"{k.column} = ?" for k in keys[:i]]
        greater = key.descending == reverse
        equal.append(f"{key.column} {'>' if greater else '<'} ?")
        alternatives.append("(" + " AND ".join(equal) + ")")
        params.extend(values[: i + 1])
    return "(" + " OR ".join(alternatives) + ")", params


_INT64_MAX = 2**63 - 1


def _storable(value: object) -> bool:
    """A sort-key value SQLite can compare: a finite float or an int within 64 bits (a
    forged token's 10**30 would otherwise be an OverflowError, a 500)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -_INT64_MAX - 1 <= value <= _INT64_MAX
    return isinstance(value, float) and math.isfinite(value)


@dataclass(frozen=True)
class PageToken:
    values: list[Any]
    page: int
    backwards: bool

    def encode(self) -> str:
        raw = json.dumps({"v": self.values, "p": self.page, "b": self.backwards})
        return "PT" + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @staticmethod
    def decode(token: str, key_count: int) -> PageToken:
        try:
            if not token.startswith("PT"):
                raise ValueError("prefix")
            body = token[2:]
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            values, page, backwards = data["v"], data["p"], data["b"]
            if (
                not isinstance(values, list)
                or len(values) != key_count
                or not all(_storable(v) for v in values)
                or not isinstance(page, int)
                or not 0 <= page <= _INT64_MAX
                or not isinstance(backwards, bool)
            ):
                raise ValueError("shape")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise bad_request(
                f"Invalid PageToken '{shown(token)}': not a token issued for this query"
            ) from None
        return PageToken(values, page, backwards)


def page_url(
    base: str, filters: list[tuple[str, str]], page_size: int, page: int, token: str | None
) -> str:
    query = [*filters, ("PageSize", str(page_size)), ("Page", str(page))]
    if token:
        query.append(("PageToken", token))
    return f"{base}?{urlencode(query)}"
