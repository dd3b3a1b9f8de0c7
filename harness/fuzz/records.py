"""Turn check results into ``CaseRecord``s: one per (operation, check, failure signature).

Record ids:

- ``fuzz.<operationId>.<check>``: the first distinct failure of that check on that operation
  (status ``fail``), or, when the check never failed there, a summary with status ``pass``
  saying on how many responses it held. Every (operation, check) pair that ran has a record,
  so a report can show fuzz coverage per operation and a JUnit file gets one test per pair.
- ``fuzz.<operationId>.<check>.<n>`` (n = 2, 3, ...): further distinct failures of the same
  check on the same operation, in the order they were first seen.
- ``fuzz.<operationId>.transport`` / ``fuzz.<operationId>.<phase>.error``: status ``error``
  when the harness, not the target, could not run cases (a request that got no response,
  a generation error).

A failure signature is the schemathesis failure class plus its own deduplication key (the
status code for a server error, the schema path for a schema violation, the missing headers
for a header check...), so one bug found by a thousand cases is one record. The record keeps
the smallest failing request seen (after the minimization in minimize.py for stateless cases),
its response, every step of a stateful scenario, and a curl reproducer that reads the
credentials from ``$TWILIO_ACCOUNT_SID`` / ``$TWILIO_AUTH_TOKEN``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from harness.fuzz.compat import failure_key
from harness.results.curl import curl_command
from harness.results.model import (
    CaseRecord,
    ClauseRef,
    Exchange,
    Failure,
    RecordedRequest,
    RecordedResponse,
    Status,
)
from harness.results.redact import Redactor

MAX_BODY_CHARS = 4_000
#: Where an in-process run's requests would go on a real socket (``trc serve``'s default).
IN_PROCESS_BASE_URL = "http://127.0.0.1:8080"

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
    "unsupported_method": "coverage-phase requests with undeclared methods only",
    "allow_header_conformance": "OPTIONS responses only",
    "object_level_authorization": "needs several identities; the run has one, so it cannot fire",
    "ignored_auth": "successful responses only, re-sent without and with wrong credentials "
    "(at most 3 confirmations per operation)",
    "negative_data_rejection": "negative cases only",
    "positive_data_acceptance": "positive cases only",
    "invalid_attributes_rejection": "CreateTask/UpdateTask requests whose Attributes are not "
    "a JSON object only",
}


_SID = re.compile(r"\b[A-Z]{2}[0-9a-fA-F]{32}\b")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_COMPONENT = re.compile(r"parameters? `([^`]+)`|in body - (\w+)")


def failure_signature(failure: Any, response: Any = None) -> str:
    """The failure class and schemathesis' own key, refined for the two data checks.

    ``RejectedPositiveData`` (key: the status) also gets the server's error message with values
    masked, and ``AcceptedNegativeData`` the parameter(s) that made the data invalid, so that
    "Page too large" and "Ordering rejected" stay two findings, not one per status code.
    """
    name = type(failure).__name__
    key = failure_key(failure)
    signature = f"{name}:{key}" if key else name
    if name == "RejectedPositiveData" and response is not None:
        message = _error_message(response)
        if message:
            signature += ":" + _mask(message)
    elif name == "AcceptedNegativeData":
        parts = sorted({a or b for a, b in _COMPONENT.findall(str(failure.message))})
        if parts:
            signature += ":" + ",".join(parts)
    return signature


def _error_message(response: Any) -> str | None:
    try:
        data = json.loads(response.content or b"")
    except (ValueError, TypeError):
        return None
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, str) else None


def _mask(text: str) -> str:
    text = _SID.sub("<sid>", text)
    text = _QUOTED.sub("<v>", text)
    return _NUMBER.sub("<n>", text)[:120]


@dataclass
class Step:
    """One request of a failing example, already redacted."""

    label: str
    request: RecordedRequest
    response: RecordedResponse | None


@dataclass
class Finding:
    operation: str
    check: str
    signature: str
    title: str
    message: str
    phase: str
    mode: str
    steps: list[Step]
    size: int
    expected: Any = None
    actual: Any = None
    count: int = 1
    minimized: bool = False
    #: The case that produced ``steps`` (stateless only; for minimization), not serialized.
    case: Any = None
    stateful: bool = False


@dataclass
class CheckTally:
    runs: int = 0
    failures: int = 0


@dataclass
class Collector:
    redactor: Redactor
    in_process: bool
    findings: dict[tuple[str, str, str], Finding] = field(default_factory=dict)
    tally: dict[tuple[str, str], CheckTally] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    # -- observing ----------------------------------------------------------------------------
    def observe(
        self,
        *,
        operation: str,
        case: Any,
        response: Any,
        results: list[Any],
        phase: str,
        mode: str,
        history: list[tuple[str, Any, Any]] | None = None,
    ) -> list[tuple[str, str]]:
        """Record one validated response; returns the (check, signature) pairs that failed."""
        failed: list[tuple[str, str]] = []
        for result in results:
            tally = self.tally.setdefault((operation, result.name), CheckTally())
            tally.runs += 1
            if result.failure is None:
                continue
            tally.failures += 1
            signature = failure_signature(result.failure, response)
            failed.append((result.name, signature))
            steps = [self.step(label, c, r) for label, c, r in (history or [])]
            steps.append(self.step(f"{phase} {operation}", case, response))
            size = sum(step_size(s) for s in steps)
            key = (operation, result.name, signature)
            existing = self.findings.get(key)
            if existing is not None:
                existing.count += 1
                if size >= existing.size:
                    continue
                count = existing.count
            else:
                count = 1
            self.findings[key] = Finding(
                operation=operation,
                check=result.name,
                signature=signature,
                title=self.redactor.text(str(result.failure.title)),
                message=self.redactor.text(str(result.failure.message or "")),
                phase=phase,
                mode=mode,
                steps=steps,
                size=size,
                expected=_expected(result.failure),
                actual=response.status_code,
                count=count,
                case=None if history else case,
                stateful=bool(history) or phase == "stateful",
            )
        return failed

    def error(self, key: str, message: str) -> None:
        messages = self.errors.setdefault(key, [])
        text = self.redactor.text(message)
        if text not in messages and len(messages) < 5:
            messages.append(text)

    # -- converting ---------------------------------------------------------------------------
    def step(self, label: str, case: Any, response: Any) -> Step:
        request = response.request if response is not None else None
        if request is not None:
            body = request.body
            if isinstance(body, bytes):
                body = body.decode("utf-8", "replace")
            recorded = RecordedRequest(
                method=str(request.method),
                url=self.redactor.text(self._public_url(str(request.url))),
                headers=self.redactor.headers(dict(request.headers)),
                body=self.redactor.text(_truncate(body)) if body else None,
            )
        else:
            recorded = RecordedRequest(method=case.method, url=case.formatted_path, headers={})
        recorded_response = None
        if response is not None:
            headers = {
                name: ", ".join(values) if isinstance(values, list) else str(values)
                for name, values in dict(response.headers).items()
            }
            recorded_response = RecordedResponse(
                status=response.status_code,
                headers=self.redactor.headers(headers),
                body=self.redactor.value(_body(response)),
            )
        return Step(label, recorded, recorded_response)

    def _public_url(self, url: str) -> str:
        if not self.in_process:
            return url
        parts = urlsplit(url)
        base = urlsplit(IN_PROCESS_BASE_URL)
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))

    def records(self, operations: list[str]) -> list[CaseRecord]:
        out: list[CaseRecord] = []
        by_check: dict[tuple[str, str], list[Finding]] = {}
        for finding in self.findings.values():
            by_check.setdefault((finding.operation, finding.check), []).append(finding)
        order = {op: i for i, op in enumerate(operations)}
        pairs = sorted(
            set(self.tally) | set(by_check), key=lambda p: (order.get(p[0], 99), p[0], p[1])
        )
        for operation, check in pairs:
            findings = by_check.get((operation, check), [])
            tally = self.tally.get((operation, check), CheckTally())
            if not findings:
                out.append(self._pass_record(operation, check, tally))
                continue
            for n, finding in enumerate(findings, start=1):
                suffix = "" if n == 1 else f".{n}"
                out.append(self._fail_record(finding, f"fuzz.{operation}.{check}{suffix}"))
        for key, messages in self.errors.items():
            operation, _, kind = key.partition(".")
            out.append(
                CaseRecord(
                    id=f"fuzz.{key}",
                    title=f"{operation}: the fuzzer could not run some cases ({kind})",
                    category="fuzz",
                    phase="fuzz",
                    status=Status.ERROR,
                    tags=["fuzz", "harness-error"],
                    source="schemathesis",
                    reason="; ".join(messages),
                    failure=Failure(step=kind, expectation="cases run", message=messages[0]),
                )
            )
        return out

    def _pass_record(self, operation: str, check: str, tally: CheckTally) -> CaseRecord:
        clauses = _clauses(check)
        return CaseRecord(
            id=f"fuzz.{operation}.{check}",
            title=f"{operation}: {check} held on {tally.runs} response(s)",
            category="fuzz",
            phase="fuzz",
            status=Status.PASS,
            clauses=clauses,
            strength=_strength(check, clauses),
            tags=["fuzz"],
            source="schemathesis",
            note=f"{tally.runs} response(s) checked"
            + (f"; {CHECK_SCOPE[check]}" if check in CHECK_SCOPE else ""),
            exchange_count=tally.runs,
        )

    def _fail_record(self, finding: Finding, record_id: str) -> CaseRecord:
        clauses = _clauses(finding.check)
        last = finding.steps[-1]
        exchanges = [
            Exchange(step=s.label, request=s.request, response=s.response) for s in finding.steps
        ]
        curl = "\n".join(curl_command(_for_curl(s.request)) for s in finding.steps)
        notes = [
            f"signature {finding.signature}",
            f"seen {finding.count} time(s)",
            f"{finding.phase} phase, {finding.mode} data",
        ]
        if finding.minimized:
            notes.append("request minimized by dropping optional parameters")
        if finding.stateful:
            notes.append(
                f"stateful scenario of {len(finding.steps)} step(s); the curl lines replay it"
            )
        if self.in_process:
            notes.append(f"in-process run: URLs assume `trc serve` on {IN_PROCESS_BASE_URL}")
        message = finding.title + (f": {finding.message}" if finding.message else "")
        return CaseRecord(
            id=record_id,
            title=f"{finding.operation}: {finding.check}: {finding.title}",
            category="fuzz",
            phase="fuzz",
            status=Status.FAIL,
            clauses=clauses,
            strength=_strength(finding.check, clauses),
            tags=["fuzz", f"phase:{finding.phase}", f"mode:{finding.mode}"],
            source="schemathesis",
            note="; ".join(notes),
            failure=Failure(
                step=last.label,
                expectation=finding.check,
                expected=finding.expected,
                actual=finding.actual,
                message=_truncate(message),
            ),
            exchanges=exchanges,
            exchange_count=len(exchanges),
            curl=curl,
        )


def step_size(step: Step) -> int:
    """How big a step's request is (what "smallest failing example" minimizes)."""
    request = step.request
    return len(request.url) + len(request.body or "")


