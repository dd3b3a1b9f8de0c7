"""``trc run`` and ``trc sweep`` through click: exit codes 0/1/2/3, reports, cleanup, sweep."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.commands.run import run_command
from harness.commands.sweep import sweep_command
from harness.reference.fixture import default_fixture
from harness.resources import scenarios_dir
from tests.fakes import ACCOUNT, TOKEN, WS, FakeTaskRouter, closed_port, serve

SMOKE = str(scenarios_dir() / "smoke")
CREDS = ["--account-sid", ACCOUNT, "--auth-token", TOKEN]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    return CliRunner()


def test_exit_0_embedded_smoke_and_reports(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        run_command, ["--scenarios", SMOKE, "--phases", "scenarios", "--report-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "CONFORMANT" in result.output
    latest = tmp_path / "latest"
    document = json.loads((latest / "report.json").read_text())
    target = document["targets"][0]
    assert target["counts"]["pass"] == 4 and document["gate"]["passed"] is True
    assert target["cleanup"]["left"] == 0
    assert default_fixture().auth_token not in (latest / "report.json").read_text()


def test_exit_1_against_a_broken_target(runner: CliRunner, tmp_path: Path) -> None:
    fake = FakeTaskRouter(omit_etag=True)
    with serve(fake) as url:
        result = runner.invoke(
            run_command,
            ["--target", url, "--profile", "reference", *CREDS, "--scenarios", SMOKE,
             "--report-dir", str(tmp_path)],
        )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "NOT CONFORMANT" in result.output
    document = json.loads((tmp_path / "latest" / "report.json").read_text())
    statuses = {c["id"]: c["status"] for c in document["cases"]}
    assert statuses["smoke.etag-if-match"] == "fail"
    failed = next(c for c in document["cases"] if c["id"] == "smoke.etag-if-match")
    assert failed["curl"] and failed["exchanges"]
    assert TOKEN not in (tmp_path / "latest" / "report.json").read_text()
    assert fake.tasks == {}  # everything the run created was deleted


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "https://taskrouter.twilio.com", "--profile", "reference"], "--allow-live"),
        (["--target", "cassette:cassettes/x.yaml"], "no such cassette file"),
        (["--target", "http://127.0.0.1:9"], "needs --profile"),
        (["--profile", "/nonexistent/profile.yaml"], "no such file"),
        (["--phases", "fuzz", "--fuzz-budget", "bogus"], "invalid fuzz budget"),
        (["--phases", "bogus"], "unknown phase"),
        (["-k", "etag and ("], "unexpected end of expression"),
        (["-k", "(etag"], "missing ')'"),
        (["-k", "nothing-matches-this"], "no scenarios selected"),
        (["--fault", "no-such-fault"], "unknown fault"),
    ],
)
def test_exit_2_usage_errors(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(run_command, ["--scenarios", SMOKE, "--phases", "scenarios", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_exit_2_malformed_scenario_names_file_line_field(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "lib" / "etag"
    folder.mkdir(parents=True)
    (folder / "bad.yaml").write_text(
        "id: etag.bad\ntitle: Bad\nclauses: [task.etag.on-post-and-get]\nsteps:\n"
        "  - name: s\n    request: {method: GET, path: /x}\n    expect:\n      json:\n"
        "        sid: {regx: WT}\n"
    )
    result = runner.invoke(
        run_command, ["--scenarios", str(tmp_path / "lib"), "--phases", "scenarios"]
    )
    assert result.exit_code == 2
    assert "bad.yaml:9: steps[0].expect.json.sid.regx: unknown matcher 'regx'" in result.output
    assert "Traceback" not in result.output


def test_exit_2_invalid_profile(runner: CliRunner, tmp_path: Path) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text("workspaces:\n  single:\n    sid: nope\n")
    result = runner.invoke(
        run_command,
        ["--target", "http://127.0.0.1:9", "--profile", str(profile), *CREDS, "--scenarios", SMOKE],
    )
    assert result.exit_code == 2
    assert f"{profile}:2: workspaces.single: 'workflows' is a required property" in result.output


def test_exit_3_unreachable_target(runner: CliRunner, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = runner.invoke(
        run_command,
        [
            "--target",
            url,
            "--profile",
            "reference",
            *CREDS,
            "--scenarios",
            SMOKE,
            "--report-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 3, result.output
    assert "unreachable" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_list_and_select(runner: CliRunner) -> None:
    result = runner.invoke(
        run_command, ["--scenarios", SMOKE, "--phases", "scenarios", "--list", "-k", "etag or auth"]
    )
    assert result.exit_code == 0
    ids = [line.split()[0] for line in result.output.splitlines()]
    assert ids == ["smoke.auth-required", "smoke.etag-if-match"]
    result = runner.invoke(
        run_command, ["--scenarios", SMOKE, "--phases", "scenarios", "--list", "--tag", "paging"]
    )
    assert [line.split()[0] for line in result.output.splitlines()] == [
        "smoke.list-filtered-by-run-tag"
    ]
    result = runner.invoke(
        run_command,
        ["--scenarios", SMOKE, "--phases", "scenarios", "--list", "-k", "smoke and not etag"],
    )
    assert len(result.output.splitlines()) == 3


def test_sweep_deletes_only_tagged_tasks(runner: CliRunner) -> None:
    fake = FakeTaskRouter()
    base = "http://fake"
    fake._create(WS, {"Attributes": '{"trc_run":"trc_20200101T000000Z_aaaaaa","x":1}'}, base)
    fake._create(WS, {"Attributes": '{"trc_run":"trc_20200101T000000Z_bbbbbb"}'}, base)
    fake._create(WS, {"Attributes": '{"owner":"a real user"}'}, base)
    fake._create(WS, {"Attributes": "{}"}, base)
    with serve(fake) as url:
        args = ["--target", url, "--profile", "reference", *CREDS]
        dry = runner.invoke(sweep_command, [*args, "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert "would delete 2 of 2 tagged task(s)" in dry.output
        assert len(fake.tasks) == 4
        one = runner.invoke(sweep_command, [*args, "--run", "20200101T000000Z-aaaaaa"])
        assert "deleted 1 of 2" in one.output
        result = runner.invoke(sweep_command, args)
    assert result.exit_code == 0, result.output
    assert "deleted 1 of 1 tagged task(s)" in result.output
    remaining = sorted(json.loads(t.attributes).get("owner", "-") for t in fake.tasks.values())
    assert remaining == ["-", "a real user"]


def test_sweep_of_a_run_takes_its_parts_and_nothing_else(runner: CliRunner) -> None:
    fake = FakeTaskRouter()
    run = "trc_20200101T000000Z_aaaaaa"
    for tag in (
        run,
        f"{run}_r1",
        f"{run}_r12",
        f"{run}_rx",
        f"{run}0",
        "trc_20200101T000000Z_bbbbbb",
    ):
        fake._create(WS, {"Attributes": json.dumps({"trc_run": tag})}, "http://fake")
    with serve(fake) as url:
        args = ["--target", url, "--profile", "reference", *CREDS]
        result = runner.invoke(sweep_command, [*args, "--run", "20200101T000000Z-aaaaaa"])
    assert result.exit_code == 0, result.output
    assert "deleted 3 of 6" in result.output
    left = sorted(json.loads(t.attributes)["trc_run"] for t in fake.tasks.values())
    assert left == sorted([f"{run}_rx", f"{run}0", "trc_20200101T000000Z_bbbbbb"])


def test_sweep_verifies_tags_even_if_the_filter_is_ignored(runner: CliRunner) -> None:
    fake = FakeTaskRouter()
    fake._matches = lambda task, expression: True  # type: ignore[method-assign]
    fake._create(WS, {"Attributes": '{"owner":"someone"}'}, "http://fake")
    fake._create(WS, {"Attributes": '{"trc_run":"trc_x"}'}, "http://fake")
    with serve(fake) as url:
        result = runner.invoke(sweep_command, ["--target", url, "--profile", "reference", *CREDS])
    assert result.exit_code == 0, result.output
    assert [json.loads(t.attributes) for t in fake.tasks.values()] == [{"owner": "someone"}]


def test_sweep_refuses_live_and_reports_unreachable(runner: CliRunner) -> None:
    live = runner.invoke(
        sweep_command, ["--target", "https://taskrouter.twilio.com", "--profile", "reference"]
    )
    assert live.exit_code == 2 and "--allow-live" in live.output
    url = f"http://127.0.0.1:{closed_port()}"
    down = runner.invoke(sweep_command, ["--target", url, "--profile", "reference", *CREDS])
    assert down.exit_code == 3 and "unreachable" in down.output


def test_sweep_refuses_a_cassette_target(runner: CliRunner) -> None:
    result = runner.invoke(sweep_command, ["--target", "cassette:cassettes/none.yaml"])
    assert result.exit_code == 2, result.output
    assert "trc sweep needs a server to sweep" in result.output
