"""Run one scenario against a target and produce its ``CaseRecord``.

Steps run in order; the first broken expectation stops the case (``fail``), ``finally``
steps still run, and every task the case created is deleted before the record is returned.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from harness import interrupts
from harness.jsonpath import MISSING
from harness.results.curl import curl_command
from harness.results.model import CaseRecord, ClauseRef, Exchange, Failure, Status
from harness.scenarios import callback_steps, step_kinds
from harness.scenarios.failures import (
    ScenarioError,
    StepFailed,
    inferred_schema_warning,
    off_spec_failure,
)
from harness.scenarios.headers import check_header
from harness.scenarios.identity import (
    SIDS_REUSED_REASON,
    StateCause,
    depends_on_identity,
    watch_response,
)
from harness.scenarios.interpolate import (
    InterpolationError,
    evaluate_expression,
    iso_utc,
    render,
    resolve_in,
    split_name,
)
from harness.scenarios.matchers import MatchContext, match_path
from harness.scenarios.model import Expectations, RequestSpec, Scenario, Step
from harness.scenarios.relations import Subject, evaluate
from harness.scenarios.services import RunServices
from harness.targets.clock import ClockUnavailable
from harness.targets.profile import ProfileValueMissing
from harness.targets.safety import RefusedRequest, delete_owned
from harness.wire.client import ForeignHostError
from harness.wire.limits import ResponseTooLarge
from harness.wire.recording import parse_body, record_exchange

MAX_KEPT_EXCHANGES = 25
PHASE = "scenarios"


@dataclass
class _Response:
    response: httpx.Response
    document: Any
    method: str
    url: str


@dataclass
class CaseRun:
    services: RunServices
    scenario: Scenario
    case_tag: str
    vars: dict[str, Any] = field(default_factory=dict)
    exchanges: list[Exchange] = field(default_factory=list)
    exchange_count: int = 0
    _auth_of_last: str = "default"
    #: the literal headers each step wrote (rendered), for the curl reproducer
    _headers_of_step: dict[str, dict[str, str]] = field(default_factory=dict)
    _workspace: dict[str, Any] = field(default_factory=dict)
    #: SIDs this case's creates returned, in order
    own_sids: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    _identity: bool | None = None

    # -- entry point ------------------------------------------------------------------------
    def execute(self) -> CaseRecord:
        started = self.services.monotonic()
        scenario = self.scenario
        record = CaseRecord(
            id=scenario.id,
            title=scenario.title,
            category=scenario.category,
            phase=PHASE,
            status=Status.PASS,
            clauses=self._clause_refs(),
            strength=scenario.strength,
            tags=list(scenario.tags),
            source=scenario.source,
            note=scenario.note,
        )
        gaps = sorted(
            (set(scenario.requires) | set(scenario.tags)) & self.services.profile.unsupported
        )
        if gaps:
            record.status = Status.UNSUPPORTED
            record.reason = f"the target profile declares unsupported: {', '.join(gaps)}"
            return record
        if self.services.state.sids_reused and self.depends_on_identity:
            record.status = Status.SKIPPED
            record.cause = str(StateCause.SIDS_REUSED)
            record.reason = (
                f"could not run: {SIDS_REUSED_REASON} (an earlier create of this run returned "
                f"{self.services.state.sids_reused} again), and this case depends on the "
                "identity of the tasks it creates"
            )
            return record
        try:
            self._workspace = self.services.profile.workspace(scenario.workspace)
        except ProfileValueMissing as exc:
            _not_configured(record, exc)
            return record
        if (problem := callback_steps.unready(self)) is not None:
            record.status, record.reason = problem
            if record.status is Status.ERROR:
                record.failure = Failure("(start)", "callbacks", message=record.reason)
            return record
        current = "(start)"
        try:
            for step in scenario.steps:
                current = step.name
                self.services.check_stop()
                self._run_step(step)
        except StepFailed as exc:
            record.status = Status.FAIL
            record.failure = exc.failure
            record.cause = exc.cause
        except ProfileValueMissing as exc:
            _not_configured(record, exc, current)
        except (ScenarioError, RefusedRequest, InterpolationError, ForeignHostError) as exc:
            record.status = Status.ERROR
            record.failure = Failure(current, "harness", message=str(exc))
        except ClockUnavailable as exc:
            record.status = Status.ERROR
            record.failure = Failure(current, "clock", message=str(exc))
        except callback_steps.CallbacksUnavailable as exc:
            record.status = Status.NOT_CONFIGURED if exc.not_configured else Status.ERROR
            record.reason = f"step {current!r}: {exc}"
            if not exc.not_configured:
                record.failure = Failure(current, "callbacks", message=str(exc))
        except Exception as exc:  # a harness bug must not take the run down
            record.status = Status.ERROR
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            record.failure = Failure(current, "harness", message=f"internal error: {detail}")
        self._run_finally(record)
        callback_steps.forget_answers(self)
        self._cleanup(record)
        record.warnings[:0] = self.warnings
        record.duration_s = round(self.services.monotonic() - started, 3)
        record.exchange_count = self.exchange_count
        if record.status is not Status.PASS:
            record.exchanges = self.exchanges[-MAX_KEPT_EXCHANGES:]
            failing = self._failing_exchange(record)
            if failing is not None:
                record.curl = curl_command(
                    failing.request,
                    self._auth_of_last,
                    headers=self._headers_of_step.get(failing.step),
                    secrets=self.services.redactor.secrets,
                )
        return record

    @property
    def depends_on_identity(self) -> bool:
        if self._identity is None:
            self._identity = depends_on_identity(self.scenario)
        return self._identity

    def _failing_exchange(self, record: CaseRecord) -> Exchange | None:
        if record.failure is None:
            return None
        for exchange in reversed(self.exchanges):
            if exchange.step == record.failure.step:
                return exchange
        return None

    def _clause_refs(self) -> list[ClauseRef]:
        registry = self.services.clauses or {}
        refs = []
        for clause_id in self.scenario.clauses:
            clause = registry.get(clause_id)
            strength = getattr(clause, "strength", None) or self.scenario.strength
            refs.append(ClauseRef(clause_id, str(strength)))
        return refs

    def _run_finally(self, record: CaseRecord) -> None:
        for step in self.scenario.finally_steps:
            try:
                self._run_step(step)
            except InterpolationError as exc:
                record.warnings.append(f"finally step {step.name!r} skipped: {exc}")
            except (StepFailed, ScenarioError, RefusedRequest, ForeignHostError) as exc:
                record.warnings.append(f"finally step {step.name!r}: {exc}")
            except ProfileValueMissing as exc:
                record.warnings.append(f"finally step {step.name!r} skipped: {exc}")

    def _cleanup(self, record: CaseRecord) -> None:
        _, failed = delete_owned(self.services.client, self.services.guard, self.case_tag)
        if failed:
            record.warnings.append(f"cleanup could not delete {failed} task(s) of this case")

    # -- interpolation ----------------------------------------------------------------------
    def lookup(self, name: str, extra: Mapping[str, Any] | None = None) -> Any:
        root, rest = split_name(name)
        if extra and root in extra:
            return resolve_in(extra[root], rest, name)
        if root == "profile":
            return self.services.profile.lookup(rest.lstrip("."))
        if root == "workspace":
            try:
                return resolve_in(self._workspace, rest, name)
            except InterpolationError:
                raise ProfileValueMissing(f"workspaces.{self.scenario.workspace}{rest}") from None
        if root in self.vars:
            return resolve_in(self.vars[root], rest, name)
        builtins = {
            "run_tag": self.services.guard.run_tag,
            "case_tag": self.case_tag,
            "base_url": self.services.client.base_url,
            "ws": self._workspace.get("sid"),
        }
        if root in builtins:
            return resolve_in(builtins[root], rest, name)
        if root == "now":
            clock = self.services.clock
            return iso_utc(time.time() + (clock.advanced if clock is not None else 0.0))
        raise InterpolationError(f"variable {root!r} is not defined (not saved yet?)")

    def _lookup_or_profile(self, name: str) -> Any:
        try:
            return self.lookup(name)
        except InterpolationError:
            return self.services.profile.lookup(name)

    def render(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        return render(value, lambda name: self.lookup(name, extra))

    def seconds(self, value: float | str) -> float:
        if isinstance(value, int | float):
            return float(value)
        return float(evaluate_expression(value, self._lookup_or_profile))

    def var(self, name: str) -> Any:
        if name not in self.vars:
            raise InterpolationError(f"variable {name!r} is not defined (not saved yet?)")
        return self.vars[name]

    # -- steps ------------------------------------------------------------------------------
    def _run_step(self, step: Step) -> None:
        if step.kind == "wait":
            assert step.wait is not None
            self.services.pause(self.seconds(step.wait))
        elif step.kind == "create_tasks":
            step_kinds.create_tasks(self, step)
        elif step.kind == "callback":
            callback_steps.callback(self, step)
        elif step.kind == "answer":
            callback_steps.answer(self, step)
        elif step.paginate is not None:
            step_kinds.paginate(self, step)
        elif step.eventually is not None:
            step_kinds.eventually(self, step)
        else:
            assert step.request is not None
            result = self._send(step, step.request)
            failure = self._check(step.name, step.expect, result)
            if failure:
                raise StepFailed(failure)
            self._save(step, result.document, result.response.headers, result.response)

    def _send(
        self,
        step: Step,
        spec: RequestSpec,
        extra: Mapping[str, Any] | None = None,
        url_override: str | None = None,
    ) -> _Response:
        services = self.services
        target = url_override or self.render(spec.path or spec.url or "", extra)
        if not isinstance(target, str):
            raise ScenarioError(f"step {step.name!r}: the path renders to {target!r}")
        query: Sequence[tuple[str, Any]] = () if url_override else self._pairs(spec.query, extra)
        url = services.client.url_for(target, query)
        path = urlsplit(url).path
        form = self._pairs(spec.form, extra) if spec.form is not None else None
        form = services.guard.prepare_form(spec.method, path, form, self.case_tag, spec.tag)
        services.guard.check(spec.method, path, step.foreign_ok)
        body = self.render(spec.body, extra) if spec.body is not None else None
        headers = self._pairs(spec.headers, extra)
        request = services.client.build(
            spec.method, url, form=form, body=body, headers=headers, auth=spec.auth
        )
        self._auth_of_last = spec.auth
        self._headers_of_step[step.name] = {str(k): str(v) for k, v in headers}
        # a first Ctrl-C waits until a create's answer is recorded (harness.interrupts)
        with interrupts.shielded(spec.method.upper() == "POST"):
            response = self._exchange(step, request)
            document = parse_body(response)
            services.guard.observe(spec.method, path, response.status_code, document, self.case_tag)
        sent = parse_qsl(urlsplit(str(request.url)).query, keep_blank_values=True)
        watch_response(self, step.name, spec.method, path, sent, response.status_code, document)
        return _Response(response, document, spec.method, str(request.url))

    def _exchange(self, step: Step, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and keep the exchange; a missing or too large answer fails the step."""
        services = self.services
        started = services.monotonic()
        try:
            response = services.client.send(request)
        except ResponseTooLarge as exc:
            # an answer came, too large to keep: record it cut, fail the step saying so
            elapsed = services.monotonic() - started
            self._keep(
                record_exchange(step.name, request, exc.response, services.redactor, elapsed)
            )
            raise StepFailed(
                Failure(step.name, "response", "a body within the cap", exc.size, str(exc))
            ) from None
        except httpx.TransportError as exc:
            self._keep(record_exchange(step.name, request, None, services.redactor, 0.0, str(exc)))
            raise StepFailed(
                Failure(
                    step.name,
                    "response",
                    expected="an HTTP response",
                    actual=type(exc).__name__,
                    message=f"no response from the target: {type(exc).__name__}: {exc}",
                )
            ) from None
        elapsed = services.monotonic() - started
        self._keep(record_exchange(step.name, request, response, services.redactor, elapsed))
        return response

    def _pairs(
        self, pairs: Sequence[tuple[str, Any]] | None, extra: Mapping[str, Any] | None
    ) -> list[tuple[str, Any]]:
        return [(k, self.render(v, extra)) for k, v in (pairs or ())]

    def _keep(self, exchange: Exchange) -> None:
        if self.services.on_exchange is not None:
            self.services.on_exchange(exchange)
        self.exchange_count += 1
        self.exchanges.append(exchange)
        if len(self.exchanges) > MAX_KEPT_EXCHANGES * 4:
            del self.exchanges[: -MAX_KEPT_EXCHANGES * 2]

    # -- expectations -----------------------------------------------------------------------
    def _check(self, step: str, expect: Expectations, result: _Response) -> Failure | None:
        response = result.response
        if expect.status and response.status_code not in expect.status:
            wanted = expect.status[0] if len(expect.status) == 1 else list(expect.status)
            return Failure(
                step,
                "status",
                expected=wanted,
                actual=response.status_code,
                message=f"expected status {wanted}, got {response.status_code}"
                + _error_hint(result.document),
            )
        off_spec = self._spec_problems(result)
        if off_spec:
            return off_spec_failure(step, off_spec)
        for header in expect.headers:
            problem = check_header(
                header.name, header.rule, self.render(header.value), response.headers
            )
            if problem:
                return Failure(
                    step,
                    f"headers.{header.name}",
                    problem.expected,
                    problem.actual,
                    problem.message,
                )
        return self._check_document(step, expect, result.document, response.headers, "json")

    def _spec_problems(self, result: _Response) -> list[str]:
        """The documented schema problems of the response (they stop the case); inferred ones
        are kept as warnings (``schema (inferred): ...``) and the case goes on."""
        if self.services.spec is None:
            return []
        response = result.response
        problems = self.services.spec.check_problems(
            result.method,
            result.url,
            response.status_code,
            dict(response.headers),
            response.content,
        )
        for problem in problems:
            if problem.inferred:
                text = inferred_schema_warning(problem.message, problem.rule, problem.assumption)
                if text not in self.warnings:
                    self.warnings.append(text)
        return [p.message for p in problems if not p.inferred]

    def _check_document(
        self, step: str, expect: Expectations, document: Any, headers: Mapping[str, str], label: str
    ) -> Failure | None:
        ctx = MatchContext(self.var, self.render)
        if expect.json and not isinstance(document, dict | list):
            return Failure(
                step,
                label,
                "a JSON body",
                document,
                "expected a JSON body, got "
                + (repr(document)[:120] if document else "an empty body"),
            )
        for check in expect.json:
            resolved = check.path.resolve(document)
            problem = match_path(check.path.text, check.matcher, resolved, check.path.multi, ctx)
            if problem:
                return Failure(
                    step,
                    f"{label}.{check.path.text}",
                    problem.expected,
                    problem.actual,
                    f"{check.path.text}: {problem.message}",
                )
        subject = Subject(document, dict(headers), self.var)
        for index, relation in enumerate(expect.relations):
            problem = evaluate(relation, subject)
            if problem:
                kind = next(iter(relation))
                return Failure(
                    step,
                    f"relations[{index}].{kind}",
                    problem.expected,
                    problem.actual,
                    problem.message,
                )
        return None

    def _save(
        self, step: Step, document: Any, headers: Mapping[str, str], response: httpx.Response | None
    ) -> None:
        for save in step.save:
            if save.source == "header":
                assert save.header is not None
                value = headers.get(save.header)
                if value is None:
                    raise StepFailed(
                        Failure(
                            step.name,
                            f"save.{save.name}",
                            f"a {save.header} header",
                            None,
                            f"cannot save {save.name}: the response has no {save.header} header",
                        )
                    )
            elif save.source == "status":
                value = response.status_code if response is not None else None
            else:
                assert save.path is not None
                value = save.path.resolve(document)
                if value is MISSING or (save.path.multi and any(v is MISSING for v in value)):
                    raise StepFailed(
                        Failure(
                            step.name,
                            f"save.{save.name}",
                            f"a value at {save.path}",
                            None,
                            f"cannot save {save.name}: nothing at {save.path} in the response",
                        )
                    )
            self.vars[save.name] = value


def _not_configured(record: CaseRecord, exc: ProfileValueMissing, step: str | None = None) -> None:
    record.status = Status.NOT_CONFIGURED
    where = f"step {step!r}: " if step else ""
    record.reason = (
        f"{where}not configured: the target profile has no `{exc.key}`; add `{exc.key}` to the "
        "target profile (see docs/target-profile.example.yaml)"
    )


def _error_hint(document: Any) -> str:
    if isinstance(document, dict) and ("message" in document or "code" in document):
        return f" (code {document.get('code')}: {str(document.get('message'))[:160]})"
    return ""
