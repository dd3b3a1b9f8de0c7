"""Remove credentials from recorded exchanges before they reach any file or terminal.

A target may echo what it was sent, in any encoding. The auth token is therefore removed

* as itself and in the explicit encodings a target or a proxy could write: percent-encoded
  (``quote``/``quote_plus``), hex (lower and upper case), standard and URL-safe Base64 of the
  token alone and, when the account SID is known, of ``SID:token`` (the ``Basic`` value), with
  and without padding, and the percent-encoding of those (``Basic%20...%3D``);
* inside any Base64 run (standard or URL-safe, at any alignment, padded or not) or hex run
  that encodes text holding the token, and any percent-encoded run that decodes to one of
  those (the percent-encoding of a ``Basic`` value, for instance). A Base64 run is found by
  the characters the token's bits fix whatever surrounds it (``base64_cores``), so this needs
  no SID: ``base64(SID:token)`` is found whatever the SID is. Such a run is replaced whole.

``secret_forms`` is the one list of explicit encodings; ``holds_secret`` and ``scrub`` are the
decoding check and the replacement, shared by the cassette redactor and the curl reproducer.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from enum import Enum
from typing import Any
from urllib.parse import quote, quote_plus, unquote_to_bytes

_TO_URLSAFE = str.maketrans("+/", "-_")

REDACTED = "<redacted>"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
#: secrets shorter than this are never searched for (they would match everywhere)
MIN_SECRET = 4
#: how many percent-encodings deep a run is decoded
DEPTH = 2


@functools.lru_cache(maxsize=16)
def _runs(percent: int, encoded: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Patterns for percent-encoded runs and Base64/hex runs long enough to hold a secret
    (shorter runs are never matched, so never looked at)."""
    return (
        re.compile(r"(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9._~+\-]){" + str(max(1, percent // 3)) + ",}"),
        re.compile(r"[A-Za-z0-9+/_\-]{" + str(max(1, encoded)) + ",}={0,2}"),
    )


def base64_cores(data: bytes) -> set[str]:
    """What every Base64 encoding of a text holding ``data`` contains, whatever precedes or
    follows it: for each of the three alignments, the characters fixed by ``data``'s bits
    alone, in the standard and the URL-safe alphabet (padded or not)."""
    cores: set[str] = set()
    for lead in range(3):
        encoded = base64.b64encode(b"\0" * lead + data).decode("ascii")
        start = -(-8 * lead // 6)
        end = 8 * (lead + len(data)) // 6
        core = encoded[start:end]
        if len(core) >= MIN_SECRET:
            cores |= {core, core.translate(_TO_URLSAFE)}
    return cores


def secret_forms(token: str, account_sid: str | None = None) -> list[str]:
    """Every explicit encoding of ``token`` (and of ``SID:token``), longest first."""
    if not token or len(token) < MIN_SECRET:
        return []
    raw = token.encode()
    forms = {token, quote(token, safe=""), quote_plus(token), raw.hex(), raw.hex().upper()}
    encoded = [raw]
    if account_sid:
        encoded.append(f"{account_sid}:{token}".encode())
    for data in encoded:
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            value = encode(data).decode("ascii")
            for form in (value, value.rstrip("=")):
                forms |= {form, quote(form, safe=""), quote_plus(form)}
                forms |= {quote(f"Basic {form}", safe=""), quote_plus(f"Basic {form}")}
    return sorted((f for f in forms if len(f) >= MIN_SECRET), key=len, reverse=True)


def holds_secret(text: str, secrets: Sequence[str]) -> bool:
    """Whether ``text`` holds one of ``secrets`` as is, in one of its explicit encodings
    (``secret_forms``), inside any Base64 (standard or URL-safe, any alignment, padded or not)
    or hex run, or in a percent-encoded run that decodes to one of those."""
    return SecretMatcher.of(secrets).found(text)


def scrub(text: str, secrets: Sequence[str], account_sid: str | None = None) -> str:
    """``text`` with every form of every secret replaced by ``<redacted>``."""
    return SecretMatcher.of(secrets, account_sid).scrub(text)


@dataclasses.dataclass(frozen=True)
class SecretMatcher:
    """What to look for: the explicit forms (replaced as such), and the needles that find the
    secret inside any Base64 or hex run - the explicit forms, their Base64 cores
    (``base64_cores``) and their Latin-1 views (decoded bytes are compared as Latin-1 text:
    one character a byte, none merged). Percent-encoded runs are decoded, ``DEPTH`` deep.

    ``of``: from the secrets themselves (their forms are derived); ``from_forms``: from a list
    of forms already derived (``secret_forms``), as a cassette check holds them.
    """

    forms: tuple[str, ...]
    needles: tuple[str, ...]
    shortest: int
    shortest_needle: int

    @classmethod
    def of(cls, secrets: Iterable[str], account_sid: str | None = None) -> SecretMatcher:
        secrets = [s for s in secrets if s and len(s) >= MIN_SECRET]
        forms: set[str] = set()
        roots: set[str] = set()
        for secret in secrets:
            forms.update(secret_forms(secret, account_sid))
            raw = secret.encode()
            roots |= {secret, quote(secret, safe=""), quote_plus(secret)}
            roots |= {raw.hex(), raw.hex().upper()}
        shortest = min((len(s) for s in secrets), default=0)
        return cls.build(forms, roots, shortest)

    @classmethod
    def from_forms(cls, forms: Iterable[str]) -> SecretMatcher:
        kept = {f for f in forms if f and len(f) >= MIN_SECRET}
        return cls.build(kept, kept, min((len(f) for f in kept), default=0))

    @classmethod
    def build(cls, forms: set[str], roots: set[str], shortest: int) -> SecretMatcher:
        ordered = tuple(sorted(forms, key=len, reverse=True))
        needles = set(ordered) | {f.encode().decode("latin-1") for f in ordered}
        for root in roots | forms:  # Base64 of an encoding (of a percent-encoded Basic value)
            needles |= base64_cores(root.encode())
        needles = {n for n in needles if len(n) >= MIN_SECRET}
        shortest_needle = min((len(n) for n in needles), default=0)
        return cls(ordered, tuple(needles), shortest, shortest_needle)

    def found(self, text: str, depth: int = DEPTH) -> bool:
        # decoding only shortens a text: one shorter than every needle holds none
        if not self.needles or len(text) < self.shortest_needle:
            return False
        if any(needle in text for needle in self.needles):
            return True
        if depth <= 0 or "%" not in text:
            return False
        return any(self.found(decoded, depth - 1) for decoded in self._unquoted(text))

    def scrub(self, text: str) -> str:
        if not self.found(text):
            return text
        for form in self.forms:
            if form in text:
                text = text.replace(form, REDACTED)

        def swap(match: re.Match[str]) -> str:
            run = match.group(0)
            return REDACTED if self.found(run) else run

        def swap_encoded(match: re.Match[str]) -> str:
            run = match.group(0)
            return swap(match) if "%" in run and len(run) >= self.shortest else run

        percent, encoded = _runs(self.shortest, self.shortest_needle)
        # percent-encoded runs first (whole query values), then Base64 and hex runs whole
        text = percent.sub(swap_encoded, text)
        return encoded.sub(swap, text)

    def _unquoted(self, text: str) -> Iterator[str]:
        percent, _ = _runs(self.shortest, self.shortest_needle)
        for match in percent.finditer(text):
            run = match.group(0)
            if len(run) >= self.shortest and "%" in run:
                yield unquote_to_bytes(run.replace("+", " ")).decode("latin-1")


class Redactor:
    """Replaces secret headers and every form of the given secrets in strings.

    ``secrets``: the auth tokens (as given; ``secrets`` keeps them for the curl reproducer);
    ``account_sid``: when known, ``base64(SID:token)`` is also matched literally (it is found
    by decoding in any case).
    """

    def __init__(
        self, secrets: list[str] | tuple[str, ...], account_sid: str | None = None
    ) -> None:
        self.secrets = [s for s in secrets if s and len(s) >= MIN_SECRET]
        self.account_sid = account_sid
        self._needles = SecretMatcher.of(self.secrets, account_sid)
        self.forms = list(self._needles.forms)

    def text(self, value: str) -> str:
        return self._needles.scrub(value)

    def holds(self, value: str) -> bool:
        return self._needles.found(value)

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in headers.items():
            if name.lower() in SECRET_HEADERS:
                scheme = value.split(" ", 1)[0] if " " in value else ""
                out[name] = f"{scheme} {REDACTED}".strip()
            else:
                out[name] = self.text(value)
        return out

    def value(self, value: Any) -> Any:
        """``value`` with every secret replaced in every string it holds.

        Dicts and lists are copied; dataclass instances (records, the report model) are
        redacted in place, field by field, and returned. Enum members are vocabulary, never
        secrets, and stay as they are.
        """
        if isinstance(value, Enum):
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self._key(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.value(v) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            for item in dataclasses.fields(value):
                setattr(value, item.name, self.value(getattr(value, item.name)))
        return value

    def _key(self, key: Any) -> Any:
        return key if isinstance(key, Enum) else self.text(str(key))
