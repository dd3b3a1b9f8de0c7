"""``--target cassette:PATH``: a recording served back on a loopback port, as a ready target.

The serving itself (matching requests to recorded interactions) is ``harness.cassette.serve``;
this module turns it into a ``ReadyTarget`` with the profile recorded in the cassette.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.cassette.format import CassetteError, load_cassette
from harness.cassette.serve import CASSETTE_TOKEN, start_cassette_server
from harness.targets.errors import TargetConfigError
from harness.targets.profile import ProfileError, TargetProfile
from harness.targets.ready import ReadyTarget
from harness.wire.client import Credentials


@contextmanager
def cassette_target(path: str | Path) -> Iterator[ReadyTarget]:
    """A ReadyTarget answering from the cassette at ``path``."""
    try:
        cassette = load_cassette(path)
    except CassetteError as exc:
        raise TargetConfigError(str(exc)) from None
    # a recording has no clock to advance: its waits were recorded, not re-lived
    recorded = {k: v for k, v in cassette.provenance.profile.items() if k != "clock"}
    try:
        profile = TargetProfile.from_dict(recorded, f"cassette:{path}")
    except ProfileError as exc:
        raise TargetConfigError(
            f"cassette {path}: its recorded profile is invalid: {exc}"
        ) from None
    server = start_cassette_server(cassette)
    try:
        yield ReadyTarget(
            name=f"cassette:{path}",
            base_url=server.base_url,
            credentials=Credentials(cassette.provenance.account_sid, CASSETTE_TOKEN),
            profile=profile,
            sequential=True,
        )
    finally:
        server.stop()
