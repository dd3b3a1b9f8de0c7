"""``junit.xml``: one testcase per case; properties carry the target, run id and version."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.results.model import CaseRecord, RunMeta, Status, count_statuses


def junit_tree(records: list[CaseRecord], meta: RunMeta) -> ET.ElementTree:
    counts = count_statuses(records)
    suites = ET.Element("testsuites", name="taskrouter-conformance")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="scenarios",
        tests=str(len(records)),
        failures=str(counts["fail"]),
        errors=str(counts["error"]),
        skipped=str(counts["unsupported"] + counts["skipped"]),
        time=f"{meta.duration_s:.3f}",
        timestamp=meta.started_at,
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("target", meta.target),
        ("run_id", meta.run_id),
        ("harness_version", meta.harness_version),
        ("profile", meta.profile or ""),
        ("faults", ",".join(meta.faults)),
        ("phases", ",".join(meta.phases)),
    ):
        ET.SubElement(properties, "property", name=name, value=str(value))
    for record in records:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"{record.phase}.{record.category}",
            name=record.id,
            time=f"{record.duration_s:.3f}",
        )
        if record.source:
            case.set("file", record.source.rsplit(":", 1)[0])
        props = ET.SubElement(case, "properties")
        ET.SubElement(
            props, "property", name="clauses", value=",".join(c.id for c in record.clauses)
        )
        ET.SubElement(props, "property", name="strength", value=record.strength)
        if record.status in (Status.FAIL, Status.ERROR):
            failure = record.failure
            message = failure.message if failure else (record.reason or str(record.status))
            element = ET.SubElement(
                case, "failure" if record.status is Status.FAIL else "error", message=message
            )
            details = []
            if failure:
                details += [
                    f"step: {failure.step}",
                    f"expectation: {failure.expectation}",
                    f"expected: {json.dumps(failure.expected, default=str)}",
                    f"actual: {json.dumps(failure.actual, default=str)}",
                ]
            if record.curl:
                details.append(f"reproduce: {record.curl}")
            element.text = "\n".join(details)
        elif record.status in (Status.UNSUPPORTED, Status.SKIPPED):
            ET.SubElement(case, "skipped", message=f"{record.status}: {record.reason or ''}")
    ET.indent(suites)
    return ET.ElementTree(suites)


def write_junit(path: Path, records: list[CaseRecord], meta: RunMeta) -> Path:
    junit_tree(records, meta).write(path, encoding="utf-8", xml_declaration=True)
    return path
