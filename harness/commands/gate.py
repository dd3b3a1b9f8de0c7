"""The gate's options, shared by ``trc run``, ``trc rerun`` and ``trc report gate``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


def gate_options(function: Any) -> Any:
    """``--fail-under``, ``--baseline``, ``--expect-deviations`` (trc run, rerun, report gate)."""
    options = [
        click.option(
            "--fail-under",
            type=click.FloatRange(0, 100),
            metavar="SCORE",
            help="Gate: fail (exit 1) when a target's score is below SCORE (0-100).",
        ),
        click.option(
            "--baseline",
            type=click.Path(exists=True, path_type=Path),
            metavar="REPORT",
            help="Gate on regressions only: fail when a case that passed in this earlier "
            "report.json (or its folder) fails now.",
        ),
        click.option(
            "--expect-deviations",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            metavar="FILE",
            help="YAML of accepted deviations (case or clause ids with a reason, per target): "
            "matching failures do not fail the gate; entries that pass now are flagged.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function
