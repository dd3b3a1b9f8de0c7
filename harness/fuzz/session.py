"""One fuzz run's state and the path every generated case takes: steer, send, validate, record.

``FuzzSession`` loads the spec with the run's configuration, opens the transport (requests to a
base URL, or schemathesis' in-process client for an ASGI app), tracks created tasks and holds
the deadlines, counters and findings. The phases (stateless.py, stateful.py), the minimization
(minimize.py) and the cleanup (cleanup.py) all work through it.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from typing import Any

import schemathesis
from schemathesis.errors import FailureGroup

from harness.fuzz import compat
from harness.fuzz.checks import CUSTOM_CHECKS
from harness.fuzz.config import build_config
from harness.fuzz.options import OPERATIONS, FuzzOptions
from harness.fuzz.records import Collector
from harness.fuzz.steering import LONG_TTL, Steering, TargetData, case_digest
from harness.fuzz.tracking import CreationTracker, CreationWatcher
from harness.fuzz.verdicts import unsupported_features
from harness.results.redact import Redactor
from harness.wire.requests_session import BoundedSession, ResponseTooLargeError

IN_PROCESS_BASE_URL = "http://testserver"
#: ``ignored_auth`` re-sends a successful request without and with wrong credentials. Once it
#: has confirmed enforcement this many times on an operation, it is skipped there (schemathesis'
#: own runner confirms once per operation per run).
IGNORED_AUTH_CONFIRMATIONS = 3
#: Share of the time budget the stateless phases may use when the stateful phase follows.
STATELESS_SHARE = 0.8
#: Tasks with a Timeout (TTL) shorter than this are not reused by later cases; in the stateful
#: phase, shorter Timeouts are steered up to at least this (see ``FuzzSession.new_task``).
LONG_LIVED_S = LONG_TTL
#: Consecutive requests without any response before the target is declared gone.
MAX_CONSECUTIVE_TRANSPORT_ERRORS = 5


class OutOfTime(BaseException):
    """The phase's time budget is spent (a BaseException so Hypothesis does not catch it)."""


class TargetGone(BaseException):
    """The target stopped answering in the middle of the run."""


