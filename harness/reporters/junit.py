"""``junit.xml``: one testsuite per target and phase, one testcase per case (each scenario, each
fuzz record, each replayed exchange); the score, the gate and the run's configuration are
properties of every testsuite.

Each target's root causes (harness/report/causes.py) are one more testsuite, ``causes``: one
testcase per cause, ranked by points lost, a ``<failure>`` that lists its cases (``<skipped>``
when every case of it is an expected deviation, or for an inferred schema difference, which
costs no points of its own).

Expected deviations are ``<skipped>`` with the reason, so CI tools do not paint them red;
``unsupported`` and ``skipped`` cases are ``<skipped>`` too; ``fail`` is ``<failure>``,
``error`` is ``<error>``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from harness.report.model import Case, Cause, Clause, Report, Target
from harness.results.data import to_data
from harness.results.vocab import PhaseStatus, Status

#: phases that did not run: left out of the ``phases`` property
NOT_RUN = frozenset({PhaseStatus.UNAVAILABLE, PhaseStatus.NOT_RUN})
#: the config keys given their own properties (``target``, ``faults``) rather than config.*
OWN_PROPERTIES = frozenset({"targets", "faults"})
DEFAULT_PHASE = "scenarios"
CAUSES_SUITE = "causes"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _properties(report: Report, target: Target) -> list[tuple[str, str]]:
    score, gate = target.score, target.gate
    ran = [p.name for p in report.phases if p.status not in NOT_RUN]
    props = [
        ("score", _text(score.value)),
        ("score_display", _text(score.display)),
        ("score_formula", _text(score.formula)),
        ("gate", "passed" if gate.passed else "failed"),
        (
            "gate_checks",
            "; ".join(f"{c.name}={'ok' if c.passed else 'FAILED'}" for c in gate.checks),
        ),
        ("target", _text(target.spec)),
        ("target_label", _text(target.label)),
        ("base_url", _text(target.base_url)),
        ("run_id", _text(report.run.run_id)),
        ("harness_version", _text(report.harness.version)),
        ("profile", _text(target.profile)),
        ("faults", _text(target.faults)),
        ("phases", _text(ran)),
        ("seed", _text(report.seed)),
    ]
    config = to_data(report.config)
    for key in sorted(config):
        if key in OWN_PROPERTIES:
            continue
        value = config[key]
        if isinstance(value, dict):
            value = json.dumps(value, sort_keys=True, default=str)
        props.append((f"config.{key}", _text(value)))
    return props


def _details(case: Case, clauses: dict[str, Clause]) -> str:
    failure = case.failure
    lines = []
    if failure:
        lines += [
            f"step: {failure.step}",
            f"expectation: {failure.expectation}",
            f"expected: {json.dumps(failure.expected, default=str)}",
            f"actual: {json.dumps(failure.actual, default=str)}",
        ]
    for ref in case.clauses:
        clause = clauses.get(ref.id)
        if clause is not None and clause.quote:
            lines.append(f"clause {ref.id} ({ref.strength}): {clause.quote}")
    if case.curl:
        lines.append(f"reproduce: {case.curl}")
    return "\n".join(lines)


def junit_from_report(report: Report) -> ET.ElementTree:
    root = ET.Element("testsuites", name="taskrouter-conformance")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for target in report.targets:
        mine = report.cases_of(target.label)
        phases = list(dict.fromkeys(c.phase or DEFAULT_PHASE for c in mine)) or [DEFAULT_PHASE]
        for phase in phases:
            subset = [c for c in mine if (c.phase or DEFAULT_PHASE) == phase]
            failures = sum(1 for c in subset if c.unexpected and c.status is Status.FAIL)
            errors = sum(1 for c in subset if c.unexpected and c.status is Status.ERROR)
            passed = sum(1 for c in subset if c.status is Status.PASS)
            skipped = len(subset) - failures - errors - passed
            counts = {
                "tests": len(subset),
                "failures": failures,
                "errors": errors,
                "skipped": skipped,
            }
            seconds = sum(c.duration_s or 0 for c in subset)
            suite = _suite(root, report, target, phase, counts, seconds)
            for key, value in counts.items():
                totals[key] += value
            for case in subset:
                _testcase(suite, case, report.clauses)
        if target.causes:
            counts = _causes_suite(root, report, target)
            for key, value in counts.items():
                totals[key] += value
    for key, total in totals.items():
        root.set(key, str(total))
    ET.indent(root)
    return ET.ElementTree(root)


def _suite(
    root: ET.Element,
    report: Report,
    target: Target,
    name: str,
    counts: dict[str, int],
    seconds: float,
) -> ET.Element:
    """One ``testsuite`` of a target (a phase, or the causes) with its counts and properties."""
    suite = ET.SubElement(
        root,
        "testsuite",
        name=f"{target.label} · {name}" if report.several else name,
        **{key: str(value) for key, value in counts.items()},
        time=f"{seconds:.3f}",
        timestamp=str(target.started_at or report.run.started_at or ""),
    )
    properties = ET.SubElement(suite, "properties")
    for key, value in _properties(report, target):
        ET.SubElement(properties, "property", name=key, value=value)
    return suite


def _failing_cause(cause: Cause) -> bool:
    return not cause.inferred_schema and cause.expected_deviations < len(cause.case_ids)


def _causes_suite(root: ET.Element, report: Report, target: Target) -> dict[str, int]:
    causes = target.causes
    failures = sum(1 for c in causes if _failing_cause(c))
    counts = {
        "tests": len(causes),
        "failures": failures,
        "errors": 0,
        "skipped": len(causes) - failures,
    }
    suite = _suite(root, report, target, CAUSES_SUITE, counts, 0.0)
    for rank, cause in enumerate(causes, 1):
        element = ET.SubElement(
            suite, "testcase", classname=CAUSES_SUITE, name=f"{cause.id} {cause.title}"
        )
        props = ET.SubElement(element, "properties")
        for name, value in (
            ("rank", rank),
            ("signature", cause.signature),
            ("points_lost", cause.points_lost),
            ("strength", cause.strength),
            ("cases", len(cause.case_ids)),
            ("phases", cause.phases),
        ):
            ET.SubElement(props, "property", name=name, value=_text(value))
        text = "\n".join(
            [
                f"{len(cause.case_ids)} case(s), {cause.points_lost} point(s) lost, "
                f"{cause.strength}",
                *(f"- {case_id}" for case_id in cause.case_ids),
                *([f"reproduce: {cause.reproducer}"] if cause.reproducer else []),
            ]
        )
        if _failing_cause(cause):
            node = ET.SubElement(element, "failure", message=cause.title, type=cause.signature)
        else:
            why = "inferred schema difference" if cause.inferred_schema else "expected deviation"
            node = ET.SubElement(element, "skipped", message=f"{why}: {cause.title}")
        node.text = text
    return counts


def _testcase(suite: ET.Element, case: Case, clauses: dict[str, Clause]) -> None:
    element = ET.SubElement(
        suite,
        "testcase",
        classname=f"{case.phase}.{case.category}",
        name=case.id,
        time=f"{case.duration_s or 0:.3f}",
    )
    if case.source and ":" in case.source:
        element.set("file", case.source.rsplit(":", 1)[0])
    props = ET.SubElement(element, "properties")
    for name, value in (
        ("title", case.title),
        ("clauses", [c.id for c in case.clauses]),
        ("strength", case.strength),
        ("weight", case.weight),
        ("feature", case.feature),
        ("operations", [f"{o.operation}={o.status}" for o in case.operations]),
    ):
        ET.SubElement(props, "property", name=name, value=_text(value))
    status = case.status
    deviation = case.expected_deviation
    if deviation:
        ET.SubElement(
            element,
            "skipped",
            message=f"expected deviation ({status}): {deviation.reason}",
        ).text = _details(case, clauses)
    elif status.is_problem:
        failure = case.failure
        message = (failure.message if failure else "") or case.reason or str(status)
        node = ET.SubElement(
            element, "failure" if status is Status.FAIL else "error", message=message
        )
        node.set("type", str((failure.expectation if failure else "") or status))
        node.text = _details(case, clauses)
    elif status in (
        Status.UNSUPPORTED,
        Status.SKIPPED,
        Status.NOT_APPLICABLE,
        Status.NOT_CONFIGURED,
    ):
        ET.SubElement(element, "skipped", message=f"{status}: {case.reason or ''}")


def write_junit_report(path: Path, report: Report) -> Path:
    junit_from_report(report).write(path, encoding="utf-8", xml_declaration=True)
    return path
