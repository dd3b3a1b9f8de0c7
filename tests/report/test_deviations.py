"""Expected deviations: the file, matching by case and clause id per target, stale entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.report.deviations import DeviationFileError, load_deviations
from harness.report.model import ExpectedDeviation, StaleEntry, UnmatchedEntry
from harness.reporters.junit import junit_from_report
from harness.results.model import Status
from harness.results.vocab import DeviationKind, DeviationState
from tests.report.helpers import document, failing_record, record


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deviations.yaml"
    path.write_text(text)
    return path


def test_load_a_valid_file(tmp_path: Path) -> None:
    entries = load_deviations(
        write(
            tmp_path,
            "version: 1\ndeviations:\n"
            "  - case: smoke.etag-*\n    reason: ETags land in v2\n"
            "  - clause: task.auth.unauthorized\n    reason: we answer 403\n"
            "    targets: [clone-a]\n"
            "  - case: x\n    reason: r\n    target: clone-b\n",
        )
    )
    assert [(d.kind, d.pattern, d.targets) for d in entries] == [
        (DeviationKind.CASE, "smoke.etag-*", ()),
        (DeviationKind.CLAUSE, "task.auth.unauthorized", ("clone-a",)),
        (DeviationKind.CASE, "x", ("clone-b",)),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("deviations:\n  - case: a\n", "deviations[0].reason: required"),
        (
            "deviations:\n  - case: a\n    clause: b\n    reason: r\n",
            "exactly one of case or clause",
        ),
        ("deviations:\n  - reason: r\n", "exactly one of case or clause"),
        ("deviations:\n  - case: a\n    reason: r\n    why: x\n", "deviations[0].why: unknown key"),
        ("version: 2\ndeviations: []\n", "version: expected 1"),
        ("deviations: {a: 1}\n", "expected a list"),
        ("deviations:\n  - case: a\n    reason: r\n    targets: [1]\n", "targets: expected"),
        ("- [\n", "YAML syntax error"),
    ],
)
def test_invalid_files_name_the_entry_and_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DeviationFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_deviations(write(tmp_path, text))


def test_matching_failures_are_expected_and_do_not_fail_the_gate(tmp_path: Path) -> None:
    devs = load_deviations(
        write(tmp_path, "deviations:\n  - case: etag.*\n    reason: ETags land in v2 (#41)\n")
    )
    records = [record("ok", Status.PASS), failing_record("etag.stale")]
    doc = document({"t": records}, deviations=devs, deviations_file="d.yaml")
    stale = next(c for c in doc.cases if c.id == "etag.stale")
    assert stale.expected_deviation == ExpectedDeviation(
        0, "case: etag.*", "ETags land in v2 (#41)"
    )
    assert doc.gate.passed is True
    assert doc.targets[0].counts.expected_deviation == 1
    assert doc.score.value == 50.0  # still a failure for the score
    assert doc.deviations is not None and doc.deviations.expected[0].id == "etag.stale"
    junit = junit_from_report(doc).getroot()
    assert junit is not None
    skipped = junit.find(".//testcase[@name='etag.stale']/skipped")
    assert skipped is not None and "expected deviation" in skipped.get("message", "")
    assert junit.find(".//testcase[@name='etag.stale']/failure") is None


def test_clause_entries_and_targets(tmp_path: Path) -> None:
    devs = load_deviations(
        write(
            tmp_path,
            "deviations:\n  - clause: task.etag.*\n    reason: r\n    targets: [clone-a]\n",
        )
    )
    doc = document({"clone-a": [failing_record()], "clone-b": [failing_record()]}, deviations=devs)
    by_target = {c.target: c for c in doc.cases}
    assert by_target["clone-a"].expected_deviation is not None
    assert by_target["clone-b"].expected_deviation is None
    gates = {t.label: t.gate.passed for t in doc.targets}
    assert gates == {"clone-a": True, "clone-b": False}
    assert doc.gate.passed is False


def test_a_listed_deviation_that_passes_now_is_flagged(tmp_path: Path) -> None:
    devs = load_deviations(
        write(
            tmp_path,
            "deviations:\n"
            "  - case: ok\n    reason: used to fail\n"
            "  - case: gone.*\n    reason: no such case\n"
            "  - case: etag.stale\n    reason: still failing\n",
        )
    )
    doc = document({"t": [record("ok", Status.PASS), failing_record()]}, deviations=devs)
    block = doc.deviations
    assert block is not None
    assert block.stale == [StaleEntry(0, "case: ok", "t", ["ok"])]
    assert block.unmatched == [UnmatchedEntry(1, "case: gone.*", "t")]
    states = [e.per_target[0].state for e in block.entries]
    assert states == [DeviationState.NOW_PASSES, DeviationState.UNMATCHED, DeviationState.ACTIVE]
    assert doc.gate.passed is True  # flagged, not failing
