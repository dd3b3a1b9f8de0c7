"""JSON Schema of a target profile (``--profile FILE``); documented in scenarios/README.md."""

from __future__ import annotations

from typing import Any

from harness.targets.features import FEATURE_NAMES

_SID = {
    "WS": r"^WS[0-9a-fA-F]{32}$",
    "WW": r"^WW[0-9a-fA-F]{32}$",
    "WQ": r"^WQ[0-9a-fA-F]{32}$",
    "TC": r"^TC[0-9a-fA-F]{32}$",
    "WK": r"^WK[0-9a-fA-F]{32}$",
    "AC": r"^AC[0-9a-fA-F]{32}$",
}


def _sid(prefix: str) -> dict[str, Any]:
    return {"type": "string", "pattern": _SID[prefix]}


_QUEUE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["sid", "friendly_name"],
    "properties": {"sid": _sid("WQ"), "friendly_name": {"type": "string", "minLength": 1}},
}

QUEUE_ROLES = ("default", "sales", "support", "vip")

_WORKSPACE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["sid", "workflows", "queues"],
    "properties": {
        "sid": _sid("WS"),
        "friendly_name": {"type": "string"},
        "workflows": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["sid", "friendly_name"],
                "properties": {
                    "sid": _sid("WW"),
                    "friendly_name": {"type": "string", "minLength": 1},
                },
            },
        },
        "queues": {
            "type": "object",
            "additionalProperties": False,
            "required": ["default"],
            "properties": {role: _QUEUE for role in QUEUE_ROLES},
        },
        "channels": {
            "type": "object",
            "description": "TaskChannel unique_name -> TC SID",
            "additionalProperties": _sid("TC"),
        },
        "worker_sid": _sid("WK"),
    },
}

#: where the reference serves the test-clock extension (harness.reference.clock_api.PATH)
CLOCK_PATH = "/trc/v1/Clock"

PROFILE_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "trc target profile",
    "type": "object",
    "additionalProperties": False,
    "required": ["workspaces"],
    "properties": {
        "name": {"type": "string"},
        "workspaces": {
            "type": "object",
            "additionalProperties": False,
            "required": ["single"],
            "properties": {"single": _WORKSPACE, "multi": _WORKSPACE},
        },
        "routing": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["attributes", "queue"],
                "properties": {
                    "attributes": {"type": "object"},
                    "queue": {"enum": list(QUEUE_ROLES)},
                    "priority": {"type": ["integer", "null"], "minimum": 0},
                },
            },
        },
        "ttl_grace_seconds": {"type": "number", "minimum": 0},
        #: how long after a change the target may take to list its event or POST its
        #: callback (the events scenarios wait this long; default 15)
        "event_delay_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
        #: how long the target may take to reserve a routed task for a worker, or to change a
        #: reservation (the workforce scenarios poll this long; default 15)
        "routing_delay_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
        "retention_window": {
            "type": "object",
            "additionalProperties": False,
            "required": ["min", "max"],
            "properties": {
                "min": {"type": "number", "minimum": 0},
                "max": {"type": "number", "minimum": 0},
            },
        },
        "in_flight_limit": {"type": "integer", "minimum": 1},
        #: the test-clock extension (docs/test-clock.md): where ``POST Advance=SECONDS``
        #: moves the target's time; a path on the target or a URL on its host
        "clock": {
            "type": "object",
            "additionalProperties": False,
            "required": ["advance"],
            "properties": {"advance": {"type": "string", "pattern": "^(/|https?://)"}},
        },
        #: the push channel (docs/events-and-callbacks.md): ``receiver``, the public URL that
        #: forwards to the run's loopback receiver (needed when the target is not on this
        #: machine); ``configure: false`` when the target's EventCallbackUrl and
        #: AssignmentCallbackUrl already point there (the run then changes nothing)
        "callbacks": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "receiver": {"type": "string", "pattern": "^https?://[^/?#]+(/[^?#]*)?$"},
                "configure": {"type": "boolean"},
                #: the receiver's loopback port (default 0: a free one), for a tunnel
                "port": {"type": "integer", "minimum": 0, "maximum": 65535},
                #: where the receiver listens (default 127.0.0.1; 0.0.0.0 for a clone in a
                #: container, with ``receiver`` the address it reaches the host by)
                "bind": {"type": "string", "minLength": 1, "maxLength": 64},
                #: how long a callback step waits when the scenario does not say (default 15)
                "wait_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
            },
        },
        "unsupported": {"type": "array", "items": {"enum": list(FEATURE_NAMES)}},
        "foreign": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "account_sid": _sid("AC"),
                "workspace_sids": {"type": "array", "items": _sid("WS")},
            },
        },
        "http": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "timeout_seconds": {"type": "number", "exclusiveMinimum": 0},
                "max_retries_on_429": {"type": "integer", "minimum": 0},
                #: the body cap: a longer response fails its case "response too large"
                "max_body_bytes": {"type": "integer", "minimum": 1024},
                #: the run's budget for waiting out 429/503 (Retry-After) across all requests
                "retry_budget_seconds": {"type": "number", "minimum": 0},
            },
        },
    },
}

#: Values filled in when a profile leaves them out (real Twilio's documented figures).
DEFAULTS: dict[str, Any] = {
    "routing": [],
    "ttl_grace_seconds": 60,
    "event_delay_seconds": 15,
    "routing_delay_seconds": 15,
    "retention_window": {"min": 300, "max": 480},
    "in_flight_limit": 25000,
    "unsupported": [],
    "foreign": {},
    "http": {"timeout_seconds": 10, "max_retries_on_429": 3},
}
