"""``-k`` expressions and ``--tag``: which cases a run includes, for every phase.

A ``-k`` expression is words combined with ``and``/``or``/``not`` and parentheses. A word
matches a case when it is a substring of its id or title (case-insensitive), or equals one of
its tags or its category. ``--tag`` keeps the cases carrying at least one of the tags. Any
object with ``id``, ``title``, ``category`` and ``tags`` can be selected: a loaded scenario, a
scenario recorded in a cassette, a fuzzed operation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar


class Selectable(Protocol):
    """What selection looks at."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def category(self) -> str: ...

    @property
    def tags(self) -> Sequence[str]: ...


C = TypeVar("C", bound=Selectable)
T = TypeVar("T")
Predicate = Callable[[Selectable], bool]

# category.

_TOKENS = re.compile(r"\s*(\(|\)|[^\s()]+)")


class SelectError(ValueError):
    pass


def _words(case: Selectable) -> tuple[str, set[str]]:
    text = f"{case.id} {case.title}".lower()
    names = {t.lower() for t in case.tags} | {case.category.lower()}
    return text, names


def compile_select(expression: str) -> Predicate:
    tokens = [t for t in _TOKENS.findall(expression) if t]
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        token = tokens[position]
        position += 1
        return token

    def parse_or() -> Predicate:
        left = parse_and()
        while peek() is not None and peek().lower() == "or":  # type: ignore[union-attr]
            take()
            right = parse_and()
            left = _either(left, right)
        return left

    def parse_and() -> Predicate:
        left = parse_not()
        while peek() is not None and peek().lower() == "and":  # type: ignore[union-attr]
            take()
            right = parse_not()
            left = _both(left, right)
        return left

    def parse_not() -> Predicate:
        token = peek()
        if token is not None and token.lower() == "not":
            take()
            inner = parse_not()
            return lambda s: not inner(s)
        return parse_atom()

    def parse_atom() -> Predicate:
        token = peek()
        if token is None:
            raise SelectError(f"-k {expression!r}: unexpected end of expression")
        if token == "(":
            take()
            inner = parse_or()
            if peek() != ")":
                raise SelectError(f"-k {expression!r}: missing ')'")
            take()
            return inner
        if token == ")" or token.lower() in ("and", "or"):
            raise SelectError(f"-k {expression!r}: unexpected {token!r}")
        word = take().lower()

        def matches(case: Selectable) -> bool:
            text, names = _words(case)
            return word in text or word in names

        return matches

    if not tokens:
        return lambda s: True
    predicate = parse_or()
    if position != len(tokens):
        raise SelectError(f"-k {expression!r}: unexpected {tokens[position]!r}")
    return predicate


def select(cases: Iterable[C], expression: str | None = None, tags: Iterable[str] = ()) -> list[C]:
    """Cases matching ``-k expression`` and carrying at least one of ``tags`` (if given)."""
    predicate = compile_select(expression or "")
    wanted = {t.lower() for t in tags}
    chosen: list[C] = []
    for case in cases:
        if wanted and not wanted & {t.lower() for t in case.tags}:
            continue
        if predicate(case):
            chosen.append(case)
    return chosen


def _either(a: Predicate, b: Predicate) -> Predicate:
    return lambda case: a(case) or b(case)


def _both(a: Predicate, b: Predicate) -> Predicate:
    return lambda case: a(case) and b(case)


# ---------------------------------------------------------------------------------------------
# Shards: ``trc run --shard I/N``


class ShardError(ValueError):
    pass


@dataclass(frozen=True)
class Shard:
    """Share ``index`` (1-based) of ``total``: the cases of each phase are dealt to ``total``
    shards by the longest-first rule (each case, heaviest first, to the lightest shard so far;
    ties to the lower shard, equal weights in id order), weighing each case by its duration in
    a previous report (``durations``) or, for cases it does not know, by the median of those it
    does (1 when none). Every shard of one command line computes the same deal, so the shards
    together run every selected case exactly once."""

    index: int
    total: int
    durations: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str, durations: Mapping[str, float] | None = None) -> Shard:
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not match:
            raise ShardError(f"--shard {text!r}: expected I/N, e.g. 1/3")
        index, total = int(match.group(1)), int(match.group(2))
        if total < 1 or not 1 <= index <= total:
            raise ShardError(f"--shard {text!r}: I must be between 1 and N (N at least 1)")
        return cls(index, total, dict(durations or {}))

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"

    def deal(self, ids: Sequence[str]) -> list[set[str]]:
        """The ids of every shard (index 0 is shard 1)."""
        known = sorted(self.durations[i] for i in ids if i in self.durations)
        default = known[len(known) // 2] if known else 1.0
        weights = {i: max(0.0, float(self.durations.get(i, default))) for i in ids}
        loads = [0.0] * self.total
        shares: list[set[str]] = [set() for _ in range(self.total)]
        for case_id in sorted(set(ids), key=lambda i: (-weights[i], i)):
            lightest = min(range(self.total), key=lambda n: (loads[n], n))
            loads[lightest] += weights[case_id] or 1e-6
            shares[lightest].add(case_id)
        return shares

    def keep(self, cases: Sequence[T], key: Callable[[T], str] | None = None) -> list[T]:
        """The cases of ``cases`` (one phase's selection, in order) this shard runs; ``key``
        names a case in the deal and in ``durations`` (default: its ``id``)."""
        name = key or (lambda case: case.id)  # type: ignore[attr-defined]
        mine = self.deal([name(case) for case in cases])[self.index - 1]
        return [case for case in cases if name(case) in mine]
