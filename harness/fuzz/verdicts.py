"""Honest verdicts for fuzz checks: when a check observed anything, what a failure means, and
the root-cause signature it shares with the other phases.

schemathesis reports a check that returned without looking (``use_after_free`` on a create, an
undeclared-method check on a case that sent a declared method) exactly like one that looked and
found nothing wrong. ``observed`` says, from the case and its response alone, whether the check
could see the behaviour it is about; a check that never could on an operation is
``not-applicable`` there, never ``pass``.

``cause_of`` gives the signature the report groups failures by, shared with scenarios and
replay (the convention of ``CaseRecord.cause``):

- ``status:<OperationId>:<observed>!=<expected>``: the target answered with the wrong status
  (``status:CreateTask:422!=400``: a 422 where 400 is due);
- ``accepted:<OperationId>``: a schema-violating request was accepted with a 2xx;
- ``server-error:<OperationId>``: a 5xx;
- ``check:<check>:<OperationId>``: anything else (a missing header, a schema mismatch...).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from harness.fuzz import compat
from harness.fuzz.checks import sent_invalid_attributes
from harness.results.curl import curl_command
from harness.results.model import CaseRecord, RecordedRequest, Status
from harness.targets.features import features_of_request

#: Checks that look at every response they are given.
ALWAYS = frozenset(
    {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "max_response_time",
    }
)
#: Checks that judge the status a request got against the status due for it.
_STATUS_CHECKS = frozenset(
    {"negative_data_rejection", "positive_data_acceptance", "status_code_conformance"}
)
#: Statuses that are not a verdict on the request (credentials, rate limits).
_NOT_A_VERDICT = frozenset({401, 403, 429})

History = Sequence[tuple[str, Any, Any]]


def observed(
    check: str, *, case: Any, response: Any, history: History | None, failed: bool
) -> bool:
    """Whether ``check`` could observe its behaviour on this exchange (a failure always did)."""
    if failed or check in ALWAYS:
        return True
    method = _sent_method(case, response)
    if check == "use_after_free":
        return method in ("GET", "HEAD") and _follows_delete(_path(case, response), history)
    if check == "ensure_resource_availability":
        return _reads_created(_path(case, response), history)
    if check == "unsupported_method":
        return (
            method != "OPTIONS"
            and method not in _declared_methods(case)
            and response.status_code not in (*_NOT_A_VERDICT, 404)
        )
    if check == "missing_required_header":
        return compat.omits_required_header(case)
    if check == "allow_header_conformance":
        return method == "OPTIONS" and bool(response.headers.get("allow"))
    if check == "ignored_auth":
        return 200 <= response.status_code < 300
    if check == "negative_data_rejection":
        return not compat.is_positive(case)
    if check == "positive_data_acceptance":
        return compat.is_positive(case)
    if check == "invalid_attributes_rejection":
        return sent_invalid_attributes(response, case) is not None
    # object_level_authorization needs a second identity, which a run does not have; any
    # other check this module does not know is not credited without evidence either.
    return False


def due_status(operation: dict[str, Any], *, success: bool) -> int | None:
    """The status the spec documents for a good (``success``) or a rejected request."""
    codes = sorted(int(c) for c in (operation.get("responses") or {}) if str(c).isdigit())
    if success:
        return next((c for c in codes if 200 <= c < 300), None)
    if 400 in codes:
        return 400
    return next((c for c in codes if 400 <= c < 500 and c not in (401, 403, 404, 412, 429)), None)


def cause_of(
    check: str,
    operation_id: str,
    operation: dict[str, Any],
    status: int,
    allowed: Sequence[Any] | None = None,
) -> str:
    """The root-cause signature of a failure of ``check`` answered with ``status``
    (``allowed``: the statuses the check would have taken, when it says)."""
    if status >= 500:
        return f"server-error:{operation_id}"
    accepting = check in ("negative_data_rejection", "invalid_attributes_rejection")
    if accepting and 200 <= status < 300:
        return f"accepted:{operation_id}"
    due = _due_for(check, operation, status, allowed)
    if due is not None and status != due:
        return f"status:{operation_id}:{status}!={due}"
    return f"check:{check}:{operation_id}"


def wrong_status_text(
    check: str,
    operation: dict[str, Any],
    status: int,
    allowed: Sequence[Any] | None = None,
) -> str | None:
    """What a failure answered with an unexpected 4xx really is: a rejection with the wrong
    status (not "accepted"). None when the failure is not about a rejection's status."""
    if not 400 <= status < 500 or status in _NOT_A_VERDICT:
        return None
    if check not in _STATUS_CHECKS and check != "invalid_attributes_rejection":
        return None
    due = _due_for(check, operation, status, allowed)
    if due is None or due == status or not 400 <= due < 500:
        return None
    return f"rejected with the wrong status ({status} where {due} is due)"


