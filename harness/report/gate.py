"""The gate: did this run pass, for CI? (exit 0 passed, 1 failed; docs/ci.md)

Per target, every check must pass:

- ``ran``: the score is defined (something was counted): a run that ran nothing fails;
- ``reachable``: the target answered the probe (an unreachable target also makes the exit
  code 3);
- ``conformance`` (without a baseline): no case failed or errored, except expected deviations;
- ``regressions`` (with ``--baseline``, for targets the baseline has): no case that passed in
  the baseline fails or errors now, except expected deviations. New failing cases and cases
  that already failed are reported, not gated;
- ``fail-under`` (with ``--fail-under SCORE``): the score is at least SCORE.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

EXIT_OK, EXIT_FAIL = 0, 1


def _check(name: str, passed: bool, detail: str) -> dict[str, Any]:
    return {"name": name, "passed": passed, "detail": detail}


def target_checks(
    target: Mapping[str, Any],
    cases: Sequence[Mapping[str, Any]],
    fail_under: float | None,
    baseline_diff: Mapping[str, Any] | None,
) -> list[dict[str, Any]]:
    score = target.get("score") or {}
    value = score.get("value")
    checks = []
    if not target.get("reachable", True):
        checks.append(_check("reachable", False, target.get("error") or "target unreachable"))
    checks.append(
        _check(
            "ran",
            value is not None,
            f"{score.get('counted', 0)} case(s) counted"
            if value is not None
            else "nothing was counted (no case ran, or all were unsupported): the score is "
            "undefined",
        )
    )
    unexpected = [
        c["id"]
        for c in cases
        if c["status"] in ("fail", "error") and not c.get("expected_deviation")
    ]
    expected = [c["id"] for c in cases if c.get("expected_deviation")]
    suffix = f"; {len(expected)} expected deviation(s) ignored" if expected else ""
    if baseline_diff is not None:
        regressions = [r["id"] for r in baseline_diff["regressions"]]
        detail = (
            f"{len(regressions)} regression(s) against {baseline_diff.get('baseline_run')}: "
            + ", ".join(regressions[:10])
            if regressions
            else f"no case that passed in {baseline_diff.get('baseline_run')} fails now"
        )
        others = len(unexpected) - len(regressions)
        if others > 0:
            detail += f"; {others} other failing case(s) not gated (new or failing before)"
        checks.append(_check("regressions", not regressions, detail + suffix))
    else:
        detail = (
            f"{len(unexpected)} case(s) failed or errored: " + ", ".join(unexpected[:10])
            if unexpected
            else "no case failed or errored"
        )
        checks.append(_check("conformance", not unexpected, detail + suffix))
    if fail_under is not None:
        shown = score.get("display", "n/a")
        checks.append(
            _check(
                "fail-under",
                value is not None and value >= fail_under,
                f"score {shown} {'>=' if value is not None and value >= fail_under else '<'} "
                f"{fail_under:g}",
            )
        )
    return checks


def evaluate(
    targets: list[dict[str, Any]],
    cases: Sequence[Mapping[str, Any]],
    fail_under: float | None = None,
    baseline: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Fill ``target["gate"]`` for every target; return the run's gate block."""
    diffs = {t["target_after"]: t for t in (baseline or {}).get("targets") or []}
    for target in targets:
        diff = diffs.get(target["label"])
        if diff is not None and diff.get("target_before") is None:
            diff = None
        if diff is not None:
            diff = {**diff, "baseline_run": (baseline or {}).get("run_id")}
        mine = [c for c in cases if c["target"] == target["label"]]
        checks = target_checks(target, mine, fail_under, diff)
        target["gate"] = {"passed": all(c["passed"] for c in checks), "checks": checks}
    passed = bool(targets) and all(t["gate"]["passed"] for t in targets)
    failed = [
        f"{t['label']}: {c['name']}"
        for t in targets
        for c in t["gate"]["checks"]
        if not c["passed"]
    ]
    if not targets:
        failed = ["no target ran"]
    return {
        "passed": passed,
        "exit_code": EXIT_OK if passed else EXIT_FAIL,
        "mode": "baseline" if baseline is not None else "conformance",
        "fail_under": fail_under,
        "failed_checks": failed,
        "summary": "gate passed" if passed else "gate failed: " + "; ".join(failed),
    }
