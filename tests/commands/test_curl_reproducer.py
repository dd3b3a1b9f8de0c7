"""The curl reproducer keeps a step's literal headers and never writes the target's token."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import shlex
from pathlib import Path
from typing import Any

from harness.commands.run import run_command
from harness.reference.fixture import default_fixture
from harness.resources import scenarios_dir
from harness.results.curl import curl_command, holds_secret
from harness.results.model import RecordedRequest
from tests.report.helpers import invoke

SID = "AC" + "a" * 32
TOKEN = "s3cr3t-auth-token-0123456789abcdef"
URL = "http://t/v1/Workspaces/WS1/Tasks/WT1"


def recorded(headers: dict[str, str], method: str = "POST") -> RecordedRequest:
    """A request as the recording keeps it: every Authorization value redacted."""
    return RecordedRequest(
        method,
        URL,
        {
            k: ("Basic <redacted>" if k.lower() == "authorization" else v)
            for k, v in headers.items()
        },
        "Priority=3",
    )


def header_values(command: str, name: str) -> list[str]:
    words = shlex.split(command)
    prefix = f"{name.lower()}: "
    return [
        w[len(prefix) :]
        for i, w in enumerate(words)
        if i and words[i - 1] == "-H" and w.lower().startswith(prefix)
    ]


def every_decoding(text: str) -> str:
    """``text`` and the Base64/hex decodings of its chunks, to look for a leaked token."""
    out = [text]
    for chunk in re.findall(r"[A-Za-z0-9+/=_-]{8,}", text):
        padded = chunk + "=" * (-len(chunk) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            with contextlib.suppress(binascii.Error, ValueError):
                out.append(decode(padded).decode("utf-8", "replace"))
    return "\n".join(out)


def test_a_literal_if_match_is_reproduced_as_written() -> None:
    request = recorded({"If-Match": '"x"', "Authorization": "x"})
    command = curl_command(request, "default", headers={"If-Match": '"x"'}, secrets=[TOKEN])
    assert header_values(command, "If-Match") == ['"x"']
    assert '-u "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN"' in command
    assert header_values(command, "Authorization") == []  # the harness's own: -u stands for it


def test_a_deliberately_wrong_authorization_is_kept_literally() -> None:
    zeros = base64.b64encode(b"AC" + b"0" * 32 + b":" + b"0" * 32).decode()
    for literal in (f"Basic {zeros}", "Bearer not-a-twilio-credential", "Basic !!!not-base64!!!"):
        request = recorded({"Authorization": literal})
        command = curl_command(request, "none", headers={"Authorization": literal}, secrets=[TOKEN])
        assert header_values(command, "Authorization") == [literal], command
        assert " -u " not in command  # auth: none: no credentials of the harness


def test_without_the_literal_the_recorded_header_still_shows_it_was_sent() -> None:
    command = curl_command(recorded({"Authorization": "Basic abc"}), "none", secrets=[TOKEN])
    assert header_values(command, "Authorization") == ["Basic <redacted>"]


def test_the_targets_token_never_appears_in_any_encoding() -> None:
    basic = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    urlsafe = base64.urlsafe_b64encode(f"{SID}:{TOKEN}".encode()).decode().rstrip("=")
    literals = {
        "Authorization": f"Basic {basic}",
        "Proxy-Authorization": f"Bearer {TOKEN}",
        "X-Echo": urlsafe,
        "X-Hex": TOKEN.encode().hex(),
    }
    request = RecordedRequest("POST", f"{URL}?t={TOKEN}", dict(literals), f"Token={TOKEN}")
    command = curl_command(request, "none", headers=literals, secrets=[TOKEN])
    assert TOKEN not in every_decoding(command)
    assert TOKEN.encode().hex() not in command
    assert header_values(command, "Authorization") == ["Basic <redacted>"]
    assert header_values(command, "Proxy-Authorization") == ["Bearer <redacted>"]
    assert header_values(command, "X-Echo") == ["<redacted>"]


def test_holds_secret_finds_encoded_tokens_and_nothing_else() -> None:
    basic = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert holds_secret(f"Basic {basic}", [TOKEN])
    assert holds_secret(TOKEN.replace("-", "%2D"), [TOKEN])
    assert holds_secret("a%20" + TOKEN, [TOKEN])
    assert not holds_secret(base64.b64encode(f"{SID}:other-token".encode()).decode(), [TOKEN])
    assert not holds_secret(f"Basic {basic}", [])


ZEROS = (
    "QUMwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDowMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMA=="
)


def _wrong_sid_case(tmp_path: Path) -> dict[str, Any]:
    """auth.wrong-account-sid against a target that ignores credentials (it fails at its first
    step, the literal Basic header for an all-zero SID and token)."""
    result = invoke(
        run_command,
        [
            "--scenarios",
            str(scenarios_dir() / "auth" / "wrong-account-sid.yaml"),
            "--phases",
            "scenarios",
            "--fault",
            "auth-ignored",
            "--report-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 1, result.output
    [case] = json.loads((tmp_path / "latest" / "report.json").read_text())["cases"]
    assert case["status"] == "fail" and case["curl"]
    token = default_fixture().auth_token
    assert token not in every_decoding(json.dumps(case)) and token not in result.output
    return case


def test_a_failing_literal_auth_step_reproduces_without_the_harness_credentials(
    tmp_path: Path,
) -> None:
    curl = _wrong_sid_case(tmp_path)["curl"]
    assert " -u " not in curl  # auth: none
    assert len(header_values(curl, "Authorization")) == 1


def test_a_failing_literal_auth_step_reproduces_its_literal_header(tmp_path: Path) -> None:
    curl = _wrong_sid_case(tmp_path)["curl"]
    assert header_values(curl, "Authorization") == [f"Basic {ZEROS}"]
