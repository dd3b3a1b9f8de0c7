"""Click options shared by every command that reaches a target (target, profile,
credentials)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from harness.targets.target import EMBEDDED


def target_options(
    function: Callable[..., Any] | None = None, *, multiple: bool = False, cassette: bool = True
) -> Any:
    """The shared target options. ``@target_options(multiple=True)`` makes ``--target`` and
    ``--profile`` repeatable (tuples); ``trc run`` uses it for several targets in one run.
    ``cassette=False`` leaves ``cassette:PATH`` out of the help of a command that needs a
    server (record, fuzz, sweep; they refuse one with exit 2)."""
    if function is None:
        return lambda f: target_options(f, multiple=multiple, cassette=cassette)
    target_help = (
        "Base URL of the server under test, or 'embedded' to start the reference "
        "server on a free loopback port for this command"
        + (
            ", or cassette:PATH to answer from a recording (trc record; no network)."
            if cassette
            else "."
        )
    )
    profile_help = (
        "Target profile YAML (SIDs, names, timings, unsupported features; see "
        "scenarios/README.md). 'reference' = the fixture of a `trc serve` instance. "
        "Required for URL targets."
    )
    if multiple:
        target_help += (
            " Repeatable: [LABEL=]URL, [LABEL=]embedded or [LABEL=]embedded+fault:NAME[,NAME]; "
            "the same cases run against each and the report shows them side by side."
        )
        profile_help += " Repeatable: FILE for every target, or LABEL=FILE for one."
    options = [
        click.option(
            "--target",
            default=(EMBEDDED,) if multiple else EMBEDDED,
            show_default=True,
            multiple=multiple,
            metavar="URL|embedded|cassette:PATH" if cassette else "URL|embedded",
            help=target_help,
        ),
        click.option(
            "--profile",
            multiple=multiple,
            metavar="FILE|reference",
            help=profile_help,
        ),
        click.option(
            "--account-sid",
            metavar="AC...",
            help="Account SID (default: $TWILIO_ACCOUNT_SID; the fixture's for embedded).",
        ),
        click.option(
            "--auth-token",
            metavar="TOKEN",
            help="Auth token (default: $TWILIO_AUTH_TOKEN; the fixture's for embedded).",
        ),
        click.option(
            "--allow-live",
            is_flag=True,
            help="Allow a target on a Twilio domain (*.twilio.com). Off by default.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function
