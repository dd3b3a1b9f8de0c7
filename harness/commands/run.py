"""``trc run``: run the phases against one or more targets, write the report, apply the gate.

The click glue only: ``harness.orchestrate`` plans and executes the run.

Exit codes (``harness.exitcodes.ExitCode``): 0 the gate passed (by default: conformant, no
fail/error except expected deviations, and something was counted), 1 the gate failed, 2 usage
or configuration error, 3 a target unreachable, 130 interrupted (after cleaning up and writing
the partial report).

Targets (``--target``, repeatable): ``[LABEL=]embedded``, ``[LABEL=]embedded+fault:NAME[,NAME]``
(the reference with named faults) or ``[LABEL=]URL``. The label names the target in the report
(default: the spec itself). ``--profile FILE`` applies to every target; ``--profile LABEL=FILE``
to one. ``--fault NAME`` is the one-target shorthand for ``embedded+fault:NAME``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from harness.commands.gate import gate_options
from harness.commands.outcome import run_guarded
from harness.orchestrate import RunRequest, execute
from harness.targets.options import target_options


@click.command("run")
@target_options(multiple=True)
@click.option(
    "--scenarios",
    "scenarios_dir",
    type=click.Path(exists=True, path_type=Path),
    help="Scenario folder or file (default: the scenario library shipped with the tool).",
)
@click.option(
    "-k",
    "--select",
    "select_expr",
    metavar="EXPR",
    help="Pick cases: words matched against id/title (substring), tags and category, "
    "combined with and/or/not and ().",
)
@click.option(
    "--tag", "tags", multiple=True, metavar="TAG", help="Only cases with this tag (any of them)."
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Parent folder of the run's report folder (default: ./reports under the current folder).",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="NAME",
    help="Embedded target only: start the reference with this named fault (repeatable). "
    "With several targets use --target embedded+fault:NAME.",
)
@click.option(
    "--phases",
    default=None,
    envvar="TRC_PHASES",
    metavar="LIST",
    help="Comma-separated phases to run (scenarios, fuzz, replay). Default: $TRC_PHASES, or "
    "every available phase; the report lists the unavailable ones.",
)
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="OpenAPI file every response is checked against (default: spec/taskrouter-tasks.yaml).",
)
@click.option("--seed", type=int, default=None, help="Seed for the fuzz phase (recorded).")
@click.option("--fuzz-budget", metavar="CASES[:SECONDS]", help="Budget of the fuzz phase.")
@click.option(
    "--replay-wait-budget",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    default=None,
    help="Replay phase: the longest a replayed scenario may wait for the target profile's "
    "windows (retention, TTL); longer ones are not-configured (default 120).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Scenario cases run side by side (default: four per core, at most 8; 1 against live "
    "Twilio; 1 runs them one after another). Cases "
    "that share state (the profile's worker, a test clock) are still serialised; results and "
    "the report are the same for any N.",
)
@click.option(
    "--shard",
    metavar="I/N",
    default=None,
    help="Run share I of N of every phase's selected cases (stable, balanced; the fuzz phase "
    "runs whole in shard 1). Join the shards' reports with `trc report merge`.",
)
@click.option(
    "--shard-durations",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    metavar="REPORT",
    help="Balance the shards by the case durations of this earlier report.json (or folder).",
)
@click.option(
    "--cassette",
    "cassettes",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Replay phase: cassette(s) to replay (default: the replay phase's own).",
)
@gate_options
@click.option("--list", "list_only", is_flag=True, help="List the selected cases and exit.")
@click.pass_context
def run_command(ctx: click.Context, **options: Any) -> None:
    """Run the phases against the target(s); write reports/<run-id>/ (report.json, report.md,
    report.html, junit.xml, badge.svg) and reports/latest; exit by the gate."""
    request = RunRequest(
        targets=tuple(options["target"]),
        profiles=tuple(options["profile"] or ()),
        account_sid=options["account_sid"],
        auth_token=options["auth_token"],
        allow_live=options["allow_live"],
        scenarios_dir=options["scenarios_dir"],
        select_expr=options["select_expr"],
        tags=tuple(options["tags"]),
        report_dir=options["report_dir"],
        faults=tuple(options["faults"]),
        phases=options["phases"],
        spec_path=options["spec_path"],
        list_only=options["list_only"],
        seed=options["seed"],
        fuzz_budget=options["fuzz_budget"],
        replay_wait_budget=options["replay_wait_budget"],
        jobs=options["jobs"],
        shard=options["shard"],
        shard_durations=options["shard_durations"],
        cassettes=tuple(options["cassettes"]),
        fail_under=options["fail_under"],
        baseline=options["baseline"],
        expect_deviations=options["expect_deviations"],
    )
    ctx.exit(run_request(request, "trc run"))


def run_request(request: RunRequest, prog: str) -> int:
    """Run ``request`` with the usual error handling; the exit code."""
    return run_guarded(prog, execute, request=request)
