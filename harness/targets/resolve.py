"""Turn command-line choices into a ready target: base URL, credentials and profile."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from harness.targets import child_process
from harness.targets.embedded import (
    EMBEDDED_RETENTION_SECONDS,
    EmbeddedMode,
    embedded_mode,
    embedded_server,
)
from harness.targets.errors import TargetConfigError
from harness.targets.profile import (
    ProfileError,
    TargetProfile,
    load_profile,
    profile_from_fixture,
)
from harness.targets.ready import ReadyTarget
from harness.targets.target import (
    CASSETTE,
    EMBEDDED,
    Credentials,
    TargetSpec,
    parse_target,
    refuse_live,
    resolve_credentials,
)

#: ``--profile reference``: the fixture of a reference server started separately (trc serve).
REFERENCE_PROFILE = "reference"


@dataclass(frozen=True)
class TargetOptions:
    target: str = EMBEDDED
    profile: str | None = None
    account_sid: str | None = None
    auth_token: str | None = None
    allow_live: bool = False
    faults: tuple[str, ...] = field(default=())
    retention_seconds: float = EMBEDDED_RETENTION_SECONDS
    #: the embedded reference serves the test-clock extension and its profile declares it
    test_clock: bool = True


def _profile(options: TargetOptions) -> TargetProfile | None:
    if options.profile is None:
        return None
    if options.profile == REFERENCE_PROFILE:
        from harness.reference.config import DEFAULT_RETENTION_SECONDS
        from harness.reference.fixture import default_fixture

        return profile_from_fixture(default_fixture(), DEFAULT_RETENTION_SECONDS)
    path = Path(options.profile)
    if not path.is_file():
        raise TargetConfigError(f"profile {options.profile}: no such file")
    try:
        return load_profile(path)
    except ProfileError as exc:
        raise TargetConfigError(f"invalid profile: {exc}") from None


def check_options(options: TargetOptions) -> None:
    """Everything that can be judged without starting anything (raises TargetConfigError)."""
    spec = parse_target(options.target)
    refuse_live(spec, options.allow_live)
    if spec.kind == CASSETTE:
        _check_cassette(spec, options)
        return
    if spec.kind != EMBEDDED and options.faults:
        raise TargetConfigError("--fault applies to the embedded target only")
    if spec.kind != EMBEDDED and options.profile is None:
        raise TargetConfigError(
            f"target {spec.url} needs --profile FILE (what SIDs and timings it offers; "
            "see scenarios/README.md), or --profile reference for a `trc serve` instance"
        )


def warm_up(options: TargetOptions) -> None:
    """Start the embedded reference's child process now (when ``options`` name the embedded
    target and it runs in a child), so that it is listening by the time ``open_target`` asks
    for it: a run loads its library meanwhile. Only inside ``child_process.warming()``, which
    stops a child nobody took."""
    if parse_target(options.target).kind != EMBEDDED or embedded_mode() is not EmbeddedMode.PROCESS:
        return
    child_process.warm_up(
        child_process.child_arguments(options.faults, options.retention_seconds, options.test_clock)
    )


def _check_cassette(spec: TargetSpec, options: TargetOptions) -> None:
    """``cassette:PATH``: the file must exist; faults and profiles come from the recording."""
    if options.faults:
        raise TargetConfigError("--fault applies to the embedded target only")
    if options.profile is not None:
        raise TargetConfigError(
            "--profile does not apply to a cassette target (it uses the profile recorded in "
            "the cassette)"
        )
    if not Path(str(spec.path)).is_file():
        raise TargetConfigError(f"target {spec.name}: no such cassette file")


@contextmanager
def open_target(options: TargetOptions) -> Iterator[ReadyTarget]:
    """Yield a ready target; the embedded reference runs only inside the block."""
    check_options(options)
    spec = parse_target(options.target)
    if spec.kind == CASSETTE:
        from harness.targets.cassette import cassette_target

        with cassette_target(str(spec.path)) as ready:
            yield ready
        return
    profile = _profile(options)
    if spec.kind == EMBEDDED:
        with embedded_server(
            options.faults, options.retention_seconds, options.test_clock
        ) as server:
            fixture = server.fixture
            # The environment's TWILIO_* are for remote targets; the embedded server only
            # knows its fixture's credentials unless options say otherwise.
            creds = Credentials(fixture.account_sid, fixture.auth_token)
            if options.account_sid or options.auth_token:
                creds = resolve_credentials(options.account_sid, options.auth_token, creds)
            yield ReadyTarget(
                name=EMBEDDED,
                base_url=server.base_url,
                credentials=creds,
                profile=profile
                or profile_from_fixture(fixture, options.retention_seconds, options.test_clock),
                embedded=True,
                faults=tuple(options.faults),
            )
        return
    assert profile is not None and spec.url is not None
    creds = resolve_credentials(options.account_sid, options.auth_token)
    yield ReadyTarget(spec.name, spec.url, creds, profile)
