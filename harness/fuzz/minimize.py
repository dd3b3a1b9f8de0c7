"""After the phases, each stateless failing example is minimized: optional parameters are
dropped one at a time while the same check still fails with the same signature (a few
requests each). Minimization stops at the run's deadline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from harness.fuzz.checks import sent_invalid_attributes
from harness.fuzz.records import Finding, failure_signature, step_size
from harness.fuzz.session import FuzzSession

#: Requests tried per failure when shrinking a stateless failing example.
MINIMIZE_ATTEMPTS = 12


def minimize_findings(session: FuzzSession) -> None:
    """Drop optional parameters of each stateless failing example while it still fails
    the same way (same check, same signature)."""
    session.phase_deadline = session.deadline
    for finding in list(session.collector.findings.values()):
        if finding.case is None or finding.stateful:
            continue
        _minimize(session, finding)


def _minimize(session: FuzzSession, finding: Finding) -> None:
    case = finding.case
    attempts = 0
    for location, name in list(_optional_parts(case)):
        if attempts >= MINIMIZE_ATTEMPTS:
            break
        session.check_time()
        trial = _without(case, location, name)
        if trial is None:
            continue
        attempts += 1
        response, results = _send_plain(session, trial)
        if response is None:
            continue
        if any(
            r.name == finding.check
            and r.failure is not None
            and failure_signature(r.failure, response) == finding.signature
            for r in results
        ):
            case = trial
            finding.case = trial
            finding.steps = [session.collector.step(finding.steps[-1].label, trial, response)]
            finding.size = step_size(finding.steps[-1])
            finding.minimized = True


def _optional_parts(case: Any) -> Iterator[tuple[str, str]]:
    operation = case.operation
    required_query = {p.name for p in operation.query if p.is_required}
    for name in list(case.query or {}):
        if name not in required_query:
            yield "query", name
    for name in list(case.headers or {}):
        if name.lower() not in ("authorization", "content-type", "user-agent"):
            yield "headers", name
    if isinstance(case.body, dict):
        for name in list(case.body):
            yield "body", name


def _without(case: Any, location: str, name: str) -> Any:
    if location == "query":
        query = {k: v for k, v in case.query.items() if k != name}
        return case.derive(query=query)
    if location == "headers":
        headers = case.headers.copy()
        del headers[name]
        return case.derive(headers=headers)
    trial = case.derive()
    trial.body = {k: v for k, v in case.body.items() if k != name}
    return trial


def _send_plain(session: FuzzSession, case: Any) -> tuple[Any, list[Any]]:
    """Send and validate a case as is (no steering, not counted as generated)."""
    import requests

    operation_id = case.operation.definition.raw.get("operationId", "")
    try:
        response = case.call(**session.call_kwargs)
    except requests.RequestException:
        return None, []
    invalid = sent_invalid_attributes(response, case) is not None
    return response, session.validate(case, response, operation_id, "minimize", invalid, None)
