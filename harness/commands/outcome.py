"""How every ``trc`` command turns the errors that end it early into one line and an exit code.

``run_guarded(prog, function, **options)`` calls the command's body: bad usage or
configuration (a malformed scenario or profile, an unknown option value, a bad ``-k``
expression or budget) prints ``PROG: error: MESSAGE`` and gives ``ExitCode.USAGE`` (2); a
target that does not answer prints ``PROG: MESSAGE`` and gives ``ExitCode.UNREACHABLE`` (3).
The body returns its own code otherwise (``harness.exitcodes.ExitCode``).

The body runs with ``harness.interrupts.Interrupts`` installed: SIGINT and SIGTERM stop it
and its runners clean up; an interrupt that reaches this level (before anything was created,
or after a second Ctrl-C) prints one line and gives ``ExitCode.INTERRUPTED`` (130), never
click's "Aborted!" and exit 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from harness.exitcodes import ExitCode
from harness.interrupts import Interrupts
from harness.phases import BudgetError
from harness.selection import SelectError
from harness.targets.errors import TargetConfigError, TargetUnreachable
from harness.yamlsrc import SourceError

#: Errors that mean "the command was asked something it cannot do": exit 2.
USAGE_ERRORS: tuple[type[Exception], ...] = (
    TargetConfigError,
    SourceError,
    SelectError,
    BudgetError,
)


def run_guarded(prog: str, function: Callable[..., int], **options: Any) -> int:
    """``function(**options)``'s exit code, or the code of the error that ended it."""
    try:
        with Interrupts(prog).installed():
            return int(function(**options))
    except KeyboardInterrupt:
        click.echo(f"{prog}: interrupted", err=True)
        return ExitCode.INTERRUPTED
    except USAGE_ERRORS as exc:
        click.echo(f"{prog}: error: {exc}", err=True)
        return ExitCode.USAGE
    except TargetUnreachable as exc:
        click.echo(f"{prog}: {exc}", err=True)
        return ExitCode.UNREACHABLE
