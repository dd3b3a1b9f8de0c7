"""``trc fuzz``: schemathesis against a target, stateless and stateful (see harness/fuzz/).

Exit codes: 0 no failure, 1 failures (or tasks left behind), 2 usage or configuration error,
3 target unreachable, 130 interrupted (after cleaning up).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EMBEDDED = "embedded"
REFERENCE_PROFILE = "reference"


class UsageProblem(Exception):
    """Bad flags or configuration (exit 2)."""


def _fault_names() -> list[str]:
    from harness.reference.faults import FAULTS

    return sorted(FAULTS)


@click.command("fuzz")
@click.option(
    "--target",
    default=EMBEDDED,
    show_default=True,
    metavar="URL|embedded",
    help="Base URL of the server under test, or 'embedded' for the reference server "
    "in-process (no socket).",
)
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
    "--account-sid", metavar="AC...", help="Default: $TWILIO_ACCOUNT_SID (embedded: the fixture's)."
)
@click.option(
    "--auth-token", metavar="TOKEN", help="Default: $TWILIO_AUTH_TOKEN (embedded: the fixture's)."
)
@click.option(
    "--profile",
    metavar="FILE|reference",
    help="Target profile YAML to take the workspace, workflow, queue, channel and worker SIDs "
    "from; 'reference' = the fixture of a `trc serve` instance.",
)
@click.option("--workspace-sid", metavar="WS...", help="Workspace to fuzz (overrides the profile).")
@click.option("--workflow-sid", "workflow_sids", multiple=True, metavar="WW...")
@click.option("--queue-sid", "queue_sids", multiple=True, metavar="WQ...")
@click.option("--channel", "channels", multiple=True, metavar="NAME|TC...")
@click.option("--worker-sid", "worker_sids", multiple=True, metavar="WK...")
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="NAME",
    help="Embedded target only: switch a named fault of the reference on (repeatable).",
)
@click.option(
    "--phases",
    default="examples,coverage,fuzzing,stateful",
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
@click.option("--run-tag", help="Tag written into generated Attributes (trc_run) on URL targets.")
@click.option(
    "--allow-live", is_flag=True, help="Allow a target on a Twilio domain (*.twilio.com)."
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the records and the run summary to this JSON file.",
)
@click.option("-v", "--verbose", is_flag=True, help="List passing (operation, check) pairs too.")
@click.pass_context
def fuzz_command(ctx: click.Context, **flags: Any) -> None:
    """Fuzz the Task API with schemathesis: generated data and linked scenarios."""
    from harness.fuzz import BudgetError, FuzzTargetUnreachable

    try:
        code = _fuzz(**flags)
    except (UsageProblem, BudgetError, ValueError) as exc:
        click.echo(f"trc fuzz: error: {exc}", err=True)
        code = EXIT_USAGE
    except FuzzTargetUnreachable as exc:
        click.echo(f"trc fuzz: {exc}", err=True)
        code = EXIT_UNREACHABLE
    ctx.exit(code)


def _fuzz(
    target: str,
    seed: int | None,
    budget_text: str | None,
    account_sid: str | None,
    auth_token: str | None,
    profile: str | None,
    workspace_sid: str | None,
    workflow_sids: tuple[str, ...],
    queue_sids: tuple[str, ...],
    channels: tuple[str, ...],
    worker_sids: tuple[str, ...],
    faults: tuple[str, ...],
    phases: str,
    operations: tuple[str, ...],
    run_tag: str | None,
    allow_live: bool,
    json_path: Path | None,
    verbose: bool,
) -> int:
    from rich.console import Console

    from harness.fuzz import DEFAULT_SEED, FuzzBudget, FuzzOptions, parse_budget, run_fuzz

    budget = parse_budget(budget_text) if budget_text else FuzzBudget()
    phase_list = tuple(p.strip() for p in phases.split(",") if p.strip())
    embedded = (target or EMBEDDED).strip() == EMBEDDED
    fields: dict[str, Any]
    app = None
    base_url = None
    if embedded:
        if profile and profile != REFERENCE_PROFILE:
            raise UsageProblem(
                "--profile applies to URL targets (the embedded target has its fixture)"
            )
        unknown = sorted(set(faults) - set(_fault_names()))
        if unknown:
            raise UsageProblem(
                f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(_fault_names())}"
            )
        from harness.reference.app import create_app
        from harness.reference.config import ServerConfig

        config = ServerConfig(faults=frozenset(faults))
        app = create_app(config)
        fields = _fixture_fields(config.fixture)
        account_sid = account_sid or config.fixture.account_sid
        auth_token = auth_token or config.fixture.auth_token
    else:
        if faults:
            raise UsageProblem("--fault applies to the embedded target only")
        base_url = _check_url(target, allow_live)
        fields = _profile_fields(profile) if profile else {}
        account_sid = account_sid or os.environ.get("TWILIO_ACCOUNT_SID")
        auth_token = auth_token or os.environ.get("TWILIO_AUTH_TOKEN")
        missing = [
            name
            for name, value in (
                ("--account-sid/TWILIO_ACCOUNT_SID", account_sid),
                ("--auth-token/TWILIO_AUTH_TOKEN", auth_token),
            )
            if not value
        ]
        if missing:
            raise UsageProblem("missing credentials: " + ", ".join(missing))
    overrides = {
        "workspace_sid": workspace_sid,
        "workflow_sids": workflow_sids,
        "queue_sids": queue_sids,
        "channels": channels,
        "worker_sids": worker_sids,
    }
    fields.update({k: v for k, v in overrides.items() if v})
    if not fields.get("workspace_sid"):
        raise UsageProblem(
            f"target {target} needs a workspace: --workspace-sid WS... or --profile FILE "
            "(or --profile reference for a `trc serve` instance)"
        )

    console = Console(highlight=False)
    tag = run_tag or f"trc_fuzz_{secrets.token_hex(3)}"
    options = FuzzOptions(
        account_sid=str(account_sid),
        auth_token=str(auth_token),
        app=app,
        base_url=base_url,
        seed=DEFAULT_SEED if seed is None else seed,
        max_examples=budget.max_examples,
        time_budget_s=budget.time_budget_s,
        run_tag=tag,
        phases=phase_list,
        operations=tuple(operations) or None,
        progress=lambda text: console.print(f"  [dim]{text}[/]"),
        **fields,
    )
    options.validate()
    where = "embedded reference (in-process)" if embedded else base_url
    fault_text = f" · faults: {', '.join(faults)}" if faults else ""
    console.print(
        f"[bold]trc fuzz[/] → {where} · workspace {options.workspace_sid} · "
        f"[bold]seed {options.seed}[/] · budget {budget.max_examples} examples/operation, "
        f"{budget.time_budget_s:g}s{fault_text}"
    )
    outcome = run_fuzz(options)
    _print_outcome(console, outcome, verbose)
    if json_path is not None:
        _write_json(json_path, outcome, options, target, list(faults))
        console.print(f"records written to {json_path}")
    if outcome.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if outcome.passed else EXIT_FAIL


def _fixture_fields(fixture: Any) -> dict[str, Any]:
    ws = fixture.single
    return {
        "workspace_sid": ws.sid,
        "workflow_sids": tuple(w.sid for w in ws.workflows),
        "queue_sids": tuple(q.sid for q in ws.task_queues),
        "channels": tuple(c.unique_name for c in ws.task_channels)
        + tuple(c.sid for c in ws.task_channels),
        "worker_sids": tuple(w.sid for w in ws.workers),
    }


def _profile_fields(profile: str) -> dict[str, Any]:
    from harness.fuzz import workspace_fields_from_profile

    if profile == REFERENCE_PROFILE:
        from harness.reference.fixture import default_fixture

        return _fixture_fields(default_fixture())
    path = Path(profile)
    if not path.is_file():
        raise UsageProblem(f"profile {profile}: no such file")
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise UsageProblem(f"profile {profile}: not YAML: {exc}") from None
    if not isinstance(data, dict):
        raise UsageProblem(f"profile {profile}: a profile is one YAML mapping")
    try:
        return workspace_fields_from_profile(data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageProblem(f"profile {profile}: {exc}") from None


def _check_url(target: str, allow_live: bool) -> str:
    parts = urlsplit(target.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageProblem(
            f"target {target!r}: expected 'embedded' or an http(s):// base URL such as "
            "http://127.0.0.1:8080"
        )
    if parts.query or parts.fragment:
        raise UsageProblem(f"target {target!r}: a base URL has no query or fragment")
    host = parts.hostname.lower().rstrip(".")
    if (host == "twilio.com" or host.endswith(".twilio.com")) and not allow_live:
        raise UsageProblem(
            f"target {target} is a Twilio domain; refusing to fuzz a live account without "
            "--allow-live (fuzzing creates, updates and deletes tasks)"
        )
    return target.strip().rstrip("/")


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
