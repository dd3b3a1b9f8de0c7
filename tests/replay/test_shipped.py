"""The shipped cassettes (cassettes/reference/) are labelled as reference recordings and replay
clean against the embedded reference; the replay phase runs them for ``trc run``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.cassette.format import REFERENCE_NOTICE, load_cassette
from harness.phases import PhaseContext, PhaseOptions, Selection, resolve
from harness.replay.normalise import MATCHES
from harness.replay.phase import default_cassettes, replay_phase
from harness.replay.replay import Replayer
from harness.results.model import Status
from harness.results.runid import new_run_id
from harness.targets.resolve import TargetOptions, open_target
from tests.replay.support import REPO

SHIPPED = sorted((REPO / "cassettes" / "reference").glob("*.yaml"))


def test_the_cassette_folder_is_documented_and_scripted() -> None:
    readme = (REPO / "cassettes" / "README.md").read_text()
    for needle in (
        "--allow-live",
        "TWILIO_AUTH_TOKEN",
        "--redact-account",
        "not Twilio",
        "record-reference.sh",
    ):
        assert needle in readme
    script = REPO / "cassettes" / "record-reference.sh"
    assert script.is_file() and os.access(script, os.X_OK)
    assert any(p.stem == "smoke" for p in SHIPPED)
    assert default_cassettes() == SHIPPED


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_cassette_replays_clean_against_the_reference(path: Path) -> None:
    cassette = load_cassette(path)
    provenance = cassette.provenance
    assert provenance.notice.startswith(REFERENCE_NOTICE)
    assert provenance.target_kind == "embedded" and not provenance.live_twilio
    assert not provenance.faults
    assert {s.category for s in provenance.scenarios} == {path.stem}
    with open_target(TargetOptions()) as ready, Replayer(ready, cassette, new_run_id()) as rep:
        records = rep.run()
    bad = [
        (r.id, r.failure.message if r.failure else r.reason)
        for r in records
        if r.status is not Status.PASS
    ]
    assert not bad
    assert all(f.verdict in MATCHES for r in records for f in r.fields)
    assert rep.stats.left == 0


def test_the_replay_phase_for_trc_run() -> None:
    smoke = [p for p in SHIPPED if p.stem == "smoke"]
    with open_target(TargetOptions()) as ready:
        result = replay_phase(ready, new_run_id(), smoke)
        phase = resolve("replay")
        assert getattr(phase, "name", None) == "replay"
        started: list[str] = []
        ctx = PhaseContext(
            target=ready,
            run_id=new_run_id(),
            run_tag="unused",
            options=PhaseOptions(
                selection=Selection(only=frozenset({"replay:smoke:smoke.etag-if-match"})),
                cassettes=tuple(smoke),
            ),
            on_start=started.append,
        )
        narrowed = phase.run(ctx)  # type: ignore[union-attr]
    assert [r.status for r in result.records] == [Status.PASS] * len(result.records)
    assert result.summary["differences"] == 0 and result.summary["exchanges"] > 0
    assert result.cleanup.left == 0
    assert set(result.operations["replay:smoke:smoke.etag-if-match"]) >= {"UpdateTask"}
    assert [r.id for r in narrowed.records] == ["replay:smoke:smoke.etag-if-match"]
    assert started == ["replay:smoke:smoke.etag-if-match"]
