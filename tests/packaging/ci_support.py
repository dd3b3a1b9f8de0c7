"""Helpers for the tests of docs/ci.md and the Action: the shell steps the page prints (each
starts with a ``# trc-ci: NAME`` comment, in a ```bash block or in a workflow step's ``run:``),
run with ``bash`` as GitHub would, and action.yml's composite steps run the same way (only the
``uses:`` steps and the install step are left to GitHub). Servers for them are fixtures in
tests/fixtures/ci.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from harness.reference.fixture import default_fixture

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "ci.md"
ACTION = REPO / "action.yml"
SCRIPT = REPO / "scripts" / "trc-gate.sh"
FENCE = re.compile(r"^```(?P<lang>[\w-]*)\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
MARK = re.compile(r"^[ \t]*# trc-ci: (?P<name>[\w-]+)[ \t]*$", re.M)
EXPR = re.compile(r"\$\{\{\s*(?P<expr>.*?)\s*\}\}")
QUICK = "--phases scenarios --tag smoke"  # four cases: the gate in a couple of seconds
FIXTURE = default_fixture()
GOOD = {"CLONE_ACCOUNT_SID": FIXTURE.account_sid, "CLONE_AUTH_TOKEN": FIXTURE.auth_token}
WRONG = {**GOOD, "CLONE_AUTH_TOKEN": "not-the-auth-token"}


# --- the page's steps ---------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """A marked shell step of docs/ci.md, with the env a workflow gives it (job + step)."""

    name: str
    where: str
    script: str
    env: Mapping[str, str] = field(default_factory=dict)


def blocks() -> list[tuple[str, str]]:
    return [(m["lang"], m["body"]) for m in FENCE.finditer(DOC.read_text(encoding="utf-8"))]


def all_workflows() -> list[dict]:
    """The complete workflows of the page (the ```yaml blocks with ``jobs``)."""
    found = []
    for lang, body in blocks():
        if lang in ("yaml", "yml") and re.search(r"^jobs:", body, re.M):
            found.append(yaml.safe_load(body))
    return found


def all_steps() -> list[Step]:
    steps = []
    for n, (lang, body) in enumerate(blocks()):
        if lang in ("bash", "sh") and (mark := MARK.search(body)):
            steps.append(Step(mark["name"], f"```{lang} block {n}", body))
    for workflow in all_workflows():
        kind = "action" if uses_the_action(workflow) else "plain"
        for job_name, job in workflow["jobs"].items():
            for step in job["steps"]:
                run = step.get("run")
                if run and (mark := MARK.search(run)):
                    env = {**job.get("env", {}), **step.get("env", {})}
                    where = f"{kind} workflow / {job_name} / {step['name']}"
                    steps.append(Step(mark["name"], where, run, env))
    return steps


def uses_the_action(workflow: dict) -> bool:
    return any(
        str(step.get("uses", "")).startswith("OWNER/taskrouter-conformance@")
        for job in workflow["jobs"].values()
        for step in job["steps"]
    )


def find_step(name: str, where: str = "") -> Step:
    for step in all_steps():
        if step.name == name and where in step.where:
            return step
    raise AssertionError(f"docs/ci.md has no step marked '# trc-ci: {name}' ({where or 'any'})")


def resolve(value: object, secrets: Mapping[str, str]) -> str:
    """A workflow env value with its ``${{ secrets.NAME }}`` filled in."""

    def one(match: re.Match[str]) -> str:
        expr = match["expr"]
        assert expr.startswith("secrets."), f"unexpected expression in an env value: {expr}"
        return secrets[expr.removeprefix("secrets.")]

    return EXPR.sub(one, str(value))


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    summary: str
    github_env: str
    outputs: dict[str, str]
    seconds: float


def base_env() -> dict[str, str]:
    """A runner's environment: this interpreter's ``trc`` first on PATH, no credentials, no
    TRC_* or PYTHONPATH of the test run."""
    keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return env


def bash(
    script: str,
    cwd: Path,
    env: Mapping[str, str],
    shell: tuple[str, ...] = ("bash", "-e"),
    timeout: float = 120,
) -> Ran:
    """Run ``script`` as a GitHub ``run:`` step: from a file, with the GITHUB_* files."""
    files = cwd / ".github-files"
    files.mkdir(exist_ok=True)
    summary, github_env, output = (files / n for n in ("summary.md", "env", "output"))
    for path in (summary, github_env, output):  # each step has its own, as on GitHub
        path.write_text("")
    script_file = files / "step.sh"
    script_file.write_text(script)
    full = {
        **base_env(),
        **env,
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_ENV": str(github_env),
        "GITHUB_OUTPUT": str(output),
    }
    started = time.monotonic()
    done = subprocess.run(
        [*shell, str(script_file)],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return Ran(
        done.returncode,
        done.stdout,
        done.stderr,
        summary.read_text() if summary.exists() else "",
        github_env.read_text(),
        outputs,
        time.monotonic() - started,
    )


def run_step(
    step: Step,
    cwd: Path,
    secrets: Mapping[str, str] = GOOD,
    overrides: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> Ran:
    env = {k: resolve(v, secrets) for k, v in step.env.items()}
    env.update(overrides or {})
    return bash(step.script, cwd, env, timeout=timeout)


# --- servers ----------------------------------------------------------------------------------


class Always401(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        body = json.dumps({"code": 20003, "message": "Authenticate", "status": 401}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_HEAD = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def report_md(path: Path) -> str:
    return (path / "report.md").read_text(encoding="utf-8")


DEVIATIONS = """\
version: 1
deviations:
  - case: smoke.create-fetch-delete
    reason: test
  - case: smoke.etag-if-match
    reason: test
  - case: smoke.list-filtered-by-run-tag
    reason: test
"""


def gate_script(cwd: Path, env: Mapping[str, str]) -> Ran:
    return bash(SCRIPT.read_text(encoding="utf-8"), cwd, env, shell=("bash",))


def creds(secrets: Mapping[str, str]) -> dict[str, str]:
    return {
        "TWILIO_ACCOUNT_SID": secrets["CLONE_ACCOUNT_SID"],
        "TWILIO_AUTH_TOKEN": secrets["CLONE_AUTH_TOKEN"],
    }


def load_action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def evaluate(text: str, context: Mapping[str, str]) -> str:
    """The composite action's ``${{ a || b }}`` with dotted names and '…' literals."""

    def operand(token: str) -> str:
        token = token.strip()
        if token.startswith("'") and token.endswith("'"):
            return token[1:-1]
        assert re.fullmatch(r"[\w.-]+", token), f"unsupported expression operand: {token}"
        assert token in context or token.startswith("steps."), f"unknown name {token}"
        return context.get(token, "")

    def one(match: re.Match[str]) -> str:
        for part in match["expr"].split("||"):
            if value := operand(part):
                return value
        return ""

    return EXPR.sub(one, str(text))


def run_action(inputs: Mapping[str, str], env: Mapping[str, str], cwd: Path) -> dict:
    """Run action.yml's composite steps as the runner would: ``run:`` steps with
    ``shell: bash`` (``bash --noprofile --norc -eo pipefail``), ``uses:`` steps recorded with
    their evaluated ``with:``; the install step is left out (this interpreter's trc is used)."""
    action = load_action()
    context = {"github.action_path": str(REPO)}
    for name, spec in action["inputs"].items():
        context[f"inputs.{name}"] = str(inputs.get(name, spec.get("default", "")))
    result: dict = {"uses": {}, "codes": {}, "summary": ""}
    for step in action["runs"]["steps"]:
        if "uses" in step:
            uses = step["uses"].split("@")[0]
            result["uses"][uses] = {
                "if": step.get("if"),
                "with": {k: evaluate(v, context) for k, v in step.get("with", {}).items()},
            }
            continue
        if step["name"] == "Install trc":
            continue
        assert step["shell"] == "bash"
        step_env = {k: evaluate(v, context) for k, v in step.get("env", {}).items()}
        ran = bash(
            step["run"],
            cwd,
            {**env, **step_env, "GITHUB_ACTION_PATH": str(REPO)},
            shell=("bash", "--noprofile", "--norc", "-eo", "pipefail"),
        )
        result["codes"][step["name"]] = ran.code
        result["summary"] += ran.summary
        for key, value in ran.outputs.items():
            context[f"steps.{step.get('id')}.outputs.{key}"] = value
        if ran.code != 0:
            break
    result["outputs"] = {
        name: evaluate(spec["value"], context) for name, spec in action["outputs"].items()
    }
    return result
