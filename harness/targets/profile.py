"""Target profiles: what scenarios need to know about a target (SIDs, names, timings, gaps).

A profile is YAML validated by ``PROFILE_SCHEMA``; the embedded target builds its own from the
reference fixture with ``profile_from_fixture``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from harness.jsonpath import MISSING, parse_path
from harness.targets.features import FEATURE_NAMES, Feature
from harness.targets.profile_schema import CLOCK_PATH, DEFAULTS, PROFILE_SCHEMA, QUEUE_ROLES
from harness.wire.limits import DEFAULT_MAX_BODY_BYTES, DEFAULT_RETRY_BUDGET_S
from harness.yamlsrc import SourceError, line_of, load_file, plain


class ProfileError(SourceError):
    """A profile file that cannot be used (names the file, the line and the field)."""


class ProfileValueMissing(KeyError):
    """A scenario needs a profile value the target's profile does not provide."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:
        return f"the target profile has no value for {self.key!r}"


@dataclass(frozen=True)
class TargetProfile:
    data: dict[str, Any]
    source: str = "embedded"
    #: Feature names (``harness.targets.features.Feature`` values), validated on load.
    unsupported: frozenset[str] = field(default=frozenset())

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<dict>") -> TargetProfile:
        errors = sorted(Draft7Validator(PROFILE_SCHEMA).iter_errors(data), key=_error_order)
        if errors:
            path, message = _describe(errors[0])
            raise ProfileError(source, None, _field(path), message)
        _check_windows(data, source, None)
        full = _with_defaults(data)
        return cls(full, source, frozenset(full["unsupported"]))

    def lacks(self, feature: Feature | str) -> bool:
        """True when the profile declares ``feature`` unsupported."""
        return str(feature) in self.unsupported

    def lookup(self, key: str) -> Any:
        """A value by path, e.g. ``workspaces.single.queues.sales.sid`` (no ``profile.``)."""
        try:
            value = parse_path(key).resolve(self.data)
        except ValueError:
            raise ProfileValueMissing(key) from None
        if value is MISSING or value is None or (isinstance(value, list) and not value):
            raise ProfileValueMissing(key)
        return value

    def workspace(self, role: str) -> dict[str, Any]:
        ws = self.data["workspaces"].get(role)
        if ws is None:
            raise ProfileValueMissing(f"workspaces.{role}")
        return ws

    def workspace_sids(self) -> list[str]:
        return [ws["sid"] for ws in self.data["workspaces"].values()]

    @property
    def clock_advance(self) -> str | None:
        """The test-clock extension's URL or path (``clock.advance``), None without one."""
        clock = self.data.get("clock")
        return clock.get("advance") if isinstance(clock, dict) else None

    @property
    def callback_wait_seconds(self) -> float:
        """How long a ``callback`` step waits by default: ``callbacks.wait_seconds``, else
        ``event_delay_seconds`` (default 15)."""
        settings = self.data.get("callbacks") or {}
        return float(settings.get("wait_seconds", self.data.get("event_delay_seconds", 15)))

    @property
    def timeout_seconds(self) -> float:
        return float(self.data["http"]["timeout_seconds"])

    @property
    def max_retries_on_429(self) -> int:
        return int(self.data["http"]["max_retries_on_429"])

    @property
    def max_body_bytes(self) -> int:
        return int(self.data["http"].get("max_body_bytes", DEFAULT_MAX_BODY_BYTES))

    @property
    def retry_budget_seconds(self) -> float:
        return float(self.data["http"].get("retry_budget_seconds", DEFAULT_RETRY_BUDGET_S))


def load_profile(path: Path) -> TargetProfile:
    """Read and validate a profile file; errors are ProfileError naming file, line and field."""
    display = str(path)
    try:
        documents = load_file(path, display)
    except SourceError as exc:
        raise ProfileError(exc.file, exc.line, exc.field, exc.message) from None
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise ProfileError(display, None, "", "a profile is one YAML mapping")
    located = documents[0]
    data = plain(located)
    errors = sorted(Draft7Validator(PROFILE_SCHEMA).iter_errors(data), key=_error_order)
    if errors:
        path, message = _describe(errors[0])
        raise ProfileError(display, _line_for(located, path), _field(path), message)
    _check_windows(data, display, located)
    full = _with_defaults(data)
    return TargetProfile(full, display, frozenset(full["unsupported"]))


