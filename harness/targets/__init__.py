"""The one target layer: where a run sends its requests, with which credentials, and what the
target offers.

Every command (run, fuzz, record, replay, sweep) and the pytest plugin reach a target through
this public face and nothing else:

- ``TargetOptions`` + ``check_options`` / ``open_target``: parse ``--target`` (``embedded``,
  an ``http(s)://`` base URL, ``cassette:PATH``), pick credentials (options, then
  ``TWILIO_ACCOUNT_SID``/``TWILIO_AUTH_TOKEN``; the fixture's for embedded), refuse a Twilio
  domain without ``--allow-live``, load the profile and yield a ``ReadyTarget``. ``embedded``
  always means the reference server started on a free loopback port for the block, reached
  over real HTTP like any clone.
- ``warm_up`` + ``warming``: start the embedded reference's child process early (while a run
  loads its library); ``warming`` stops any child nobody took.
- ``choose_targets``: several labelled ``--target`` values (``trc run``).
- ``probe``: the one readiness request; ``client_for``: a client with the profile's timeouts.
- ``sweep``: find and delete tagged tasks that earlier runs left behind (``trc sweep``).
- ``TargetConfigError`` (exit 2) and ``TargetUnreachable`` (exit 3).
"""

from harness.targets.child_process import warming
from harness.targets.errors import TargetConfigError, TargetUnreachable
from harness.targets.probe import client_for, probe
from harness.targets.profile import TargetProfile
from harness.targets.ready import ReadyTarget
from harness.targets.resolve import (
    REFERENCE_PROFILE,
    TargetOptions,
    check_options,
    open_target,
    warm_up,
)
from harness.targets.target import CASSETTE, EMBEDDED, TargetSpec, parse_target
from harness.wire.client import Credentials

__all__ = [
    "CASSETTE",
    "EMBEDDED",
    "REFERENCE_PROFILE",
    "Credentials",
    "ReadyTarget",
    "TargetConfigError",
    "TargetOptions",
    "TargetProfile",
    "TargetSpec",
    "TargetUnreachable",
    "check_options",
    "client_for",
    "open_target",
    "parse_target",
    "probe",
    "warm_up",
    "warming",
]
