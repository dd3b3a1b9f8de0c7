"""junit.xml parses with junitparser; one testcase per scenario and per fuzz record; score and
configuration are testsuite properties."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.commands.run import run_command
from harness.phases import register_phase, unregister_phase
from tests.report.helpers import SMOKE, FakeFuzz, invoke, latest

junitparser = pytest.importorskip(
    "junitparser", reason="junitparser is missing: add it to the test extras (pyproject.toml)"
)


@pytest.fixture
def fuzz_run(tmp_path: Path) -> Path:
    register_phase(FakeFuzz())
    try:
        result = invoke(
            run_command,
            [
                "--scenarios",
                SMOKE,
                "--fault",
                "etag-ignored",
                "--phases",
                "scenarios,fuzz",
                "--fail-under",
                "50",
                "--report-dir",
                str(tmp_path),
            ],
        )
    finally:
        unregister_phase("fuzz")
    assert result.exit_code == 1, result.output
    return tmp_path


def test_junit_parses_with_one_testcase_per_scenario_and_fuzz_record(fuzz_run: Path) -> None:
    xml = junitparser.JUnitXml.fromfile(str(fuzz_run / "latest" / "junit.xml"))
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {"scenarios", "fuzz", "causes"}
    doc = latest(fuzz_run)
    causes = doc["targets"][0]["causes"]
    assert [case.name for case in suites["causes"]] == [f"{c['id']} {c['title']}" for c in causes]
    for phase, suite in suites.items():
        if phase == "causes":
            continue
        ids = [c["id"] for c in doc["cases"] if c["phase"] == phase]
        assert [case.name for case in suite] == ids
    assert [case.name for case in suites["scenarios"]] == [
        "smoke.auth-required",
        "smoke.create-fetch-delete",
        "smoke.etag-if-match",
        "smoke.list-filtered-by-run-tag",
    ]
    assert len(list(suites["fuzz"])) == 3
    # 7 cases and, in the causes suite, one failing testcase per cause (one each here)
    assert (xml.tests, xml.failures, xml.errors) == (9, 4, 0)

    scenario = {case.name: case for case in suites["scenarios"]}["smoke.etag-if-match"]
    (result,) = scenario.result
    assert isinstance(result, junitparser.Failure)
    assert result.message == "expected status 412, got 200"
    assert "clause task.etag.if-match-mismatch (documented): If the `ETag`" in result.text
    assert "reproduce: curl" in result.text
    finding = {c.name: c for c in suites["fuzz"]}["fuzz.UpdateTask.response_headers_conformance"]
    assert isinstance(finding.result[0], junitparser.Failure)

    for suite in suites.values():
        props = {p.name: p.value for p in suite.properties()}
        assert props["score"] == str(doc["score"]["value"]) == "71.42"
        assert props["gate"] == "failed" and "conformance=FAILED" in props["gate_checks"]
        assert props["target"] == "embedded" and props["faults"] == "etag-ignored"
        assert props["run_id"] == doc["run"]["run_id"] and props["harness_version"] == "0.1.0"
        assert props["seed"] == "0" and props["config.fail_under"] == "50.0"
        assert props["config.phases"] == "scenarios,fuzz"
        assert props["config.auth_token"] == ""  # never the token
