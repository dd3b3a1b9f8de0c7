"""Steer generated cases so that they reach the handlers and so that "valid" means valid.

schemathesis generates from the spec, and the spec cannot say which SIDs exist: a well-formed
but unknown WorkspaceSid is answered 404 before any parameter is looked at, and a well-formed
but unknown WorkflowSid is rightly a 400. Left alone, almost every case would bounce off, and
``positive_data_acceptance`` would have to accept 400/404 everywhere, which would blind it.

So, right before a case is sent, every field whose generated value is valid *for its own
schema* is replaced by a value that is also valid for the target: the target's workspace, its
workflows, queues, channels and workers; a task created earlier in the run; Attributes that are
a JSON object (of the generated length, so maxLength boundaries survive); a valid expression and
ordering; a past VirtualStartTime. Values that are invalid for their schema (what negative
generation produced on purpose) are left exactly as they are, so negative cases stay negative,
and now fail for *their* reason instead of an unknown SID.

Steering is deterministic: its choices come from a ``random.Random`` seeded with the run's seed
and a digest of the generated case, server-assigned values (task SIDs, ETags) excluded.

In positive mode a few cases (about one in six) get Attributes that do not parse as a JSON
object instead: TaskRouter must reject those (clause task.validation.attributes-json), which
the ``invalid_attributes_rejection`` check asserts (see checks.py); such a case is "negative"
by the domain's rules even though its schema (a string of at most 4096 characters) accepts it.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

FORM = "application/x-www-form-urlencoded"
MAX_ATTRIBUTES = 4096
INVALID_ATTRIBUTES_RATE = 1 / 6
#: Timeout (TTL) bounds: the documented maximum, and what counts as long-lived here.
MAX_TIMEOUT = 1_209_600
LONG_TTL = 3600

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$")
_ORDERING = re.compile(
    r"^(DateCreated|Priority|VirtualStartTime):(asc|desc)"
    r"(,(DateCreated|Priority|VirtualStartTime):(asc|desc))?$"
)
#: VirtualStartTime must not be in the future nor before 1900 (x-trc-range); steered values
#: fall in [1900-01-02, 2020-01-01], which stays valid whatever the date of the run.
_VST_START = datetime(1900, 1, 2, tzinfo=UTC)
_VST_SPAN_S = int((datetime(2020, 1, 1, tzinfo=UTC) - _VST_START).total_seconds())

#: Values that are not a JSON object: unparsable text, and JSON that is not an object.
INVALID_ATTRIBUTES = (
    "not json",
    '{"type": "sales"',
    "{'type': 'sales'}",
    '{"type": sales}',
    "[1, 2, 3]",
    '"just a string"',
    "42",
    "true",
    "null",
    "{}}",
)

_WORDS = ("sales", "support", "call", "other", "gold", "silver", "en", "fr", "ünïcödé", "a b")


def sid_ok(value: Any, prefix: str) -> bool:
    return isinstance(value, str) and re.fullmatch(prefix + r"[0-9a-fA-F]{32}", value) is not None


def attributes_are_invalid(value: str) -> bool:
    """True when ``value`` is not a JSON object of at most 4096 characters."""
    if len(value) > MAX_ATTRIBUTES:
        return True
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):
        return True
    return not isinstance(parsed, dict)


@dataclass
class TargetData:
    """What steering may draw from: the target's SIDs and the tasks created so far."""

    workspace_sid: str
    workflow_sids: tuple[str, ...] = ()
    queue_sids: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    worker_sids: tuple[str, ...] = ()
    tag: str | None = None
    #: Task SIDs created during the run (appended as 201s arrive).
    tasks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Steered:
    """What steering did to one case."""

    #: Attributes were replaced with a value that is not a JSON object (domain-negative).
    invalid_attributes: bool = False


