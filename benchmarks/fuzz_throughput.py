"""Fuzz throughput: our runner (``run_fuzz``) vs ``st run``, same budget, same server.

Starts the reference server on a loopback port once, in a process of its own (the embedded
target's child process, as ``trc run`` starts it), so that neither runner shares an interpreter
with the server, then runs, one after the other:

1. ``run_fuzz`` over HTTP (all four phases, ``--budget`` examples per operation, the seed);
2. the schemathesis CLI, ``st run`` in a subprocess, with the same spec, URL, credentials,
   ``--max-examples``, ``--seed``, phases and ``--checks all``, from an empty working
   directory (so no ``schemathesis.toml`` is picked up) and one worker (our runner is
   single-threaded too).

Prints the cases generated, the wall time and the cases per second of each, and the ratio;
with ``--repeat N`` the two run in turn N times and the ratio of each round is printed with
their median (the machine's noise moves one round's ratio by 20 % or more). It measures; it
asserts nothing. Usage::

    python benchmarks/fuzz_throughput.py [--budget 25] [--seed 0] [--workers 1] [--repeat 1]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.fuzz import PHASES, options_for_fixture, run_fuzz  # noqa: E402
from harness.fuzz.options import DEFAULT_SPEC  # noqa: E402
from harness.reference.config import ServerConfig  # noqa: E402
from harness.targets.embedded import EmbeddedMode, embedded_server  # noqa: E402


def st_command() -> list[str]:
    found = shutil.which("st")
    return [found] if found else [sys.executable, "-m", "schemathesis.cli"]


def run_ours(config: ServerConfig, base_url: str, budget: int, seed: int) -> tuple[int, float, str]:
    options = options_for_fixture(
        config.fixture, base_url=base_url, max_examples=budget, seed=seed, time_budget_s=None
    )
    started = time.perf_counter()
    outcome = run_fuzz(options)
    elapsed = time.perf_counter() - started
    problems = len(outcome.failures)
    detail = (
        f"{problems} failure record(s); by phase {outcome.cases_by('phase')}; "
        f"{len(outcome.deleted)}/{len(outcome.created)} created tasks deleted"
    )
    return outcome.total_cases, elapsed, detail


def run_st(
    config: ServerConfig, base_url: str, budget: int, seed: int, workers: int
) -> tuple[int, float, str]:
    fixture = config.fixture
    command = [
        *st_command(),
        "run",
        str(DEFAULT_SPEC),
        "--url",
        base_url,
        "--auth",
        f"{fixture.account_sid}:{fixture.auth_token}",
        "--max-examples",
        str(budget),
        "--seed",
        str(seed),
        "--phases",
        ",".join(PHASES),
        "--checks",
        "all",
        "--generation-database",
        "none",
        "--workers",
        str(workers),
        "--no-color",
    ]
    with tempfile.TemporaryDirectory(prefix="trc-st-run-") as workdir:
        started = time.perf_counter()
        result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
    output = result.stdout + result.stderr
    match = re.search(r"(\d+) generated", output)
    if not match:
        raise SystemExit(f"could not read the case count from `st run` (exit {result.returncode})")
    summary = re.search(r"\d+ generated[^\n]*", output)
    detail = f"exit {result.returncode}; {summary.group(0) if summary else ''}".strip()
    return int(match.group(1)), elapsed, detail


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=25, help="examples per operation")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1, help="st run --workers")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of both runners, in turn")
    args = parser.parse_args()

    config = ServerConfig()  # the child's settings: the default fixture, retention, no faults
    retention = config.retention_seconds
    with embedded_server((), retention, test_clock=False, mode=EmbeddedMode.PROCESS) as server:
        print(
            f"reference server on {server.base_url}; budget {args.budget} examples/operation, "
            f"seed {args.seed}, phases {','.join(PHASES)}"
        )
        ratios = []
        for _ in range(max(1, args.repeat)):
            ours = run_ours(config, server.base_url, args.budget, args.seed)
            theirs = run_st(config, server.base_url, args.budget, args.seed, args.workers)
            rows = [("trc run_fuzz", *ours), (f"st run (workers={args.workers})", *theirs)]
            print(f"{'runner':<24}{'cases':>8}{'seconds':>10}{'cases/s':>10}")
            for name, cases, seconds, _ in rows:
                print(f"{name:<24}{cases:>8}{seconds:>10.2f}{cases / seconds:>10.1f}")
            for name, _, _, detail in rows:
                print(f"  {name}: {detail}")
            ratios.append((ours[0] / ours[1]) / (theirs[0] / theirs[1]))
            print(f"ratio (ours / st run, cases per second): {ratios[-1]:.2f}")
    if len(ratios) > 1:
        each = ", ".join(f"{r:.2f}" for r in ratios)
        print(f"ratios of {len(ratios)} rounds: {each}; median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
