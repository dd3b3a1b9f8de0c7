"""``trc fuzz``: schemathesis against a target, stateless and stateful (see harness/fuzz/).

The target comes from the one target layer (``harness.targets``), as for ``trc run``:
``--target embedded`` (the default) starts the reference server on a free loopback port for the
command and fuzzes it over HTTP; a URL target needs ``--profile FILE`` (or ``--profile
reference`` for a ``trc serve`` instance) and credentials (options, then ``TWILIO_ACCOUNT_SID``
/ ``TWILIO_AUTH_TOKEN``). The SIDs steered into generated data are those of the profile's
``single`` workspace; ``--workspace-sid``, ``--workflow-sid``, ``--queue-sid``, ``--channel``
and ``--worker-sid`` override them. Against a URL, generated Attributes carry the run tag
(``trc_run``), so ``trc sweep`` finds whatever a crashed run left behind; the embedded server
ends with the command, so its tasks are not tagged and ``--seed N`` repeats a run exactly.

Exit codes (``harness.exitcodes.ExitCode``): 0 no failure, 1 failures (or tasks left behind),
2 usage or configuration error, 3 target unreachable, 130 interrupted (after cleaning up).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from harness.commands.outcome import run_guarded
from harness.exitcodes import ExitCode
from harness.phases import Budget
from harness.targets.errors import TargetConfigError
from harness.targets.options import target_options

DEFAULT_PHASES = "examples,coverage,fuzzing,stateful"


@click.command("fuzz")
@target_options(cassette=False)
@click.option(
    "--seed", type=int, default=None, help="Seed (default 0): the same seed repeats the run."
)
@click.option(
    "--fuzz-budget",
    "budget_text",
    default=None,
    metavar="CASES[:SECONDS]",
    help="Hypothesis examples per operation (and stateful scenarios), and a wall-clock bound. "
    "Default 25:120.",
)
@click.option(
    "--workspace-sid", metavar="WS...", help="Workspace to fuzz (default: the profile's single)."
)
@click.option(
    "--workflow-sid",
    "workflow_sids",
    multiple=True,
    metavar="WW...",
    help="Overrides the profile.",
)
@click.option(
    "--queue-sid", "queue_sids", multiple=True, metavar="WQ...", help="Overrides the profile."
)
@click.option(
    "--channel", "channels", multiple=True, metavar="NAME|TC...", help="Overrides the profile."
)
@click.option(
    "--worker-sid", "worker_sids", multiple=True, metavar="WK...", help="Overrides the profile."
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="NAME",
    help="Embedded target only: switch a named fault of the reference on (repeatable).",
)
@click.option(
    "--phases",
    default=DEFAULT_PHASES,
    show_default=True,
    help="Comma-separated phases to run.",
)
@click.option(
    "--operation",
    "operations",
    multiple=True,
    metavar="OPERATION_ID",
    help="Only this operation (repeatable): CreateTask, ListTask, FetchTask, UpdateTask, "
    "DeleteTask.",
)
@click.option(
    "--run-tag",
    help="Tag written into generated Attributes (trc_run) on URL targets; default: a fresh run "
    "tag, as trc run's.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the records and the run summary to this JSON file.",
)
@click.option("-v", "--verbose", is_flag=True, help="List passing (operation, check) pairs too.")
@click.pass_context
def fuzz_command(ctx: click.Context, **options: Any) -> None:
    """Fuzz the Task API with schemathesis: generated data and linked scenarios."""
    ctx.exit(run_guarded("trc fuzz", _fuzz, **options))


def _fuzz(
    target: str,
    profile: str | None,
    account_sid: str | None,
    auth_token: str | None,
    allow_live: bool,
    seed: int | None,
    budget_text: str | None,
    workspace_sid: str | None,
    workflow_sids: tuple[str, ...],
    queue_sids: tuple[str, ...],
    channels: tuple[str, ...],
    worker_sids: tuple[str, ...],
    faults: tuple[str, ...],
    phases: str,
    operations: tuple[str, ...],
    run_tag: str | None,
    json_path: Path | None,
    verbose: bool,
) -> int:
    from harness.reference.config import DEFAULT_RETENTION_SECONDS
    from harness.reporters.terminal import make_console
    from harness.results.runid import new_run_id, run_tag_for
    from harness.targets.embedded import check_faults
    from harness.targets.probe import probe
    from harness.targets.resolve import TargetOptions, check_options, open_target
    from harness.targets.target import require_server

    fuzz = _fuzz_package()
    require_server(target, "trc fuzz", "fuzz")
    # The reference's own retention, not trc run's short one (kept short for the retention
    # scenarios): a task purged in the middle of a run would make what later cases meet depend
    # on the run's speed rather than on the seed.
    options = TargetOptions(
        target,
        profile,
        account_sid,
        auth_token,
        allow_live,
        tuple(faults),
        retention_seconds=DEFAULT_RETENTION_SECONDS,
    )
    check_options(options)
    check_faults(faults)
    budget = fuzz.FuzzBudget.of(Budget.parse(budget_text))
    phase_list = tuple(p.strip() for p in phases.split(",") if p.strip())
    _check_names("phase", phase_list, fuzz.PHASES)
    _check_names("operation", operations, fuzz.OPERATIONS)
    overrides = {
        "workspace_sid": workspace_sid,
        "workflow_sids": workflow_sids,
        "queue_sids": queue_sids,
        "channels": channels,
        "worker_sids": worker_sids,
    }
    console = make_console()  # unwrapped, trimmed lines when not a terminal
    with open_target(options) as ready:
        probe(ready)
        try:
            fuzz_options = fuzz.options_for_target(
                ready,
                seed=fuzz.DEFAULT_SEED if seed is None else seed,
                max_examples=budget.max_examples,
                time_budget_s=budget.time_budget_s,
                run_tag=run_tag or run_tag_for(new_run_id()),
                # The embedded server ends with this command, so nothing it holds can be left
                # behind: no tag, and a seed reproduces the run exactly (the tag's value would
                # otherwise change what the stateful phase generates).
                tag_attributes=not ready.embedded,
                phases=phase_list,
                operations=tuple(operations) or None,
                progress=lambda text: console.print(f"  [dim]{text}[/]"),
                **{k: v for k, v in overrides.items() if v},
            )
            fuzz_options.validate()
        except ValueError as exc:  # a profile without a usable workspace, a bad option
            raise TargetConfigError(str(exc)) from None
        fault_text = f" · faults: {', '.join(faults)}" if faults else ""
        console.print(
            f"[bold]trc fuzz[/] → {ready.name} ({ready.base_url}) · workspace "
            f"{fuzz_options.workspace_sid} · [bold]seed {fuzz_options.seed}[/] · budget "
            f"{budget.max_examples} examples/operation, {budget.time_budget_s:g}s{fault_text}"
        )
        outcome = fuzz.run_fuzz(fuzz_options)
    _print_outcome(console, outcome, verbose)
    if json_path is not None:
        _write_json(json_path, outcome, fuzz_options, target, list(faults))
        console.print(f"records written to {json_path}")
    if outcome.interrupted:
        return ExitCode.INTERRUPTED
    return ExitCode.OK if outcome.passed else ExitCode.FAIL


def _fuzz_package() -> Any:
    """``harness.fuzz``, or a usage error when schemathesis is missing or unsupported."""
    try:
        import harness.fuzz as fuzz
    except ImportError as exc:
        # harness.fuzz.compat raises UnsupportedSchemathesis (an ImportError named
        # "schemathesis") outside the supported range.
        if (exc.name or "").split(".")[0] not in ("schemathesis", "hypothesis"):
            raise
        raise TargetConfigError(f"fuzzing is unavailable: {exc}") from None
    return fuzz


def _check_names(kind: str, names: tuple[str, ...], known: tuple[str, ...]) -> None:
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise TargetConfigError(
            f"unknown {kind}(s): {', '.join(unknown)}; known: {', '.join(known)}"
        )


def _print_outcome(console: Any, outcome: Any, verbose: bool) -> None:
    from rich.table import Table

    from harness.fuzz import OPERATIONS, PHASES
    from harness.results.model import Status

    table = Table(title=f"Generated cases (seed {outcome.seed})")
    table.add_column("operation")
    phases = [p for p in PHASES if any(k[0] == p for k in outcome.cases)]
    for phase in phases:
        table.add_column(phase, justify="right")
    table.add_column("pos", justify="right", style="green")
    table.add_column("neg", justify="right", style="yellow")
    table.add_column("total", justify="right", style="bold")
    for operation in OPERATIONS:
        row = {p: 0 for p in phases}
        modes = {"positive": 0, "negative": 0}
        for (phase, op, mode), count in outcome.cases.items():
            if op == operation:
                row[phase] += count
                modes[mode] += count
        if sum(row.values()):
            table.add_row(
                operation,
                *(str(row[p]) for p in phases),
                str(modes["positive"]),
                str(modes["negative"]),
                str(sum(row.values())),
            )
    by_phase = outcome.cases_by("phase")
    by_mode = outcome.cases_by("mode")
    table.add_row(
        "[bold]total[/]",
        *(f"[bold]{by_phase.get(p, 0)}[/]" for p in phases),
        str(by_mode.get("positive", 0)),
        str(by_mode.get("negative", 0)),
        f"[bold]{outcome.total_cases}[/]",
    )
    console.print(table)
    problems = [r for r in outcome.records if r.status.is_problem]
    for record in problems:
        style = "bold red" if record.status is Status.FAIL else "bold magenta"
        console.print(f"[{style}]{str(record.status).upper()}[/] {record.id}", markup=True)
        console.print(f"    {record.title}", markup=False)
        if record.failure and record.failure.message:
            for line in record.failure.message.splitlines()[1:4]:
                if line.strip():
                    console.print(f"    {line.strip()}", markup=False, style="dim")
        if record.note:
            console.print(f"    {record.note}", markup=False, style="dim", soft_wrap=True)
        if record.curl:
            for line in record.curl.splitlines():
                console.print(f"    {line}", markup=False, style="cyan", soft_wrap=True)
    if verbose:
        for record in outcome.records:
            if record.status is Status.PASS:
                console.print(f"[green]PASS[/] {record.id} [dim]({record.note})[/]")
    for warning in outcome.warnings:
        console.print(f"[yellow]warning:[/] {warning}", markup=True)
    cleanup = f"{len(outcome.deleted)}/{len(outcome.created)} created task(s) deleted"
    if outcome.cleanup_failures:
        cleanup += f", [bold red]{len(outcome.cleanup_failures)} left behind[/]"
    passed = sum(1 for r in outcome.records if r.status is Status.PASS)
    verdict = (
        "[bold green]no failures[/]"
        if outcome.passed
        else (f"[bold red]{len(problems)} failure record(s)[/]")
    )
    console.print(
        f"{outcome.total_cases} cases in {outcome.duration_s:.1f}s · {passed} passing "
        f"(operation, check) pairs · {verdict} · {cleanup} · "
        f"reproduce with [bold]--seed {outcome.seed}[/]"
    )


def _write_json(path: Path, outcome: Any, options: Any, target: str, faults: list[str]) -> None:
    data = {
        "target": target,
        "faults": faults,
        "seed": outcome.seed,
        "max_examples": options.max_examples,
        "time_budget_s": options.time_budget_s,
        "schemathesis": outcome.schemathesis_version,
        "summary": outcome.summary(),
        "cases": [
            {"phase": p, "operation": o, "mode": m, "count": n}
            for (p, o, m), n in sorted(outcome.cases.items())
        ],
        "cleanup_failures": outcome.cleanup_failures,
        "warnings": outcome.warnings,
        "records": [r.to_dict() for r in outcome.records],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
