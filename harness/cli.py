"""The ``trc`` command line: one group, one module per subcommand under ``harness.commands``."""

from __future__ import annotations

import click

from harness import __version__
from harness.commands.fuzz import fuzz_command
from harness.commands.record import record_command
from harness.commands.replay import replay_command
from harness.commands.report import report_group
from harness.commands.rerun import rerun_command
from harness.commands.run import run_command
from harness.commands.serve import fixture_command, serve_command
from harness.commands.sweep import sweep_command
from harness.exitcodes import ExitCode


class _Trc(click.Group):
    """The group; a Ctrl-C that reaches it (outside a command's own handling) exits 130 with
    one line, not click's "Aborted!" and 1 (1 means "not conformant")."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("trc: interrupted", err=True)
            ctx.exit(ExitCode.INTERRUPTED)


@click.group(cls=_Trc, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trc")
def main() -> None:
    """taskrouter-conformance: judge a TaskRouter Task clone against the documentation."""


main.add_command(run_command)
main.add_command(fuzz_command)
main.add_command(sweep_command)
main.add_command(serve_command)
main.add_command(fixture_command)
main.add_command(report_group)
main.add_command(rerun_command)
main.add_command(record_command)
main.add_command(replay_command)