def _for_curl(request: RecordedRequest) -> RecordedRequest:
    """The request without headers that only matter to schemathesis or to the transport."""
    headers = {
        k: v
        for k, v in request.headers.items()
        if k.lower() not in ("x-schemathesis-testcaseid", "accept")
    }
    return RecordedRequest(request.method, request.url, headers, request.body)


def _clauses(check: str) -> list[ClauseRef]:
    return [
        ClauseRef(c, CHECK_CLAUSE_STRENGTH.get(c, "inferred")) for c in CHECK_CLAUSES.get(check, ())
    ]


def _strength(check: str, clauses: list[ClauseRef]) -> str:
    if check in CHECK_STRENGTH:
        return CHECK_STRENGTH[check]
    if clauses and all(c.strength == "documented" for c in clauses):
        return "documented"
    return "inferred"


def _expected(failure: Any) -> Any:
    for name in (
        "expected_statuses",
        "allowed_statuses",
        "missing_headers",
        "allowed_status_codes",
    ):
        value = getattr(failure, name, None)
        if value:
            return list(value)
    return None


def _truncate(text: str) -> str:
    if len(text) <= MAX_BODY_CHARS:
        return text
    return text[:MAX_BODY_CHARS] + f"... [{len(text) - MAX_BODY_CHARS} more characters]"


def _body(response: Any) -> Any:
    content = response.content or b""
    if not content:
        return None
    text = content.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return _truncate(text)
