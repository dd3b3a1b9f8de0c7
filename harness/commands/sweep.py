"""``trc sweep``: delete tasks that earlier runs tagged (``trc_run``) and left behind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import click
import httpx

from harness.scenarios.yamlsrc import SourceError
from harness.targets.errors import TargetConfigError, TargetUnreachable
from harness.targets.options import target_options


@click.command("sweep")
@target_options
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
    try:
        code = _sweep(**options)
    except (TargetConfigError, SourceError) as exc:
        click.echo(f"trc sweep: error: {exc}", err=True)
        code = 2
    except TargetUnreachable as exc:
        click.echo(f"trc sweep: {exc}", err=True)
        code = 3
    ctx.exit(code)


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
    from harness.scenarios.sweep import sweep
    from harness.targets.client import TargetClient
    from harness.targets.resolve import TargetOptions, open_target

    options = TargetOptions(target, profile, account_sid, auth_token, allow_live)
    with open_target(options) as ready:
        client = TargetClient(
            ready.base_url,
            ready.credentials,
            timeout=ready.profile.timeout_seconds,
            max_retries_on_429=ready.profile.max_retries_on_429,
        )
        with client:
            try:
                result = sweep(
                    client,
                    ready.profile.workspace_sids(),
                    run_tag=run_tag,
                    older_than=timedelta(minutes=older_than) if older_than is not None else None,
                    dry_run=dry_run,
                )
            except httpx.TransportError as exc:
                raise TargetUnreachable(
                    f"target {ready.base_url} is unreachable: {type(exc).__name__}: {exc}"
                ) from None
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
    return 1 if result.failed else 0
