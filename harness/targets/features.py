"""The features a target may lack, defined once: a profile's ``unsupported:``, a scenario's
``requires:`` and every phase (scenarios, fuzz, replay) use these names and nothing else.

``features_of_request`` says which features a request relies on from its parameters alone
(``VirtualStartTime=…`` or ``Ordering=VirtualStartTime:asc`` -> ``virtual-start-time``,
``TaskQueueSid`` -> ``routing``, an ``If-Match`` header -> ``if-match``...), so that the fuzz
phase can leave out generated requests a target declared it cannot serve, and a test can hold
every scenario that sends such a parameter to declaring the feature in ``requires:``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any


class Feature(StrEnum):
    """A behaviour of the Task resource that a clone may not implement."""

    TTL = "ttl"  #: Timeout cancels a task
    RETENTION = "retention"  #: canceled/completed tasks are deleted after a window
    ETAG = "etag"  #: ETag headers on task responses
    IF_MATCH = "if-match"  #: conditional update/delete
    ORDERING = "ordering"  #: the Ordering list parameter
    PAGING = "paging"  #: more than one page of a list
    PAGE_TOKEN = "page-token"  #: PageToken links
    EVALUATE_TASK_ATTRIBUTES = "evaluate-task-attributes"  #: the expression filter
    ROUTING = "routing"  #: workflows route tasks to queues (TaskQueueSid/Name)
    MULTI_WORKFLOW = "multi-workflow"  #: a workspace with several workflows
    VIRTUAL_START_TIME = "virtual-start-time"  #: VirtualStartTime (and ordering by it)
    ROUTING_TARGET = "routing-target"  #: RoutingTarget on create
    IGNORE_CAPACITY = "ignore-capacity"  #: IgnoreCapacity on create
    RESERVATIONS = "reservations"  #: tasks are reserved for workers
    RESERVATION_TIMEOUT = "reservation-timeout"  #: a reservation times out
    WORKERS = "workers"  #: workers exist and take tasks
    IN_FLIGHT_LIMIT = "in-flight-limit"  #: the in-flight task limit
    RATE_LIMITS = "rate-limits"  #: 429 with Retry-After
    SLOW = "slow"  #: cases that wait for timers
    EVENTS = "events"  #: the Events resource (GET /Workspaces/{ws}/Events): the pull channel
    #: callbacks POSTed to the Workspace's EventCallbackUrl and the Workflow's
    #: AssignmentCallbackUrl (the push channel; needs the run's receiver)
    CALLBACKS = "callbacks"


#: Every valid feature name, sorted (for messages).
FEATURE_NAMES: tuple[str, ...] = tuple(sorted(f.value for f in Feature))

#: A request parameter (query or form field) whose mere presence uses a feature.
PARAMETER_FEATURES: Mapping[str, Feature] = {
    "VirtualStartTime": Feature.VIRTUAL_START_TIME,
    "Ordering": Feature.ORDERING,
    "EvaluateTaskAttributes": Feature.EVALUATE_TASK_ATTRIBUTES,
    "TaskQueueSid": Feature.ROUTING,
    "TaskQueueName": Feature.ROUTING,
    "RoutingTarget": Feature.ROUTING_TARGET,
    "IgnoreCapacity": Feature.IGNORE_CAPACITY,
    "PageToken": Feature.PAGE_TOKEN,
}
#: A request header whose presence uses a feature (names compared case-insensitively).
HEADER_FEATURES: Mapping[str, Feature] = {"if-match": Feature.IF_MATCH}


def unknown_features(names: Iterable[str]) -> list[str]:
    """The names that are not features, in their order."""
    known = set(FEATURE_NAMES)
    return [name for name in names if name not in known]


def features_of_request(
    params: Mapping[str, Any] | None = None, headers: Mapping[str, Any] | None = None
) -> frozenset[Feature]:
    """The features a request uses, from its query/form parameters and its headers.

    A parameter counts when it is present at all (even empty or malformed: a target that lacks
    the feature cannot be judged on how it validates it); ``Ordering`` also uses
    ``virtual-start-time`` when its value names that key.
    """
    found: set[Feature] = set()
    for name, value in (params or {}).items():
        feature = PARAMETER_FEATURES.get(str(name))
        if feature is not None:
            found.add(feature)
        if str(name) == "Ordering" and "virtualstarttime" in _text(value).lower():
            found.add(Feature.VIRTUAL_START_TIME)
    for name in headers or {}:
        feature = HEADER_FEATURES.get(str(name).lower())
        if feature is not None:
            found.add(feature)
    return frozenset(found)


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(_text(v) for v in value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)
