"""``trc sweep``: delete tasks that earlier runs tagged (``trc_run``) and left behind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import click
import httpx

from harness.commands.outcome import run_guarded
from harness.exitcodes import ExitCode
from harness.targets.options import target_options


@click.command("sweep")
@target_options(cassette=False)
@click.option("--run", "run_tag", metavar="RUN-ID", help="Only tasks of this run (id or tag).")
@click.option(
    "--older-than",
    type=click.FloatRange(0),
    metavar="MINUTES",
    help="Only tasks of runs that started at least this many minutes ago.",
)
@click.option("--dry-run", is_flag=True, help="Count tagged tasks, delete nothing.")
@click.pass_context
def sweep_command(ctx: click.Context, **options: Any) -> None:
    """Delete tasks tagged by earlier `trc run`s (and only those), printing counts."""
    ctx.exit(run_guarded("trc sweep", _sweep, **options))


def _sweep(
    target: str,
    profile: str | None,
    account_sid: str | None,
    auth_token: str | None,
    allow_live: bool,
    run_tag: str | None,
    older_than: float | None,
    dry_run: bool,
) -> int:
    from harness.targets.probe import client_for, unreachable
    from harness.targets.resolve import TargetOptions, open_target
    from harness.targets.sweep import sweep
    from harness.targets.target import require_server

    require_server(target, "trc sweep", "sweep")
    options = TargetOptions(target, profile, account_sid, auth_token, allow_live)
    with open_target(options) as ready, client_for(ready) as client:
        try:
            result = sweep(
                client,
                ready.profile.workspace_sids(),
                run_tag=run_tag,
                older_than=timedelta(minutes=older_than) if older_than is not None else None,
                dry_run=dry_run,
            )
        except httpx.TransportError as exc:
            raise unreachable(ready, exc) from None
    for ws, count in result.found.items():
        click.echo(f"{ws}: {count} tagged task(s)")
    verb = "would delete" if dry_run else "deleted"
    total = sum(result.found.values())
    candidates = total - result.kept
    done = candidates if dry_run else result.deleted
    click.echo(
        f"{verb} {done} of {total} tagged task(s); kept {result.kept}; failed {result.failed}"
    )
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    return ExitCode.FAIL if result.failed else ExitCode.OK
