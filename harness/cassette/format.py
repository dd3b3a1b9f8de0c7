"""The cassette file: vcrpy's YAML format plus a ``trc`` provenance block.

A cassette is a vcrpy cassette (``version: 1``, ``interactions: [{request, response}]``) that
vcrpy itself can load and play back; taskrouter-conformance adds

* a top-level ``trc:`` mapping: the provenance (what was recorded, where, when, with which
  harness and spec version, which redactions were applied, the target profile the scenarios
  used, and which scenario produced which interactions);
* a ``trc:`` mapping on each interaction: its index, scenario id, step name, auth mode and
  operation id.

vcrpy ignores both, so ``vcr.use_cassette(path, record_mode="none")`` still plays it back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from harness.wire.recording import parse_text
from harness.yamlsrc import CASSETTE_LIMITS, SourceError, load_plain_file
from harness.yamlsrc.limits import MB

FORMAT = "trc-cassette/1"
VCR_VERSION = 1
REFERENCE_NOTICE = (
    "Recorded against the embedded reference server of taskrouter-conformance "
    "(harness/reference), NOT against Twilio. It shows what the reference does, not what "
    "TaskRouter does."
)
LIVE_NOTICE = "Recorded against live Twilio TaskRouter."
OTHER_NOTICE = "Recorded against a non-Twilio server (a clone); not against Twilio."

#: Auth modes of a recorded request, encoded in its (redacted) Authorization header.
AUTH_DEFAULT, AUTH_WRONG, AUTH_NONE, AUTH_OTHER = "default", "wrong", "none", "other"
AUTH_MARKERS = {
    AUTH_DEFAULT: "Basic <redacted>",
    AUTH_WRONG: "Basic <wrong-token>",
    AUTH_OTHER: "<redacted>",
}


class CassetteTooLarge(ValueError):
    """The recorded session is too large to be a cassette; nothing is written."""


class CassetteError(Exception):
    """A cassette file that cannot be used (exit code 2)."""

    exit_code = 2


@dataclass
class ScenarioEntry:
    """One recorded scenario: its identity and where its interactions are."""

    id: str
    title: str = ""
    category: str = ""
    source: str = ""
    status: str = ""  # how the case ended when it was recorded
    tags: list[str] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    strength: str = "documented"
    requires: list[str] = field(default_factory=list)
    interactions: list[int] = field(default_factory=list)  # [first index, count]


@dataclass
class Provenance:
    recorded_at: str
    harness_version: str
    spec_version: str | None
    target_kind: str  # embedded | url
    target_host: str
    base_url: str
    live_twilio: bool
    account_sid: str
    run_tag: str
    notice: str = REFERENCE_NOTICE
    format: str = FORMAT
    faults: list[str] = field(default_factory=list)
    redactions: list[str] = field(default_factory=list)
    pacing: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    scenarios: list[ScenarioEntry] = field(default_factory=list)
    interaction_count: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    #: scenarios recorded but left out of the cassette (``--drop-failing``): id and status
    excluded: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        ordered = {
            "format": data.pop("format"),
            "notice": data.pop("notice"),
            "target": {
                "kind": data.pop("target_kind"),
                "host": data.pop("target_host"),
                "base_url": data.pop("base_url"),
                "live_twilio": data.pop("live_twilio"),
                "faults": data.pop("faults"),
            },
        }
        ordered.update(data)
        return ordered

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Provenance:
        data = dict(data)
        target = data.pop("target", {}) or {}
        scenarios = [ScenarioEntry(**s) for s in data.pop("scenarios", []) or []]
        known = {f for f in cls.__dataclass_fields__}
        extra = {k: v for k, v in data.items() if k in known}
        return cls(
            target_kind=target.get("kind", "url"),
            target_host=target.get("host", ""),
            base_url=target.get("base_url", ""),
            live_twilio=bool(target.get("live_twilio", False)),
            faults=list(target.get("faults", []) or []),
            scenarios=scenarios,
            **extra,
        )


@dataclass
class Interaction:
    index: int
    method: str
    uri: str
    request_headers: dict[str, list[str]]
    request_body: str | None
    status: int
    reason: str
    response_headers: dict[str, list[str]]
    response_body: str
    scenario: str | None = None
    step: str | None = None
    auth: str = AUTH_DEFAULT
    operation: str = ""
    at: float | None = None  # seconds from the start of the recording to the request
    took: float | None = None  # seconds until the response was read

    # -- convenience ------------------------------------------------------------------------
    def request_header(self, name: str) -> str | None:
        return _header(self.request_headers, name)

    def response_header(self, name: str) -> str | None:
        return _header(self.response_headers, name)

    @property
    def path(self) -> str:
        return urlsplit(self.uri).path

    @property
    def path_and_query(self) -> str:
        parts = urlsplit(self.uri)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def response_document(self) -> Any:
        """The response body parsed as JSON; the text when it is not JSON; None when empty."""
        return parse_text(self.response_body)

    # -- vcrpy-compatible mapping -----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "request": {
                "body": self.request_body,
                "headers": self.request_headers,
                "method": self.method,
                "uri": self.uri,
            },
            "response": {
                "body": {"string": self.response_body},
                "headers": self.response_headers,
                "status": {"code": self.status, "message": self.reason},
            },
            "trc": {
                "index": self.index,
                "scenario": self.scenario,
                "step": self.step,
                "auth": self.auth,
                "operation": self.operation,
                "at": self.at,
                "took": self.took,
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], index: int) -> Interaction:
        request = data.get("request") or {}
        response = data.get("response") or {}
        meta = data.get("trc") or {}
        body = request.get("body")
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        response_body = (response.get("body") or {}).get("string", "")
        if isinstance(response_body, bytes):
            response_body = response_body.decode("utf-8", "replace")
        status = response.get("status") or {}
        request_headers = _header_lists(request.get("headers") or {})
        auth = meta.get("auth") or auth_mode_of(_header(request_headers, "authorization"))
        return cls(
            index=int(meta.get("index", index)),
            method=str(request.get("method", "GET")).upper(),
            uri=str(request.get("uri", "")),
            request_headers=request_headers,
            request_body=body,
            status=int(status.get("code", 0)),
            reason=str(status.get("message") or ""),
            response_headers=_header_lists(response.get("headers") or {}),
            response_body=response_body or "",
            scenario=meta.get("scenario"),
            step=meta.get("step"),
            auth=auth,
            operation=meta.get("operation") or "",
            at=_float(meta.get("at")),
            took=_float(meta.get("took")),
        )


@dataclass
class Cassette:
    provenance: Provenance
    interactions: list[Interaction]
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.path.stem if self.path else "cassette"

    def scenario_groups(self) -> list[tuple[ScenarioEntry, list[Interaction]]]:
        """Interactions grouped by the scenario that produced them, in recording order.

        Interactions outside any scenario (the run's final cleanup) form a group of their own
        with the id ``(run)``."""
        entries = {s.id: s for s in self.provenance.scenarios}
        groups: list[tuple[ScenarioEntry, list[Interaction]]] = []
        for interaction in self.interactions:
            key = interaction.scenario or "(run)"
            if not groups or groups[-1][0].id != key:
                entry = entries.get(key) or ScenarioEntry(id=key, title=key, category="")
                groups.append((entry, []))
            groups[-1][1].append(interaction)
        return groups

    def without(self, scenario_ids: set[str], reason: str) -> Cassette:
        """A copy without the interactions of these scenarios (re-indexed)."""
        kept = [i for i in self.interactions if i.scenario not in scenario_ids]
        interactions = [dataclasses.replace(i, index=n) for n, i in enumerate(kept)]
        first: dict[str, int] = {}
        for interaction in interactions:
            if interaction.scenario is not None:
                first.setdefault(interaction.scenario, interaction.index)
        entries = []
        for entry in self.provenance.scenarios:
            if entry.id in scenario_ids:
                continue
            count = entry.interactions[1] if len(entry.interactions) == 2 else 0
            entries.append(
                dataclasses.replace(entry, interactions=[first.get(entry.id, -1), count])
            )
        excluded = [
            {"id": s.id, "status": s.status, "reason": reason}
            for s in self.provenance.scenarios
            if s.id in scenario_ids
        ]
        provenance = dataclasses.replace(
            self.provenance,
            scenarios=entries,
            interaction_count=len(interactions),
            excluded=[*self.provenance.excluded, *excluded],
        )
        return Cassette(provenance, interactions, self.path)

    def checked_yaml(self) -> str:
        """``to_yaml``, refused (``CassetteTooLarge``) beyond what a cassette may weigh to be
        read back (``CASSETTE_LIMITS``): a cassette is never written that cannot be loaded."""
        text = self.to_yaml()
        size = len(text.encode("utf-8"))
        limit = CASSETTE_LIMITS.max_bytes
        if size > limit:
            raise CassetteTooLarge(
                f"the cassette would be {size / MB:.1f} MB, more than the {limit / MB:.0f} MB a "
                "cassette may have to be replayed: record fewer scenarios (-k) or lower the "
                "profile's http.max_body_bytes"
            )
        return text

    def to_yaml(self) -> str:
        data = {
            "trc": self.provenance.to_dict(),
            "interactions": [i.to_dict() for i in self.interactions],
            "version": VCR_VERSION,
        }
        header = "# taskrouter-conformance cassette (vcrpy format + trc provenance).\n"
        header += "".join(f"# {line}\n" for line in _wrap(self.provenance.notice))
        return header + yaml.dump(
            data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096
        )

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_yaml(), encoding="utf-8")
        self.path = path


def load_cassette(path: Path | str) -> Cassette:
    path = Path(path)
    if not path.is_file():
        raise CassetteError(f"cassette {path}: no such file")
    try:
        data = load_plain_file(path, str(path), CASSETTE_LIMITS)
    except SourceError as exc:
        raise CassetteError(f"cassette {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise CassetteError(f"cassette {path}: not a vcrpy cassette (no interactions list)")
    trc = data.get("trc")
    if not isinstance(trc, dict):
        raise CassetteError(
            f"cassette {path}: no 'trc' provenance block (record it with `trc record`)"
        )
    if trc.get("format") != FORMAT:
        raise CassetteError(f"cassette {path}: format {trc.get('format')!r} is not {FORMAT!r}")
    try:
        provenance = Provenance.from_dict(trc)
        interactions = [
            Interaction.from_dict(item, index) for index, item in enumerate(data["interactions"])
        ]
    except (TypeError, ValueError, AttributeError) as exc:
        raise CassetteError(f"cassette {path}: malformed: {exc}") from None
    return Cassette(provenance, interactions, path)


def other_auth_marker(value: str) -> str:
    """An Authorization value that is not the target's credentials (a scenario's literal
    header): never stored, only a short digest, so a cassette target can tell two apart."""
    return f"<redacted:{hashlib.sha256(value.encode()).hexdigest()[:16]}>"


def auth_mode_of(header: str | None) -> str:
    if header is None:
        return AUTH_NONE
    for mode, marker in AUTH_MARKERS.items():
        if header == marker:
            return mode
    return AUTH_OTHER


def spec_version(spec_path: Path) -> str | None:
    """``x-trc-spec-version`` of the spec file (read without loading the whole document)."""
    if not spec_path.is_file():
        return None
    for line in spec_path.read_text(encoding="utf-8").splitlines()[:40]:
        match = re.match(r"^x-trc-spec-version:\s*[\"']?([^\"'#]+?)[\"']?\s*(#.*)?$", line)
        if match:
            return match.group(1).strip()
    return None


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _header(headers: dict[str, list[str]], name: str) -> str | None:
    for key, values in headers.items():
        if key.lower() == name.lower() and values:
            return values[0]
    return None


def _header_lists(headers: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in headers.items():
        values = value if isinstance(value, list) else [value]
        out[str(key)] = [str(v) for v in values]
    return out


def _wrap(text: str, width: int = 92) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines


_SafeDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_SafeDumper):  # type: ignore[misc, valid-type]
    """Safe YAML; strings with newlines as literal blocks."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)
