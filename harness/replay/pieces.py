"""The small pieces of a replay: field-row folding, poll runs, times and messages."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta

import httpx

from harness.cassette.format import Interaction
from harness.replay.compare import TASK_IN_PATH, CandidateAnswer, FieldRow
from harness.results.model import Exchange, FieldVerdict


class FieldRows:
    """One row per (operation, field, verdict) of a scenario: the first exchange it occurred
    in, with ``(+N more)`` when it occurred in N more exchanges. Keeps results small (the
    whole shipped library: ~9k rows instead of ~23k) while every difference stays named."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str, str], FieldVerdict] = {}
        self._counts: dict[tuple[str, str, str], int] = {}

    def add(self, row: FieldVerdict) -> None:
        key = (row.operation, row.field, row.verdict)
        if key not in self._rows:
            self._rows[key] = row
            self._counts[key] = 0
        else:
            self._counts[key] += 1

    def rows(self) -> list[FieldVerdict]:
        out = []
        for key, row in self._rows.items():
            more = self._counts[key]
            if more:
                row = dataclasses.replace(row, exchange=f"{row.exchange} (+{more} more)")
            out.append(row)
        return out


def candidate_answer(response: httpx.Response) -> CandidateAnswer:
    return CandidateAnswer(
        response.status_code,
        {k.lower(): v for k, v in response.headers.items()},
        response.text,
    )


def poll_run(interactions: list[Interaction], start: int) -> list[Interaction]:
    """The run of identical GETs of one step starting at ``start`` (an ``eventually`` poll)."""
    first = interactions[start]
    run = [first]
    if first.method != "GET":
        return run
    for other in interactions[start + 1 :]:
        if (other.method, other.uri, other.auth, other.step, other.request_body) != (
            first.method,
            first.uri,
            first.auth,
            first.step,
            first.request_body,
        ):
            break
        run.append(other)
    return run


def poll_span(poll: list[Interaction]) -> float:
    return max(0.0, (poll[-1].at or 0.0) - (poll[0].at or 0.0))


def poll_interval(poll: list[Interaction]) -> float:
    gaps = [
        b.at - (a.at + a.took)
        for a, b in itertools.pairwise(poll)
        if a.at is not None and a.took is not None and b.at is not None
    ]
    return max(0.1, min(gaps) if gaps else 0.5)


def task_in_path(path: str) -> str | None:
    match = TASK_IN_PATH.search(path)
    return match.group(1) if match else None


def parse_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def time_shift(recorded_at: str) -> timedelta:
    moment = parse_time(recorded_at)
    return datetime.now(UTC) - moment if moment else timedelta()


def difference_message(interaction: Interaction, row: FieldRow, count: int) -> str:
    text = (
        f"exchange #{interaction.index} {interaction.operation} "
        f"(step {interaction.step!r}): {row.field} {row.verdict}: "
        f"recorded {row.recorded!r}, candidate {row.candidate!r}"
    )
    if row.detail:
        text += f" ({row.detail})"
    if count > 1:
        text += f"; {count - 1} more field(s) differ in this exchange"
    return text


def curl_auth(exchange: Exchange) -> str:
    header = next(
        (v for k, v in exchange.request.headers.items() if k.lower() == "authorization"), None
    )
    return "none" if header is None else "default"