class FuzzSession:
    def __init__(self, options: FuzzOptions) -> None:
        self.options = options
        self.started = time.monotonic()
        budget = options.time_budget_s
        self.deadline = self.started + budget if budget else None
        stateful = "stateful" in options.phases
        self.stateless_deadline = (
            self.started + budget * STATELESS_SHARE if budget and stateful else self.deadline
        )
        self.phase_deadline = self.stateless_deadline
        #: progress: the (phase, operation) steps planned and done (runner._progress)
        self.steps_planned = 0
        self.steps_done = 0
        self.in_process = options.app is not None
        self.base_url = (
            IN_PROCESS_BASE_URL if self.in_process else str(options.base_url).rstrip("/")
        )
        config = build_config(
            seed=options.seed,
            max_examples=options.max_examples,
            stateful_steps=options.stateful_steps,
            base_url=self.base_url,
            request_timeout_s=options.request_timeout_s,
        )
        self.schema = schemathesis.openapi.from_path(options.spec_path, config=config)
        if options.operations is not None:
            # The stateless phases see the selected operations only; the state machine is
            # pruned separately (stateful.py).
            self.schema = self.schema.include(operation_id=list(options.operations))
        compat.memoise_checks_config(self.schema)
        self.schema_version = compat.SCHEMATHESIS_VERSION
        self.tracker = CreationTracker()
        if self.in_process:
            self.schema.app = CreationWatcher(options.app, self.tracker)
        # After the app is set: operations keep the app they were created with (probes use it).
        self.operations = self._operations()
        self._client_cm: Any = None
        if self.in_process:
            self._client_cm = compat.asgi_client(self.schema.app)
            self.session = self._client_cm.__enter__()
        else:
            # No redirects followed, no other host, a total deadline and a body cap.
            # Every answer goes past the tracker, those to schemathesis' own probes too.
            self.session = BoundedSession(
                self.base_url,
                options.request_timeout_s,
                options.max_body_bytes,
                observer=self.tracker.observe,
            )
        self.auth = (options.account_sid, options.auth_token)
        self.call_kwargs: dict[str, Any] = {
            "session": self.session,
            "auth": self.auth,
            "timeout": options.request_timeout_s,
        }
        if not self.in_process:
            self.call_kwargs["base_url"] = self.base_url
        self.target = TargetData(
            workspace_sid=options.workspace_sid,
            workflow_sids=tuple(options.workflow_sids),
            queue_sids=tuple(options.queue_sids),
            channels=tuple(options.channels),
            worker_sids=tuple(options.worker_sids),
            tag=options.run_tag if options.tags_attributes else None,
        )
        self.tracker.listeners.append(self.new_task)
        self.steering = Steering(self.target, options.seed)
        self.collector = Collector(Redactor([options.auth_token]), self.in_process)
        self.cases: Counter[tuple[str, str, str]] = Counter()
        self.digests: list[str] = []
        self.auth_confirmed: Counter[str] = Counter()
        self.warnings: list[str] = []
        self.time_exhausted = False
        self.flaky_suites = 0
        #: Generated requests not sent because they use an unsupported feature.
        self.unsent = 0
        self._results: list[Any] = []
        self._transport_errors = 0
        compat.register_schema_hook(self.schema, "after_validate", self._after_validate)

    # -- set-up and tear-down ---------------------------------------------------------------
    def _operations(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for result in self.schema.get_all_operations():
            operation = result.ok()
            operation_id = operation.definition.raw.get("operationId")
            if self.options.operations is None or operation_id in self.options.operations:
                found[operation_id] = operation
        missing = set(self.options.operations or OPERATIONS) - set(found)
        if missing:
            raise ValueError(f"the spec has no operation(s) {sorted(missing)}")
        return found

    def close(self) -> None:
        if self._client_cm is not None:
            self._client_cm.__exit__(None, None, None)
        elif hasattr(self.session, "close"):
            self.session.close()

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def new_task(self, sid: str, task: dict[str, Any]) -> None:
        # Only long-lived tasks go into the pool later cases draw Sids from: a task with a short
        # Timeout expires (is canceled) at a moment that depends on how fast the run goes, and
        # what a later case meets must depend on the seed alone.
        timeout = task.get("timeout")
        if not isinstance(timeout, int) or timeout >= LONG_LIVED_S:
            self.target.tasks.append(sid)

    # -- hooks ------------------------------------------------------------------------------
    def _after_validate(self, context: Any, case: Any, response: Any, results: list[Any]) -> None:
        self._results = list(results)

    # -- seeds, settings, time --------------------------------------------------------------
    def seed_for(self, *parts: str) -> int:
        text = ":".join((str(self.options.seed), *parts))
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")

    def hypothesis_settings(self, **overrides: Any) -> Any:
        import hypothesis

        # Built on Hypothesis' "default" profile, not the current one: the "ci" profile it
        # loads by itself in CI would otherwise change the run (derandomize, deadlines).
        return hypothesis.settings(
            hypothesis.settings.get_profile("default"),
            database=None,
            deadline=None,
            derandomize=False,
            print_blob=False,
            report_multiple_bugs=False,
            suppress_health_check=list(hypothesis.HealthCheck),
            verbosity=hypothesis.Verbosity.quiet,
            **overrides,
        )

    def check_time(self) -> None:
        if self.phase_deadline is not None and time.monotonic() >= self.phase_deadline:
            raise OutOfTime

    # -- one case ---------------------------------------------------------------------------
    def _placeholder(self, value: str) -> str:
        """Server-assigned task SIDs and the run tag, as stable tokens (for case digests)."""
        index = self.tracker.index(value)
        if index is not None:
            return f"<task:{index}>"
        if self.target.tag and self.target.tag in value:
            return value.replace(self.target.tag, "<run-tag>")
        return value

    def _excluded(self, operation_id: str, invalid_attributes: bool) -> list[Any]:
        excluded = []
        if invalid_attributes:
            # Attributes steered to a non-object on purpose: a correct server rejects the case
            # (asserted by invalid_attributes_rejection), so it is not "positive data".
            excluded.append(compat.openapi_check("positive_data_acceptance"))
        if self.auth_confirmed[operation_id] >= IGNORED_AUTH_CONFIRMATIONS:
            excluded.append(compat.openapi_check("ignored_auth"))
        return excluded

    def run_case(
        self,
        case: Any,
        *,
        phase: str,
        stateful: bool = False,
        recorder: Any = None,
        history: list[tuple[str, Any, Any]] | None = None,
    ) -> Any:
        """Steer, send, validate and record one generated case; returns the response."""
        import requests

        self.check_time()
        operation_id = case.operation.definition.raw.get("operationId", case.operation.label)
        positive = compat.is_positive(case)
        steered = self.steering.steer(
            case, stateful=stateful, positive=positive, long_lived=phase == "stateful"
        )
        mode = "positive" if positive and not steered.invalid_attributes else "negative"
        self.digests.append(
            f"{phase}|{operation_id}|{mode}|{case.method}|{case_digest(case, self._placeholder)}"
        )
        lacking = unsupported_features(case, self.options.unsupported)
        if lacking:
            # The target declared it cannot serve this request: not sent, not judged.
            for feature in lacking:
                self.collector.left_out(operation_id, feature, case)
            self.unsent += 1
            return None
        self.cases[(phase, operation_id, mode)] += 1
        try:
            response = case.call(**self.call_kwargs)
        except ResponseTooLargeError as exc:
            # An answer, too large to judge: the case errors; the target is not gone.
            self._transport_errors = 0
            self.collector.error(f"{operation_id}.response", str(exc))
            return None
        except requests.RequestException as exc:
            self._transport_errors += 1
            self.collector.error(f"{operation_id}.transport", f"{type(exc).__name__}: {exc}")
            if self._transport_errors >= MAX_CONSECUTIVE_TRANSPORT_ERRORS:
                raise TargetGone(f"{type(exc).__name__}: {exc}") from None
            return None
        self._transport_errors = 0
        if recorder is not None:
            compat.record_response(recorder, case, response)
        results = self.validate(
            case, response, operation_id, phase, steered.invalid_attributes, recorder
        )
        if 200 <= response.status_code < 300 and any(
            r.name == "ignored_auth" and r.failure is None for r in results
        ):
            self.auth_confirmed[operation_id] += 1
        self.collector.observe(
            operation=operation_id,
            case=case,
            response=response,
            results=results,
            phase=phase,
            mode=mode,
            history=history,
        )
        return response

    def validate(
        self,
        case: Any,
        response: Any,
        operation_id: str,
        phase: str,
        invalid_attributes: bool,
        recorder: Any,
    ) -> list[Any]:
        """Every check on ``response``; the per-check results (from the after_validate hook)."""
        self._results = []
        try:
            case.validate_response(
                response,
                additional_checks=list(CUSTOM_CHECKS),
                excluded_checks=self._excluded(operation_id, invalid_attributes),
                transport_kwargs=self.call_kwargs,
                recorder=recorder,
            )
        except FailureGroup:
            pass  # the after_validate hook has the per-check results
        except Exception as exc:  # a check crashed: the harness's problem, not the target's
            self.collector.error(f"{operation_id}.{phase}.error", f"{type(exc).__name__}: {exc}")
        return self._results
