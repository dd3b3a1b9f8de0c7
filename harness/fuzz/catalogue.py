"""What each fuzz check rests on: its clauses (spec/clauses.yaml), how sure the expectation is,
and when it can fire at all (the scope a pass or not-applicable record states)."""

from __future__ import annotations

#: Clause ids (spec/clauses.yaml) a check's expectation rests on.
CHECK_CLAUSES: dict[str, tuple[str, ...]] = {
    "response_headers_conformance": ("task.etag.on-post-and-get",),
    "ignored_auth": ("task.auth.basic", "task.auth.unauthorized"),
    "ensure_resource_availability": ("task.fetch.ok",),
    "use_after_free": ("task.delete.removes-task", "task.errors.not-found"),
    "negative_data_rejection": ("task.errors.bad-request",),
    "invalid_attributes_rejection": (
        "task.validation.attributes-json",
        "task.limits.attributes-length",
    ),
    "unsupported_method": ("task.errors.method-not-allowed",),
    "status_code_conformance": ("task.errors.body-shape",),
}
#: How sure the expectation is (``documented`` or ``inferred``), as in spec/clauses.yaml.
#: Checks that rest on the spec's own additions (error responses, the required list on Task,
#: validity of generated data) are ``inferred``; a 5xx or an ignored credential is a defect
#: whatever the docs say.
CHECK_STRENGTH: dict[str, str] = {
    "not_a_server_error": "documented",
    "content_type_conformance": "documented",
    "response_headers_conformance": "documented",
    "ignored_auth": "documented",
    "ensure_resource_availability": "documented",
    "use_after_free": "documented",
}
CHECK_CLAUSE_STRENGTH: dict[str, str] = {
    "task.etag.on-post-and-get": "documented",
    "task.auth.basic": "documented",
    "task.auth.unauthorized": "documented",
    "task.fetch.ok": "documented",
    "task.delete.removes-task": "documented",
    "task.errors.not-found": "documented",
    "task.errors.bad-request": "inferred",
    "task.validation.attributes-json": "inferred",
    "task.limits.attributes-length": "documented",
    "task.errors.method-not-allowed": "documented",
    "task.errors.body-shape": "documented",
}


#: When a check can fire at all: a pass record says so, so that "held on N responses" is
#: not read as more than it is.
CHECK_SCOPE: dict[str, str] = {
    "use_after_free": "fires only on a successful read of a task deleted earlier in the same "
    "stateful scenario",
    "ensure_resource_availability": "fires only on a 404 for a task created earlier in the "
    "same stateful scenario",
    "missing_required_header": "coverage-phase cases that omit a required header only",
    "unsupported_method": "coverage-phase requests with undeclared methods only (schemathesis "
    "tries them once per path, on one of the path's operations)",
    "allow_header_conformance": "OPTIONS responses only",
    "object_level_authorization": "needs several identities; the run has one, so it cannot fire",
    "ignored_auth": "successful responses only, re-sent without and with wrong credentials "
    "(at most 3 confirmations per operation)",
    "negative_data_rejection": "negative cases only",
    "positive_data_acceptance": "positive cases only",
    "invalid_attributes_rejection": "CreateTask/UpdateTask requests whose Attributes are not "
    "a JSON object only",
}

__all__ = ["CHECK_CLAUSES", "CHECK_CLAUSE_STRENGTH", "CHECK_SCOPE", "CHECK_STRENGTH"]
