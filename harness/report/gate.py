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

from collections.abc import Sequence

from harness.exitcodes import ExitCode
from harness.report.model import Baseline, Case, Gate, GateCheck, Target, TargetDiff, TargetGate
from harness.results.vocab import CheckName, GateMode


def target_checks(
    target: Target,
    cases: Sequence[Case],
    fail_under: float | None,
    baseline_diff: TargetDiff | None,
    baseline_run: str | None = None,
) -> list[GateCheck]:
    score = target.score
    value = score.value
    checks = []
    if not target.reachable:
        checks.append(GateCheck(CheckName.REACHABLE, False, target.error or "target unreachable"))
    checks.append(
        GateCheck(
            CheckName.RAN,
            value is not None,
            f"{score.counted} case(s) counted"
            if value is not None
            else "nothing was counted (no case ran, or all were unsupported): the score is "
            "undefined",
        )
    )
    unexpected = [c.id for c in cases if c.unexpected]
    expected = [c.id for c in cases if c.expected_deviation is not None]
    suffix = f"; {len(expected)} expected deviation(s) ignored" if expected else ""
    if baseline_diff is not None:
        regressions = [r.id for r in baseline_diff.regressions]
        detail = (
            f"{len(regressions)} regression(s) against {baseline_run}: "
            + ", ".join(regressions[:10])
            if regressions
            else f"no case that passed in {baseline_run} fails now"
        )
        others = len(unexpected) - len(regressions)
        if others > 0:
            detail += f"; {others} other failing case(s) not gated (new or failing before)"
        checks.append(GateCheck(CheckName.REGRESSIONS, not regressions, detail + suffix))
    else:
        detail = (
            f"{len(unexpected)} case(s) failed or errored: " + ", ".join(unexpected[:10])
            if unexpected
            else "no case failed or errored"
        )
        checks.append(GateCheck(CheckName.CONFORMANCE, not unexpected, detail + suffix))
    if fail_under is not None:
        reached = value is not None and value >= fail_under
        checks.append(
            GateCheck(
                CheckName.FAIL_UNDER,
                reached,
                f"score {score.display} {'>=' if reached else '<'} {fail_under:g}",
            )
        )
    return checks


def evaluate(
    targets: Sequence[Target],
    cases: Sequence[Case],
    fail_under: float | None = None,
    baseline: Baseline | None = None,
) -> Gate:
    """Fill ``target.gate`` for every target; return the run's gate."""
    diffs = {t.target_after: t for t in baseline.targets} if baseline is not None else {}
    for target in targets:
        diff = diffs.get(target.label)
        if diff is not None and diff.target_before is None:
            diff = None
        mine = [c for c in cases if c.target == target.label]
        run_id = baseline.run_id if baseline is not None else None
        checks = target_checks(target, mine, fail_under, diff, run_id)
        target.gate = TargetGate(passed=all(c.passed for c in checks), checks=checks)
    passed = bool(targets) and all(t.gate.passed for t in targets)
    failed = [f"{t.label}: {c.name}" for t in targets for c in t.gate.checks if not c.passed]
    if not targets:
        failed = ["no target ran"]
    return Gate(
        passed=passed,
        exit_code=ExitCode.OK if passed else ExitCode.FAIL,
        mode=GateMode.BASELINE if baseline is not None else GateMode.CONFORMANCE,
        fail_under=fail_under,
        failed_checks=failed,
        summary="gate passed" if passed else "gate failed: " + "; ".join(failed),
    )