def _due_for(
    check: str, operation: dict[str, Any], status: int, allowed: Sequence[Any] | None
) -> int | None:
    if status in _NOT_A_VERDICT:
        return None
    if check in ("negative_data_rejection", "invalid_attributes_rejection"):
        return due_status(operation, success=False)
    if check == "status_code_conformance":
        return due_status(operation, success=not 400 <= status < 500)
    if check == "positive_data_acceptance":
        # A 4xx where the check also takes 400 (a state-dependent rejection): the rejection
        # is right, its status is not.
        if 400 <= status < 500 and "400" in {str(a) for a in allowed or ()}:
            return 400
        return due_status(operation, success=True)
    if check == "unsupported_method":
        return 405
    return None


def unsupported_features(case: Any, unsupported: Iterable[str]) -> list[str]:
    """The features the (steered) ``case`` uses that the target declared unsupported."""
    lacking = set(unsupported)
    if not lacking:
        return []
    params: dict[str, Any] = dict(case.query or {})
    body = case.body
    if isinstance(body, Mapping):
        params.update({str(k): v for k, v in body.items()})
    elif isinstance(body, str | bytes):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        params.update(parse_qsl(text, keep_blank_values=True))
    used = features_of_request(params, dict(case.headers or {}))
    return sorted(str(f) for f in used if str(f) in lacking)


@dataclass
class UnsupportedTally:
    """Requests left unsent for one (operation, feature): how many, and the first of them."""

    example: RecordedRequest
    count: int = 0


def unsupported_record(operation: str, feature: str, left: UnsupportedTally) -> CaseRecord:
    return CaseRecord(
        id=f"fuzz.{operation}.unsupported.{feature}",
        title=f"{operation}: generated requests that use {feature}",
        category="fuzz",
        phase="fuzz",
        status=Status.UNSUPPORTED,
        tags=["fuzz", feature],
        source="schemathesis",
        reason=f"the target profile declares unsupported: {feature}; {left.count} generated "
        f"request(s) that use it were not sent",
        curl=curl_command(left.example),
    )


def _sent_method(case: Any, response: Any) -> str:
    request = getattr(response, "request", None)
    return str(getattr(request, "method", None) or case.method).upper()


def _path(case: Any, response: Any) -> str:
    request = getattr(response, "request", None)
    url = getattr(request, "url", None)
    return urlsplit(str(url)).path if url else str(case.formatted_path)


def _declared_methods(case: Any) -> set[str]:
    item = case.operation.schema.raw_schema.get("paths", {}).get(case.operation.path, {})
    return {str(m).upper() for m in item if isinstance(item, dict)}


def _ok(response: Any) -> bool:
    return response is not None and 200 <= response.status_code < 300


def _follows_delete(path: str, history: History | None) -> bool:
    return any(
        _sent_method(c, r) == "DELETE" and _ok(r) and _path(c, r) == path
        for _, c, r in history or ()
    )


def _reads_created(path: str, history: History | None) -> bool:
    created = False
    for _, c, r in history or ():
        method, step_path = _sent_method(c, r), _path(c, r)
        if method == "POST" and _ok(r) and path == f"{step_path}/{_sid(r)}":
            created = True
        elif method == "DELETE" and _ok(r) and step_path == path:
            created = False
    return created


def _sid(response: Any) -> str | None:
    try:
        data = json.loads(response.content or b"")
    except (ValueError, TypeError):
        return None
    sid = data.get("sid") if isinstance(data, dict) else None
    return sid if isinstance(sid, str) else None
