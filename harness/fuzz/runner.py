"""``run_fuzz``: schemathesis 4 over the Task spec, stateless and stateful, against one target.

Phases, in order (``FuzzOptions.phases``):

1. ``examples``: the spec's own request examples;
2. ``coverage``: schemathesis' deterministic boundary and negative values per parameter,
   missing parameters, and undeclared methods (405 expected);
3. ``fuzzing``: Hypothesis-generated positive and negative data, ``max_examples`` per operation;
4. ``stateful``: scenarios through the spec's links (create -> fetch/update/delete, the ETag
   into If-Match), ``max_examples`` scenarios of up to ``stateful_steps`` steps.

Phases 1-3 visit the operations in ``OPERATIONS`` order. Every case is steered (steering.py)
right before it is sent, then validated by every schemathesis check (config.py) plus the
TaskRouter checks of checks.py. Failures are collected into records (records.py). Every task a
201 created is tracked and deleted at the end, whatever happened.

The stateful phase is schemathesis' own state machine (``schema.as_state_machine()``) plus one
rule: schemathesis starts scenarios only at operations its dependency analysis expects to
succeed with random data, which excludes CreateTask (its body names workflows and queues no
operation creates), so CreateTask gets a root rule here. Hypothesis may call a stateful run
"flaky" when a replayed scenario meets a changed server; the phase then continues with a new
derived seed until its scenarios are spent.

After the phases, each stateless failing example is minimized: optional parameters are dropped
one at a time while the same check still fails with the same signature (a few requests each).

The time budget: the stateless phases stop at 80 % of it when the stateful phase is on, the
stateful phase at 100 %. A phase cut short keeps what it found; minimization stops at the
deadline too; cleanup always runs, also after an interrupt or an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import unittest
from collections import Counter
from collections.abc import Iterator
from typing import Any

from harness.fuzz.checks import CUSTOM_CHECKS, sent_invalid_attributes
from harness.fuzz.config import build_config
from harness.fuzz.options import OPERATIONS, FuzzOptions, FuzzOutcome
from harness.fuzz.records import Collector, failure_signature, step_size
from harness.fuzz.steering import LONG_TTL, Steering, TargetData, case_digest
from harness.results.redact import Redactor

IN_PROCESS_BASE_URL = "http://testserver"
#: ``ignored_auth`` re-sends a successful request without and with wrong credentials. Once it
#: has confirmed enforcement this many times on an operation, it is skipped there (schemathesis'
#: own runner confirms once per operation per run).
IGNORED_AUTH_CONFIRMATIONS = 3
#: Requests tried per failure when shrinking a stateless failing example.
MINIMIZE_ATTEMPTS = 12
#: Share of the time budget the stateless phases may use when the stateful phase follows.
STATELESS_SHARE = 0.8
#: Hypothesis runs of the stateful phase at most (a new one starts after a "flaky" one).
MAX_STATEFUL_SUITES = 8
#: Tasks with a Timeout (TTL) shorter than this are not reused by later cases; in the stateful
#: phase, shorter Timeouts are steered up to at least this (see ``_new_task``).
LONG_LIVED_S = LONG_TTL
#: Consecutive requests without any response before the target is declared gone.
MAX_CONSECUTIVE_TRANSPORT_ERRORS = 5
#: Besides its public API (``openapi.from_path``, ``as_strategy``, ``call``,
#: ``validate_response``, ``as_state_machine``), this module uses a few schemathesis 4 modules
#: that are not re-exported at the top level: ``generation.hypothesis.builder.create_test`` (the
#: examples and coverage phases, as the pytest plugin builds them), ``specs.openapi.stateful
#: .transition`` (one extra root rule), ``python.asgi.get_client``. Checked on 4.32.5.
SUPPORTED_SCHEMATHESIS = "4."


class FuzzTargetUnreachable(Exception):
    """The target did not answer the first request."""


class _OutOfTime(BaseException):
    """The phase's time budget is spent (a BaseException so Hypothesis does not catch it)."""


class _TargetGone(BaseException):
    """The target stopped answering in the middle of the run."""


