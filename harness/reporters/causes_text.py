"""The "Fix these first" lines: a target's root causes, ranked by points lost, as plain text.

Shared by the terminal summary and report.md; one line per cause, never wrapped (a CI log
keeps full ids)."""

from __future__ import annotations

from harness.report.model import Cause, Report, Target

#: causes listed before "... and N more"
TOP = 10
HEADING = "Fix these first"


def cause_facts(cause: Cause) -> str:
    """``28 case(s) · 84 points · documented`` (and the phases when more than one)."""
    facts = [f"{len(cause.case_ids)} case(s)", f"{cause.points_lost} point(s) lost"]
    if cause.inferred_schema:
        facts[1] = "no points of its own"
    facts.append(str(cause.strength))
    if len(cause.phases) > 1:
        facts.append("phases " + ", ".join(cause.phases))
    if cause.expected_deviations:
        facts.append(f"{cause.expected_deviations} expected deviation(s)")
    return " · ".join(facts)


def cause_line(rank: int, cause: Cause) -> str:
    return f"{rank}. [{cause.id}] {cause.title} · {cause_facts(cause)}"


def target_cause_lines(target: Target, top: int = TOP, indent: str = "  ") -> list[str]:
    """The ranked causes of one target (no heading); [] when it has none."""
    lines = [indent + cause_line(i, c) for i, c in enumerate(target.causes[:top], 1)]
    more = len(target.causes) - top
    if more > 0:
        lines.append(f"{indent}… and {more} more cause(s) in report.json (targets[].causes)")
    return lines


def fix_these_first_lines(report: Report, top: int = TOP) -> list[str]:
    """The heading and the ranked causes of every target; [] when no target has a cause."""
    lines: list[str] = []
    for target in report.targets:
        if not target.causes:
            continue
        failing = len({i for c in target.causes if not c.inferred_schema for i in c.case_ids})
        where = f" on {target.label}" if report.several else ""
        lines.append(
            f"{HEADING}{where}: {len(target.causes)} cause(s) behind {failing} failing case(s)"
        )
        lines += target_cause_lines(target, top)
    return lines
