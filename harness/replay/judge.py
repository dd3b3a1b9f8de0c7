"""What a replayed difference means for the candidate: its feature, its cause, its meaning.

* ``exchange_features``: the features a recorded request uses (its query, form and headers,
  ``harness.targets.features``), so an exchange that needs one the candidate's profile declares
  unsupported is not held against it;
* ``field_feature``: the feature a response field shows (``task_queue_sid`` shows routing,
  ``header:ETag`` shows etag...), so the same difference on a target that declared the
  feature unsupported is ``unsupported``, not a failure;
* ``cause_of``: the root-cause signature of a replay record, shared with the other phases:
  ``status:<OperationId>:<observed>!=<expected>`` for a wrong status, else
  ``replay-field:<OperationId>:<field>:<verdict>`` for the most severe field difference;
* ``profile_feature``: the feature a recorded profile SID stands for when the candidate's
  profile does not map it (a queue role: routing).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit

from harness.cassette.format import Interaction
from harness.replay.compare import FieldRow
from harness.replay.normalise import SEVERITY
from harness.targets.features import Feature, features_of_request

FORM = "application/x-www-form-urlencoded"

#: Response fields whose value is the work of one feature (list items folded: ``tasks[].x``).
FIELD_FEATURES: dict[str, Feature] = {
    "task_queue_sid": Feature.ROUTING,
    "task_queue_friendly_name": Feature.ROUTING,
    "task_queue_entered_date": Feature.ROUTING,
    "links.task_queue": Feature.ROUTING,
    "workflow_sid": Feature.ROUTING,
    "workflow_friendly_name": Feature.ROUTING,
    "links.workflow": Feature.ROUTING,
    "routing_target": Feature.ROUTING_TARGET,
    "ignore_capacity": Feature.IGNORE_CAPACITY,
    "virtual_start_time": Feature.VIRTUAL_START_TIME,
    "header:ETag": Feature.ETAG,
    "links.reservations": Feature.RESERVATIONS,
}


def exchange_features(interaction: Interaction) -> frozenset[Feature]:
    """The features the recorded request uses, from its parameters and headers."""
    params: dict[str, list[str]] = {}
    for key, value in parse_qsl(urlsplit(interaction.uri).query, keep_blank_values=True):
        params.setdefault(key, []).append(value)
    content_type = (interaction.request_header("content-type") or "").split(";")[0].strip()
    if interaction.request_body and content_type.lower() == FORM:
        for key, value in parse_qsl(interaction.request_body, keep_blank_values=True):
            params.setdefault(key, []).append(value)
    headers = {name: values for name, values in interaction.request_headers.items() if values}
    return features_of_request(params, headers)


def field_feature(field: str) -> Feature | None:
    """The feature a response field shows, if one does."""
    name = field[len("tasks[].") :] if field.startswith("tasks[].") else field
    return FIELD_FEATURES.get(name)


def unsupported_in(features: Iterable[str], unsupported: frozenset[str]) -> list[str]:
    return sorted({str(f) for f in features} & unsupported)


def profile_feature(path: str) -> Feature | None:
    """``workspaces.single.queues.sales.sid`` -> routing; the feature a profile SID serves."""
    parts = path.split(".")
    if "queues" in parts:
        return Feature.ROUTING
    if "workflows" in parts:
        return Feature.MULTI_WORKFLOW if parts[:2] == ["workspaces", "multi"] else None
    if "worker_sid" in parts:
        return Feature.WORKERS
    return None


def worst(rows: list[FieldRow]) -> FieldRow:
    """The most severe of ``rows`` (a wrong status first), the first one on a tie."""
    status = [row for row in rows if row.field == "status"]
    if status:
        return status[0]
    return max(rows, key=lambda row: (SEVERITY.get(row.verdict, 0), -rows.index(row)))


def cause_of(operation: str, row: FieldRow) -> str:
    """The root-cause signature of a record whose (most severe) difference is ``row``."""
    op = operation or "Support"
    if row.field == "status":
        return f"status:{op}:{row.candidate}!={row.recorded}"
    if row.field == "response":
        return f"no-response:{op}"
    return f"replay-field:{op}:{row.field}:{row.verdict}"
