"""The normalisers of time: timestamps (same format, same order) and ages (within a tolerance)."""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from harness.replay.normalise import (
    DIFFERENT,
    EQUAL,
    NORMALISED_EQUAL,
    Context,
    Normaliser,
    Path,
    Verdict,
    json_type,
    type_mismatch,
)

TIMESTAMP_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("iso8601-utc", re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")),
    ("iso8601-utc-fraction", re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z$")),
    (
        "iso8601-offset",
        re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:?\d{2}$"),
    ),
    (
        "rfc2822",
        re.compile(
            r"^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} "
            r"([+-]\d{4}|GMT|UTC)$"
        ),
    ),
)


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)


def timestamp_format(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    for name, pattern in TIMESTAMP_FORMATS:
        if pattern.match(value):
            return name
    return None


def epoch(value: str) -> float | None:
    try:
        if value[:1].isdigit():
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        return parsedate_to_datetime(value).timestamp()
    except (ValueError, TypeError):
        return None


class TimestampOrder(Normaliser):
    """Timestamps: same format, and the same order relative to the other timestamps of the
    object and to the previous value of the same field of the same entity. Values are never
    compared (a replay happens at another time); equal-vs-later is tolerated (1 s resolution),
    only a reversed order is a difference."""

    name = "timestamp-format-and-order"

    def compare(self, path: Path, recorded: Any, candidate: Any, ctx: Context) -> Verdict | None:
        rec_format = timestamp_format(recorded)
        if rec_format is None:
            return None
        if not isinstance(candidate, str):
            return type_mismatch(recorded, candidate)
        cand_format = timestamp_format(candidate)
        if cand_format != rec_format:
            return Verdict(
                DIFFERENT,
                recorded,
                candidate,
                f"format: recorded {rec_format}, candidate {cand_format or 'unknown'}",
            )
        problems: list[str] = []
        rec_t, cand_t = epoch(recorded), epoch(candidate)
        key = str(path[-1]) if path else ""
        rec_parent, cand_parent = ctx.parents
        if (
            rec_t is not None
            and cand_t is not None
            and isinstance(rec_parent, dict)
            and isinstance(cand_parent, dict)
        ):
            for other, rec_other in rec_parent.items():
                cand_other = cand_parent.get(other)
                if (
                    other == key
                    or timestamp_format(rec_other) is None
                    or timestamp_format(cand_other) is None
                ):
                    continue
                ro, co = epoch(rec_other), epoch(cand_other)
                if ro is None or co is None:
                    continue
                rs, cs = _sign(rec_t - ro), _sign(cand_t - co)
                if rs * cs < 0:
                    problems.append(
                        f"order: recorded {key} {'<>'[rs > 0]} {other}, "
                        f"candidate {key} {'<>'[cs > 0]} {other}"
                    )
        if ctx.entity and rec_t is not None and cand_t is not None:
            slot = (ctx.entity, key)
            previous = ctx.history.get(slot)
            if previous is not None:
                rs, cs = _sign(rec_t - previous[0]), _sign(cand_t - previous[1])
                if rs * cs < 0:
                    problems.append(
                        f"order: {key} moved {'forward' if rs > 0 else 'backward'} in the "
                        f"recording, {'forward' if cs > 0 else 'backward'} on the candidate"
                    )
            ctx.history[slot] = (rec_t, cand_t)
        if problems:
            return Verdict(DIFFERENT, recorded, candidate, "; ".join(problems))
        return Verdict(
            EQUAL if recorded == candidate else NORMALISED_EQUAL, rec_format, cand_format
        )


class AgeTolerance(Normaliser):
    """``age`` (seconds) within a tolerance: a replay does not happen at the same pace."""

    name = "age-tolerance"

    def __init__(self, tolerance: float = 10.0, fields: tuple[str, ...] = ("age",)) -> None:
        self.tolerance = tolerance
        self.fields = fields

    def compare(self, path: Path, recorded: Any, candidate: Any, ctx: Context) -> Verdict | None:
        if not path or path[-1] not in self.fields or json_type(recorded) != "integer":
            return None
        if json_type(candidate) not in ("integer", "number"):
            return type_mismatch(recorded, candidate)
        delta = abs(candidate - recorded)
        if delta == 0:
            return Verdict(EQUAL, recorded, candidate)
        # A replay that waited longer (or shorter) than the recording, for the candidate's
        # windows, ages the task by as much more (or less).
        tolerance = self.tolerance + abs(ctx.stretch)
        if delta <= tolerance:
            return Verdict(NORMALISED_EQUAL, recorded, candidate)
        return Verdict(
            DIFFERENT, recorded, candidate, f"differs by {delta}s (tolerance {tolerance:g}s)"
        )
