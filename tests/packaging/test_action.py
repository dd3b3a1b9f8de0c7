"""The composite Action (action.yml) and its script (scripts/trc-gate.sh), run for real: the
script with ``bash`` against ``trc serve`` and a closed port, and the Action's ``run:`` steps as
the runner would run them (the ``uses:`` steps recorded with their evaluated inputs).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.packaging.ci_support import (
    DEVIATIONS,
    DOC,
    GOOD,
    QUICK,
    SCRIPT,
    WRONG,
    creds,
    gate_script,
    load_action,
    report_md,
    run_action,
)

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="the CI steps are bash, run as on ubuntu-latest"
)


# --- scripts/trc-gate.sh --------------------------------------------------------------------


def test_the_gate_script_publishes_report_md(trc_serve_url: str, clone_repo: Path) -> None:
    env = {
        **creds(GOOD),
        "TRC_GATE_TARGET": f"clone={trc_serve_url}",
        "TRC_GATE_PROFILE": ".trc/profile.yaml",
        "TRC_GATE_FAIL_UNDER": "90",
        "TRC_GATE_DEVIATIONS": ".trc/deviations.yaml",  # absent: a notice, not a failure
        "TRC_GATE_BASELINE": "baseline/report.json",  # absent too
        "TRC_GATE_ARGS": QUICK,
    }
    ran = gate_script(clone_repo, env)
    assert ran.code == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert "::notice::trc-gate: no deviations file at .trc/deviations.yaml" in ran.stdout
    folder = Path(ran.outputs["report-path"])
    assert folder.parent == (clone_repo / "trc-report").resolve()
    assert folder == (clone_repo / "trc-report" / "latest").resolve()
    assert ran.summary == report_md(folder)
    assert ran.outputs["exit-code"] == "0"
    assert ran.outputs["score"] == "100"


def test_the_gate_script_hands_trc_the_credentials(trc_serve_url: str, clone_repo: Path) -> None:
    env = {
        **creds(WRONG),
        "TRC_GATE_TARGET": trc_serve_url,
        "TRC_GATE_PROFILE": ".trc/profile.yaml",
        "TRC_GATE_ARGS": QUICK,
    }
    ran = gate_script(clone_repo, env)
    assert ran.code == 1, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert "got 401" in ran.summary
    assert "::error::trc run exited 1: gate failed" in ran.stdout

    # the same with the deviations file: it reaches trc, the gate passes
    (clone_repo / ".trc" / "deviations.yaml").write_text(DEVIATIONS)
    ran = gate_script(clone_repo, {**env, "TRC_GATE_DEVIATIONS": ".trc/deviations.yaml"})
    assert ran.code == 0, ran.stdout[-3000:] + ran.stderr[-3000:]

    # no credentials at all: trc refuses before sending anything (exit 2), no report
    no_creds = {k: v for k, v in env.items() if not k.startswith("TWILIO_")}
    ran = gate_script(clone_repo, {**no_creds, "TRC_GATE_REPORT_DIR": "other"})
    assert ran.code == 2
    assert "missing credentials" in ran.stderr
    assert "exited 2 (usage or configuration error) without writing a report" in ran.summary
    assert ran.outputs["report-path"] == str((clone_repo / "other").resolve())
    assert ran.outputs["score"] == ""


def test_the_gate_script_on_an_unreachable_target(closed_url: str, clone_repo: Path) -> None:
    env = {**creds(GOOD), "TRC_GATE_TARGET": closed_url, "TRC_GATE_PROFILE": "reference"}
    ran = gate_script(clone_repo, {**env, "TRC_GATE_EXIT": "zero"})
    assert ran.code == 0  # the Action's mode: the failing comes after the upload
    assert ran.outputs["exit-code"] == "3"
    assert "target unreachable" in ran.summary


def test_the_gate_script_needs_a_target(tmp_path: Path) -> None:
    ran = gate_script(tmp_path, {})
    assert ran.code == 2
    assert "TRC_GATE_TARGET" in ran.stderr


# --- action.yml -----------------------------------------------------------------------------


def test_the_action_is_a_composite_of_setup_install_gate_upload_fail() -> None:
    action = load_action()
    assert action["runs"]["using"] == "composite"
    assert action["inputs"]["target"]["required"] is True
    assert action["inputs"]["report-dir"]["default"] == "trc-report"
    assert action["inputs"]["python-version"]["default"] == "3.11"
    steps = action["runs"]["steps"]
    uses = [s["uses"].split("@")[0] for s in steps if "uses" in s]
    assert uses == ["actions/setup-python", "actions/upload-artifact"]
    install = next(s for s in steps if s.get("name") == "Install trc")
    assert install["env"]["TRC_PACKAGE"] == "${{ inputs.package || github.action_path }}"
    assert 'pip install --disable-pip-version-check "$TRC_PACKAGE"' in install["run"]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload"))
    assert upload["if"] == "always()"
    # every TRC_GATE_* the Action sets is one the script documents
    gate = next(s for s in steps if s.get("id") == "gate")
    script = SCRIPT.read_text(encoding="utf-8")
    for name in gate["env"]:
        assert f"#   {name}" in script, f"{name} is not documented in scripts/trc-gate.sh"
    assert SCRIPT.stat().st_mode & 0o111, "scripts/trc-gate.sh is not executable"


def test_every_input_and_output_of_the_action_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    action = load_action()
    for name in (*action["inputs"], *action["outputs"]):
        assert f"| `{name}` |" in text, f"docs/ci.md does not document `{name}`"


def test_the_action_uploads_and_then_fails_with_trcs_code(
    trc_serve_url: str, clone_repo: Path
) -> None:
    inputs = {
        "target": f"clone={trc_serve_url}",
        "profile": ".trc/profile.yaml",
        "fail-under": "90",
        "deviations": ".trc/deviations.yaml",
        "args": QUICK,
    }
    ran = run_action(inputs, creds(WRONG), clone_repo)
    assert ran["codes"] == {"Run trc": 0, "Gate": 1}
    assert ran["outputs"]["exit-code"] == "1"
    folder = Path(ran["outputs"]["report-path"])
    assert folder == (clone_repo / "trc-report" / "latest").resolve()
    assert ran["summary"] == report_md(folder)
    upload = ran["uses"]["actions/upload-artifact"]
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == str(folder)
    assert upload["with"]["name"] == "taskrouter-conformance-report"
    assert ran["uses"]["actions/setup-python"]["with"]["python-version"] == "3.11"

    ran = run_action(inputs, creds(GOOD), clone_repo)
    assert ran["codes"] == {"Run trc": 0, "Gate": 0}
    assert ran["outputs"]["score"] == "100"