@contextlib.contextmanager
def _without_hypothesis_local_constants() -> Iterator[None]:
    """Keep Hypothesis from mixing literals of the caller's own modules into generation.

    Since 6.131 Hypothesis draws, now and then, integers and strings found in every "local"
    module loaded at the time (anything outside the stdlib and site-packages), and gives up
    parsing them after 100 ms. Which modules happen to be imported (``trc fuzz`` or ``trc run``,
    pytest or not) and how busy the machine is would then change the cases a seed generates.
    For the duration of a run it sees no local constants (a private Hypothesis hook; when it
    is not there, nothing is patched).
    """
    try:
        from hypothesis.internal.conjecture import providers

        original = providers._get_local_constants
        empty = providers.Constants()
        cache = providers.CONSTANTS_CACHE.cache
    except (ImportError, AttributeError):
        yield
        return
    providers._get_local_constants = lambda: empty
    cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()


def run_fuzz(options: FuzzOptions) -> FuzzOutcome:
    """Fuzz one target; see the module docstring. Raises ``FuzzTargetUnreachable``."""
    options.validate()
    return _FuzzRun(options).execute()


class CreationTracker:
    """Every task a 201 created, in order, each once."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self._index: dict[str, int] = {}
        self.listeners: list[Any] = []

    def add(self, workspace_sid: str, sid: str, task: dict[str, Any] | None = None) -> None:
        if sid in self._index:
            return
        self._index[sid] = len(self.items)
        self.items.append((workspace_sid, sid))
        for listener in self.listeners:
            listener(sid, task or {})

    def index(self, sid: str) -> int | None:
        return self._index.get(sid)

    def observe(self, method: str, path: str, status: int, body: bytes | str | None) -> None:
        if method.upper() != "POST" or status != 201 or not body:
            return
        try:
            data = json.loads(body)
        except (ValueError, TypeError):
            return
        if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
            return
        parts = path.strip("/").split("/")
        workspace = data.get("workspace_sid")
        if not isinstance(workspace, str):
            workspace = parts[2] if len(parts) > 2 else ""
        self.add(workspace, data["sid"], data)


class CreationWatcher:
    """ASGI middleware in front of an in-process target: sees every 201, probes included."""

    def __init__(self, app: Any, tracker: CreationTracker) -> None:
        self.app = app
        self.tracker = tracker
        self.state = getattr(app, "state", None)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        status = 0
        chunks: list[bytes] = []

        async def watch(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status == 201:
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, watch)
        if status == 201:
            self.tracker.observe("POST", scope.get("path", ""), status, b"".join(chunks))


class _FuzzRun:
    def __init__(self, options: FuzzOptions) -> None:
        import requests
        import schemathesis
        from schemathesis.python import asgi

        self.options = options
        self.started = time.monotonic()
        budget = options.time_budget_s
        self.deadline = self.started + budget if budget else None
        stateful = "stateful" in options.phases
        self.stateless_deadline = (
            self.started + budget * STATELESS_SHARE if budget and stateful else self.deadline
        )
        self.phase_deadline = self.stateless_deadline
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
        if not schemathesis.__version__.startswith(SUPPORTED_SCHEMATHESIS):
            raise RuntimeError(
                f"harness.fuzz needs schemathesis 4 (checked on 4.32.5), not "
                f"{schemathesis.__version__}"
            )
        self.schema = schemathesis.openapi.from_path(options.spec_path, config=config)
        if options.operations is not None:
            # The stateless phases see the selected operations only; the state machine is
            # pruned separately (``_unselected_rules``).
            self.schema = self.schema.include(operation_id=list(options.operations))
        self.schema_version = schemathesis.__version__
        self.tracker = CreationTracker()
        if self.in_process:
            self.schema.app = CreationWatcher(options.app, self.tracker)
        # After the app is set: operations keep the app they were created with (probes use it).
        self.operations = self._operations()
        self._client_cm: Any = None
        if self.in_process:
            self._client_cm = asgi.get_client(self.schema.app)
            self.session = self._client_cm.__enter__()
        else:
            self.session = requests.Session()
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
        self.tracker.listeners.append(self._new_task)
        self.steering = Steering(self.target, options.seed)
        self.collector = Collector(Redactor([options.auth_token]), self.in_process)
        self.cases: Counter[tuple[str, str, str]] = Counter()
        self.digests: list[str] = []
        self.auth_confirmed: Counter[str] = Counter()
        self.warnings: list[str] = []
        self.time_exhausted = False
        self._results: list[Any] = []
        self._transport_errors = 0
        self.flaky_suites = 0
        self.schema.hooks.register_hook_with_name(self._after_validate, "after_validate")
        self.schema.hooks.register_hook_with_name(self._after_call, "after_call")

    # -- lifecycle --------------------------------------------------------------------------
    def execute(self) -> FuzzOutcome:
        interrupted = False
        deleted: list[str] = []
        failures: dict[str, str] = {}
        try:
            self._probe()
            gone = False
            with _without_hypothesis_local_constants():
                try:
                    self._run_phases()
                except KeyboardInterrupt:
                    interrupted = True
                except _TargetGone as exc:
                    gone = True
                    self.warnings.append(f"the target stopped answering: {exc}")
            if not (interrupted or gone):
                try:
                    self._minimize_findings()
                except (_OutOfTime, _TargetGone):
                    pass
                except KeyboardInterrupt:
                    interrupted = True
        finally:
            deleted, failures = self._cleanup()
            if self._client_cm is not None:
                self._client_cm.__exit__(None, None, None)
            elif hasattr(self.session, "close"):
                self.session.close()
        order = [op for op in OPERATIONS if op in self.operations]
        return FuzzOutcome(
            records=self.collector.records(order),
            seed=self.options.seed,
            cases=self.cases,
            created=list(self.tracker.items),
            deleted=deleted,
            cleanup_failures=failures,
            duration_s=time.monotonic() - self.started,
            time_exhausted=self.time_exhausted,
            interrupted=interrupted,
            case_digests=self.digests,
            warnings=self.warnings + self._notes(),
            schemathesis_version=self.schema_version,
        )

    def _notes(self) -> list[str]:
        notes = []
        if self.flaky_suites:
            notes.append(
                f"stateful: {self.flaky_suites} Hypothesis run(s) ended as 'flaky' (the server's "
                "state changed under a replayed scenario) and were continued with a new seed"
            )
        if self.time_exhausted:
            notes.append("the time budget ran out before every phase finished")
        return notes

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

    def _url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def _probe(self) -> None:
        import requests

        url = self._url(f"/v1/Workspaces/{self.options.workspace_sid}/Tasks")
        try:
            response = self.session.get(
                url, params={"PageSize": 1}, auth=self.auth, timeout=self.options.request_timeout_s
            )
        except requests.RequestException as exc:
            raise FuzzTargetUnreachable(
                f"target {self.options.target_label} did not answer: {type(exc).__name__}: {exc}"
            ) from None
        if response.status_code == 401:
            self.warnings.append("the probe request got 401: check the credentials")
        elif response.status_code == 404:
            self.warnings.append(
                f"the probe request got 404: is {self.options.workspace_sid} a workspace of "
                "the target?"
            )

    def _run_phases(self) -> None:
        for phase in ("examples", "coverage", "fuzzing"):
            if phase not in self.options.phases:
                continue
            for operation_id in OPERATIONS:
                if operation_id not in self.operations:
                    continue
                try:
                    self._stateless(phase, operation_id)
                except _OutOfTime:
                    self.time_exhausted = True
                    break
                self._progress(phase, operation_id)
            if self.time_exhausted:
                break
        if "stateful" in self.options.phases and "CreateTask" not in self.operations:
            # Every link of the spec starts at CreateTask.
            self.warnings.append("stateful phase skipped: it needs CreateTask among the operations")
        elif "stateful" in self.options.phases:
            self.phase_deadline = self.deadline
            if self.deadline is None or time.monotonic() < self.deadline:
                try:
                    self._stateful()
                except _OutOfTime:
                    self.time_exhausted = True
                self._progress("stateful", None)

    def _progress(self, phase: str, operation_id: str | None) -> None:
        if self.options.progress is None:
            return
        if operation_id is None:
            count = sum(n for (p, _, _), n in self.cases.items() if p == phase)
            self.options.progress(f"{phase:<9} {'(links)':<11} {count} case(s)")
        else:
            count = sum(
                n for (p, o, _), n in self.cases.items() if p == phase and o == operation_id
            )
            self.options.progress(f"{phase:<9} {operation_id:<11} {count} case(s)")

    def _new_task(self, sid: str, task: dict[str, Any]) -> None:
        # Only long-lived tasks go into the pool later cases draw Sids from: a task with a short
        # Timeout expires (is canceled) at a moment that depends on how fast the run goes, and
        # what a later case meets must depend on the seed alone.
        timeout = task.get("timeout")
        if not isinstance(timeout, int) or timeout >= LONG_LIVED_S:
            self.target.tasks.append(sid)

    # -- hooks ------------------------------------------------------------------------------
    def _after_validate(self, context: Any, case: Any, response: Any, results: list[Any]) -> None:
        self._results = list(results)

    def _after_call(self, context: Any, case: Any, response: Any) -> None:
        if response.status_code == 201:
            self.tracker.observe("POST", case.formatted_path, 201, response.content)

    # -- one case ---------------------------------------------------------------------------
    def _check_time(self) -> None:
        if self.phase_deadline is not None and time.monotonic() >= self.phase_deadline:
            raise _OutOfTime

    def _placeholder(self, value: str) -> str:
        """Server-assigned task SIDs and the run tag, as stable tokens (for case digests)."""
        index = self.tracker.index(value)
        if index is not None:
            return f"<task:{index}>"
        if self.target.tag and self.target.tag in value:
            return value.replace(self.target.tag, "<run-tag>")
        return value

    def _excluded(self, operation_id: str, invalid_attributes: bool) -> list[Any]:
        from schemathesis.specs.openapi import checks as st_checks

        excluded = []
        if invalid_attributes:
            # Attributes steered to a non-object on purpose: a correct server rejects the case
            # (asserted by invalid_attributes_rejection), so it is not "positive data".
            excluded.append(st_checks.positive_data_acceptance)
        if self.auth_confirmed[operation_id] >= IGNORED_AUTH_CONFIRMATIONS:
            excluded.append(st_checks.ignored_auth)
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

        self._check_time()
        operation_id = case.operation.definition.raw.get("operationId", case.operation.label)
        meta = case.meta
        positive = meta is None or meta.generation.mode.is_positive
        steered = self.steering.steer(
            case, stateful=stateful, positive=positive, long_lived=phase == "stateful"
        )
        mode = "positive" if positive and not steered.invalid_attributes else "negative"
        self.cases[(phase, operation_id, mode)] += 1
        self.digests.append(
            f"{phase}|{operation_id}|{mode}|{case.method}|{case_digest(case, self._placeholder)}"
        )
        try:
            response = case.call(**self.call_kwargs)
        except requests.RequestException as exc:
            self._transport_errors += 1
            self.collector.error(f"{operation_id}.transport", f"{type(exc).__name__}: {exc}")
            if self._transport_errors >= MAX_CONSECUTIVE_TRANSPORT_ERRORS:
                raise _TargetGone(f"{type(exc).__name__}: {exc}") from None
            return None
        self._transport_errors = 0
        if recorder is not None:
            recorder.record_response(case_id=case.id, response=response)
        results = self._validate(
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

    def _validate(
        self,
        case: Any,
        response: Any,
        operation_id: str,
        phase: str,
        invalid_attributes: bool,
        recorder: Any,
    ) -> list[Any]:
        from schemathesis.core.failures import FailureGroup

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

    # -- stateless ----------------------------------------------------------------------------
    def _seed_for(self, *parts: str) -> int:
        text = ":".join((str(self.options.seed), *parts))
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")

    def _hypothesis_settings(self, **overrides: Any) -> Any:
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

    def _stateless(self, phase: str, operation_id: str) -> None:
        import hypothesis

        operation = self.operations[operation_id]

        def test(case: Any) -> None:
            self.run_case(case, phase=phase)

        settings = self._hypothesis_settings(
            max_examples=self.options.max_examples,
            # No shrinking (a failure never fails the Hypothesis test: it is recorded and the
            # run goes on) and no example database: explicit examples, then generation.
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        if phase == "fuzzing":
            test_function = self._fuzzing_test(operation, test, settings)
        else:
            test_function = self._explicit_test(operation, phase, test, settings)
        try:
            test_function()
        except (unittest.SkipTest, hypothesis.errors.Unsatisfiable):
            pass  # nothing to generate for this operation in this phase
        except Exception as exc:
            from schemathesis.core.control import SkipTest

            if not isinstance(exc, SkipTest):
                self.collector.error(
                    f"{operation_id}.{phase}.error", f"{type(exc).__name__}: {exc}"
                )

    def _explicit_test(self, operation: Any, phase: str, test: Any, settings: Any) -> Any:
        """The examples or coverage phase: schemathesis' own explicit cases for the operation."""
        from schemathesis.generation.hypothesis.builder import (
            HypothesisTestConfig,
            HypothesisTestMode,
            create_test,
        )

        mode = HypothesisTestMode.EXAMPLES if phase == "examples" else HypothesisTestMode.COVERAGE
        operation_id = operation.definition.raw.get("operationId", "")
        return create_test(
            operation=operation,
            test_func=test,
            config=HypothesisTestConfig(
                project=self.schema.config,
                modes=[mode],
                settings=settings,
                apply_ci_profile=False,
                seed=self._seed_for(phase, operation_id),
            ),
        )

    def _fuzzing_test(self, operation: Any, test: Any, settings: Any) -> Any:
        """Hypothesis over positive and negative data. Positive cases get the target's
        WorkspaceSid as an explicit path parameter: nothing to steer afterwards, and drawing
        34-character SIDs from their pattern is the slowest part of generation."""
        import hypothesis
        from hypothesis import strategies as st
        from schemathesis import GenerationMode

        pinned = {"WorkspaceSid": self.options.workspace_sid}
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=pinned),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )
        operation_id = operation.definition.raw.get("operationId", "")
        given = hypothesis.given(case=strategy)(test)
        return hypothesis.seed(self._seed_for("fuzzing", operation_id))(settings(given))

    # -- stateful -----------------------------------------------------------------------------
    def _stateful(self) -> None:
        import hypothesis
        from schemathesis.generation.stateful import run_state_machine_as_test
        from schemathesis.generation.stateful.state_machine import (
            StepOutput,
            release_state_machines,
        )

        run = self
        base = self.schema.as_state_machine()
        extra_rules, extra_roots, extra_labels = self._create_root_rule(base)

        class FuzzStateMachine(base):  # type: ignore[misc, valid-type]
            """schemathesis' link-driven machine, with our steering, checks and records."""

            def setup(self) -> None:
                self._steps: list[tuple[str, Any, Any]] = []

            def step(self, input: Any) -> Any:
                case = input.case
                operation_id = case.operation.definition.raw.get("operationId", "")
                response = run.run_case(
                    case,
                    phase="stateful",
                    # A scenario's first step has no link to take values from: steer it like
                    # a stateless case (e.g. an existing task's Sid for a root update).
                    stateful=input.transition is not None,
                    recorder=self.recorder,
                    history=list(self._steps),
                )
                if response is None:
                    return None
                self._steps.append((f"stateful {operation_id}", case, response))
                return StepOutput(response, case)

        for name, rule in extra_rules.items():
            setattr(FuzzStateMachine, name, rule)
        for name in self._unselected_rules(base):
            # schemathesis builds its machine from every operation, whatever the filter:
            # shadow the rules that would call an operation the options left out.
            setattr(FuzzStateMachine, name, None)
        FuzzStateMachine.root_rules = frozenset(base.root_rules) | extra_roots
        FuzzStateMachine._root_labels = frozenset(base._root_labels) | extra_labels
        scenarios = self.options.stateful_scenarios or self.options.max_examples
        completed = 0
        original_setup = FuzzStateMachine.setup

        def counting_setup(machine: Any) -> None:
            nonlocal completed
            completed += 1
            original_setup(machine)

        FuzzStateMachine.setup = counting_setup  # type: ignore[method-assign]
        try:
            for suite in range(MAX_STATEFUL_SUITES):
                remaining = scenarios - completed
                if remaining <= 0:
                    break
                seed = self._seed_for("stateful", str(suite))
                FuzzStateMachine._hypothesis_internal_use_seed = seed  # type: ignore[attr-defined]
                FuzzStateMachine.rule_order_seed = seed
                settings = self._hypothesis_settings(
                    max_examples=remaining,
                    stateful_step_count=self.options.stateful_steps,
                    phases=[hypothesis.Phase.generate],
                )
                try:
                    run_state_machine_as_test(FuzzStateMachine, settings=settings)
                    break
                except hypothesis.errors.InvalidDefinition as exc:
                    if "No progress can be made" not in str(exc):
                        raise
                    # Every rule's precondition is False (schemathesis caps how often each link
                    # is followed; with few operations selected, all caps can be reached).
                    self.warnings.append(
                        "stateful: scenarios stopped early, no link could be followed any more"
                    )
                    break
                except hypothesis.errors.Flaky:
                    # Hypothesis replays choice prefixes; against a stateful server the same
                    # choices can meet a different state (a task an earlier scenario deleted)
                    # and it calls that flaky. Expected here: start a new suite, as
                    # schemathesis' own runner does, until the scenarios are spent.
                    self.flaky_suites += 1
                    continue
        except (_OutOfTime, _TargetGone, KeyboardInterrupt):
            raise
        except Exception as exc:
            self.collector.error("stateful.error", f"{type(exc).__name__}: {exc}")
        finally:
            release_state_machines(FuzzStateMachine)

    def _unselected_rules(self, base: Any) -> list[str]:
        if self.options.operations is None:
            return []
        from schemathesis.generation.stateful.state_machine import normalize_name

        selected = {op.label for op in self.operations.values()}
        everything = self.schema.clone(filter_set=type(self.schema.filter_set)())
        left_out = [
            normalize_name(result.ok().label)
            for result in everything.get_all_operations()
            if result.ok().label not in selected
        ]
        return [
            name
            for name in dir(base)
            if "__" in name and any(name.endswith(f"__{label}") for label in left_out)
        ]

    def _create_root_rule(self, base: Any) -> tuple[dict[str, Any], frozenset[str], frozenset[str]]:
        """A scenario-starting rule for CreateTask, when schemathesis did not make one.

        schemathesis starts scenarios only at operations its dependency analysis deems likely
        to succeed with random data, and CreateTask is not one: its body names workflows and
        queues that no operation of the spec creates. Steering makes it succeed, and every link
        of the spec starts at it, so it gets a root rule like the others: mostly positive data
        (in the target's workspace), one case in ten negative, as schemathesis does.
        """
        from hypothesis import strategies as st
        from hypothesis.stateful import Bundle
        from schemathesis import GenerationMode
        from schemathesis.generation.meta import TestPhase
        from schemathesis.generation.stateful.state_machine import StepInput
        from schemathesis.specs.openapi.stateful import is_root_allowed, transition

        operation = self.operations.get("CreateTask")
        if operation is None or operation.label in base._root_labels:
            return {}, frozenset(), frozenset()
        positive = operation.as_strategy(
            GenerationMode.POSITIVE,
            phase=TestPhase.STATEFUL,
            path_parameters={"WorkspaceSid": self.options.workspace_sid},
        )
        negative = operation.as_strategy(GenerationMode.NEGATIVE, phase=TestPhase.STATEFUL)
        strategy = st.integers(0, 9).flatmap(lambda n: negative if n == 0 else positive)
        name = "RANDOM__CreateTask"
        rule = transition(
            name=name,
            target=Bundle("catch_all"),
            input=strategy.map(StepInput.initial),
            precondition=is_root_allowed(operation.label),
        )
        return {name: rule}, frozenset({name}), frozenset({operation.label})

    # -- minimization -------------------------------------------------------------------------
    def _minimize_findings(self) -> None:
        """Drop optional parameters of each stateless failing example while it still fails
        the same way (same check, same signature)."""
        self.phase_deadline = self.deadline
        for finding in list(self.collector.findings.values()):
            if finding.case is None or finding.stateful:
                continue
            self._minimize(finding)

    def _minimize(self, finding: Any) -> None:
        case = finding.case
        attempts = 0
        for location, name in list(self._optional_parts(case)):
            if attempts >= MINIMIZE_ATTEMPTS:
                break
            self._check_time()
            trial = self._without(case, location, name)
            if trial is None:
                continue
            attempts += 1
            response, results = self._send_plain(trial)
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
                finding.steps = [self.collector.step(finding.steps[-1].label, trial, response)]
                finding.size = step_size(finding.steps[-1])
                finding.minimized = True

    @staticmethod
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

    @staticmethod
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

    def _send_plain(self, case: Any) -> tuple[Any, list[Any]]:
        """Send and validate a case as is (no steering, not counted as generated)."""
        import requests

        operation_id = case.operation.definition.raw.get("operationId", "")
        try:
            response = case.call(**self.call_kwargs)
        except requests.RequestException:
            return None, []
        invalid = sent_invalid_attributes(response, case) is not None
        return response, self._validate(case, response, operation_id, "minimize", invalid, None)

    # -- cleanup ------------------------------------------------------------------------------
    def _cleanup(self) -> tuple[list[str], dict[str, str]]:
        """Delete every task the run created; against a tagged target, also sweep the tag."""
        deleted: list[str] = []
        failures: dict[str, str] = {}
        for workspace_sid, sid in list(self.tracker.items):
            self._delete(workspace_sid, sid, deleted, failures)
        if self.target.tag and not self.in_process:
            for workspace_sid, sid in self._tagged_tasks():
                if sid not in deleted and sid not in failures:
                    self.tracker.add(workspace_sid, sid)
                    self._delete(workspace_sid, sid, deleted, failures)
        return deleted, failures

    def _delete(
        self, workspace_sid: str, sid: str, deleted: list[str], failures: dict[str, str]
    ) -> None:
        import requests

        url = self._url(f"/v1/Workspaces/{workspace_sid}/Tasks/{sid}")
        try:
            response = self.session.delete(
                url, auth=self.auth, timeout=self.options.request_timeout_s
            )
        except requests.RequestException as exc:
            failures[sid] = f"{type(exc).__name__}: {exc}"
            return
        # 404: the run deleted it already (or retention purged it).
        if response.status_code in (204, 404):
            deleted.append(sid)
        else:
            failures[sid] = f"DELETE answered {response.status_code}"

    def _tagged_tasks(self) -> list[tuple[str, str]]:
        import requests

        found: list[tuple[str, str]] = []
        url: str | None = self._url(f"/v1/Workspaces/{self.options.workspace_sid}/Tasks")
        params: dict[str, Any] | None = {
            "EvaluateTaskAttributes": f'trc_run == "{self.target.tag}"',
            "PageSize": 1000,
        }
        pages = 0
        while url and pages < 20:
            pages += 1
            try:
                response = self.session.get(
                    url, params=params, auth=self.auth, timeout=self.options.request_timeout_s
                )
                data = response.json() if response.status_code == 200 else {}
            except (requests.RequestException, ValueError):
                break
            for task in data.get("tasks") or []:
                if isinstance(task, dict) and isinstance(task.get("sid"), str):
                    found.append(
                        (task.get("workspace_sid") or self.options.workspace_sid, task["sid"])
                    )
            url = (data.get("meta") or {}).get("next_page_url")
            params = None
        return found
