"""Targets: parsing, live-Twilio refusal, credentials, and profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.reference.fixture import default_fixture
from harness.targets.errors import TargetConfigError
from harness.targets.profile import (
    ProfileError,
    ProfileValueMissing,
    load_profile,
    profile_from_fixture,
)
from harness.targets.resolve import TargetOptions, check_options
from harness.targets.target import (
    Credentials,
    is_twilio_host,
    parse_target,
    refuse_live,
    resolve_credentials,
)


def test_parse_target() -> None:
    assert parse_target("embedded").kind == "embedded"
    assert parse_target("").kind == "embedded"
    spec = parse_target("http://127.0.0.1:8080/")
    assert spec.kind == "url" and spec.url == "http://127.0.0.1:8080"
    cassette = parse_target("cassette:cassettes/x.yaml")
    assert cassette.kind == "cassette" and cassette.path == "cassettes/x.yaml"
    with pytest.raises(TargetConfigError, match="expected 'embedded'"):
        parse_target("ftp://x")


@pytest.mark.parametrize(
    ("host", "live"),
    [
        ("taskrouter.twilio.com", True),
        ("TASKROUTER.Twilio.COM.", True),
        ("twilio.com", True),
        ("api.dublin.ie1.twilio.com", True),
        ("nottwilio.com", False),
        ("twilio.com.example.org", False),
        ("127.0.0.1", False),
    ],
)
def test_twilio_hosts(host: str, live: bool) -> None:
    assert is_twilio_host(host) is live


def test_live_twilio_is_refused_unless_allowed() -> None:
    spec = parse_target("https://taskrouter.twilio.com")
    with pytest.raises(TargetConfigError, match="--allow-live"):
        refuse_live(spec, allow_live=False)
    refuse_live(spec, allow_live=True)
    refuse_live(parse_target("http://localhost:1"), allow_live=False)


def test_check_options() -> None:
    with pytest.raises(TargetConfigError, match="needs --profile"):
        check_options(TargetOptions(target="http://127.0.0.1:9"))
    with pytest.raises(TargetConfigError, match="embedded target only"):
        check_options(
            TargetOptions(target="http://127.0.0.1:9", profile="reference", faults=("x",))
        )
    check_options(TargetOptions(target="http://127.0.0.1:9", profile="reference"))


def test_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "ACenv")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "envtoken")
    assert resolve_credentials(None, None) == Credentials("ACenv", "envtoken")
    assert resolve_credentials("ACopt", "opt") == Credentials("ACopt", "opt")
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    with pytest.raises(TargetConfigError, match="TWILIO_AUTH_TOKEN"):
        resolve_credentials(None, None)
    assert resolve_credentials(None, None, Credentials("a", "b")) == Credentials("a", "b")


def test_profile_from_fixture_names_everything() -> None:
    fixture = default_fixture()
    profile = profile_from_fixture(fixture, 2)
    assert profile.lookup("workspaces.single.sid") == fixture.single.sid
    assert len(profile.lookup("workspaces.multi.workflows")) == 2
    assert profile.lookup("workspaces.single.queues.vip.friendly_name") == "VIP Queue"
    assert profile.lookup("workspaces.single.channels.voice").startswith("TC")
    assert profile.lookup("workspaces.single.worker_sid").startswith("WK")
    assert profile.lookup("retention_window") == {"min": 2, "max": 10}
    assert {r["queue"] for r in profile.lookup("routing")} == {"sales", "support", "vip", "default"}
    with pytest.raises(ProfileValueMissing):
        profile.lookup("workspaces.single.queues.nope")


GOOD_PROFILE = """
name: my clone
workspaces:
  single:
    sid: WS{h}
    workflows: [{{sid: WW{h}, friendly_name: Default}}]
    queues:
      default: {{sid: WQ{h}, friendly_name: Default Queue}}
retention_window: {{min: 300, max: 480}}
unsupported: [ttl]
"""
HEX = "0" * 32


def test_load_profile_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(GOOD_PROFILE.format(h=HEX))
    profile = load_profile(path)
    assert profile.unsupported == {"ttl"}
    assert profile.data["ttl_grace_seconds"] == 60
    assert profile.data["http"]["max_retries_on_429"] == 3
    assert profile.workspace_sids() == ["WS" + HEX]


@pytest.mark.parametrize(
    ("edit", "line", "field", "message"),
    [
        (lambda t: t.replace("sid: WS", "sid: XX"), 5, "workspaces.single.sid", "does not match"),
        (lambda t: t.replace("name: my clone", "nmae: my clone"), 2, "nmae", "unknown key"),
        (
            lambda t: t.replace("{min: 300, max: 480}", "{min: 500, max: 480}"),
            9,
            "retention_window",
            "greater",
        ),
        (
            lambda t: t.replace("unsupported: [ttl]", "unsupported: ttl"),
            10,
            "unsupported",
            "not of type",
        ),
        (
            lambda t: t.replace("default: {", "dflt: {"),
            8,
            "workspaces.single.queues.dflt",
            "unknown",
        ),
    ],
)
def test_profile_errors_name_file_line_and_field(
    tmp_path: Path, edit, line, field, message
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.yaml"
    path.write_text(edit(GOOD_PROFILE.format(h=HEX)))
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    error = caught.value
    assert str(path) in str(error)
    assert error.field == field, str(error)
    assert error.line == line, str(error)
    assert message in str(error)


def test_the_documented_profile_template_is_valid() -> None:

    profile = load_profile(
        Path(__file__).resolve().parents[2] / "docs" / "target-profile.example.yaml"
    )
    assert profile.lookup("workspaces.multi.workflows[1].friendly_name") == "Support Workflow"
    assert profile.lookup("retention_window.max") == 480
