"""Re-binding: recorded values <-> the candidate's values, learned as the replay goes.

A ``Table`` is a bijection between recorded values and candidate values with a display label
per pair (``<task:1>``, ``<queue:single.sales>``, ``<page_token:2>``, ``<etag:task:1#2>``).
It answers two questions:

* *rewrite*: which candidate value stands for this recorded value in the next request
  (``to_candidate``);
* *compare*: is this candidate value the one that corresponds to this recorded value
  (``check``) - a pair never seen before is bound on the spot, a pair that contradicts an
  earlier binding is a difference. Identity across calls is therefore checked: ``<task:1>``
  must stay the same task everywhere, and two recorded tasks cannot map to one candidate task.

``Bindings`` holds the tables of one replay: SIDs (profile SIDs pre-bound by role), page
tokens, ETags per task, whole URLs learned from responses (``next_page_url``), friendly names
from the profiles, the run tags, and the time shift applied to timestamps in requests.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from harness.results.runid import RUN_TAG_PATTERN

SID = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2})([0-9a-f]{32})(?![A-Za-z0-9])")
FULL_SID = re.compile(r"^[A-Z]{2}[0-9a-f]{32}$")
ISO_TS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")
RUN_TAG = re.compile(RUN_TAG_PATTERN)
PAGE_TOKEN = "PageToken"
#: Request timestamps within this distance of the recording time are moved by the replay.
SHIFT_WINDOW = timedelta(days=30)
KINDS = {
    "WT": "task",
    "WS": "workspace",
    "WW": "workflow",
    "WQ": "queue",
    "TC": "channel",
    "WK": "worker",
    "WR": "reservation",
    "WA": "activity",
    "AC": "account",
    "WE": "event",
}


def kind_of(sid: str) -> str:
    return KINDS.get(sid[:2], sid[:2].lower())


class Table:
    """A recorded <-> candidate bijection with labels."""

    def __init__(self, kind: Callable[[str], str], name: str = "") -> None:
        self.kind = kind
        self.name = name
        self.forward: dict[str, str] = {}
        self.backward: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self._counts: Counter[str] = Counter()
        #: the scenario being replayed (its place in the cassette's order)
        self.scenario = 0
        #: numbered values -> the scenario that first met them
        self._met_in: dict[str, int] = {}

    def __contains__(self, recorded: str) -> bool:
        return recorded in self.forward

    def bind(self, recorded: str, candidate: str, label: str | None = None) -> bool:
        """Bind a pair; False when either side is already bound to something else.

        The recorded value gets its label the first time it is seen, bound or not."""
        if recorded not in self.labels:
            self.labels[recorded] = label or self._next_label(recorded)
            if label is None:
                self._met_in[recorded] = self.scenario
        if self.forward.get(recorded, candidate) != candidate:
            return False
        if self.backward.get(candidate, recorded) != recorded:
            return False
        self.forward[recorded] = candidate
        self.backward[candidate] = recorded
        return True

    def restart_numbering(self, scenario: int) -> None:
        """Values first met from now on belong to ``scenario`` and are numbered from 1 again.
        A numbered value of an earlier scenario keeps its number qualified by that scenario
        (``<task:1@3>``), so it can never pass for this scenario's ``<task:1>``."""
        self._counts.clear()
        self.scenario = scenario

    def _next_label(self, recorded: str) -> str:
        kind = self.kind(recorded)
        self._counts[kind] += 1
        return f"<{kind}:{self._counts[kind]}>"

    def to_candidate(self, recorded: str) -> str | None:
        return self.forward.get(recorded)

    def label(self, recorded: str) -> str:
        label = self.labels.get(recorded)
        if label is None:
            return f"<{self.kind(recorded)}:?>"
        met = self._met_in.get(recorded, self.scenario)
        return label if met == self.scenario else f"{label[:-1]}@{met}>"

    def candidate_label(self, candidate: str) -> str:
        recorded = self.backward.get(candidate)
        if recorded is not None:
            return self.label(recorded)
        # The same spelling for every unseen value of a kind, so that one difference seen
        # across scenarios groups as one (the value itself goes into the row's detail).
        return f"<{self.kind(candidate)}:new>"

    def check(self, recorded: str, candidate: str) -> tuple[bool, str, str]:
        """(consistent, recorded label, candidate label); binds a pair seen for the first time."""
        ok = self.bind(recorded, candidate)
        label = self.label(recorded)
        return ok, label, label if ok else self.candidate_label(candidate)


