"""Listing tasks (``GET .../Tasks``): filters, ordering and keyset paging, for ``TaskService``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from harness.reference.errors import bad_request
from harness.reference.expression import ExpressionSyntaxError, compile_expression
from harness.reference.fixture import Workspace
from harness.reference.forms import Params
from harness.reference.listing import (
    PageToken,
    after_clause,
    order_by,
    parse_ordering,
    sort_values,
)
from harness.reference.params import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    MAX_PRIORITY,
    parse_bool,
    parse_int,
    parse_sid,
    parse_statuses,
)
from harness.reference.store import TaskRow

if TYPE_CHECKING:
    from harness.reference.config import ServerConfig
    from harness.reference.store import TaskStore


@dataclass(frozen=True)
class Page:
    rows: list[TaskRow]
    page: int
    page_size: int
    next_token: str | None
    previous_token: str | None
    current_token: str | None
    filters: list[tuple[str, str]]


class TaskListing:
    """The list operation of the task service (a mixin: ``TaskService`` provides ``store``,
    ``config`` and ``tick``)."""

    store: TaskStore
    config: ServerConfig

    def tick(self) -> float:
        raise NotImplementedError

    def list(self, ws: Workspace, params: Params) -> Page:
        self.tick()
        where = ["workspace_sid = ?"]
        args: list[Any] = [ws.sid]
        filters: list[tuple[str, str]] = []

        priority = optional_int(params, "Priority", 0, MAX_PRIORITY)
        if priority is not None:
            where.append("priority = ?")
            args.append(priority)
            filters.append(("Priority", str(priority)))
        statuses = parse_statuses(params.all("AssignmentStatus"))
        if statuses:
            where.append(f"assignment_status IN ({', '.join('?' for _ in statuses)})")
            args.extend(statuses)
            filters.append(("AssignmentStatus", ",".join(statuses)))
        self._sid_filter(params, "WorkflowSid", "WW", "workflow_sid", where, args, filters)
        self._name_filter(
            params,
            "WorkflowName",
            {w.friendly_name: w.sid for w in ws.workflows},
            "workflow_sid",
            where,
            args,
            filters,
        )
        self._sid_filter(params, "TaskQueueSid", "WQ", "task_queue_sid", where, args, filters)
        self._name_filter(
            params,
            "TaskQueueName",
            {q.friendly_name: q.sid for q in ws.task_queues},
            "task_queue_sid",
            where,
            args,
            filters,
        )
        routing_target = params.one("RoutingTarget")
        if routing_target is not None:
            where.append("routing_target = ?")
            args.append(routing_target)
            filters.append(("RoutingTarget", routing_target))
        has_addons = params.one("HasAddons")
        if has_addons is not None:
            wanted = parse_bool("HasAddons", has_addons)
            where.append("addons NOT IN ('', '{}')" if wanted else "addons IN ('', '{}')")
            filters.append(("HasAddons", str(wanted).lower()))
        expression_text = params.one("EvaluateTaskAttributes")
        expression = None
        if expression_text is not None:
            try:
                expression = compile_expression(expression_text)
            except ExpressionSyntaxError as exc:
                raise bad_request(str(exc)) from None
            filters.append(("EvaluateTaskAttributes", expression_text))
        ordering_text = params.one("Ordering")
        keys = parse_ordering(ordering_text)
        if ordering_text:
            filters.append(("Ordering", ordering_text))
        page_size = optional_int(params, "PageSize", 1, MAX_PAGE_SIZE) or DEFAULT_PAGE_SIZE
        if params.one("Page") is not None:  # client state only; any integer >= 0
            optional_int(params, "Page", 0, 10**30)

        raw_token = params.one("PageToken")
        token = PageToken.decode(raw_token, len(keys)) if raw_token else None
        backwards = bool(token and token.backwards)
        if token is not None:
            clause, clause_args = after_clause(keys, token.values, reverse=backwards)
            where.append(clause)
            args.extend(clause_args)
        page_number = token.page if token else 0

        rows = self._collect(
            " AND ".join(where), args, order_by(keys, reverse=backwards), expression, page_size
        )
        has_more = len(rows) > page_size
        rows = rows[:page_size]
        if backwards:
            rows.reverse()
            has_next, has_previous = True, has_more
        else:
            has_next, has_previous = has_more, token is not None
        next_token = (
            PageToken(sort_values(rows[-1], keys), page_number + 1, False).encode()
            if has_next and rows
            else None
        )
        previous_token = (
            PageToken(sort_values(rows[0], keys), max(page_number - 1, 0), True).encode()
            if has_previous and rows
            else None
        )
        return Page(rows, page_number, page_size, next_token, previous_token, raw_token, filters)

    def _collect(
        self, where: str, args: list[Any], order: str, expression: Any, page_size: int
    ) -> list[TaskRow]:
        """Up to ``page_size + 1`` matching rows in order (one extra tells "more pages")."""
        if expression is None:
            rows: list[TaskRow] = []
            stream: Iterator[TaskRow] = self.store.query(where, args, order)
            with closing(stream):  # type: ignore[type-var]
                for row in stream:
                    rows.append(row)
                    if len(rows) > page_size:
                        break
            return rows
        # Scan only (seq, attributes) and evaluate; load full rows for the matches alone.
        matched: list[int] = []
        scan = self.store.scan("seq, attributes", where, args, order)
        with closing(scan):  # type: ignore[type-var]
            for seq, attributes in scan:
                if expression.matches(parsed_attributes(attributes)):
                    matched.append(seq)
                    if len(matched) > page_size:
                        break
        return self.store.get_by_seq(matched)

    @staticmethod
    def _sid_filter(
        params: Params,
        name: str,
        prefix: str,
        column: str,
        where: list[str],
        args: list[Any],
        filters: list[tuple[str, str]],
    ) -> None:
        value = params.one(name)
        if value is not None:
            parse_sid(name, value, prefix)
            where.append(f"{column} = ?")
            args.append(value)
            filters.append((name, value))

    @staticmethod
    def _name_filter(
        params: Params,
        name: str,
        by_name: dict[str, str],
        column: str,
        where: list[str],
        args: list[Any],
        filters: list[tuple[str, str]],
    ) -> None:
        value = params.one(name)
        if value is not None:
            where.append(f"{column} = ?")
            args.append(by_name.get(value, ""))
            filters.append((name, value))


@lru_cache(maxsize=32_768)
def parsed_attributes(text: str) -> dict[str, Any]:
    """Parsed attributes, cached by text (expressions only read them)."""
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def optional_int(params: Params, name: str, minimum: int, maximum: int) -> int | None:
    value = params.one(name)
    return parse_int(name, value, minimum, maximum) if value is not None else None
