"""The credential never reaches a file, in any encoding a target could echo.

A target that echoes the request's headers (``tests/fakes_echo.EchoingClone``) writes the
``Authorization`` value and the token back in every encoding: plain, ``Basic base64(SID:token)``
in standard and URL-safe Base64 with and without padding, the Base64 of the token alone,
percent-encoded (token and ``Basic`` value) and hex, in headers, nested JSON bodies, failure
messages and URLs. ``trc run`` and ``trc record`` against it write none of them.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from click.testing import CliRunner

from harness.asgi_server import start_in_thread
from harness.cli import main
from harness.reference.fixture import default_fixture
from harness.replay.redact import CassetteRedactor, SecretLeak, assert_clean, secret_forms
from harness.results.redact import REDACTED, Redactor, holds_secret
from harness.targets.target import Credentials
from tests.fakes_echo import ENCODINGS, EchoingClone, encodings

pytestmark = pytest.mark.slow

#: a token whose encodings all differ from it ('/', '+', '=', '&', '~' and '%')
TOKEN = "Canary/T0k+en=Odd&Chars~0123%456789abcdef"
FIXTURE = dataclasses.replace(default_fixture(), auth_token=TOKEN)
ACCOUNT = FIXTURE.account_sid
AUTHORIZATION = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
FORMS = encodings(AUTHORIZATION)
#: the credential-bearing encodings (the ``Basic`` scheme word alone is no secret)
SECRET_FORMS = {name: value.removeprefix("Basic ") for name, value in FORMS.items()}
REPORT_FILES = ("report.json", "report.md", "report.html", "junit.xml")


def leaks(text: str) -> list[str]:
    """The names of the encodings of the credential present in ``text``."""
    found = [name for name, form in SECRET_FORMS.items() if form in text]
    if not found and holds_secret(text, [TOKEN]):
        found.append("a run that decodes to the token")
    return found


# -- the redactor, form by form ---------------------------------------------------------------


def test_every_encoding_differs_from_the_token() -> None:
    # The proof is only as strong as its forms: none may be the plain token in disguise.
    assert set(ENCODINGS) == set(FORMS)
    assert all(TOKEN not in v for k, v in SECRET_FORMS.items() if k != "token")
    assert SECRET_FORMS["token"] == TOKEN


@pytest.mark.parametrize("account_sid", [ACCOUNT, None], ids=["sid-known", "sid-unknown"])
@pytest.mark.parametrize("name", sorted(FORMS))
def test_each_encoding_is_removed_from_text(name: str, account_sid: str | None) -> None:
    redactor = Redactor([TOKEN], account_sid=account_sid)
    form = SECRET_FORMS[name]
    for text in (
        form,
        f"bad request (you sent {FORMS[name]})",
        f"https://errors.invalid/echo?auth={form}&x=1",
        json.dumps({"echo": {"nested": [form]}}),
        f"prefix{form}",
    ):
        assert holds_secret(text, [TOKEN]), (name, text)
        out = redactor.text(text)
        assert leaks(out) == [], (name, out)
        assert REDACTED in out


def test_nested_values_headers_and_keys_are_redacted() -> None:
    redactor = Redactor([TOKEN])
    value = {
        "message": f"you sent {AUTHORIZATION}",
        "headers": [FORMS["basic_urlsafe_unpadded"], {"deep": [FORMS["token_hex"]]}],
        FORMS["token_base64"]: "as a key",
        "attributes": json.dumps({"auth": FORMS["basic_percent"]}),
    }
    assert leaks(json.dumps(redactor.value(value))) == []
    headers = redactor.headers(
        {"Authorization": AUTHORIZATION, "X-Echo": FORMS["basic_value_plus"], "Link": "<a>"}
    )
    assert headers["Authorization"] == f"Basic {REDACTED}"
    assert leaks(json.dumps(headers)) == [] and headers["Link"] == "<a>"


def test_text_without_the_secret_is_left_alone() -> None:
    # Over-redaction would hide what a failing case saw: SIDs, URLs, other Base64 and hex stay.
    redactor = Redactor([TOKEN], account_sid=ACCOUNT)
    other = base64.b64encode(f"{ACCOUNT}:another-token-entirely".encode()).decode()
    kept = [
        f"/v1/Workspaces/WS{'a' * 32}/Tasks/WT{'b' * 32}?PageSize=50&Ordering=Priority%3Adesc",
        f"Basic {other}",
        "deadbeef" * 12,
        quote(json.dumps({"type": "support", "n": 3}), safe=""),
        ACCOUNT,
    ]
    for text in kept:
        assert redactor.text(text) == text


def test_a_cassette_check_refuses_every_encoding() -> None:
    forms = secret_forms(Credentials(ACCOUNT, TOKEN))
    for name, form in SECRET_FORMS.items():
        with pytest.raises(SecretLeak) as caught:
            assert_clean(f'body: \'{{"echo": "{form}"}}\'', forms, "cassette.yaml")
        assert form not in str(caught.value), name
    assert_clean(f"uri: /v1/Workspaces/WS{'a' * 32}/Tasks\nauth: Basic <redacted>", forms, "c")


def test_the_cassette_redactor_removes_echoed_encodings() -> None:
    redactor = CassetteRedactor(Credentials(ACCOUNT, TOKEN))
    body = {"request_headers": {"authorization": AUTHORIZATION}, "echo": FORMS}
    response = {
        "status": {"code": 400, "message": "Bad Request"},
        "headers": {f"x-echo-{k}": [v] for k, v in FORMS.items()},
        "body": {"string": json.dumps(body).encode()},
    }
    assert leaks(json.dumps(redactor.response(response), default=str)) == []


# -- end to end, against a target that echoes ---------------------------------------------------


def _invoke(args: list[str]) -> tuple[int, str]:
    env = {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN}
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    return result.exit_code, result.output


def _profile(clone: EchoingClone, tmp_path: Path) -> Path:
    path = tmp_path / "echo-profile.yaml"
    path.write_text(yaml.safe_dump(clone.profile().data))
    return path


@dataclasses.dataclass
class EchoRun:
    clone: EchoingClone
    code: int
    output: str
    reports: Path


@pytest.fixture(scope="module")
def echo_run(tmp_path_factory: pytest.TempPathFactory) -> EchoRun:
    """One ``trc run --phases scenarios,replay --tag smoke`` against the echoing clone."""
    tmp_path = tmp_path_factory.mktemp("echo-run")
    clone = EchoingClone(FIXTURE)
    reports = tmp_path / "reports"
    with start_in_thread(clone) as server:
        code, output = _invoke(
            [
                "run", "--target", server.base_url, "--profile", str(_profile(clone, tmp_path)),
                "--phases", "scenarios,replay", "--tag", "smoke", "--report-dir", str(reports),
            ]
        )  # fmt: skip
    return EchoRun(clone, code, output, reports)


def test_a_run_against_an_echoing_target_writes_no_encoding_of_the_token(
    echo_run: EchoRun,
) -> None:
    assert echo_run.code in (0, 1), echo_run.output
    # Not vacuous: the harness authenticated with the token, the clone echoed it into 4xx
    # bodies, and those bodies reached the report (with the echo redacted).
    assert AUTHORIZATION in echo_run.clone.seen_authorization
    assert echo_run.clone.echoed > 0
    latest = echo_run.reports / "latest"
    report = (latest / "report.json").read_text()
    assert "request_headers" in report and "x-echo-token-hex" in report.lower()
    assert REDACTED in report
    for name in REPORT_FILES:
        path = latest / name
        assert path.is_file(), f"{name} was not written"
        assert leaks(path.read_text(errors="replace")) == [], f"{name} holds the credential"
    for path in echo_run.reports.rglob("*"):
        if path.is_file():
            assert leaks(path.read_bytes().decode("utf-8", "replace")) == [], str(path)


def test_the_live_terminal_output_holds_no_encoding_of_the_token(echo_run: EchoRun) -> None:
    assert echo_run.clone.echoed > 0
    assert leaks(echo_run.output) == [], "the terminal output holds the credential"


def test_a_recording_of_an_echoing_target_holds_no_encoding_of_the_token(
    tmp_path: Path,
) -> None:
    clone = EchoingClone(FIXTURE)
    cassette = tmp_path / "echo.yaml"
    with start_in_thread(clone) as server:
        code, output = _invoke(
            [
                "record", "--target", server.base_url,
                "--profile", str(_profile(clone, tmp_path)),
                "--tag", "smoke", "--out", str(cassette),
                "--report-dir", str(tmp_path / "reports"),
            ]
        )  # fmt: skip
    assert code in (0, 1), output
    assert cassette.is_file(), output
    assert clone.echoed > 0
    text = cassette.read_text()
    assert "request_headers" in text  # the echoed bodies were recorded
    assert leaks(text) == [], "the cassette holds the credential"
    assert leaks(output) == []
