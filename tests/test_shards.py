"""``Shard`` (``trc run --shard I/N``): parsing, and the longest-first deal of a phase's cases.

The deal must be a partition (every id in exactly one shard), the same for every shard of one
command line whatever order the cases come in, and balanced: sizes within one of each other
when nothing is known of the durations, the longest-first bound when something is, and the
cases a previous report does not know weighed as the median of those it does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from harness.selection import Shard, ShardError

# ---------------------------------------------------------------------------------------------
# strategies

IDS = st.lists(
    st.text(alphabet="abcdefghij.-_0123456789", min_size=1, max_size=12),
    min_size=0,
    max_size=40,
    unique=True,
)
TOTALS = st.integers(min_value=1, max_value=6)
DURATION = st.floats(min_value=0.0, max_value=500.0, allow_nan=False, allow_infinity=False)


@st.composite
def dealt(draw: st.DrawFn) -> tuple[list[str], dict[str, float], int]:
    """(ids, durations of some of them, N)."""
    ids = draw(IDS)
    known = draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []
    durations = {i: draw(DURATION) for i in known}
    return ids, durations, draw(TOTALS)


def weights(ids: list[str], durations: dict[str, float]) -> dict[str, float]:
    """What the deal should weigh each id by: its duration, else the median of the known ones
    (the middle one of an odd count; the upper middle of an even count), else 1."""
    known = sorted(durations[i] for i in ids if i in durations)
    default = known[len(known) // 2] if known else 1.0
    return {i: durations.get(i, default) for i in ids}


@dataclass(frozen=True)
class Case:
    """A selectable case, as ``Shard.keep`` sees one."""

    id: str
    title: str = ""
    category: str = "c"
    tags: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# parse


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "0/0", "x", "1-3", "", "1/3/3", "-1/3"])
def test_parse_rejects_what_is_not_i_of_n(text: str) -> None:
    with pytest.raises(ShardError) as caught:
        Shard.parse(text)
    message = str(caught.value)
    assert f"--shard {text!r}" in message  # names what was given
    assert "I" in message and "N" in message  # and says what is expected


@pytest.mark.parametrize(
    ("text", "index", "total"), [("1/1", 1, 1), ("2/3", 2, 3), (" 3 / 3 ", 3, 3), ("6/6", 6, 6)]
)
def test_parse_accepts_i_of_n(text: str, index: int, total: int) -> None:
    shard = Shard.parse(text, {"a": 2.0})
    assert (shard.index, shard.total) == (index, total)
    assert str(shard) == f"{index}/{total}"
    assert dict(shard.durations) == {"a": 2.0}


def test_shard_error_is_a_value_error() -> None:
    assert issubclass(ShardError, ValueError)


# ---------------------------------------------------------------------------------------------
# partition


@settings(max_examples=200, deadline=None)
@given(dealt())
def test_the_shards_of_n_are_disjoint_and_cover_every_id_once(
    case: tuple[list[str], dict[str, float], int],
) -> None:
    ids, durations, total = case
    shares = Shard(1, total, durations).deal(ids)
    assert len(shares) == total
    assert sorted(i for share in shares for i in share) == sorted(ids)


@settings(max_examples=100, deadline=None)
@given(dealt())
def test_keep_of_every_shard_partitions_the_cases_in_their_order(
    case: tuple[list[str], dict[str, float], int],
) -> None:
    ids, durations, total = case
    cases = [Case(i) for i in ids]
    kept = [Shard(n, total, durations).keep(cases) for n in range(1, total + 1)]
    assert sorted(c.id for share in kept for c in share) == sorted(ids)
    for share in kept:  # each shard runs its cases in the phase's order
        assert share == [c for c in cases if c in share]


@settings(max_examples=100, deadline=None)
@given(dealt())
def test_every_shard_of_one_command_line_computes_the_same_deal(
    case: tuple[list[str], dict[str, float], int],
) -> None:
    ids, durations, total = case
    deals = [Shard(n, total, dict(durations)).deal(ids) for n in range(1, total + 1)]
    assert all(d == deals[0] for d in deals)


# ---------------------------------------------------------------------------------------------
# determinism


@settings(max_examples=100, deadline=None)
@given(dealt(), st.randoms(use_true_random=False))
def test_the_deal_does_not_depend_on_input_order(
    case: tuple[list[str], dict[str, float], int], rnd: random.Random
) -> None:
    ids, durations, total = case
    shuffled = list(ids)
    rnd.shuffle(shuffled)
    reordered = dict(sorted(durations.items(), reverse=True))
    shard = Shard(1, total, durations)
    assert shard.deal(ids) == shard.deal(ids)
    assert Shard(1, total, reordered).deal(shuffled) == shard.deal(ids)


def test_same_input_same_deal_across_instances() -> None:
    ids = [f"case.{n:02d}" for n in range(30)]
    durations = {f"case.{n:02d}": float(n % 7) for n in range(0, 30, 2)}
    first = Shard.parse("2/4", durations).deal(ids)
    assert first == Shard.parse("3/4", dict(durations)).deal(list(reversed(ids)))
    assert first == Shard(1, 4, durations).deal(ids)


# ---------------------------------------------------------------------------------------------
# balance


@settings(max_examples=200, deadline=None)
@given(IDS, TOTALS)
def test_equal_weights_give_sizes_within_one(ids: list[str], total: int) -> None:
    for durations in ({}, dict.fromkeys(ids, 3.0)):
        sizes = [len(share) for share in Shard(1, total, durations).deal(ids)]
        assert max(sizes) - min(sizes) <= 1, (sizes, durations)


def test_equal_weights_sizes_on_a_known_example() -> None:
    sizes = [len(s) for s in Shard(1, 3).deal([f"c{n}" for n in range(125)])]
    assert sorted(sizes) == [41, 42, 42]


@settings(max_examples=300, deadline=None)
@given(dealt())
@example((list("abcdef"), {"a": 10.0, "b": 0.0, "c": 10.0, "d": 0.0, "e": 10.0, "f": 0.0}, 2))
@example((list("abcdefg"), {"a": 1.0, "d": 9.0, "g": 9.0, "b": 0.0, "c": 0.0}, 3))
def test_longest_first_bound(case: tuple[list[str], dict[str, float], int]) -> None:
    """Each case goes to the lightest shard, so no shard ends above the ideal by more than one
    case: max load <= total / N + the heaviest case."""
    ids, durations, total = case
    weight = weights(ids, durations)
    loads = [sum(weight[i] for i in share) for share in Shard(1, total, durations).deal(ids)]
    whole = sum(weight.values())
    heaviest = max(weight.values(), default=0.0)
    assert max(loads, default=0.0) <= whole / total + heaviest + 1e-6 * (len(ids) + 1)


def test_a_heavy_case_gets_a_shard_to_itself() -> None:
    ids = [f"c{n:02d}" for n in range(20)]
    durations = dict.fromkeys(ids, 1.0) | {"c13": 100.0}
    shares = Shard(1, 3, durations).deal(ids)
    assert {"c13"} in shares
    rest = [len(s) for s in shares if s != {"c13"}]
    assert sorted(rest) == [9, 10]


def test_longest_first_on_a_worked_example() -> None:
    durations = {"a": 8.0, "b": 7.0, "c": 6.0, "d": 5.0, "e": 4.0}
    shares = Shard(1, 2, durations).deal(list(durations))
    loads = sorted(sum(durations[i] for i in s) for s in shares)
    # a->1, b->2, c->2 (7<8), d->1 (8<13), e->1 (13=13, ties to the lower shard): 17/13
    assert shares == [{"a", "d", "e"}, {"b", "c"}]
    assert loads == [13.0, 17.0]


# ---------------------------------------------------------------------------------------------
# unknown cases


@settings(max_examples=200, deadline=None)
@given(
    IDS.filter(lambda ids: len(ids) >= 2),
    st.data(),
    TOTALS,
)
def test_unknown_ids_weigh_the_median_of_the_known_ones(
    ids: list[str], data: st.DataObject, total: int
) -> None:
    known = data.draw(
        st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids) - 1, unique=True).filter(
            lambda k: len(k) % 2 == 1  # an odd count: the median is one of them
        )
    )
    durations = {i: data.draw(DURATION) for i in known}
    median = sorted(durations.values())[len(known) // 2]
    explicit = durations | {i: median for i in ids if i not in durations}
    assert Shard(1, total, durations).deal(ids) == Shard(1, total, explicit).deal(ids)


def test_unknown_ids_weigh_the_median_not_the_mean() -> None:
    # known 1, 2, 30: median 2, mean 11. With the median, u (2) ties b (2) and goes after it
    # (id order) to the third shard; with the mean it would take the second shard alone.
    durations = {"a": 1.0, "b": 2.0, "c": 30.0}
    shares = Shard(1, 3, durations).deal(["a", "b", "c", "u"])
    assert shares == [{"c"}, {"a", "b"}, {"u"}]
    as_mean = Shard(1, 3, durations | {"u": 11.0}).deal(["a", "b", "c", "u"])
    assert as_mean != shares


def test_unknown_ids_weigh_1_when_none_is_known() -> None:
    ids = [f"c{n}" for n in range(10)]
    # durations of other phases' cases do not count: none of these ids is known
    unrelated = {"elsewhere.a": 50.0, "elsewhere.b": 70.0}
    ones = dict.fromkeys(ids, 1.0)
    assert Shard(1, 3, unrelated).deal(ids) == Shard(1, 3, ones).deal(ids)
    assert Shard(1, 3).deal(ids) == Shard(1, 3, ones).deal(ids)
    # weight 1 against known durations: c0 at 0.5 and the rest unknown (median 0.5, not 1)
    half = Shard(1, 2, {"c0": 0.5}).deal(ids)
    assert half == Shard(1, 2, dict.fromkeys(ids, 0.5)).deal(ids)


def test_the_median_is_taken_over_this_phases_ids_only() -> None:
    ids = ["a", "b", "c", "u", "v"]
    # "z" is not dealt here: the median of a, b, c is 1, not that of a, b, c, z
    durations = {"a": 1.0, "b": 1.0, "c": 9.0, "z": 9.0}
    deal = Shard(1, 2, durations).deal(ids)
    assert (
        deal
        == Shard(1, 2, durations | {"u": 1.0, "v": 1.0}).deal(ids)
        == [{"c"}, {"a", "b", "u", "v"}]
    )
    assert deal != Shard(1, 2, durations | {"u": 9.0, "v": 9.0}).deal(ids)


def test_zero_and_negative_durations_still_spread() -> None:
    ids = [f"c{n}" for n in range(9)]
    durations = dict.fromkeys(ids, 0.0) | {"c0": -5.0}
    sizes = sorted(len(s) for s in Shard(1, 3, durations).deal(ids))
    assert sizes == [3, 3, 3]
