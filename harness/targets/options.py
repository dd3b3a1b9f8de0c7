"""Click options shared by ``trc run`` and ``trc sweep`` (target, profile, credentials)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from harness.targets.target import EMBEDDED


def target_options(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--target",
            default=EMBEDDED,
            show_default=True,
            metavar="URL|embedded",
            help="Base URL of the server under test, or 'embedded' to start the reference "
            "server on a free loopback port for this command. (cassette:PATH is reserved.)",
        ),
        click.option(
            "--profile",
            metavar="FILE|reference",
            help="Target profile YAML (SIDs, names, timings, unsupported features; see "
            "scenarios/README.md). 'reference' = the fixture of a `trc serve` instance. "
            "Required for URL targets.",
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
