"""Turn check results into ``CaseRecord``s: one per (operation, check, failure signature).

Record ids:

- ``fuzz.<operationId>.<check>``: the first distinct failure of that check on that operation
  (status ``fail``), or, when the check never failed there, a summary with status ``pass``
  saying on how many responses it held, or ``not-applicable`` when it never could observe its
  behaviour there (verdicts.py: ``use_after_free`` on a create). Every (operation, check) pair
  that ran has a record, so a report can show fuzz coverage per operation and a JUnit file gets
  one test per pair.
- ``fuzz.<operationId>.unsupported.<feature>``: status ``unsupported``: generated requests that
  used a feature the target profile declares unsupported, left unsent (verdicts.py).
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
from urllib.parse import urlencode, urlsplit, urlunsplit

from harness.fuzz.catalogue import (
    CHECK_CLAUSE_STRENGTH,
    CHECK_CLAUSES,
    CHECK_SCOPE,
    CHECK_STRENGTH,
)
from harness.fuzz.compat import failure_key
from harness.fuzz.verdicts import (
    UnsupportedTally,
    cause_of,
    observed,
    unsupported_record,
    wrong_status_text,
)
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
    #: The root-cause signature shared with the other phases (verdicts.cause_of).
    cause: str | None = None


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
    #: Requests left unsent because they use an unsupported feature, by (operation, feature).
    unsupported: dict[tuple[str, str], UnsupportedTally] = field(default_factory=dict)

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
        definition = case.operation.definition.raw
        for result in results:
            tally = self.tally.setdefault((operation, result.name), CheckTally())
            failure = result.failure
            if observed(
                result.name, case=case, response=response, history=history, failed=bool(failure)
            ):
                tally.runs += 1
            if failure is None:
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
            status = response.status_code
            title = str(failure.title)
            text = str(failure.message or "")
            expected = _expected(failure)
            wrong = wrong_status_text(result.name, definition, status, expected)
            if wrong is not None:
                # The target rejected the request, with another status than the one due:
                # say so, not "accepted" (the first line of schemathesis' message).
                if title.endswith("accepted"):
                    title = title.removesuffix("accepted") + wrong
                    text = text.partition("\n")[2] if "\n" in text else ""
                else:
                    text = f"{wrong}; {text}"
            self.findings[key] = Finding(
                operation=operation,
                check=result.name,
                signature=signature,
                title=self.redactor.text(title),
                message=self.redactor.text(text),
                phase=phase,
                mode=mode,
                steps=steps,
                size=size,
                expected=expected,
                actual=response.status_code,
                count=count,
                case=None if history else case,
                stateful=bool(history) or phase == "stateful",
                cause=cause_of(result.name, operation, definition, status, expected),
            )
        return failed

    def left_out(self, operation: str, feature: str, case: Any) -> None:
        """A generated request not sent: it uses ``feature``, which the target lacks."""
        tally = self.unsupported.get((operation, feature))
        if tally is None:
            query = urlencode(dict(case.query or {}), doseq=True)
            body = urlencode(case.body, doseq=True) if isinstance(case.body, dict) else None
            request = RecordedRequest(
                method=str(case.method),
                url=self.redactor.text(case.formatted_path + (f"?{query}" if query else "")),
                headers={},
                body=self.redactor.text(body) if body else None,
            )
            tally = self.unsupported[(operation, feature)] = UnsupportedTally(request)
        tally.count += 1

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
                if tally.runs:
                    out.append(self._pass_record(operation, check, tally))
                else:
                    out.append(self._not_applicable_record(operation, check))
                continue
            for n, finding in enumerate(findings, start=1):
                suffix = "" if n == 1 else f".{n}"
                out.append(self._fail_record(finding, f"fuzz.{operation}.{check}{suffix}"))
        for (operation, feature), left in sorted(
            self.unsupported.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0])
        ):
            out.append(unsupported_record(operation, feature, left))
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
        return _check_record(
            operation,
            check,
            Status.PASS,
            f"{operation}: {check} held on {tally.runs} response(s)",
            note=f"{tally.runs} response(s) checked"
            + (f"; {CHECK_SCOPE[check]}" if check in CHECK_SCOPE else ""),
            exchange_count=tally.runs,
        )

    def _not_applicable_record(self, operation: str, check: str) -> CaseRecord:
        scope = CHECK_SCOPE.get(check, "no response of the run could show this behaviour")
        return _check_record(
            operation,
            check,
            Status.NOT_APPLICABLE,
            f"{operation}: {check} could not observe its behaviour",
            reason=f"not applicable to {operation}: {scope}",
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
            cause=finding.cause,
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


def _check_record(
    operation: str, check: str, status: Status, title: str, **extra: Any
) -> CaseRecord:
    """The record of one (operation, check) pair that did not fail."""
    clauses = _clauses(check)
    return CaseRecord(
        id=f"fuzz.{operation}.{check}",
        title=title,
        category="fuzz",
        phase="fuzz",
        status=status,
        clauses=clauses,
        strength=_strength(check, clauses),
        tags=["fuzz"],
        source="schemathesis",
        **extra,
    )
