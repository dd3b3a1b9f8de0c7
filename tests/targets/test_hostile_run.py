"""``trc run`` against a hostile target: every mode ends within a few profile timeouts, with
the documented exit code, no traceback, and a report where one can be written; the redirect
mode sends nothing to the second listener, in the scenarios and the fuzz phase."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from harness.commands.run import run_command
from harness.targets.profile import profile_from_fixture
from tests.fakes import ACCOUNT, FIXTURE, TOKEN
from tests.fakes_hostile import Mode, hostile
from tests.report.helpers import invoke

pytestmark = pytest.mark.slow

TIMEOUT_S = 1.0
#: the run's budget for honouring Retry-After, kept short (its rules: tests/wire/test_limits.py)
RETRY_BUDGET_S = 4.0
#: The servers' lifetime: longer than any run may take.
LIFETIME_S = 120.0
#: Modes the first request cannot complete in: the probe exits 3 naming the cause.
PROBE_FAILS = {
    Mode.HANG: "no complete answer within 1 s",
    Mode.DRIP: "no complete answer within 1 s",
    Mode.RESET: "reset",
    Mode.CLOSE_AFTER_HEADERS: "peer closed connection",
    Mode.BIG_JSON: "response too large (52428766 bytes",
    Mode.BIG_TEXT: "response too large (52428800 bytes",
}


def bound(mode: Mode) -> float:
    """How long a run against ``mode`` may take: a few timeouts, and the retry budget for 429."""
    return 20 * TIMEOUT_S + (RETRY_BUDGET_S if mode is Mode.TOO_MANY else 0.0)


def write_profile(tmp_path: Path) -> Path:
    data = profile_from_fixture(FIXTURE, 300.0).data
    data["http"] = {
        "timeout_seconds": TIMEOUT_S,
        "max_retries_on_429": 3,
        "retry_budget_seconds": RETRY_BUDGET_S,
    }
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def args(url: str, profile: Path, reports: Path, phases: str = "scenarios") -> list[str]:
    return [
        "--target", url, "--profile", str(profile),
        "--account-sid", ACCOUNT, "--auth-token", TOKEN,
        "--phases", phases, *(["--tag", "smoke"] if phases == "scenarios" else []),
        "--fuzz-budget", "3",
        "--report-dir", str(reports),
    ]  # fmt: skip


def run(mode: Mode, after: int, tmp_path: Path, phases: str = "scenarios") -> tuple:  # type: ignore[type-arg]
    reports = tmp_path / "reports"
    with hostile(mode, after=after, lifetime=LIFETIME_S) as target:
        started = time.monotonic()
        result = invoke(run_command, args(target.url, write_profile(tmp_path), reports, phases))
        elapsed = time.monotonic() - started
        elsewhere = target.elsewhere.served
    return result, elapsed, reports, elsewhere


@pytest.mark.parametrize("mode", sorted(PROBE_FAILS, key=str), ids=str)
def test_a_probe_that_cannot_complete_exits_3_naming_the_cause(mode: Mode, tmp_path: Path) -> None:
    result, elapsed, _, _ = run(mode, 0, tmp_path)
    assert elapsed < bound(mode), elapsed
    assert result.exit_code == 3, result.output
    assert PROBE_FAILS[mode] in result.output, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("mode", list(Mode), ids=str)
def test_a_target_that_turns_hostile_mid_run_gives_a_report(mode: Mode, tmp_path: Path) -> None:
    result, elapsed, reports, elsewhere = run(mode, 3, tmp_path)
    assert elapsed < bound(mode), elapsed
    assert "Traceback" not in result.output
    assert result.exit_code == 1, result.output  # every mode breaks some smoke case
    report = json.loads((reports / "latest" / "report.json").read_text())
    broken = [c for c in report["cases"] if c["status"] in ("fail", "error")]
    assert broken, result.output
    assert elsewhere == 0
    size = sum(p.stat().st_size for p in (reports / "latest").rglob("*") if p.is_file())
    assert size < 5_000_000, size


def test_a_redirect_is_an_answer_in_the_fuzz_phase_too(tmp_path: Path) -> None:
    result, _elapsed, reports, elsewhere = run(Mode.REDIRECT, 1, tmp_path, "fuzz")
    assert "Traceback" not in result.output
    assert elsewhere == 0
    assert result.exit_code == 1, result.output
    report = json.loads((reports / "latest" / "report.json").read_text())
    phases = {c["phase"] for c in report["cases"] if c["status"] in ("fail", "error")}
    assert "fuzz" in phases, result.output


# The peak is this process's own high-water mark (VmHWM, reset by exec), not ru_maxrss: Linux
# keeps ru_maxrss across execve, so a child of a large pytest worker would report the worker's.
MEASURE = """
import re, sys
from pathlib import Path
from harness.commands.run import run_command
from tests.report.helpers import invoke
result = invoke(run_command, sys.argv[1:])
status = Path("/proc/self/status").read_text()
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
print("EXIT", result.exit_code, "PEAK_MB", peak_kb // 1024)
"""


@pytest.mark.parametrize("mode", [Mode.BIG_JSON, Mode.BIG_TEXT], ids=str)
def test_50_mb_answers_keep_memory_and_artifacts_bounded(mode: Mode, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    with hostile(mode, after=3, lifetime=LIFETIME_S) as target:
        command = [
            sys.executable,
            "-c",
            MEASURE,
            *args(target.url, write_profile(tmp_path), reports),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=LIFETIME_S)
    assert "Traceback" not in done.stderr, done.stderr
    words = done.stdout.split()
    assert words[words.index("EXIT") + 1] == "1", done.stdout
    assert int(words[words.index("PEAK_MB") + 1]) < 300, done.stdout
    for path in (reports / "latest").rglob("*"):
        if path.is_file():
            assert path.stat().st_size < 2_000_000, path