def case_digest(case: Any, placeholders: Callable[[str], str] | None = None) -> str:
    """A stable digest of a case's request data; ``placeholders`` maps server-made values."""
    swap = placeholders or (lambda value: value)

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): clean(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        if isinstance(value, str):
            return swap(value)
        if isinstance(value, bytes):
            return value.hex()
        if value is None or isinstance(value, bool | int | float):
            return value
        return repr(value)

    headers = {
        k: v for k, v in dict(case.headers or {}).items() if k.lower() not in ("authorization",)
    }
    body = case.body if isinstance(case.body, dict | list | str | int | float | bool) else None
    payload = {
        "op": case.operation.label,
        "method": case.method,
        "path": clean(dict(case.path_parameters or {})),
        "query": clean(dict(case.query or {})),
        "headers": clean(headers),
        "body": clean(body),
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class Steering:
    def __init__(self, target: TargetData, seed: int) -> None:
        self.target = target
        self.seed = seed

    # -- entry point ------------------------------------------------------------------------
    def steer(
        self, case: Any, *, stateful: bool, positive: bool, long_lived: bool = False
    ) -> Steered:
        """Rewrite ``case`` in place (see the module docstring); returns what was done.

        ``stateful``: the case's path parameters came from a link (leave the Sid alone).
        ``long_lived``: give created tasks a Timeout of at least an hour, so none expires in the
        middle of a scenario (its outcome would then depend on the run's speed, not the seed).
        """
        rng = random.Random(f"{self.seed}:{self._rng_digest(case)}")
        operation_id = case.operation.definition.raw.get("operationId", "")
        self._path(case, rng, stateful=stateful)
        invalid = False
        if operation_id == "CreateTask":
            invalid = self._create_body(case, rng, positive=positive)
            if long_lived:
                self._long_timeout(case, rng)
        elif operation_id == "UpdateTask":
            invalid = self._update_body(case, rng, positive=positive)
        elif operation_id == "ListTask":
            self._list_query(case, rng)
        if operation_id in ("UpdateTask", "DeleteTask") and not stateful:
            self._if_match(case, rng)
        return Steered(invalid_attributes=invalid)

    def _rng_digest(self, case: Any) -> str:
        # Server-assigned values must not influence choices, or a replay of the same seed
        # would steer differently: drop the task Sid and If-Match (ETag) from the digest.
        saved_path, saved_headers = case.path_parameters, case.headers
        try:
            object.__setattr__(
                case,
                "path_parameters",
                {k: v for k, v in (saved_path or {}).items() if k != "Sid"},
            )
            object.__setattr__(
                case,
                "headers",
                {k: v for k, v in dict(saved_headers or {}).items() if k.lower() != "if-match"},
            )
            return case_digest(case)
        finally:
            object.__setattr__(case, "path_parameters", saved_path)
            object.__setattr__(case, "headers", saved_headers)

    # -- path -------------------------------------------------------------------------------
    def _path(self, case: Any, rng: random.Random, *, stateful: bool) -> None:
        params = case.path_parameters
        if not params:
            return
        if sid_ok(params.get("WorkspaceSid"), "WS") and params["WorkspaceSid"] != (
            self.target.workspace_sid
        ):
            params["WorkspaceSid"] = self.target.workspace_sid
        # In stateful scenarios the Sid comes from a link (a task just created); leave it.
        if (
            not stateful
            and "Sid" in params
            and sid_ok(params["Sid"], "WT")
            and self.target.tasks
            and rng.random() < 0.75
        ):
            params["Sid"] = rng.choice(self.target.tasks)

    def _if_match(self, case: Any, rng: random.Random) -> None:
        # A random If-Match on an existing task is a (valid) 412; send none half the time so
        # that updates and deletes of real tasks also succeed.
        headers = case.headers
        if headers is not None and "If-Match" in headers and rng.random() < 0.5:
            del headers["If-Match"]

    # -- bodies -----------------------------------------------------------------------------
    def _form_body(self, case: Any) -> dict[str, Any] | None:
        if isinstance(case.body, dict):
            return case.body
        return None

    def _create_body(self, case: Any, rng: random.Random, *, positive: bool) -> bool:
        body = self._form_body(case)
        target = self.target
        if body is None:
            if len(target.workflow_sids) > 1 and positive and case.media_type in (None, FORM):
                # The workspace has several workflows: a create without WorkflowSid is a 400.
                case.body = {"WorkflowSid": rng.choice(target.workflow_sids)}
                case.media_type = FORM
            return False
        if sid_ok(body.get("WorkflowSid"), "WW"):
            self._choose(body, "WorkflowSid", target.workflow_sids, rng)
        elif "WorkflowSid" not in body and len(target.workflow_sids) > 1:
            body["WorkflowSid"] = rng.choice(target.workflow_sids)
        if sid_ok(body.get("TaskQueueSid"), "WQ"):
            self._choose(body, "TaskQueueSid", target.queue_sids, rng)
        if isinstance(body.get("RoutingTarget"), str):
            self._choose(
                body,
                "RoutingTarget",
                target.worker_sids + target.queue_sids + target.workflow_sids,
                rng,
            )
        if isinstance(body.get("TaskChannel"), str):
            self._choose(body, "TaskChannel", target.channels, rng)
        if isinstance(body.get("VirtualStartTime"), str) and _ISO.match(body["VirtualStartTime"]):
            body["VirtualStartTime"] = self._virtual_start_time(rng)
        return self._attributes(body, rng, positive=positive)

    @staticmethod
    def _long_timeout(case: Any, rng: random.Random) -> None:
        body = case.body
        if not isinstance(body, dict):
            return
        timeout = body.get("Timeout")
        if isinstance(timeout, int) and not isinstance(timeout, bool) and 1 <= timeout < LONG_TTL:
            body["Timeout"] = rng.randint(LONG_TTL, MAX_TIMEOUT)

    def _update_body(self, case: Any, rng: random.Random, *, positive: bool) -> bool:
        body = self._form_body(case)
        if body is None:
            return False
        if isinstance(body.get("TaskChannel"), str):
            self._choose(body, "TaskChannel", self.target.channels, rng)
        if isinstance(body.get("VirtualStartTime"), str) and _ISO.match(body["VirtualStartTime"]):
            body["VirtualStartTime"] = self._virtual_start_time(rng)
        if body.get("AssignmentStatus") in ("canceled", "completed"):
            reason = body.get("Reason")
            if not isinstance(reason, str) or not reason.strip():
                body["Reason"] = "trc fuzz"
        return self._attributes(body, rng, positive=positive)

    def _attributes(self, body: dict[str, Any], rng: random.Random, *, positive: bool) -> bool:
        value = body.get("Attributes")
        if not isinstance(value, str) or len(value) > MAX_ATTRIBUTES:
            if value is None and self.target.tag and positive:
                body["Attributes"] = json.dumps({"trc_run": self.target.tag})
            return False
        if positive and rng.random() < INVALID_ATTRIBUTES_RATE:
            body["Attributes"] = rng.choice(INVALID_ATTRIBUTES)
            return True
        body["Attributes"] = self.attributes_text(rng, len(value))
        return False

    def attributes_text(self, rng: random.Random, length: int) -> str:
        """A JSON object string, padded to ``length`` characters when that is longer."""
        data: dict[str, Any] = {}
        if self.target.tag:
            data["trc_run"] = self.target.tag
        for _ in range(rng.randint(0, 4)):
            key = rng.choice(("type", "vip", "language", "skills", "customer", "score", "note"))
            data[key] = self._attribute_value(key, rng)
        text = json.dumps(data, ensure_ascii=rng.random() < 0.5)
        if len(text) >= length:
            return text
        # Pad with a string member so the total length is exactly ``length``.
        base = json.dumps({**data, "pad": ""}, ensure_ascii=True)
        missing = length - len(base)
        if missing < 0:
            return text
        return json.dumps({**data, "pad": "x" * missing}, ensure_ascii=True)

    @staticmethod
    def _attribute_value(key: str, rng: random.Random) -> Any:
        if key == "type":
            return rng.choice(("sales", "support", "call", "other"))
        if key == "vip":
            return rng.random() < 0.5
        if key == "language":
            return rng.choice(("en", "fr", "de"))
        if key == "skills":
            return rng.sample(("sales", "support", "billing"), rng.randint(0, 3))
        if key == "customer":
            return {"tier": rng.choice(("gold", "silver")), "id": rng.randint(0, 10**6)}
        if key == "score":
            return rng.choice((0, -1, 2**31, 1.5, rng.random()))
        return rng.choice(_WORDS)

    @staticmethod
    def _choose(body: dict[str, Any], name: str, values: Sequence[str], rng: random.Random) -> None:
        if values:
            body[name] = rng.choice(values)
        else:
            body.pop(name, None)

    @staticmethod
    def _virtual_start_time(rng: random.Random) -> str:
        moment = _VST_START + timedelta(seconds=rng.randrange(_VST_SPAN_S))
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    # -- list -------------------------------------------------------------------------------
    def _list_query(self, case: Any, rng: random.Random) -> None:
        query = case.query
        if not query:
            return
        if isinstance(query.get("EvaluateTaskAttributes"), str):
            query["EvaluateTaskAttributes"] = self.expression(rng)
        if isinstance(query.get("Ordering"), str) and _ORDERING.match(query["Ordering"]):
            query["Ordering"] = self.ordering(rng)
        if isinstance(query.get("PageToken"), str):
            # Only tokens the server handed out mean anything (spec: "provided by the API").
            del query["PageToken"]

    def expression(self, rng: random.Random) -> str:
        terms = [
            'type == "sales"',
            "vip == true",
            "customer.id > 10",
            'language IN ["en", "fr"]',
            'skills HAS "support"',
            'type != "other"',
            'customer.tier == "gold"',
            'note CONTAINS "a"',
            'language NOT IN ["de"]',
            "score <= 1.5",
        ]
        if self.target.tag:
            terms.append(f'trc_run == "{self.target.tag}"')
        chosen = [rng.choice(terms) for _ in range(rng.randint(1, 3))]
        text = chosen[0]
        for term in chosen[1:]:
            joiner = rng.choice((" AND ", " OR ", " and ", " or "))
            text = f"({text}){joiner}{term}" if rng.random() < 0.3 else f"{text}{joiner}{term}"
        return text

    @staticmethod
    def ordering(rng: random.Random) -> str:
        names = ("DateCreated", "Priority", "VirtualStartTime")
        first = rng.choice(names)
        pair = f"{first}:{rng.choice(('asc', 'desc'))}"
        if rng.random() < 0.5:
            # Two pairs: distinct attributes, and never DateCreated with VirtualStartTime.
            others = [n for n in names if n != first and {n, first} != set(names[::2])]
            if others:
                pair += f",{rng.choice(others)}:{rng.choice(('asc', 'desc'))}"
        return pair
