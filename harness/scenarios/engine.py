"""A scenario run against one ready target: probe, run cases, clean up, whatever happens."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx

from harness import interrupts
from harness.callbacks.channel import CallbackChannel
from harness.results.model import CaseRecord, Exchange, Status
from harness.results.redact import Redactor
from harness.results.runid import case_tag_for, run_tag_for
from harness.scenarios.model import Scenario
from harness.scenarios.parallel import run_parallel
from harness.scenarios.runner import CaseRun, RunServices
from harness.speccheck.openapi import SpecChecker
from harness.targets.clock import AdvancedTime
from harness.targets.probe import client_for, probe
from harness.targets.resolve import ReadyTarget
from harness.targets.safety import RunGuard, clean_up_run, run_counts


class ScenarioEngine:
    """Owns the HTTP client and the run guard for one run against one target."""

    def __init__(
        self,
        target: ReadyTarget,
        run_id: str,
        spec: SpecChecker | None = None,
        clauses: Mapping[str, Any] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_exchange: Callable[[Exchange], None] | None = None,
        jobs: int = 1,
    ) -> None:
        self.target = target
        #: cases run side by side (harness.scenarios.parallel); 1 runs them one by one
        self.jobs = max(1, jobs)
        self.run_id = run_id
        self.run_tag = run_tag_for(run_id)
        profile = target.profile
        client = client_for(target, transport=transport, sleep=sleep)
        self.services = RunServices(
            client=client,
            guard=RunGuard(self.run_tag),
            profile=profile,
            spec=spec,
            redactor=Redactor([target.credentials.auth_token]),
            clauses=clauses,
            sleep=sleep,
            on_exchange=on_exchange,
            clock=AdvancedTime(client, profile.clock_advance) if profile.clock_advance else None,
            callbacks=None if profile.lacks("callbacks") else CallbackChannel(client, profile),
        )
        #: callback fields of the target the run could not put back (harness.callbacks)
        self.unrestored: list[str] = []
        self._counter = itertools.count(1)
        self.cleanup_stats = {"created": 0, "deleted": 0, "left": 0}
        #: set when a KeyboardInterrupt ended ``run`` early
        self.interrupted = False

    @property
    def guard(self) -> RunGuard:
        return self.services.guard

    def probe(self) -> httpx.Response:
        """One list request; TargetUnreachable when nothing answers."""
        return probe(self.target, self.services.client)

    def run_case(self, scenario: Scenario, index: int | None = None) -> CaseRecord:
        """Run one case; ``index`` (0-based, its place in the run) numbers its tag."""
        number = next(self._counter) if index is None else index + 1
        case_tag = case_tag_for(self.run_tag, number)
        return CaseRun(self.services, scenario, case_tag).execute()

    def run(
        self,
        scenarios: Iterable[Scenario],
        on_start: Callable[[Scenario], None] | None = None,
        on_record: Callable[[CaseRecord], None] | None = None,
    ) -> list[CaseRecord]:
        """Run cases in order; one record per case, in that order.

        On an interrupt (``harness.interrupts``) the remaining cases are recorded as could
        not run, everything the run created is deleted, ``self.interrupted`` becomes true
        and the partial records are returned: the caller decides what an interrupt means
        (``trc run`` exits 130)."""
        records: list[CaseRecord] = []
        pending = list(scenarios)
        try:
            if self.jobs > 1:
                run_parallel(
                    self.services, pending, self.run_case, self.jobs, on_start, on_record, records
                )
            for index, scenario in enumerate(pending[len(records) :], start=len(records)):
                if interrupts.stop_requested():
                    raise KeyboardInterrupt
                if on_start:
                    on_start(scenario)
                record = self.run_case(scenario, index)
                records.append(record)
                if on_record:
                    on_record(record)
        except KeyboardInterrupt:
            self.interrupted = True
            done = {r.id for r in records}
            records += [_skipped(s, "run interrupted") for s in pending if s.id not in done]
        finally:
            try:
                self.cleanup()
            except interrupts.CleanupAbandoned:
                self.interrupted = True
        return records

    def cleanup(self) -> dict[str, int]:
        """Delete every task this run created that may still exist; return the counts.

        A first interrupt during the cleanup lets it finish; a second abandons it
        (``interrupts.CleanupAbandoned``), leaving the rest to ``trc sweep``."""
        try:
            clean_up_run(self.services.client, self.guard)
            if self.services.callbacks is not None:
                self.unrestored = self.services.callbacks.restore()
        finally:
            self.cleanup_stats = run_counts(self.guard)
        return self.cleanup_stats

    def close(self) -> None:
        try:
            self.cleanup()
        finally:
            if self.services.callbacks is not None and self.unrestored:
                self.unrestored = self.services.callbacks.close()
            elif self.services.callbacks is not None:
                self.services.callbacks.close()
            self.services.client.close()

    def __enter__(self) -> ScenarioEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _skipped(scenario: Scenario, reason: str) -> CaseRecord:
    from harness.results.model import ClauseRef

    return CaseRecord(
        id=scenario.id,
        title=scenario.title,
        category=scenario.category,
        phase="scenarios",
        status=Status.SKIPPED,
        clauses=[ClauseRef(c, scenario.strength) for c in scenario.clauses],
        strength=scenario.strength,
        tags=list(scenario.tags),
        source=scenario.source,
        reason=reason,
    )