def profile_from_fixture(
    fixture: Any, retention_seconds: float, test_clock: bool = False
) -> TargetProfile:
    """The profile of a reference server started with ``fixture`` (``default_fixture()``);
    ``test_clock``: the server serves the test-clock extension (``clock.advance``)."""
    data = fixture.to_dict()
    workspaces: dict[str, Any] = {}
    for role, ws in data["workspaces"].items():
        queues_by_name = {q["friendly_name"]: q for q in ws["task_queues"]}
        queues: dict[str, Any] = {}
        for queue_role in QUEUE_ROLES:
            queue = queues_by_name.get(f"{queue_role.capitalize()} Queue") or queues_by_name.get(
                f"{queue_role.upper()} Queue"
            )
            if queue:
                queues[queue_role] = {"sid": queue["sid"], "friendly_name": queue["friendly_name"]}
        workspaces[role] = {
            "sid": ws["sid"],
            "friendly_name": ws["friendly_name"],
            "workflows": [
                {"sid": wf["sid"], "friendly_name": wf["friendly_name"]} for wf in ws["workflows"]
            ],
            "queues": queues,
            "channels": {c["unique_name"]: c["sid"] for c in ws["task_channels"]},
        }
        if ws["workers"]:
            workspaces[role]["worker_sid"] = ws["workers"][0]["sid"]
    profile = {
        "name": "embedded reference",
        "workspaces": workspaces,
        "routing": [
            {"attributes": {"type": "sales"}, "queue": "sales"},
            {"attributes": {"type": "support"}, "queue": "support"},
            {"attributes": {"type": "call"}, "queue": "support"},
            {"attributes": {"vip": True}, "queue": "vip", "priority": 100},
            {"attributes": {"type": "other"}, "queue": "default"},
        ],
        "ttl_grace_seconds": 3,
        "retention_window": {"min": retention_seconds, "max": retention_seconds + 8},
        "in_flight_limit": 25000,
        "unsupported": [],
        "foreign": {
            "account_sid": data["foreign_account_sid"],
            "workspace_sids": list(data["foreign_workspace_sids"]),
        },
        "http": {"timeout_seconds": 10, "max_retries_on_429": 3},
    }
    if test_clock:
        profile["clock"] = {"advance": CLOCK_PATH}
    # the reference logs and POSTs an event within milliseconds of the change, and reserves a
    # routed task while it answers the request that made it routable: a few seconds leave room
    # for a loaded machine, and a broken variant fails in seconds rather than 15
    profile["event_delay_seconds"] = 3
    profile["routing_delay_seconds"] = 3
    return TargetProfile.from_dict(profile, "embedded")


def _with_defaults(data: dict[str, Any]) -> dict[str, Any]:
    full = copy.deepcopy(data)
    for key, value in DEFAULTS.items():
        if key not in full:
            full[key] = copy.deepcopy(value)
        elif isinstance(value, dict) and isinstance(full[key], dict):
            full[key] = {**copy.deepcopy(value), **full[key]}
    return full


def _check_windows(data: dict[str, Any], source: str, located: Any) -> None:
    window = data.get("retention_window")
    if window and window["min"] > window["max"]:
        line = line_of(located["retention_window"], "min") if located is not None else None
        raise ProfileError(source, line, "retention_window", "min is greater than max")


def _error_order(error: Any) -> tuple[int, int, str]:
    typo = 0 if error.validator == "additionalProperties" else 1
    return (len(list(error.absolute_path)), typo, str(list(error.absolute_path)))


def _describe(error: Any) -> tuple[list[Any], str]:
    """The path and message of a schema error; an unknown key is named by its own path."""
    path = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "enum" and path[:1] == ["unsupported"]:
        # One vocabulary (harness.targets.features): a typo would silently disable nothing.
        return path, f"unknown feature {error.instance!r} (valid: {', '.join(FEATURE_NAMES)})"
    if (
        error.validator == "additionalProperties"
        and schema.get("additionalProperties") is False
        and isinstance(error.instance, dict)
    ):
        allowed = sorted(schema.get("properties", {}))
        extras = [key for key in error.instance if key not in allowed]
        if extras:
            return [*path, extras[0]], f"unknown key (allowed: {', '.join(allowed)})"
    return path, error.message


def _field(path: Any) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _line_for(located: Any, path: list[Any]) -> int | None:
    node = located
    line = line_of(node)
    for part in path:
        try:
            line = line_of(node, part) or line
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return line or None
