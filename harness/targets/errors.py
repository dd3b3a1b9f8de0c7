"""Errors that end a run before any case runs, each mapped to an exit code."""

from __future__ import annotations


class TargetConfigError(Exception):
    """Bad usage or configuration (exit code 2)."""

    exit_code = 2


class TargetUnreachable(Exception):
    """The target did not answer the first probe request (exit code 3)."""

    exit_code = 3
