"""The checks the main pytest process makes before any scenario (or any xdist worker) runs.

Imported only when ``--trc-target`` is given. Every failure is one line that names the cause
and the option or environment variable that fixes it:

* a bad option, a missing or malformed ``--trc-profile`` or missing credentials raise
  ``pytest.UsageError`` (pytest prints ``ERROR: trc: ...`` and exits 4);
* a target that does not answer ends the run with ``pytest.exit(..., returncode=3)`` (pytest
  prints ``Exit: trc: target ... is unreachable ...`` and exits 3, as ``trc run`` does).

Both happen in ``pytest_configure`` of the main process, before xdist's
``pytest_sessionstart`` starts any worker, so no worker ever meets them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest

from harness.targets.errors import TargetConfigError, TargetUnreachable
from harness.targets.probe import probe, unreachable
from harness.targets.profile import ProfileError, load_profile
from harness.targets.resolve import REFERENCE_PROFILE, TargetOptions, check_options, open_target
from harness.targets.target import parse_target

#: ``trc run`` option names (as the target layer's messages spell them) -> the plugin's.
_OPTION = re.compile(r"(?<![\w-])--(target|profile|fault|account-sid|auth-token|allow-live)\b")

#: Exit code of an unreachable target (``trc run`` uses the same one).
UNREACHABLE_EXIT = 3

_CREDENTIALS = (
    ("TWILIO_ACCOUNT_SID", "--trc-account-sid", "trc_account_sid"),
    ("TWILIO_AUTH_TOKEN", "--trc-auth-token", "trc_auth_token"),
)


def one_line(text: str) -> str:
    """``text`` on one line, with the plugin's option names instead of ``trc run``'s."""
    return " ".join(_OPTION.sub(r"--trc-\1", text).split())


def target_options(config: pytest.Config) -> TargetOptions:
    option = config.getoption
    return TargetOptions(
        target=option("trc_target"),
        profile=option("trc_profile"),
        account_sid=option("trc_account_sid"),
        auth_token=option("trc_auth_token"),
        allow_live=bool(option("trc_allow_live")),
        faults=tuple(option("trc_fault") or ()),
    )


def usage_error(message: str) -> pytest.UsageError:
    return pytest.UsageError("trc: " + one_line(message))


def check_config(config: pytest.Config) -> TargetOptions:
    """Options, profile and credentials: everything judged without the network."""
    options = target_options(config)
    try:
        check_options(options)
    except TargetConfigError as exc:
        raise usage_error(str(exc)) from None
    _check_profile(options.profile)
    if parse_target(options.target).kind == "url":
        _check_credentials(config, options)
    return options


def _check_profile(profile: str | None) -> None:
    if profile is None or profile == REFERENCE_PROFILE:
        return
    path = Path(profile)
    if not path.is_file():
        raise usage_error(
            f"--trc-profile {profile}: no such file (give a profile YAML, see "
            "scenarios/README.md, or --trc-profile reference)"
        )
    try:
        load_profile(path)
    except ProfileError as exc:
        raise usage_error(f"--trc-profile {profile} is not a valid profile: {exc}") from None


def _check_credentials(config: pytest.Config, options: TargetOptions) -> None:
    missing = [
        f"{env} (or {flag})"
        for env, flag, dest in _CREDENTIALS
        if not (config.getoption(dest) or os.environ.get(env))
    ]
    if missing:
        raise usage_error(
            f"target {parse_target(options.target).name} needs credentials: set "
            + " and ".join(missing)
        )


def check_reachable(options: TargetOptions) -> None:
    """One probe request to a URL target; ends the run (exit 3) when nothing answers."""
    spec = parse_target(options.target)
    if spec.kind != "url":
        return
    try:
        with open_target(options) as ready:
            try:
                probe(ready)
            except httpx.HTTPError as exc:  # anything else the transport can throw
                raise unreachable(ready, exc) from None
    except TargetConfigError as exc:
        raise usage_error(str(exc)) from None
    except TargetUnreachable as exc:
        pytest.exit(f"trc: {one_line(str(exc))} (check --trc-target)", returncode=UNREACHABLE_EXIT)


def preflight(config: pytest.Config) -> None:
    """All checks of the main process; workers skip them (the controller already passed)."""
    options = check_config(config)
    if not config.getoption("collectonly", False):
        check_reachable(options)
