"""The conformance score, 0..100 (formula and rationale: docs/scoring.md).

    score = 100 x sum(weight of passed cases) / sum(weight of counted cases)

- weight: 3 for a documented case, 1 for an inferred one. A case is documented when its own
  strength is ``documented`` and at least one clause it cites is documented (or it cites none
  with a strength); otherwise it is inferred.
- counted: ``pass``, ``fail``, ``error`` and ``skipped`` (a case that could not run: a missing
  profile value, an interrupted run). Failures, errors and could-not-run cases earn nothing.
- not counted: ``unsupported`` (the target declared the feature unsupported; listed) and cases
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
from collections.abc import Iterable, Mapping
from typing import Any

WEIGHTS = {"documented": 3, "inferred": 1}
COUNTED = ("pass", "fail", "error", "skipped")
SELECTION_PREFIX = "not selected"
FORMULA = (
    "100 x sum(weight of passed cases) / sum(weight of counted cases); weight 3 documented, "
    "1 inferred; counted = pass, fail, error, could-not-run; unsupported and unselected cases "
    "are left out; nothing counted = undefined (gate fails)"
)


def case_strength(case: Mapping[str, Any]) -> str:
    """``documented`` only if the case says so and cites at least one documented clause."""
    if case.get("strength", "documented") != "documented":
        return "inferred"
    strengths = [c.get("strength") for c in case.get("clauses") or [] if c.get("strength")]
    if strengths and "documented" not in strengths:
        return "inferred"
    return "documented"


def case_weight(case: Mapping[str, Any]) -> int:
    return WEIGHTS[case_strength(case)]


def is_selection_skip(case: Mapping[str, Any]) -> bool:
    return case["status"] == "skipped" and str(case.get("reason") or "").lower().startswith(
        SELECTION_PREFIX
    )


def is_counted(case: Mapping[str, Any]) -> bool:
    return case["status"] in COUNTED and not is_selection_skip(case)


def floor_to(value: float, digits: int) -> float:
    factor = 10**digits
    return math.floor(value * factor + 1e-9) / factor


def display(value: float | None) -> str:
    if value is None:
        return "n/a"
    shown = floor_to(value, 1)
    return f"{shown:.0f}" if shown == 100 else f"{shown:.1f}"


def compute_score(cases: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The score block of one target's cases (see the module docstring)."""
    earned = possible = 0
    tallies = {
        "passed": 0,
        "failed": 0,
        "errors": 0,
        "could_not_run": 0,
        "unsupported": 0,
        "excluded": 0,
        "expected_deviations": 0,
    }
    by_strength = {s: {"earned": 0, "possible": 0, "cases": 0} for s in WEIGHTS}
    lost: list[dict[str, Any]] = []
    for case in cases:
        status = case["status"]
        if status == "unsupported":
            tallies["unsupported"] += 1
            continue
        if not is_counted(case):
            tallies["excluded"] += 1
            continue
        strength = case_strength(case)
        weight = WEIGHTS[strength]
        possible += weight
        by_strength[strength]["possible"] += weight
        by_strength[strength]["cases"] += 1
        if status == "pass":
            tallies["passed"] += 1
            earned += weight
            by_strength[strength]["earned"] += weight
            continue
        key = {"fail": "failed", "error": "errors", "skipped": "could_not_run"}[status]
        tallies[key] += 1
        if case.get("expected_deviation"):
            tallies["expected_deviations"] += 1
        lost.append({"id": case["id"], "status": status, "weight": weight})
    value = floor_to(100.0 * earned / possible, 2) if possible else None
    return {
        "value": value,
        "display": display(value),
        "earned": earned,
        "possible": possible,
        "counted": sum(tallies[k] for k in ("passed", "failed", "errors", "could_not_run")),
        **tallies,
        "weights": dict(WEIGHTS),
        "by_strength": by_strength,
        "lost": sorted(lost, key=lambda item: (-item["weight"], item["id"])),
        "formula": FORMULA,
    }
