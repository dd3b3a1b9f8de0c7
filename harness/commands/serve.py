"""``trc serve`` and ``trc fixture``: the reference server from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from harness.reference.config import DEFAULT_RETENTION_SECONDS, ServerConfig
from harness.reference.faults import FAULTS
from harness.reference.fixture import default_fixture


@click.command("fixture")
def fixture_command() -> None:
    """Print the reference server's seeded account as JSON."""
    click.echo(json.dumps(default_fixture().to_dict(), indent=2))


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0 picks a free port (the URL printed is the real one).",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file that keeps tasks across restarts (default: in memory).",
)
@click.option(
    "--retention",
    default=DEFAULT_RETENTION_SECONDS,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds a canceled or completed task is kept before it disappears.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    type=click.Choice(sorted(FAULTS)),
    help="Start with a named fault switched on (for testing the harness). Repeatable.",
)
@click.option(
    "--test-clock",
    is_flag=True,
    help="Serve the test-clock extension: POST /trc/v1/Clock with Advance=SECONDS moves the "
    "server's time forward (docs/test-clock.md); declare it in the profile as "
    "clock: {advance: /trc/v1/Clock}.",
)
def serve_command(
    host: str,
    port: int,
    db_path: Path | None,
    retention: float,
    faults: tuple[str, ...],
    test_clock: bool,
) -> None:
    """Run the reference TaskRouter Task server until interrupted."""
    from harness.reference.server import serve_forever

    config = ServerConfig(
        db_path=db_path,
        retention_seconds=retention,
        faults=frozenset(faults),
        test_clock=test_clock,
    )
    fixture = config.fixture

    def announce(base_url: str) -> None:
        click.echo(f"TaskRouter reference server on {base_url}")
        click.echo(f"  TWILIO_ACCOUNT_SID={fixture.account_sid}")
        click.echo(f"  TWILIO_AUTH_TOKEN={fixture.auth_token}")
        click.echo(f"  workspace (one workflow):  {fixture.single.sid}")
        click.echo(f"  workspace (two workflows): {fixture.multi.sid}")
        click.echo(f"  storage: {db_path or 'in memory'}; retention {retention:g}s")
        if test_clock:
            click.echo("  test clock: POST /trc/v1/Clock Advance=SECONDS")
        if faults:
            click.echo(f"  FAULTS ON: {', '.join(faults)}")
        click.echo("  full fixture: trc fixture", nl=True)
        sys.stdout.flush()

    try:
        serve_forever(config, host, port, announce)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    except KeyboardInterrupt:
        pass
