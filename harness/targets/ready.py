"""A target ready for requests: where it is, how to authenticate, and what it offers."""

from __future__ import annotations

from dataclasses import dataclass

from harness.targets.profile import TargetProfile
from harness.wire.client import Credentials


@dataclass(frozen=True)
class ReadyTarget:
    """What every runner gets: the base URL, the credentials and the target profile.

    ``embedded`` is true for the reference started by this run (``faults`` are its named
    faults); a URL or cassette target is never embedded."""

    name: str
    base_url: str
    credentials: Credentials
    profile: TargetProfile
    embedded: bool = False
    faults: tuple[str, ...] = ()
    #: its answers depend on the order of the requests (a cassette): cases run one at a time
    sequential: bool = False
