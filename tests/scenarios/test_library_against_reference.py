"""The library passes the reference and fails each broken variant of it (the kill table).

Each named fault of harness/reference/faults.py is run against the category folder that should
notice it, and the named scenarios must fail there; the clean reference must pass everything.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.commands.run import run_command
from harness.reference.faults import FAULTS

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"

#: fault -> (category folder, scenario ids that must fail)
KILLS: dict[str, tuple[str, set[str]]] = {
    "etag-ignored": ("etag", {"etag.stale-if-match-update"}),
    "if-match-ignored-on-delete": ("etag", {"etag.stale-if-match-delete"}),
    "etag-frozen": ("etag", {"etag.changes-on-each-mutation"}),
    "etag-missing": ("etag", {"etag.present-on-create-fetch-update"}),
    "ordering-desc-ignored": ("ordering", {"ordering.priority-desc"}),
    "page-size-off-by-one": ("paging", {"paging.default-page-size-50"}),
    "filter-ignored": ("filtering", {"filtering.task-queue-name"}),
    "has-as-equality": ("filtering", {"filtering.expr-has", "filtering.expr-has-alias"}),
    "wrong-error-code": ("auth", {"auth.no-credentials", "auth.wrong-token"}),
    "reason-not-required": ("lifecycle", {"lifecycle.reason-required-for-cancel"}),
    "ttl-never-fires": ("lifecycle", {"lifecycle.ttl-cancels-task"}),
    "retention-never": ("retention", {"retention.canceled-deleted-within-window"}),
    "attributes-as-object": ("lifecycle", {"lifecycle.create-response-shape"}),
    "foreign-task-touched": ("lifecycle", {"lifecycle.delete-then-404"}),
    "redrive-resets-age": ("lifecycle", {"lifecycle.redrive-moves-queue-keeps-age"}),
    "auth-ignored": ("auth", {"auth.no-credentials", "auth.wrong-token"}),
    "invalid-attributes-accepted": ("validation", {"validation.attributes-malformed-json"}),
    "priority-as-string": ("validation", {"validation.priority-boundaries"}),
    "server-error-on-bad-priority": ("validation", {"validation.priority-out-of-range"}),
    "created-task-unfetchable": ("lifecycle", {"lifecycle.create-defaults"}),
    "assigned-cancellable": ("workforce", {"workforce.assigned-cannot-be-canceled"}),
    "wrapping-from-pending": ("lifecycle", {"lifecycle.illegal-transitions-from-pending"}),
    "reject-keeps-reserved": ("workforce", {"workforce.reject-returns-to-pending"}),
    "reservations-kept-after-delete": (
        "workforce",
        {"workforce.delete-reserved-removes-reservations"},
    ),
    "no-ttl-event": ("events", {"events.pull.ttl-canceled", "events.push.ttl-canceled"}),
    "wrong-event-type": (
        "events",
        {"events.pull.api-changes", "events.push.order", "events.push.ttl-canceled"},
    ),
    "unsigned-callbacks": (
        "events",
        {"events.push.task-created", "events.push.assignment-attributes"},
    ),
    "wrong-signature": (
        "events",
        {"events.push.task-created", "events.push.assignment-attributes"},
    ),
    "assignment-without-attributes": ("events", {"events.push.assignment-attributes"}),
    "instruction-ignored": (
        "events",
        {"events.push.assignment-accept", "events.push.assignment-reject"},
    ),
}


def _run(tmp_path: Path, *args: str) -> tuple[int, dict[str, str], str]:
    result = CliRunner().invoke(
        run_command, ["--phases", "scenarios", "--report-dir", str(tmp_path), *args]
    )
    report = json.loads((tmp_path / "latest" / "report.json").read_text())
    return result.exit_code, {c["id"]: c["status"] for c in report["cases"]}, result.output


def test_the_reference_passes_the_whole_library(tmp_path: Path) -> None:
    code, statuses, output = _run(tmp_path)
    problems = {case: status for case, status in statuses.items() if status != "pass"}
    assert code == 0 and problems == {}, output[-3000:]
    assert len(statuses) >= 120


def test_every_scenario_fault_has_a_kill() -> None:
    fuzz_only = {"wrong-content-type"}  # caught by the fuzz phase (tests/fuzz)
    assert set(FAULTS) - fuzz_only <= set(KILLS)


@pytest.mark.parametrize("fault", sorted(KILLS))
def test_the_library_catches_the_fault(tmp_path: Path, fault: str) -> None:
    folder, must_fail = KILLS[fault]
    code, statuses, output = _run(
        tmp_path, "--scenarios", str(SCENARIOS / folder), "--fault", fault
    )
    assert code == 1, output[-2000:]
    failed = {case for case, status in statuses.items() if status == "fail"}
    assert must_fail <= failed, (
        f"{fault}: expected {sorted(must_fail)} to fail, got {sorted(failed)}"
    )
