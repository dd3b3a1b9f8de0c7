"""``junit.xml``: one testsuite per target and phase, one testcase per case (each scenario, each
fuzz record, each replayed exchange); the score, the gate and the run's configuration are
properties of every testsuite.

Expected deviations are ``<skipped>`` with the reason, so CI tools do not paint them red;
``unsupported`` and ``skipped`` cases are ``<skipped>`` too; ``fail`` is ``<failure>``,
``error`` is ``<error>``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.results.model import CaseRecord, RunMeta


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _properties(document: Mapping[str, Any], target: Mapping[str, Any]) -> list[tuple[str, str]]:
    score = target.get("score") or {}
    config = document.get("config") or {}
    run = document.get("run") or {}
    gate = target.get("gate") or {}
    skipped = ("unavailable", "not-run")
    ran = [p["name"] for p in document.get("phases") or [] if p["status"] not in skipped]
    props = [
        ("score", _text(score.get("value"))),
        ("score_display", _text(score.get("display"))),
        ("score_formula", _text(score.get("formula"))),
        ("gate", "passed" if gate.get("passed") else "failed"),
        (
            "gate_checks",
            "; ".join(
                f"{c['name']}={'ok' if c['passed'] else 'FAILED'}" for c in gate.get("checks") or []
            ),
        ),
        ("target", _text(target.get("spec"))),
        ("target_label", _text(target.get("label"))),
        ("base_url", _text(target.get("base_url"))),
        ("run_id", _text(run.get("run_id"))),
        ("harness_version", _text((document.get("harness") or {}).get("version"))),
        ("profile", _text(target.get("profile"))),
        ("faults", _text(target.get("faults"))),
        ("phases", _text(ran)),
        ("seed", _text(document.get("seed"))),
    ]
    for key in sorted(config):
        if key in ("targets", "faults"):
            continue
        value = config[key]
        if isinstance(value, dict):
            value = json.dumps(value, sort_keys=True, default=str)
        props.append((f"config.{key}", _text(value)))
    return props


def _details(case: Mapping[str, Any], clauses: Mapping[str, Any]) -> str:
    failure = case.get("failure") or {}
    lines = []
    if failure:
        lines += [
            f"step: {failure.get('step')}",
            f"expectation: {failure.get('expectation')}",
            f"expected: {json.dumps(failure.get('expected'), default=str)}",
            f"actual: {json.dumps(failure.get('actual'), default=str)}",
        ]
    for ref in case.get("clauses") or []:
        quote = (clauses.get(ref["id"]) or {}).get("quote")
        if quote:
            lines.append(f"clause {ref['id']} ({ref.get('strength')}): {quote}")
    if case.get("curl"):
        lines.append(f"reproduce: {case['curl']}")
    return "\n".join(lines)


def junit_from_report(document: Mapping[str, Any]) -> ET.ElementTree:
    cases = document.get("cases") or []
    clauses = document.get("clauses") or {}
    root = ET.Element("testsuites", name="taskrouter-conformance")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    several = len(document.get("targets") or []) > 1
    started = (document.get("run") or {}).get("started_at")
    for target in document.get("targets") or []:
        mine = [c for c in cases if c["target"] == target["label"]]
        phases = list(dict.fromkeys(c.get("phase", "scenarios") for c in mine)) or ["scenarios"]
        for phase in phases:
            subset = [c for c in mine if c.get("phase", "scenarios") == phase]
            failures = sum(
                1 for c in subset if c["status"] == "fail" and not c.get("expected_deviation")
            )
            errors = sum(
                1 for c in subset if c["status"] == "error" and not c.get("expected_deviation")
            )
            skipped = (
                len(subset) - failures - errors - sum(1 for c in subset if c["status"] == "pass")
            )
            suite = ET.SubElement(
                root,
                "testsuite",
                name=f"{target['label']} · {phase}" if several else phase,
                tests=str(len(subset)),
                failures=str(failures),
                errors=str(errors),
                skipped=str(skipped),
                time=f"{sum(c.get('duration_s') or 0 for c in subset):.3f}",
                timestamp=str(target.get("started_at") or started or ""),
            )
            totals["tests"] += len(subset)
            totals["failures"] += failures
            totals["errors"] += errors
            totals["skipped"] += skipped
            properties = ET.SubElement(suite, "properties")
            for name, value in _properties(document, target):
                ET.SubElement(properties, "property", name=name, value=value)
            for case in subset:
                _testcase(suite, case, clauses)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return ET.ElementTree(root)


def _testcase(suite: ET.Element, case: Mapping[str, Any], clauses: Mapping[str, Any]) -> None:
    element = ET.SubElement(
        suite,
        "testcase",
        classname=f"{case.get('phase')}.{case.get('category')}",
        name=case["id"],
        time=f"{case.get('duration_s') or 0:.3f}",
    )
    if case.get("source") and ":" in str(case["source"]):
        element.set("file", str(case["source"]).rsplit(":", 1)[0])
    props = ET.SubElement(element, "properties")
    for name, value in (
        ("title", case.get("title")),
        ("clauses", [c["id"] for c in case.get("clauses") or []]),
        ("strength", case.get("strength")),
        ("weight", case.get("weight")),
        ("feature", case.get("feature")),
        ("operations", [f"{o['operation']}={o['status']}" for o in case.get("operations") or []]),
    ):
        ET.SubElement(props, "property", name=name, value=_text(value))
    status = case["status"]
    failure = case.get("failure") or {}
    deviation = case.get("expected_deviation")
    if deviation:
        ET.SubElement(
            element,
            "skipped",
            message=f"expected deviation ({status}): {deviation['reason']}",
        ).text = _details(case, clauses)
    elif status in ("fail", "error"):
        message = failure.get("message") or case.get("reason") or status
        node = ET.SubElement(element, "failure" if status == "fail" else "error", message=message)
        node.set("type", str(failure.get("expectation") or status))
        node.text = _details(case, clauses)
    elif status in ("unsupported", "skipped"):
        ET.SubElement(element, "skipped", message=f"{status}: {case.get('reason') or ''}")


def write_junit_report(path: Path, document: Mapping[str, Any]) -> Path:
    junit_from_report(document).write(path, encoding="utf-8", xml_declaration=True)
    return path


def junit_tree(records: list[CaseRecord], meta: RunMeta) -> ET.ElementTree:
    """The JUnit tree of one target's records (kept for callers that have no report)."""
    from harness.report.document import from_records

    return junit_from_report(from_records(records, meta))


def write_junit(path: Path, records: list[CaseRecord], meta: RunMeta) -> Path:
    junit_tree(records, meta).write(path, encoding="utf-8", xml_declaration=True)
    return path