@dataclass
class Bindings:
    recorded_tag: str
    replay_tag: str
    recorded_base: str
    candidate_base: str
    time_shift: timedelta = field(default_factory=timedelta)
    recorded_at: datetime | None = None
    sids: Table = field(default_factory=lambda: Table(kind_of, "sid"))
    tokens: Table = field(default_factory=lambda: Table(lambda _: "page_token", "page token"))
    etags: Table = field(default_factory=lambda: Table(lambda _: "etag", "etag"))
    urls: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    name_labels: dict[str, str] = field(default_factory=dict)
    #: recorded profile SIDs the candidate profile has no counterpart for -> the profile path.
    unmapped_profile: dict[str, str] = field(default_factory=dict)
    #: recorded profile SIDs the candidate cannot map -> their recorded friendly name.
    unmapped_names: dict[str, str] = field(default_factory=dict)
    _etag_counts: Counter[str] = field(default_factory=Counter)

    def new_scenario(self, ordinal: int) -> None:
        """Labels of the values scenario ``ordinal`` (its place in the cassette) meets first
        are numbered within it (``<task:1>`` is its first task), so a label does not depend
        on which other scenarios of the cassette were replayed before it (``-k``,
        ``--shard``)."""
        for table in (self.sids, self.tokens, self.etags):
            table.restart_numbering(ordinal)

    # -- set-up -----------------------------------------------------------------------------
    def bind_profiles(self, recorded: dict[str, Any], candidate: dict[str, Any]) -> list[str]:
        """Pre-bind SIDs and friendly names that sit at the same place in both profiles."""
        conflicts: list[str] = []
        recorded = {k: recorded.get(k) for k in ("workspaces", "foreign")}
        candidate = {k: candidate.get(k) for k in ("workspaces", "foreign")}
        for path, rec_value, cand_value in _parallel(recorded, candidate, ()):
            where = _role(path)
            if not isinstance(rec_value, str):
                continue
            if FULL_SID.match(rec_value):
                if cand_value is None:
                    self.unmapped_profile.setdefault(rec_value, ".".join(map(str, path)))
                    self.sids.labels.setdefault(rec_value, f"<{kind_of(rec_value)}:{where}>")
                    name = _sibling_name(recorded, path)
                    if name:
                        self.unmapped_names.setdefault(rec_value, name)
                    continue
                if isinstance(cand_value, str) and not self.sids.bind(
                    rec_value, cand_value, f"<{kind_of(rec_value)}:{where}>"
                ):
                    conflicts.append(".".join(map(str, path)))
            elif path and path[-1] == "friendly_name" and isinstance(cand_value, str):
                self.names.setdefault(rec_value, cand_value)
                self.name_labels.setdefault(rec_value, f"<name:{where}>")
        return conflicts

    def bind_account(self, recorded: str, candidate: str) -> None:
        self.sids.bind(recorded, candidate, "<account>")

    def meaning(self, recorded_sid: str) -> str | None:
        """What an unmapped recorded profile SID is, for a difference that shows it:
        ``the recording's Sales Queue (workspaces.single.queues.sales), which your profile
        does not map``."""
        path = self.unmapped_profile.get(recorded_sid)
        if path is None:
            return None
        key = path[: -len(".sid")] if path.endswith(".sid") else path
        name = self.unmapped_names.get(recorded_sid) or kind_of(recorded_sid)
        return f"the recording's {name} ({key}), which your profile does not map"

    def unmapped_label(self, label: str) -> str | None:
        """The recorded SID behind ``label`` when it is an unmapped profile SID."""
        for sid in self.unmapped_profile:
            if self.sids.labels.get(sid) == label:
                return sid
        return None

    def learn_token(self, recorded: str, candidate: str) -> None:
        """The candidate's token for the recorded one (the latest wins: tokens are compared
        by role, so two recorded pages may well share a candidate's spelling)."""
        self.tokens.labels.setdefault(recorded, "<page_token>")
        self.tokens.forward[recorded] = candidate
        self.tokens.backward[candidate] = recorded

    # -- rewriting the next request ---------------------------------------------------------
    def sid_text(self, text: str) -> str:
        """Every bound recorded SID in ``text`` replaced by its candidate SID."""

        def swap(match: re.Match[str]) -> str:
            return self.sids.to_candidate(match.group(0)) or match.group(0)

        return SID.sub(swap, text)

    def tag_text(self, text: str) -> str:
        return text.replace(self.recorded_tag, self.replay_tag) if self.recorded_tag else text

    def shift_times(self, text: str) -> str:
        """Timestamps near the recording time (``{iso_ago:…}`` values) move with the replay;
        far ones (deliberate boundaries such as 1899-12-31) stay as recorded."""
        if not self.time_shift or self.recorded_at is None:
            return text

        def swap(match: re.Match[str]) -> str:
            try:
                moment = datetime.strptime(match.group(0)[:19], "%Y-%m-%dT%H:%M:%S")
            except ValueError:
                return match.group(0)
            moment = moment.replace(tzinfo=UTC)
            if abs(moment - self.recorded_at) > SHIFT_WINDOW:
                return match.group(0)
            return (moment + self.time_shift).strftime("%Y-%m-%dT%H:%M:%SZ")

        return ISO_TS.sub(swap, text)

    def value(self, key: str, value: str) -> str:
        """A query or form value for the candidate."""
        if key == PAGE_TOKEN:
            return self.tokens.to_candidate(value) or value
        if value in self.names:
            return self.names[value]
        return self.shift_times(self.tag_text(self.sid_text(value)))

    def url(self, recorded_uri: str) -> str:
        """The URL to send for a recorded request URI (absolute, on the candidate)."""
        learned = self.urls.get(recorded_uri)
        if learned and _same_origin(learned, self.candidate_base):
            return learned
        parts = urlsplit(recorded_uri)
        path = self.tag_text(self.sid_text(parts.path))
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            changed = [(k, self.value(k, v)) for k, v in pairs]
            if changed != pairs:
                query = urlencode(changed, quote_via=quote)
        base = urlsplit(self.candidate_base)
        return urlunsplit((base.scheme, base.netloc, base.path.rstrip("/") + path, query, ""))

    def form(self, body: str) -> str:
        pairs = parse_qsl(body, keep_blank_values=True)
        changed = [(k, self.value(k, v)) for k, v in pairs]
        return body if changed == pairs else urlencode(changed)

    def raw(self, body: str) -> str:
        return self.shift_times(self.tag_text(self.sid_text(body)))

    def if_match(self, task_sid: str | None, value: str) -> str:
        if task_sid is None:
            return value
        candidate = self.etags.to_candidate(etag_key(task_sid, value))
        return candidate.split("|", 1)[1] if candidate else value

    def unmapped_in(self, text: str) -> list[str]:
        """Profile paths of recorded profile SIDs in ``text`` the candidate cannot provide."""
        return sorted(
            {
                self.unmapped_profile[m.group(0)]
                for m in SID.finditer(text)
                if m.group(0) in self.unmapped_profile
            }
        )

    # -- ETags ------------------------------------------------------------------------------
    def check_etag(
        self, task_recorded: str, recorded: str, task_candidate: str | None, candidate: str
    ) -> tuple[bool, str, str]:
        rec_key = etag_key(task_recorded, recorded)
        cand_key = etag_key(task_candidate or "?", candidate)
        if rec_key not in self.etags.labels:
            task_label = self.sids.label(task_recorded).strip("<>")
            self._etag_counts[task_recorded] += 1
            label = f"<etag:{task_label}#{self._etag_counts[task_recorded]}>"
        else:
            label = None
        ok = self.etags.bind(rec_key, cand_key, label)
        rec_label = self.etags.label(rec_key)
        if ok:
            return True, rec_label, rec_label
        other = self.etags.backward.get(cand_key)
        cand_label = self.etags.label(other) if other else "<etag:new>"
        return False, rec_label, cand_label

    # -- displays ---------------------------------------------------------------------------
    def canonical(self, text: str, side: str) -> str:
        """``text`` with SIDs as labels and run tags as ``<run_tag>`` (for messages)."""
        table = self.sids

        def swap(match: re.Match[str]) -> str:
            value = match.group(0)
            if side == "recorded":
                return table.label(value) if value in table.forward else value
            recorded = table.backward.get(value)
            return table.label(recorded) if recorded else value

        text = SID.sub(swap, text)
        return RUN_TAG.sub("<run_tag>", text)


