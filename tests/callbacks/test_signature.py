"""``X-Twilio-Signature``: Twilio's worked example, agreement with twilio-python, the ports."""

from __future__ import annotations

import random
import string

import pytest
from twilio.request_validator import RequestValidator

from harness.callbacks import signature as signature_module
from harness.callbacks.signature import (
    SignatureState,
    compute_signature,
    url_variants,
    verify_signature,
)

# https://www.twilio.com/docs/usage/security: the worked example
EXAMPLE_URL = "https://example.com/myapp.php?foo=1&bar=2"
EXAMPLE_PARAMS = [
    ("CallSid", "CA1234567890ABCDE"),
    ("Caller", "+14158675310"),
    ("Digits", "1234"),
    ("From", "+14158675310"),
    ("To", "+18005551212"),
]
EXAMPLE_TOKEN = "12345"
EXAMPLE_SIGNATURE = "L/OH5YylLD5NRKLltdqwSvS0BnU="


class MultiDict:
    """The shape RequestValidator reads repeated names from (Flask's ``getall``)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(name for name, _ in self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def getall(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]


def test_twilios_worked_example() -> None:
    assert compute_signature(EXAMPLE_TOKEN, EXAMPLE_URL, EXAMPLE_PARAMS) == EXAMPLE_SIGNATURE
    shuffled = list(reversed(EXAMPLE_PARAMS))
    assert compute_signature(EXAMPLE_TOKEN, EXAMPLE_URL, shuffled) == EXAMPLE_SIGNATURE
    assert (
        verify_signature(EXAMPLE_TOKEN, EXAMPLE_URL, EXAMPLE_PARAMS, EXAMPLE_SIGNATURE)
        is SignatureState.VALID
    )


def test_names_sort_case_sensitively_in_byte_order() -> None:
    params = [("b", "1"), ("B", "2"), ("a", "3"), ("_", "4")]
    text = signature_module.signing_string("u", params)
    assert text == "uB2_4a3b1"


def test_repeated_names_use_sorted_unique_values() -> None:
    params = [("To", "2"), ("A", "x"), ("To", "1"), ("To", "2")]
    assert signature_module.signing_string("u", params) == "uAxTo1To2"
    expected = RequestValidator("tok").compute_signature("https://h/x", MultiDict(params))
    assert compute_signature("tok", "https://h/x", params) == expected


def _random_text(rng: random.Random, alphabet: str, low: int, high: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


@pytest.mark.parametrize("seed", range(8))
def test_agrees_with_twilio_python_on_random_params(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "+-_.:/ {}\"'é✓"
    names = [_random_text(rng, string.ascii_letters + "_", 1, 12) for _ in range(6)]
    pairs = [(rng.choice(names), _random_text(rng, alphabet, 0, 40)) for _ in range(10)]
    token = _random_text(rng, string.ascii_letters + string.digits, 32, 32)
    url = f"https://cb{seed}.example.test/assignment?n={seed}"
    validator = RequestValidator(token)
    ours = compute_signature(token, url, pairs)
    assert ours == validator.compute_signature(url, MultiDict(pairs))
    assert validator.validate(url, MultiDict(pairs), ours)
    unique = dict(pairs)  # one value per name: the plain-dict form RequestValidator takes
    assert compute_signature(token, url, unique.items()) == validator.compute_signature(url, unique)


def test_states() -> None:
    url, params = "https://h.example/events", [("EventType", "task.created")]
    good = compute_signature("tok", url, params)
    assert verify_signature("tok", url, params, good) is SignatureState.VALID
    assert verify_signature("tok", url, params, good[:-2] + "A=") is SignatureState.INVALID
    assert verify_signature("other", url, params, good) is SignatureState.INVALID
    assert verify_signature("tok", url, [("EventType", "x")], good) is SignatureState.INVALID
    assert verify_signature("tok", url + "?q=1", params, good) is SignatureState.INVALID
    assert verify_signature("tok", url, params, "") is SignatureState.INVALID
    assert verify_signature("tok", url, params, "nön-ascii ✓") is SignatureState.INVALID
    assert verify_signature("tok", url, params, None) is SignatureState.MISSING
    assert verify_signature(None, url, params, None) is SignatureState.MISSING
    assert verify_signature(None, url, params, good) is SignatureState.UNCHECKED
    assert verify_signature("", url, params, good) is SignatureState.UNCHECKED


def test_params_may_be_a_one_shot_iterator() -> None:
    url, params = "https://h.example/events", [("A", "1"), ("B", "2")]
    good = compute_signature("tok", url, params)
    assert verify_signature("tok", url, iter(params), good) is SignatureState.VALID


def test_the_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = signature_module.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(signature_module.hmac, "compare_digest", spy)
    url = "http://127.0.0.1:8080/x"
    verify_signature("tok", url, [], compute_signature("tok", url, []))
    assert calls  # every candidate URL goes through hmac.compare_digest
    assert len(calls) == len(url_variants(url))


@pytest.mark.parametrize(
    ("signed", "received"),
    [
        ("http://127.0.0.1/x", "http://127.0.0.1:8080/x"),  # the port removed
        ("http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x"),  # as given
        ("https://example.com:443/x?a=1", "https://example.com/x?a=1"),  # default port added
        ("http://example.com:80/x", "http://example.com/x"),
        ("https://example.com/x", "https://example.com:443/x"),
        ("http://[::1]/x", "http://[::1]:9000/x"),
    ],
)
def test_port_variants_are_accepted(signed: str, received: str) -> None:
    params = [("A", "1")]
    sig = compute_signature("tok", signed, params)
    assert verify_signature("tok", received, params, sig) is SignatureState.VALID
    if "[" not in received:  # twilio-python's remove_port cuts an IPv6 host at its first ":"
        assert RequestValidator("tok").validate(received, dict(params), sig)


@pytest.mark.parametrize(
    ("signed", "received"),
    [
        ("https://example.com:8443/x", "https://example.com/x"),  # not a default port
        ("http://example.com:443/x", "http://example.com/x"),  # https's port on http
        ("http://127.0.0.1:8081/x", "http://127.0.0.1:8080/x"),
        ("https://other.example/x", "https://example.com/x"),
    ],
)
def test_other_urls_are_refused(signed: str, received: str) -> None:
    sig = compute_signature("tok", signed, [])
    assert verify_signature("tok", received, [], sig) is SignatureState.INVALID


def test_url_variants() -> None:
    assert url_variants("http://h:8080/p?q=1") == ["http://h:8080/p?q=1", "http://h/p?q=1"]
    assert url_variants("https://h/p") == ["https://h/p", "https://h:443/p"]
    assert url_variants("https://u:p@h:99/p") == ["https://u:p@h:99/p", "https://u:p@h/p"]
    assert url_variants("http://[::1]/p") == ["http://[::1]/p", "http://[::1]:80/p"]
    assert url_variants("http://h:notaport/p") == ["http://h:notaport/p"]
    assert url_variants("ftp://h/p") == ["ftp://h/p"]
