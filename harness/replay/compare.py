"""Compare one candidate answer with the recorded one: status, required headers, every field.

The result is one ``FieldRow`` per field of the exchange. Fields of list items are folded into
one row per field (``tasks[].priority``) carrying the worst verdict and, when it is a
difference, the first item that differs - so an operation x field matrix stays readable.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from harness.cassette.format import Interaction
from harness.replay.bindings import FULL_SID, Bindings
from harness.replay.normalise import (
    DIFFERENT,
    EQUAL,
    EXTRA,
    MATCHES,
    MISSING,
    NORMALISED_EQUAL,
    SEVERITY,
    AttributesJson,
    Context,
    FreeText,
    Normaliser,
    Path,
    ProfileName,
    RunTagText,
    SidReference,
    UrlWithoutHost,
    Verdict,
    json_equal,
    json_type,
    shown,
)
from harness.replay.normalise_time import AgeTolerance, TimestampOrder
from harness.wire.recording import parse_text

TASK_IN_PATH = re.compile(r"/Tasks/(WT[0-9a-f]{32})(?:/|$)")
STATUS_FIELD = "status"
BODY_FIELD = "body"
HEADER_PREFIX = "header:"


def default_normalisers(age_tolerance: float = 10.0) -> list[Normaliser]:
    return [
        AttributesJson(),
        UrlWithoutHost(),
        SidReference(),
        TimestampOrder(),
        AgeTolerance(age_tolerance),
        FreeText(),
        RunTagText(),
        ProfileName(),
    ]


@dataclass
class FieldRow:
    field: str
    verdict: str
    recorded: Any = None
    candidate: Any = None
    detail: str = ""

    @property
    def matches(self) -> bool:
        return self.verdict in MATCHES


@dataclass
class CandidateAnswer:
    status: int
    headers: dict[str, str]  # lower-case names
    text: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def display_path(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += "[]"
        else:
            out += f".{part}" if out else str(part)
    return out or "$"


def concrete_path(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "$"


class Comparator:
    """Compares the exchanges of one replay; owns its normalisers and their shared context."""

    def __init__(
        self,
        bindings: Bindings,
        recorded_base: str,
        candidate_base: str,
        normalisers: list[Normaliser] | None = None,
        age_tolerance: float = 10.0,
    ) -> None:
        self.bindings = bindings
        self.normalisers = (
            normalisers if normalisers is not None else default_normalisers(age_tolerance)
        )
        self.context = Context(
            bindings,
            urlsplit(recorded_base).netloc.lower(),
            urlsplit(candidate_base).netloc.lower(),
        )

    # -- one exchange -----------------------------------------------------------------------
    def trial(
        self,
        recorded: Interaction,
        answer: CandidateAnswer,
        excused: Callable[[FieldRow], bool] | None = None,
    ) -> bool:
        """Would ``answer`` match ``recorded``? Learns nothing (for polls that may retry).
        ``excused``: differences that do not count (they need an unsupported feature)."""
        saved = copy.deepcopy((self.bindings.__dict__, self.context.history))
        try:
            return all(
                row.matches or (excused is not None and excused(row))
                for row in self.exchange(recorded, answer)
            )
        finally:
            self.bindings.__dict__.clear()
            self.bindings.__dict__.update(saved[0])
            self.context.history = saved[1]

    def exchange(self, recorded: Interaction, answer: CandidateAnswer) -> list[FieldRow]:
        rows: dict[str, FieldRow] = {}
        same_status = recorded.status == answer.status
        _put(
            rows,
            FieldRow(
                STATUS_FIELD,
                EQUAL if same_status else DIFFERENT,
                recorded.status,
                answer.status,
                "" if same_status else f"status {answer.status}, recorded {recorded.status}",
            ),
        )
        if recorded.status // 100 != answer.status // 100:
            rows[STATUS_FIELD].detail += " (body and headers not compared)"
            return list(rows.values())
        rec_doc = recorded.response_document()
        cand_doc = parse_text(answer.text)
        self._body(rows, rec_doc, cand_doc)
        self._content_type(rows, recorded, answer)
        self._etag(rows, recorded, answer, rec_doc, cand_doc)
        self._www_authenticate(rows, recorded, answer)
        return list(rows.values())

    # -- body -------------------------------------------------------------------------------
    def _body(self, rows: dict[str, FieldRow], rec: Any, cand: Any) -> None:
        rec_json = isinstance(rec, dict | list)
        cand_json = isinstance(cand, dict | list)
        if rec is None and cand is None:
            return
        if rec_json and cand_json:
            self._walk(rows, (), rec, cand)
            return
        if rec_json != cand_json or (rec is None) != (cand is None):
            _put(
                rows,
                FieldRow(
                    BODY_FIELD,
                    DIFFERENT,
                    shown(_kind(rec)),
                    shown(_kind(cand)),
                    f"recorded {_kind(rec)}, candidate {_kind(cand)}",
                ),
            )
            return
        _put(
            rows, FieldRow(BODY_FIELD, EQUAL if rec == cand else DIFFERENT, shown(rec), shown(cand))
        )

    def _walk(
        self,
        rows: dict[str, FieldRow],
        path: Path,
        rec: Any,
        cand: Any,
        parents: tuple[Any, Any] = (None, None),
        entity: str | None = None,
    ) -> None:
        ctx = self.context
        ctx.parents, ctx.entity = parents, entity
        for normaliser in self.normalisers:
            verdict = normaliser.compare(path, rec, cand, ctx)
            if verdict is not None:
                _put(rows, _row(path, verdict))
                return
        if isinstance(rec, dict) and isinstance(cand, dict):
            self._object(rows, path, rec, cand, entity)
        elif isinstance(rec, list) and isinstance(cand, list):
            self._array(rows, path, rec, cand, parents, entity)
        elif json_equal(rec, cand):
            _put(rows, _row(path, Verdict(EQUAL, shown(rec), shown(cand))))
        elif json_type(rec) != json_type(cand):
            _put(
                rows,
                _row(
                    path,
                    Verdict(
                        DIFFERENT,
                        shown(rec),
                        shown(cand),
                        f"type: recorded {json_type(rec)}, candidate {json_type(cand)}",
                    ),
                ),
            )
        else:
            _put(rows, _row(path, Verdict(DIFFERENT, shown(rec), shown(cand), "value differs")))

    def _object(
        self,
        rows: dict[str, FieldRow],
        path: Path,
        rec: dict[str, Any],
        cand: dict[str, Any],
        entity: str | None,
    ) -> None:
        sid = rec.get("sid")
        if isinstance(sid, str) and FULL_SID.match(sid):
            entity = sid
        keys = list(rec)
        if "sid" in keys:  # bind the object's own SID before its links and URLs
            keys.remove("sid")
            keys.insert(0, "sid")
        for key in keys:
            child = (*path, key)
            if key not in cand:
                _put(
                    rows,
                    _row(child, Verdict(MISSING, shown(rec[key]), None, "absent on the candidate")),
                )
                continue
            self._walk(rows, child, rec[key], cand[key], (rec, cand), entity)
        for key in cand:
            if key not in rec:
                _put(
                    rows,
                    _row(
                        (*path, key),
                        Verdict(EXTRA, None, shown(cand[key]), "absent in the recording"),
                    ),
                )

    def _array(
        self,
        rows: dict[str, FieldRow],
        path: Path,
        rec: list[Any],
        cand: list[Any],
        parents: tuple[Any, Any],
        entity: str | None,
    ) -> None:
        if len(rec) == len(cand):
            _put(rows, _row(path, Verdict(EQUAL, f"{len(rec)} items", f"{len(cand)} items")))
        else:
            _put(
                rows,
                _row(
                    path,
                    Verdict(DIFFERENT, f"{len(rec)} items", f"{len(cand)} items", "length differs"),
                ),
            )
        for index, (r, c) in enumerate(zip(rec, cand, strict=False)):
            self._walk(rows, (*path, index), r, c, parents, entity)
        for index in range(len(cand), len(rec)):
            _put(
                rows,
                _row(
                    (*path, index),
                    Verdict(MISSING, shown(rec[index]), None, "item absent on the candidate"),
                ),
            )
        for index in range(len(rec), len(cand)):
            _put(
                rows,
                _row(
                    (*path, index),
                    Verdict(EXTRA, None, shown(cand[index]), "item absent in the recording"),
                ),
            )

    # -- headers ----------------------------------------------------------------------------
    def _content_type(
        self, rows: dict[str, FieldRow], recorded: Interaction, answer: CandidateAnswer
    ) -> None:
        _header(rows, recorded, answer, "Content-Type", _media, "media type differs")

    def _www_authenticate(
        self, rows: dict[str, FieldRow], recorded: Interaction, answer: CandidateAnswer
    ) -> None:
        _header(rows, recorded, answer, "WWW-Authenticate", _scheme, "auth scheme differs")

    def _etag(
        self,
        rows: dict[str, FieldRow],
        recorded: Interaction,
        answer: CandidateAnswer,
        rec_doc: Any,
        cand_doc: Any,
    ) -> None:
        rec = recorded.response_header("etag")
        cand = answer.header("etag")
        field = HEADER_PREFIX + "ETag"
        if rec is None and cand is None:
            return
        if rec is None or cand is None:
            _put(rows, _presence(field, rec, cand))
            return
        task = _task_of(recorded.path, rec_doc)
        if task is None:
            _put(rows, FieldRow(field, EQUAL if rec == cand else NORMALISED_EQUAL, rec, cand))
            return
        cand_task = self.bindings.sids.to_candidate(task)
        if cand_task is None and isinstance(cand_doc, dict):
            cand_task = cand_doc.get("sid") if isinstance(cand_doc.get("sid"), str) else None
        ok, rec_label, cand_label = self.bindings.check_etag(task, rec, cand_task, cand)
        if _quoted(rec) != _quoted(cand):
            _put(
                rows,
                FieldRow(
                    field,
                    DIFFERENT,
                    rec,
                    cand,
                    f"quoting differs: recorded {rec!r}, candidate {cand!r}",
                ),
            )
        elif ok:
            _put(
                rows,
                FieldRow(field, EQUAL if rec == cand else NORMALISED_EQUAL, rec_label, cand_label),
            )
        else:
            _put(
                rows,
                FieldRow(
                    field,
                    DIFFERENT,
                    rec_label,
                    cand_label,
                    "the candidate's ETag does not follow the recording's versions "
                    f"(recorded {rec!r}, candidate {cand!r})",
                ),
            )


def _task_of(path: str, document: Any) -> str | None:
    match = TASK_IN_PATH.search(path)
    if match:
        return match.group(1)
    if isinstance(document, dict) and isinstance(document.get("sid"), str):
        return document["sid"]
    return None


def _quoted(etag: str) -> bool:
    value = etag[2:] if etag.startswith("W/") else etag
    return value.startswith('"')


def _header(
    rows: dict[str, FieldRow],
    recorded: Interaction,
    answer: CandidateAnswer,
    name: str,
    normalise: Callable[[str], str],
    differs: str,
) -> None:
    """Compare one response header: equal, equal once normalised, or different."""
    rec = recorded.response_header(name.lower())
    cand = answer.header(name.lower())
    field = HEADER_PREFIX + name
    if rec is None and cand is None:
        return
    if rec is None or cand is None:
        _put(rows, _presence(field, rec, cand))
    elif rec == cand:
        _put(rows, FieldRow(field, EQUAL, rec, cand))
    elif normalise(rec) == normalise(cand):
        _put(rows, FieldRow(field, NORMALISED_EQUAL, rec, cand))
    else:
        _put(rows, FieldRow(field, DIFFERENT, rec, cand, differs))


def _scheme(authenticate: str) -> str:
    return authenticate.split(" ", 1)[0].lower()


def _media(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _kind(value: Any) -> str:
    if value is None:
        return "an empty body"
    if isinstance(value, dict | list):
        return "JSON"
    return "text"


def _presence(field: str, rec: str | None, cand: str | None) -> FieldRow:
    if cand is None:
        return FieldRow(field, MISSING, rec, None, "header absent on the candidate")
    return FieldRow(field, EXTRA, None, cand, "header absent in the recording")


def _row(path: Path, verdict: Verdict) -> FieldRow:
    detail = verdict.detail
    if not verdict.matches and any(isinstance(p, int) for p in path):
        detail = f"{concrete_path(path)}: {detail}" if detail else concrete_path(path)
    return FieldRow(
        display_path(path), verdict.verdict, verdict.recorded, verdict.candidate, detail
    )


def _put(rows: dict[str, FieldRow], row: FieldRow) -> None:
    """Keep one row per field: the worst verdict (the first of equally bad ones)."""
    current = rows.get(row.field)
    if current is None or SEVERITY[row.verdict] > SEVERITY[current.verdict]:
        rows[row.field] = row
