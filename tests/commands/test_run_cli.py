"""`trc run`: the five artifacts, the schema, the gate options, several targets, phases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.commands.run import RunRequest, run_command
from harness.phases import PhaseContext, PhaseResult, register_phase, unregister_phase
from harness.reference.fixture import default_fixture
from harness.report.document import load_report
from harness.report.model import RunConfig, report_data
from harness.report.schema import FORMAT, SCHEMA_VERSION, schema, schema_text, validate_document
from harness.reporters.files import ARTIFACTS
from harness.targets.choice import parse_target_arg
from harness.targets.errors import TargetConfigError
from tests.report.helpers import SMOKE, FakeFuzz, invoke, latest

REPO = Path(__file__).resolve().parents[2]


def test_trc_run_writes_all_five_artifacts_by_default(tmp_path: Path) -> None:
    result = invoke(
        run_command, ["--scenarios", SMOKE, "--phases", "scenarios", "--report-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "CONFORMANT · score 100/100" in result.output and "GATE PASSED" in result.output
    folder = tmp_path / "latest"
    assert {p.name for p in folder.iterdir()} == set(ARTIFACTS)  # no results.json, summary.md
    assert ARTIFACTS == ("report.json", "report.md", "report.html", "junit.xml", "badge.svg")
    doc = latest(tmp_path)
    assert validate_document(doc) == []
    assert doc["format"] == "trc-report" and doc["schema_version"] == 1
    assert doc["harness"]["version"] == "0.1.0"
    assert doc["seed"] is None  # no fuzz phase ran
    assert doc["config"]["targets"] == ["embedded"] and doc["config"]["auth_token"] is None
    assert doc["score"]["value"] == 100.0 and doc["gate"]["passed"] is True
    assert doc["targets"][0]["base_url"].startswith("http://127.0.0.1:")
    assert {p["name"]: p["status"] for p in doc["phases"]}["scenarios"] == "ran"
    badge = (folder / "badge.svg").read_text()
    assert badge.startswith("<svg") and "conformance: 100%" in badge
    assert (folder / "report.md").read_text().startswith("## TaskRouter conformance: embedded")
    for name in ARTIFACTS:
        assert default_fixture().auth_token not in (folder / name).read_text(), name


def test_the_schema_document_is_generated_from_the_model() -> None:
    text = (REPO / "docs" / "report-schema.json").read_text()
    assert text == schema_text(), "run: python -m harness.report.schema > docs/report-schema.json"
    generated = json.loads(text)
    assert generated == schema()
    assert generated["properties"]["format"]["const"] == FORMAT == "trc-report"
    assert generated["properties"]["schema_version"]["const"] == SCHEMA_VERSION == 1
    assert generated["additionalProperties"] is False
    assert generated["$defs"]["Status"]["enum"] == [
        "pass",
        "fail",
        "error",
        "unsupported",
        "not-applicable",
        "not-configured",
        "skipped",
    ]
    counts = generated["$defs"]["Counts"]
    assert counts["required"] == [
        "pass",
        "fail",
        "error",
        "unsupported",
        "not-applicable",
        "not-configured",
        "skipped",
        "expected_deviation",
    ]
    assert generated["$defs"]["FieldCell"]["required"][:3] == [
        "equal",
        "normalised-equal",
        "type-only",
    ]


def test_a_real_report_validates_against_the_checked_in_schema(faulted_run: Path) -> None:
    from jsonschema import Draft202012Validator

    checked_in = json.loads((REPO / "docs" / "report-schema.json").read_text())
    Draft202012Validator.check_schema(checked_in)
    document = json.loads((faulted_run / "report.json").read_text())
    assert sorted(Draft202012Validator(checked_in).iter_errors(document), key=str) == []
    broken = {**document, "gate": {**document["gate"], "mode": "lenient"}}
    assert any("gate/mode" in p for p in validate_document(broken))
    # the model reads back exactly what was written
    assert report_data(load_report(faulted_run)) == document


def test_the_run_configuration_is_modelled_field_for_field() -> None:
    """Every key `trc run` records in `config` is a field of RunConfig (and nothing else): a
    new RunRequest option must be added to harness/report/model/run.py, or it is lost."""
    config = RunRequest().config()
    assert list(config) == [f for f in RunConfig.__dataclass_fields__]


def test_faulted_run_report(faulted_run: Path) -> None:
    doc = json.loads((faulted_run / "report.json").read_text())
    assert validate_document(doc) == []
    report = load_report(faulted_run)
    assert report.score.value == 75.0 and [c.id for c in report.unexpected] == [
        "smoke.etag-if-match"
    ]
    statuses = {c["id"]: c["status"] for c in doc["cases"]}
    assert statuses["smoke.etag-if-match"] == "fail"
    assert doc["score"]["value"] == 75.0 and doc["gate"]["passed"] is False
    assert doc["targets"][0]["faults"] == ["etag-ignored"]
    assert doc["config"]["faults"] == ["etag-ignored"]
    failing = next(c for c in doc["cases"] if c["id"] == "smoke.etag-if-match")
    assert failing["curl"] and failing["exchanges"]
    assert doc["clauses"]["task.etag.if-match-mismatch"]["quote"].startswith("If the `ETag`")
    cell = doc["targets"][0]["matrix"]["cells"]["UpdateTask"]["etag"]
    assert cell["state"] == "fail" and cell["ids"] == ["smoke.etag-if-match"]
    md = (faulted_run / "report.md").read_text()
    assert "❌ **gate failed**" in md and "`smoke.etag-if-match`" in md
    assert "> **task.etag.if-match-mismatch** (documented): If the `ETag`" in md


def test_secrets_given_as_options_are_redacted(tmp_path: Path) -> None:
    fixture = default_fixture()
    result = invoke(
        run_command,
        [
            "--scenarios",
            SMOKE,
            "-k",
            "auth",
            "--account-sid",
            fixture.account_sid,
            "--auth-token",
            fixture.auth_token,
            "--report-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = latest(tmp_path)
    assert doc["config"]["auth_token"] == "<redacted>"
    assert doc["config"]["account_sid"] == fixture.account_sid
    for path in (tmp_path / "latest").iterdir():
        assert fixture.auth_token not in path.read_text(), path.name
    assert doc["selection"]["excluded"] == 3 and doc["selection"]["reason"] == "-k auth"


@pytest.mark.parametrize(
    ("args", "code", "phrase"),
    [
        (["--fail-under", "75"], 1, "gate failed: embedded: conformance"),
        (["--fail-under", "80", "--expect-deviations", "DEV"], 1, "embedded: fail-under"),
        (["--fail-under", "75", "--expect-deviations", "DEV"], 0, "GATE PASSED"),
    ],
)
def test_gate_options_on_a_faulted_run(
    tmp_path: Path, args: list[str], code: int, phrase: str
) -> None:
    deviations = tmp_path / "deviations.yaml"
    deviations.write_text(
        "deviations:\n  - case: smoke.etag-if-match\n    reason: If-Match lands in v2\n"
    )
    args = [str(deviations) if a == "DEV" else a for a in args]
    result = invoke(
        run_command,
        [
            "--scenarios",
            SMOKE,
            "--fault",
            "etag-ignored",
            "--report-dir",
            str(tmp_path / "r"),
            *args,
        ],
    )
    assert result.exit_code == code, result.output
    assert phrase in result.output


def test_baseline_option(tmp_path: Path, faulted_run: Path) -> None:
    # the clean reference against a faulted baseline: a fix, no regression
    result = invoke(
        run_command,
        [
            "--scenarios",
            SMOKE,
            "--phases",
            "scenarios",
            "--baseline",
            str(faulted_run),
            "--report-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 fix(es)" in result.output
    # a faulted run against a clean baseline: a regression
    clean = tmp_path / "latest" / "report.json"
    result = invoke(
        run_command,
        [
            "--scenarios",
            SMOKE,
            "--fault",
            "auth-ignored",
            "--baseline",
            str(clean),
            "--report-dir",
            str(tmp_path / "again"),
        ],
    )
    assert result.exit_code == 1, result.output
    doc = latest(tmp_path / "again")
    assert doc["gate"]["mode"] == "baseline"
    assert [r["id"] for r in doc["baseline"]["targets"][0]["regressions"]] == [
        "smoke.auth-required"
    ]


def test_several_targets_side_by_side(tmp_path: Path) -> None:
    result = invoke(
        run_command,
        [
            "--scenarios",
            SMOKE,
            "--target",
            "embedded",
            "--target",
            "broken=embedded+fault:etag-ignored,auth-ignored",
            "--report-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 1, result.output
    doc = latest(tmp_path)
    assert validate_document(doc) == []
    assert [t["label"] for t in doc["targets"]] == ["embedded", "broken"]
    assert doc["targets"][1]["faults"] == ["etag-ignored", "auth-ignored"]
    assert [t["score"]["value"] for t in doc["targets"]] == [100.0, 50.0]
    assert doc["score"]["value"] == 100.0  # the first target's, also on the badge
    differing = {r["id"]: r["statuses"] for r in doc["comparison"]["rows"] if r["differs"]}
    assert differing == {
        "smoke.auth-required": {"embedded": "pass", "broken": "fail"},
        "smoke.etag-if-match": {"embedded": "pass", "broken": "fail"},
    }
    assert doc["gate"]["failed_checks"] == ["broken: conformance"]
    junit = (tmp_path / "latest" / "junit.xml").read_text()
    assert 'name="embedded · scenarios"' in junit and 'name="broken · scenarios"' in junit
    assert "Side by side: 2 of 4 case(s) differ" in (tmp_path / "latest" / "report.md").read_text()


def test_target_arguments() -> None:
    assert parse_target_arg("embedded").label == "embedded"
    choice = parse_target_arg("embedded+fault:etag-ignored,auth-ignored")
    assert choice.label == "embedded+fault:etag-ignored,auth-ignored"
    assert choice.faults == ("etag-ignored", "auth-ignored")
    choice = parse_target_arg("clone=http://127.0.0.1:3000/")
    assert (choice.label, choice.kind, choice.url) == ("clone", "url", "http://127.0.0.1:3000")
    assert parse_target_arg("http://127.0.0.1:3000").label == "http://127.0.0.1:3000"
    with pytest.raises(TargetConfigError, match="embedded\\+fault:NAME"):
        parse_target_arg("embedded+etag-ignored")


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["--target", "embedded", "--target", "embedded"], "two targets are labelled 'embedded'"),
        (
            ["--target", "a=embedded", "--target", "b=embedded", "--fault", "etag-ignored"],
            "--fault applies to a single target",
        ),
        (["--target", "embedded+fault:no-such-fault"], "unknown fault"),
        (["--phases", "scenarios,bogus"], "unknown phase 'bogus'"),
        (["--expect-deviations", "BADDEV"], "deviations[0].reason: required"),
        (["--baseline", "BADBASE"], "not a trc report"),
        (["--fail-under", "101"], "101"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], phrase: str) -> None:
    bad_dev = tmp_path / "dev.yaml"
    bad_dev.write_text("deviations:\n  - case: x\n")
    bad_base = tmp_path / "base.json"
    bad_base.write_text("{}")
    args = [str(bad_dev) if a == "BADDEV" else str(bad_base) if a == "BADBASE" else a for a in args]
    result = invoke(
        run_command,
        ["--scenarios", SMOKE, "--phases", "scenarios", "--report-dir", str(tmp_path), *args],
    )
    assert result.exit_code == 2, result.output
    assert phrase in result.output
    assert not (tmp_path / "latest").exists()


class CrashingPhase:
    name = "replay"
    description = "crashes"
    default = False

    def run(self, ctx: PhaseContext) -> PhaseResult:
        raise RuntimeError("cassette exploded")


@pytest.fixture
def fake_phases() -> object:
    register_phase(FakeFuzz())
    register_phase(CrashingPhase())
    yield
    unregister_phase("fuzz")
    unregister_phase("replay")


@pytest.mark.usefixtures("fake_phases")
def test_phases_provided_by_other_packages_run_and_report(tmp_path: Path) -> None:
    result = invoke(
        run_command,
        [
            "--scenarios",
            SMOKE,
            "--phases",
            "scenarios,fuzz,replay",
            "--seed",
            "42",
            "--report-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 1, result.output
    doc = latest(tmp_path)
    assert validate_document(doc) == []
    assert doc["seed"] == 42 and doc["config"]["seed"] == 42
    phases = {p["name"]: p for p in doc["phases"]}
    assert phases["fuzz"]["status"] == "ran" and phases["replay"]["status"] == "ran"
    by_phase = {t["name"]: t for t in doc["targets"][0]["phases"]}
    assert by_phase["fuzz"]["cases"] == 3 and by_phase["fuzz"]["seed"] == 42
    assert by_phase["replay"]["status"] == "error"
    crashed = next(c for c in doc["cases"] if c["id"] == "replay.phase-crashed")
    assert crashed["status"] == "error" and "cassette exploded" in crashed["reason"]
    finding = next(c for c in doc["cases"] if c["id"].endswith("response_headers_conformance"))
    assert finding["feature"] == "fuzz"
    assert finding["operations"] == [{"operation": "UpdateTask", "status": "fail"}]
    assert doc["targets"][0]["matrix"]["cells"]["CreateTask"]["fuzz"]["pass"] == 1
