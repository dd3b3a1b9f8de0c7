"""The scenario library itself: it loads, meets the minimum per category, and every clause of
spec/clauses.yaml is cited by a scenario or listed in spec/untestable.yaml with a reason."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from harness.clauses import load_clauses
from harness.scenarios.discovery import discover

ROOT = Path(__file__).resolve().parents[2]
MINIMUM = {
    "lifecycle": 8,
    "filtering": 15,
    "ordering": 8,
    "paging": 6,
    "etag": 6,
    "validation": 12,
    "auth": 3,
    "retention": 2,
    "workforce": 6,
}


@pytest.fixture(scope="module")
def clauses():
    return load_clauses()


@pytest.fixture(scope="module")
def library(clauses):
    return discover(ROOT / "scenarios", clauses)


@pytest.fixture(scope="module")
def untestable(clauses) -> dict[str, str]:
    data = yaml.safe_load((ROOT / "spec" / "untestable.yaml").read_text())
    entries = data["untestable"]
    assert isinstance(entries, list)
    reasons: dict[str, str] = {}
    for entry in entries:
        assert set(entry) == {"clause", "reason"}, entry
        assert entry["clause"] in clauses, f"unknown clause {entry['clause']}"
        assert entry["clause"] not in reasons, f"listed twice: {entry['clause']}"
        assert len(entry["reason"].strip()) > 20, f"say why: {entry['clause']}"
        reasons[entry["clause"]] = entry["reason"]
    return reasons


def test_every_category_meets_its_minimum(library) -> None:
    counts = Counter(s.category for s in library)
    short = {c: (counts.get(c, 0), n) for c, n in MINIMUM.items() if counts.get(c, 0) < n}
    assert not short, f"category: (have, need) {short}"


def test_ids_are_unique_and_every_case_cites_a_clause(library) -> None:
    ids = Counter(s.id for s in library)
    assert [i for i, n in ids.items() if n > 1] == []
    assert all(s.clauses for s in library)


def test_every_clause_is_cited_or_listed_untestable(library, clauses, untestable) -> None:
    cited = {c for s in library for c in s.clauses}
    missing = sorted(set(clauses) - cited - set(untestable))
    assert missing == [], f"{len(missing)} clause(s) neither cited nor untestable: {missing}"


def test_untestable_clauses_are_not_also_cited(library, untestable) -> None:
    cited = {c for s in library for c in s.clauses}
    assert sorted(cited & set(untestable)) == []


def test_inferred_scenarios_explain_themselves(library) -> None:
    unexplained = [s.id for s in library if s.strength == "inferred" and not s.note]
    assert unexplained == []
