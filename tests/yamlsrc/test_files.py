"""Each kind of file loads through the limits: aliases used as YAML intends still work, an alias
bomb is the kind's own one-line error naming file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from harness.cassette.format import CassetteError, load_cassette
from harness.report.deviations import DeviationFileError, load_deviations
from harness.scenarios.loader import ScenarioLoadError, load_file_scenarios
from harness.targets.profile import ProfileError, load_profile
from tests.yamlsrc.bombs import alias_bomb

ROOT = Path(__file__).resolve().parents[2]
PROFILE_EXAMPLE = ROOT / "docs" / "target-profile.example.yaml"
SMOKE_CASSETTE = ROOT / "cassettes" / "reference" / "smoke.yaml"

SCENARIO = """\
id: demo.aliases
title: Two steps share their headers and expectations
clauses: [task.a]
steps:
  - name: first
    request:
      method: GET
      path: /v1/Workspaces/{ws}/Tasks
      headers: &headers {X-Test: "1"}
    expect: &ok {status: 200}
  - name: second
    request:
      method: GET
      path: /v1/Workspaces/{ws}/Tasks
      headers: *headers
    expect: *ok
"""


def test_a_scenario_with_aliases_loads(tmp_path: Path) -> None:
    path = tmp_path / "scenarios" / "demo" / "aliases.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(SCENARIO)
    (scenario,) = load_file_scenarios(path, tmp_path / "scenarios", {"task.a": object()})
    first, second = scenario.steps
    assert first.request.headers == second.request.headers == (("X-Test", "1"),)
    assert first.expect.status == second.expect.status


def test_a_scenario_alias_bomb_is_a_scenario_load_error(tmp_path: Path) -> None:
    path = tmp_path / "scenarios" / "demo" / "bomb.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(alias_bomb())
    with pytest.raises(ScenarioLoadError) as caught:
        load_file_scenarios(path, tmp_path / "scenarios")
    assert re.search(r"bomb\.yaml:6: YAML aliases expand to more than \d+", str(caught.value))


def test_a_profile_with_aliases_loads(tmp_path: Path) -> None:
    text = PROFILE_EXAMPLE.read_text()
    text = re.sub(r"(?m)^ttl_grace_seconds: 60", "ttl_grace_seconds: &grace 60", text, count=1)
    text = text.replace("retention_window: {min: 300,", "retention_window: {min: *grace,", 1)
    assert "*grace" in text
    path = tmp_path / "profile.yaml"
    path.write_text(text)
    profile = load_profile(path)
    assert profile.data["ttl_grace_seconds"] == profile.data["retention_window"]["min"] == 60


def test_a_profile_alias_bomb_is_a_profile_error(tmp_path: Path) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text(alias_bomb())
    with pytest.raises(ProfileError, match=r"profile\.yaml:6: YAML aliases expand"):
        load_profile(path)


def test_a_cassette_with_aliases_loads(tmp_path: Path) -> None:
    original = load_cassette(SMOKE_CASSETTE)
    data = yaml.safe_load(SMOKE_CASSETTE.read_text())
    first, second = data["interactions"][:2]
    second["request"]["headers"] = first["request"]["headers"]  # dumped as &id001 / *id001
    path = tmp_path / "aliased.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert "*id001" in path.read_text()
    cassette = load_cassette(path)
    assert len(cassette.interactions) == len(original.interactions)
    assert cassette.interactions[1].request_headers == cassette.interactions[0].request_headers


def test_a_cassette_alias_bomb_is_a_cassette_error(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb())
    with pytest.raises(CassetteError, match=r"^cassette \S*bomb\.yaml:6: YAML aliases expand"):
        load_cassette(path)


def test_a_deviations_file_with_aliases_loads(tmp_path: Path) -> None:
    path = tmp_path / "deviations.yaml"
    path.write_text(
        "version: 1\ndeviations:\n"
        "  - {case: smoke.a, reason: &why 'ETags land in v2', targets: &ours [clone-a]}\n"
        "  - {case: smoke.b, reason: *why, targets: *ours}\n"
    )
    first, second = load_deviations(path)
    assert (second.reason, second.targets) == (first.reason, first.targets)
    assert second.reason == "ETags land in v2" and second.targets == ("clone-a",)


def test_a_deviations_alias_bomb_is_a_deviation_file_error(tmp_path: Path) -> None:
    path = tmp_path / "deviations.yaml"
    path.write_text(alias_bomb())
    with pytest.raises(DeviationFileError, match=r"deviations\.yaml:6: YAML aliases expand"):
        load_deviations(path)
