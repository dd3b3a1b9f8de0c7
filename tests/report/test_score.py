"""The score formula (docs/scoring.md), its edge cases, and the gate's reading of it."""

from __future__ import annotations

import pytest

from harness.report.gate import evaluate
from harness.report.model import LostCase, StrengthTally, Target
from harness.report.score import case_strength, case_weight, compute_score, display
from harness.results.model import Status, Strength
from tests.report.helpers import case, document, record

DOC = [("task.fetch.ok", "documented")]
INF = [("task.errors.bad-request", "inferred")]


def test_documented_weighs_three_inferred_one() -> None:
    cases = [
        case("a", "pass", clauses=DOC),
        case("b", "fail", clauses=DOC),
        case("c", "pass", "inferred", clauses=INF),
        case("d", "fail", "inferred", clauses=INF),
    ]
    score = compute_score(cases)
    assert (score.earned, score.possible) == (4, 8)
    assert score.value == 50.0 and score.display == "50.0"
    assert score.by_strength[Strength.DOCUMENTED] == StrengthTally(earned=3, possible=6, cases=2)
    assert score.by_strength[Strength.INFERRED] == StrengthTally(earned=1, possible=2, cases=2)
    assert score.weights == {"documented": 3, "inferred": 1}
    # losing a documented case costs three times as much as losing an inferred one
    assert (
        compute_score([case("a", "pass", clauses=DOC), case("d", "fail", "inferred")]).value == 75.0
    )
    assert (
        compute_score([case("a", "fail", clauses=DOC), case("d", "pass", "inferred")]).value == 25.0
    )


@pytest.mark.parametrize(
    ("strength", "clauses", "expected"),
    [
        ("documented", DOC, "documented"),
        ("documented", [], "documented"),  # no clause strengths to contradict it
        ("documented", INF, "inferred"),  # cites only inferred clauses
        ("documented", DOC + INF, "documented"),  # at least one documented clause
        ("inferred", DOC, "inferred"),  # the case's own strength caps it
    ],
)
def test_case_strength(strength: str, clauses: list, expected: str) -> None:
    entry = case("x", "pass", strength, clauses)
    assert case_strength(entry) == expected
    assert case_weight(entry) == (3 if expected == "documented" else 1)


def test_errors_and_could_not_run_count_against() -> None:
    cases = [
        case("p", "pass"),
        case("e", "error"),
        case("s", "skipped", reason="the target profile has no value for 'workspaces.multi'"),
        case("i", "skipped", reason="run interrupted"),
    ]
    score = compute_score(cases)
    assert score.value == 25.0
    assert (score.passed, score.errors, score.could_not_run) == (1, 1, 2)
    assert score.counted == 4


def test_unsupported_leaves_the_denominator_but_is_listed() -> None:
    cases = [case("p", "pass"), case("u", "unsupported", reason="profile: ttl unsupported")]
    score = compute_score(cases)
    assert score.value == 100.0 and score.display == "100"
    assert score.unsupported == 1 and score.counted == 1


def test_selection_skips_are_excluded_and_counted_as_such() -> None:
    cases = [case("p", "pass"), case("x", "skipped", reason="not selected (-k etag)")]
    score = compute_score(cases)
    assert score.value == 100.0 and score.excluded == 1 and score.counted == 1


@pytest.mark.parametrize(
    "cases",
    [
        [],
        [case("u", "unsupported"), case("v", "unsupported")],
        [case("x", "skipped", reason="not selected")],
    ],
    ids=["nothing", "all-unsupported", "all-unselected"],
)
def test_a_run_that_counted_nothing_has_no_score_and_fails_the_gate(cases: list) -> None:
    score = compute_score(cases)
    assert score.value is None and score.display == "n/a"
    target = Target(label="t", spec="t", score=score)
    gate = evaluate([target], cases, fail_under=None)
    assert gate.passed is False and gate.exit_code == 1
    assert [c.name for c in target.gate.checks if not c.passed] == ["ran"]


def test_only_a_perfect_run_shows_100() -> None:
    cases = [case(f"p{i}", "pass") for i in range(9999)] + [case("f", "fail", "inferred")]
    score = compute_score(cases)
    assert score.value is not None and score.value < 100 and score.display == "99.9"
    assert display(2 / 3 * 100) == "66.6"  # rounded down, never up
    assert compute_score([case("a", "pass"), case("b", "pass", "inferred")]).display == "100"


def test_expected_deviations_still_cost_points() -> None:
    cases = [case("p", "pass"), case("f", "fail", expected="known")]
    score = compute_score(cases)
    assert score.value == 50.0 and score.expected_deviations == 1
    assert score.lost == [LostCase("f", Status.FAIL, 3)]


def test_fail_under_gate() -> None:
    doc = document(
        {
            "t": [
                record("a", Status.PASS),
                record("b", Status.PASS),
                record("c", Status.UNSUPPORTED),
                record("d", Status.PASS, strength="inferred", clauses=()),
            ]
        },
        fail_under=100,
    )
    assert doc.score.value == 100.0 and doc.gate.passed is True
    doc = document({"t": [record("a", Status.PASS), record("b", Status.FAIL)]}, fail_under=50)
    checks = {str(c.name): c for c in doc.targets[0].gate.checks}
    assert checks["fail-under"].passed is True  # 50 >= 50
    assert checks["conformance"].passed is False
    doc = document({"t": [record("a", Status.PASS), record("b", Status.FAIL)]}, fail_under=50.01)
    checks = {str(c.name): c for c in doc.targets[0].gate.checks}
    assert checks["fail-under"].passed is False
    assert checks["fail-under"].detail == "score 50.0 < 50.01"


def test_replay_cases_weigh_one_whatever_their_strength() -> None:
    from harness.report.score import REPLAY_WEIGHT

    replayed = case("replay:etag.stale", "fail", phase="replay")
    scenario = case("etag.stale", "fail")
    assert (case_weight(replayed), case_weight(scenario), REPLAY_WEIGHT) == (1, 3, 1)
    # the same failure seen by the library and by replay: the library's weight dominates
    score = compute_score(
        [
            case("etag.ok", "pass"),
            scenario,
            case("replay:etag.ok", "pass", phase="replay"),
            replayed,
        ]
    )
    assert (score.earned, score.possible, score.value, score.replay_weight) == (4, 8, 50.0, 1)
    assert [(lost.id, lost.weight) for lost in score.lost] == [
        ("etag.stale", 3),
        ("replay:etag.stale", 1),
    ]


def test_not_applicable_and_not_configured_are_left_out_of_the_score() -> None:
    score = compute_score(
        [
            case("a", "pass"),
            case("b", "not-applicable"),
            case("c", "not-configured", reason="needs the profile key channels.sms"),
        ]
    )
    assert (score.value, score.possible, score.not_applicable, score.not_configured) == (
        100.0,
        3,
        1,
        1,
    )
