"""docs/ci.md, run for real: the shell steps the page prints are taken out of it and run with
``bash`` as GitHub would (``bash -e``), against real sockets: a server that answers 401 to
everything, a closed port, and the reference server (``trc serve``), which checks credentials.
The helpers are in ci_support.py, the servers in tests/fixtures/ci.py.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.packaging.ci_support import (
    DEVIATIONS,
    DOC,
    QUICK,
    WRONG,
    Always401,
    all_steps,
    all_workflows,
    find_step,
    report_md,
    run_step,
    uses_the_action,
)

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="the CI steps are bash, run as on ubuntu-latest"
)


# --- the page -------------------------------------------------------------------------------


def test_the_page_marks_its_steps_and_keeps_expressions_out_of_shell() -> None:
    names = [step.name for step in all_steps()]
    for needed in ("wait-for-target", "gate", "summary"):
        assert needed in names, f"docs/ci.md lost the step '# trc-ci: {needed}'"
    waits = {step.script for step in all_steps() if step.name == "wait-for-target"}
    assert len(waits) == 1, "the two workflows' readiness steps differ"
    assert names.count("wait-for-target") == 2  # the Action's workflow and the plain one
    for step in all_steps():
        # ${{ }} inside run: is injected into the script text; the page keeps it in env:
        assert "${{" not in step.script, f"{step.where}: expression in a shell step"


def test_the_page_says_report_json_and_never_results_json() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "results.json" not in text
    assert "report.json" in text
    assert "summary.md" not in text


def test_credentials_reach_every_workflow_on_the_page() -> None:
    workflows = all_workflows()
    assert len(workflows) == 3  # with the Action, plain, and sharded
    for workflow in workflows:
        for name, job in workflow["jobs"].items():
            steps = job.get("steps", [])
            if not uses_the_action({"jobs": {name: job}}) and not any(
                "trc run" in str(step.get("run", "")) for step in steps
            ):
                continue  # a job that sends no request (the shards' merge)
            env = job.get("env", {})
            assert env.get("TWILIO_ACCOUNT_SID", "").startswith("${{ secrets."), name
            assert env.get("TWILIO_AUTH_TOKEN", "").startswith("${{ secrets."), name
    assert sorted(uses_the_action(w) for w in workflows) == [False, False, True]


def test_the_shard_workflow_merges_every_shard_it_runs() -> None:
    (workflow,) = [w for w in all_workflows() if "gate" in w["jobs"]]
    shards = workflow["jobs"]["conformance"]["strategy"]["matrix"]["shard"]
    runs = [str(s.get("run", "")) for j in workflow["jobs"].values() for s in j["steps"]]
    (run,) = [r for r in runs if "trc run" in r]
    assert f'--shard "$SHARD/{len(shards)}"' in run and shards == list(range(1, len(shards) + 1))
    assert any(r.startswith("trc report merge shards/shard-*/report.json") for r in runs)


# --- readiness ------------------------------------------------------------------------------


def test_any_http_answer_counts_as_up(always_401: str, tmp_path: Path) -> None:
    step = find_step("wait-for-target", "plain")
    ran = run_step(step, tmp_path, overrides={"TRC_TARGET_URL": always_401})
    assert ran.code == 0, ran.stdout + ran.stderr
    assert f"{always_401} answers" in ran.stdout
    assert ran.seconds < 10


def test_a_closed_port_times_out_at_the_deadline(closed_url: str, tmp_path: Path) -> None:
    step = find_step("wait-for-target", "plain")
    overrides = {"TRC_TARGET_URL": closed_url, "TRC_WAIT_SECONDS": "2", "TRC_WAIT_INTERVAL": "0.1"}
    ran = run_step(step, tmp_path, overrides=overrides, timeout=30)
    assert ran.code == 3, ran.stdout + ran.stderr
    assert f"::error::{closed_url} did not answer within 2 s" in ran.stdout
    assert 1 <= ran.seconds < 10


def test_the_wait_polls_until_the_server_listens(tmp_path: Path) -> None:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # refuses connections until listen()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = ThreadingHTTPServer(("127.0.0.1", 0), Always401, bind_and_activate=False)
    server.socket.close()
    server.socket = sock

    def late_start() -> None:
        time.sleep(0.6)
        server.server_activate()
        server.serve_forever()

    threading.Thread(target=late_start, daemon=True).start()
    try:
        step = find_step("wait-for-target", "plain")
        overrides = {"TRC_TARGET_URL": url, "TRC_WAIT_SECONDS": "20", "TRC_WAIT_INTERVAL": "0.1"}
        ran = run_step(step, tmp_path, overrides=overrides, timeout=30)
        assert ran.code == 0, ran.stdout + ran.stderr
        assert 0.5 <= ran.seconds < 10
    finally:
        server.shutdown()
        server.server_close()


# --- the plain workflow's gate and summary ----------------------------------------------------


def test_the_gate_and_summary_steps_publish_the_report(
    trc_serve_url: str, clone_repo: Path
) -> None:
    gate = find_step("gate", "plain")
    assert not (clone_repo / ".trc" / "deviations.yaml").exists()
    assert not (clone_repo / "baseline").exists()
    overrides = {"TRC_TARGET_URL": trc_serve_url, "TRC_ARGS": QUICK}
    ran = run_step(gate, clone_repo, overrides=overrides)
    assert ran.code == 0, ran.stdout[-3000:] + ran.stderr[-3000:]

    summary = run_step(find_step("summary", "plain"), clone_repo, overrides=overrides)
    assert summary.code == 0, summary.stderr
    latest = (clone_repo / "trc-report" / "latest").resolve()
    assert summary.summary == report_md(latest)
    assert "## TaskRouter conformance: clone" in summary.summary
    assert "gate passed" in summary.summary
    assert summary.github_env.strip() == f"TRC_REPORT={latest}"


def test_the_gate_step_uses_the_jobs_credentials(trc_serve_url: str, clone_repo: Path) -> None:
    overrides = {"TRC_TARGET_URL": trc_serve_url, "TRC_ARGS": QUICK}
    ran = run_step(find_step("gate", "plain"), clone_repo, secrets=WRONG, overrides=overrides)
    assert ran.code == 1, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert "got 401" in ran.stdout
    report = json.loads((clone_repo / "trc-report/latest/report.json").read_text())
    assert any("got 401" in w for w in report["targets"][0]["warnings"])

    summary = run_step(find_step("summary", "plain"), clone_repo, overrides=overrides)
    assert summary.code == 0
    assert "got 401" in summary.summary and "gate failed" in summary.summary


def test_the_gate_step_passes_the_optional_files_when_they_exist(
    trc_serve_url: str, clone_repo: Path
) -> None:
    """With a wrong token three smoke cases fail; listed as expected deviations they do not
    fail the gate, so the file reached trc."""
    (clone_repo / ".trc" / "deviations.yaml").write_text(DEVIATIONS)
    overrides = {"TRC_TARGET_URL": trc_serve_url, "TRC_ARGS": QUICK, "TRC_FAIL_UNDER": ""}
    ran = run_step(find_step("gate", "plain"), clone_repo, secrets=WRONG, overrides=overrides)
    assert ran.code == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    report = json.loads((clone_repo / "trc-report/latest/report.json").read_text())
    assert report["config"]["expect_deviations"]