def etag_key(task_sid: str, etag: str) -> str:
    return f"{task_sid}|{etag}"


def _same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())


def _sibling_name(recorded: Any, path: tuple[Any, ...]) -> str | None:
    """The ``friendly_name`` next to the SID at ``path`` in the recorded profile."""
    node = recorded
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    name = node.get("friendly_name") if isinstance(node, dict) else None
    return name if isinstance(name, str) else None


def _role(path: tuple[Any, ...]) -> str:
    """``('workspaces', 'single', 'queues', 'sales', 'sid')`` -> ``single.queues.sales``."""
    parts = [str(p) for p in path if p not in ("workspaces", "sid", "friendly_name")]
    return ".".join(parts)


def _parallel(
    recorded: Any, candidate: Any, path: tuple[Any, ...]
) -> Iterator[tuple[tuple[Any, ...], Any, Any]]:
    """Leaves of ``recorded`` with the candidate's value at the same path (None if absent)."""
    if isinstance(recorded, dict):
        for key, value in recorded.items():
            other = candidate.get(key) if isinstance(candidate, dict) else None
            yield from _parallel(value, other, (*path, key))
    elif isinstance(recorded, list):
        for index, value in enumerate(recorded):
            other = (
                candidate[index] if isinstance(candidate, list) and index < len(candidate) else None
            )
            yield from _parallel(value, other, (*path, index))
    else:
        yield path, recorded, candidate
