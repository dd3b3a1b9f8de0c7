"""The conformance score, 0..100 (formula and rationale: docs/scoring.md).

    score = 100 x sum(weight of passed cases) / sum(weight of counted cases)

- weight: 3 for a documented case, 1 for an inferred one. A case is documented when its own
  strength is ``documented`` and at least one clause it cites is documented (or it cites none
  with a strength); otherwise it is inferred. A replay case weighs ``REPLAY_WEIGHT`` (1)
  whatever its strength: replay re-runs the scenario library's recordings, so at full weight
  the library would count twice.
- counted: ``pass``, ``fail``, ``error`` and ``skipped`` (a case that could not run: a missing
  profile value, an interrupted run). Failures, errors and could-not-run cases earn nothing.
- not counted: ``unsupported`` (the target declared the feature unsupported; listed),
  ``not-applicable`` (the check cannot observe the behaviour there), ``not-configured`` (an
  optional profile key is missing; listed with the key) and cases
  left out by selection (``-k``, ``--tag``, ``trc rerun``), which have no record at all; a
  phase that reports a selection skip uses a reason starting with ``not selected``.
- expected deviations still count as failures: the score measures conformance, not
  acceptance. (They stop failing the gate's conformance and regression checks.)
- nothing counted: the score is undefined (``None``, shown ``n/a``) and the gate fails.

The value is rounded *down* (two decimals stored, one shown), so only a run where every
counted case passed shows 100.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from harness.report.model import Case, LostCase, Score, StrengthTally
from harness.results.model import CaseRecord
from harness.results.vocab import Status, Strength

WEIGHTS = {Strength.DOCUMENTED: 3, Strength.INFERRED: 1}
#: the weight of a replay case, whatever its strength (docs/scoring.md)
REPLAY_WEIGHT = 1
REPLAY_PHASE = "replay"
COUNTED = frozenset({Status.PASS, Status.FAIL, Status.ERROR, Status.SKIPPED})
SELECTION_PREFIX = "not selected"
FORMULA = (
    "100 x sum(weight of passed cases) / sum(weight of counted cases); weight 3 documented, "
    "1 inferred, 1 a replay case; counted = pass, fail, error, could-not-run; unsupported, "
    "not-applicable, not-configured and unselected cases are left out; nothing counted = "
    "undefined (gate fails)"
)
#: which tally of the score a counted case that earned nothing adds to
_LOST_AS = {Status.FAIL: "failed", Status.ERROR: "errors", Status.SKIPPED: "could_not_run"}


def case_strength(case: CaseRecord) -> Strength:
    """``documented`` only if the case says so and cites at least one documented clause."""
    if case.strength != Strength.DOCUMENTED:
        return Strength.INFERRED
    strengths = [c.strength for c in case.clauses if c.strength]
    if strengths and Strength.DOCUMENTED not in strengths:
        return Strength.INFERRED
    return Strength.DOCUMENTED


def case_weight(case: CaseRecord) -> int:
    if case.phase == REPLAY_PHASE:
        return REPLAY_WEIGHT
    return WEIGHTS[case_strength(case)]


def is_selection_skip(case: CaseRecord) -> bool:
    return case.status is Status.SKIPPED and (case.reason or "").lower().startswith(
        SELECTION_PREFIX
    )


def is_counted(case: CaseRecord) -> bool:
    return case.status in COUNTED and not is_selection_skip(case)


def floor_to(value: float, digits: int) -> float:
    factor = 10**digits
    return math.floor(value * factor + 1e-9) / factor


def display(value: float | None) -> str:
    if value is None:
        return "n/a"
    shown = floor_to(value, 1)
    return f"{shown:.0f}" if shown == 100 else f"{shown:.1f}"


def compute_score(cases: Iterable[Case]) -> Score:
    """The score of one target's cases (see the module docstring)."""
    score = Score(
        weights=dict(WEIGHTS),
        replay_weight=REPLAY_WEIGHT,
        by_strength={s: StrengthTally() for s in WEIGHTS},
        formula=FORMULA,
    )
    lost: list[LostCase] = []
    for case in cases:
        if case.status is Status.UNSUPPORTED:
            score.unsupported += 1
            continue
        if case.status is Status.NOT_APPLICABLE:
            score.not_applicable += 1
            continue
        if case.status is Status.NOT_CONFIGURED:
            score.not_configured += 1
            continue
        if not is_counted(case):
            score.excluded += 1
            continue
        strength = case_strength(case)
        weight = case_weight(case)
        tally = score.by_strength[strength]
        score.possible += weight
        tally.possible += weight
        tally.cases += 1
        if case.status is Status.PASS:
            score.passed += 1
            score.earned += weight
            tally.earned += weight
            continue
        name = _LOST_AS[case.status]
        setattr(score, name, getattr(score, name) + 1)
        if case.expected_deviation is not None:
            score.expected_deviations += 1
        lost.append(LostCase(case.id, case.status, weight))
    score.value = floor_to(100.0 * score.earned / score.possible, 2) if score.possible else None
    score.display = display(score.value)
    score.counted = score.passed + score.failed + score.errors + score.could_not_run
    score.lost = sorted(lost, key=lambda item: (-item.weight, item.id))
    return score
