"""A cassette as a target: ``--target cassette:PATH`` answers the scenarios from the recording."""

from __future__ import annotations

import copy
from pathlib import Path

import httpx
import pytest

from harness.cassette.serve import start_cassette_server
from harness.results.model import Status
from harness.results.runid import new_run_id
from harness.scenarios.engine import ScenarioEngine
from harness.targets.errors import TargetConfigError
from harness.targets.resolve import TargetOptions, check_options, open_target
from harness.targets.target import parse_target
from tests.replay.support import scenarios


@pytest.fixture
def cassette_file(session_cassette, tmp_path: Path) -> Path:
    path = tmp_path / "session.yaml"
    copy.copy(session_cassette).write(path)
    return path


def test_parse_and_check_a_cassette_target(tmp_path: Path, cassette_file: Path) -> None:
    spec = parse_target(f"cassette:{cassette_file}")
    assert spec.kind == "cassette" and spec.path == str(cassette_file)
    assert spec.name == f"cassette:{cassette_file}"
    check_options(TargetOptions(target=f"cassette:{cassette_file}"))
    for options, message in [
        (TargetOptions(target="cassette:"), "name a cassette file"),
        (TargetOptions(target=f"cassette:{tmp_path / 'nope.yaml'}"), "no such cassette file"),
        (TargetOptions(target=f"cassette:{cassette_file}", faults=("etag-frozen",)), "--fault"),
        (TargetOptions(target=f"cassette:{cassette_file}", profile="reference"), "--profile"),
    ]:
        with pytest.raises(TargetConfigError, match=message):
            check_options(options)


def test_the_scenarios_pass_against_their_own_recording(cassette_file: Path) -> None:
    """No reference server runs: the recording answers every request, in order."""
    with open_target(TargetOptions(target=f"cassette:{cassette_file}")) as ready:
        assert ready.name == f"cassette:{cassette_file}"
        with ScenarioEngine(ready, new_run_id()) as engine:
            records = engine.run(scenarios())
    assert [r.status for r in records] == [Status.PASS, Status.PASS], [r.failure for r in records]


def test_a_selection_skips_unselected_recorded_cases(cassette_file: Path) -> None:
    options = TargetOptions(target=f"cassette:{cassette_file}")
    with open_target(options) as ready, ScenarioEngine(ready, new_run_id()) as engine:
        records = engine.run(scenarios(select="errors"))
    assert [(r.id, r.status) for r in records] == [("replaytest.errors", Status.PASS)]


def test_the_server_serves_in_order_rewrites_host_and_reports_misses(session_cassette) -> None:
    server = start_cassette_server(session_cassette)
    try:
        recorded = session_cassette.interactions
        unknown = next(i for i in recorded if i.step == "an unknown task")
        with httpx.Client() as client:
            response = client.get(server.base_url + unknown.path)  # sent without credentials
            assert response.status_code == 501  # no auth: recorded with auth -> a miss
            assert "no recorded interaction matches" in response.json()["message"]
            first = recorded[0]
            answer = client.post(
                server.base_url + first.path,
                content=first.request_body,
                headers={
                    "content-type": "application/x-www-form-urlencoded",
                    "authorization": server.app.default_authorization,
                },
            )
        assert answer.status_code == 201
        body = answer.json()
        assert body["url"].startswith(server.base_url)
        assert session_cassette.provenance.base_url not in answer.text
        assert answer.headers["etag"] == first.response_header("etag")
    finally:
        server.stop()
    assert server.app.stats.served == 1 and len(server.app.stats.misses) == 1
