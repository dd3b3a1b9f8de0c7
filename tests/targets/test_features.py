"""Feature names: one vocabulary for a profile's ``unsupported:``, a scenario's ``requires:``
and the phases; a misspelt one is a usage error, and every scenario that sends a
feature-bearing parameter declares the feature."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from harness.commands.run import run_command
from harness.resources import scenarios_dir
from harness.scenarios.loader import load_scenarios
from harness.scenarios.model import Scenario
from harness.targets.features import FEATURE_NAMES, Feature, features_of_request
from harness.targets.profile import ProfileError, TargetProfile, load_profile
from tests.report.helpers import SMOKE, invoke

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "docs" / "target-profile.example.yaml"
HEX = "0" * 32
PROFILE = f"""name: my clone
workspaces:
  single:
    sid: WS{HEX}
    workflows: [{{sid: WW{HEX}, friendly_name: Default}}]
    queues:
      default: {{sid: WQ{HEX}, friendly_name: Default Queue}}
unsupported:
  - ttl
  - virtual-start-tme
"""


def library() -> list[Scenario]:
    root = scenarios_dir()
    return load_scenarios(sorted(root.rglob("*.yaml")), root)


def features_sent(scenario: Scenario) -> set[str]:
    """Every feature a scenario's requests use, from their parameters and headers."""
    used: set[str] = set()
    for step in (*scenario.steps, *scenario.finally_steps):
        params: dict[str, object] = {}
        headers: dict[str, object] = {}
        if step.request is not None:
            request = step.request
            params.update(dict(request.query))
            params.update(dict(request.form or ()))
            headers.update(dict(request.headers))
            for url in (request.path, request.url):
                if url and "?" in url:
                    params.update(parse_qsl(urlsplit(url).query, keep_blank_values=True))
            if request.body and "=" in request.body:
                params.update(parse_qsl(request.body, keep_blank_values=True))
        if step.create_tasks is not None:
            params.update(dict(step.create_tasks.form))
        used |= {str(f) for f in features_of_request(params, headers)}
    return used


# -- the vocabulary and the profile ------------------------------------------------------------


def test_a_misspelt_feature_names_file_line_field_and_the_valid_names(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PROFILE)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    error = caught.value
    assert (error.file, error.line, error.field) == (str(path), 10, "unsupported[1]")
    text = str(error)
    assert "\n" not in text
    assert "'virtual-start-tme'" in text and ", ".join(FEATURE_NAMES) in text


def test_known_features_load_and_the_dict_form_checks_them_too(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PROFILE.replace("virtual-start-tme", "virtual-start-time"))
    profile = load_profile(path)
    assert profile.unsupported == {"ttl", "virtual-start-time"}
    assert profile.lacks(Feature.VIRTUAL_START_TIME) and not profile.lacks(Feature.ROUTING)
    data = dict(profile.data, unsupported=["routng"])
    with pytest.raises(ProfileError, match="unknown feature 'routng'"):
        TargetProfile.from_dict(data)


def test_trc_run_with_a_misspelt_feature_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PROFILE)
    result = invoke(
        run_command,
        [
            "--target", "http://127.0.0.1:9", "--profile", str(path), "--scenarios", SMOKE,
            "--phases", "scenarios", "--report-dir", str(tmp_path / "reports"),
        ],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if "virtual-start-tme" in line]
    assert len(lines) == 1 and f"{path}:10" in lines[0] and "valid: callbacks," in lines[0]
    assert "Traceback" not in result.output


def test_the_template_lists_exactly_the_valid_feature_names() -> None:
    text = TEMPLATE.read_text(encoding="utf-8")
    block = text[text.index("Only these") : text.index("unsupported: [")]
    listed = re.findall(r"[a-z][a-z-]*[a-z](?=[,.])", block.split("error):", 1)[1])
    assert tuple(listed) == FEATURE_NAMES


def test_parameters_map_to_features() -> None:
    def names(params: dict[str, object], headers: dict[str, object] | None = None) -> set[str]:
        return {str(f) for f in features_of_request(params, headers)}

    assert names({"VirtualStartTime": ""}) == {"virtual-start-time"}
    assert names({"Ordering": "VirtualStartTime:asc,Priority:desc"}) == {
        "ordering",
        "virtual-start-time",
    }
    assert names({"Ordering": ["Priority:desc", "virtualstarttime:asc"]}) == {
        "ordering",
        "virtual-start-time",
    }
    assert names({"Ordering": "Priority:desc"}) == {"ordering"}
    assert names({"TaskQueueSid": "WQ" + HEX, "TaskQueueName": "x"}) == {"routing"}
    assert names({"RoutingTarget": "x", "IgnoreCapacity": True}) == {
        "routing-target",
        "ignore-capacity",
    }
    assert names({"EvaluateTaskAttributes": "a == 1", "PageToken": "t"}) == {
        "evaluate-task-attributes",
        "page-token",
    }
    assert names({"Priority": 1, "Attributes": "{}"}, {"if-MATCH": '"x"'}) == {"if-match"}
    assert names({"Priority": 1, "Timeout": 60, "TaskChannel": "voice"}) == set()


# -- the library -------------------------------------------------------------------------------


def test_every_scenario_that_sends_a_feature_parameter_requires_it() -> None:
    missing = {}
    for scenario in library():
        gap = features_sent(scenario) - set(scenario.requires)
        if gap:
            missing[scenario.id] = gap
    assert missing == {}


def test_the_check_catches_a_scenario_without_requires() -> None:
    scenario = next(s for s in library() if s.id == "lifecycle.update-fields")
    assert "virtual-start-time" in scenario.requires
    assert features_sent(scenario) == {"virtual-start-time"}
    forbidden = next(s for s in library() if s.id.startswith("ordering.forbidden-pair-"))
    assert {"virtual-start-time", "ordering"} <= set(forbidden.requires)


def test_every_required_feature_is_a_known_feature() -> None:
    unknown = {
        s.id: sorted(set(s.requires) - set(FEATURE_NAMES))
        for s in library()
        if set(s.requires) - set(FEATURE_NAMES)
    }
    assert unknown == {}


def test_the_template_offers_every_channel_the_library_uses() -> None:
    used: set[str] = set()
    for path in scenarios_dir().rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"workspace\.channels\.([a-z0-9_-]+)", text))
    for scenario in library():
        for step in scenario.steps:
            request = step.request
            value = dict(request.form or ()).get("TaskChannel") if request else None
            ok = step.expect.status and all(200 <= s < 300 for s in step.expect.status)
            if isinstance(value, str) and "{" not in value and ok:
                used.add(value)
    assert {"default", "voice", "sms", "chat"} <= used
    offered = load_profile(TEMPLATE).workspace("single")["channels"]
    assert used - set(offered) == set()
