"""``trc record``: run scenarios through the scenario engine while vcrpy records every exchange.

How the pieces fit, with no change to the engine:

* vcrpy patches ``httpx.HTTPTransport.handle_request`` inside ``use_cassette``; the engine's
  ``TargetClient`` sends through an ``httpx.HTTPTransport``, so every exchange is captured
  (redacted by ``CassetteRedactor`` in vcrpy's ``before_record_*`` hooks). A memory persister
  keeps vcrpy from writing anything itself: the cassette is written by ``Cassette.write``
  after the provenance is added and a final secret scan passes.
* ``ScenarioEngine(transport=...)`` receives a ``LabellingTransport`` (around an optional
  ``PacedTransport`` around an ``httpx.HTTPTransport``) that labels every request with the
  scenario running and its send time; the i-th label is the i-th vcrpy interaction. The
  engine's public ``on_exchange`` hook names the step of every exchange a case makes.
  The engine's own per-case and per-run cleanup requests are recorded too, labelled
  ``(cleanup)`` and ``(run cleanup)``.
* Tagging, refusal of foreign tasks and cleanup are the engine's, exactly as for ``trc run``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import vcr
from vcr.persisters.filesystem import CassetteNotFoundError

from harness import __version__
from harness.cassette.format import (
    LIVE_NOTICE,
    OTHER_NOTICE,
    REFERENCE_NOTICE,
    Cassette,
    Interaction,
    Provenance,
    ScenarioEntry,
    auth_mode_of,
    spec_version,
)
from harness.replay.pacing import TWILIO_EVALUATE_RATE, PacedTransport, Pacer
from harness.replay.redact import CassetteRedactor, assert_clean
from harness.results.model import CaseRecord
from harness.scenarios.engine import ScenarioEngine
from harness.scenarios.model import Scenario
from harness.speccheck import default_spec_path
from harness.speccheck.openapi import SpecChecker
from harness.speccheck.operations import operation_name
from harness.targets.resolve import ReadyTarget
from harness.targets.target import is_twilio_host

CLEANUP_STEP = "(cleanup)"
RUN_CLEANUP = "(run cleanup)"


@dataclass(frozen=True)
class RecordOptions:
    redact_account: bool = False
    redact_attributes: bool = False
    #: EvaluateTaskAttributes requests per second; None: pace only against live Twilio.
    evaluate_rate: float | None = None
    spec_path: Path = field(default_factory=default_spec_path)


@dataclass
class RecordOutcome:
    cassette: Cassette
    records: list[CaseRecord]
    duration_s: float
    paced_wait_s: float = 0.0
    cleanup: dict[str, int] = field(default_factory=dict)


class _MemoryPersister:
    """vcrpy persister that loads nothing and writes nothing (we write the file ourselves)."""

    @classmethod
    def load_cassette(cls, cassette_path: str, serializer: Any) -> Any:
        raise CassetteNotFoundError()

    @staticmethod
    def save_cassette(cassette_path: str, cassette_dict: Any, serializer: Any) -> None:
        return None


@dataclass
class _Label:
    scenario: str | None
    step: str | None = None
    at: float | None = None
    took: float | None = None


class Labeller:
    """Which scenario and step sent each request, and when - one label per request, in order.

    Every request that reaches the transport becomes exactly one vcrpy interaction (record
    mode ``all``, nothing filtered out), so the i-th label belongs to the i-th interaction
    whatever layer of httpx the installed vcrpy patches."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._start = clock()
        self.labels: list[_Label] = []
        self._pending: list[_Label] = []
        self.scenario: str | None = None

    def before(self) -> _Label:
        label = _Label(self.scenario, None, round(self._clock() - self._start, 3))
        self.labels.append(label)
        self._pending.append(label)
        return label

    def after(self, label: _Label) -> None:
        if label.at is not None:
            label.took = round(self._clock() - self._start - label.at, 3)

    def step(self, name: str) -> None:
        for label in self._pending:
            label.step = name
        self._pending.clear()

    def begin_case(self, scenario_id: str) -> None:
        self.step(CLEANUP_STEP)
        self.scenario = scenario_id

    def end_case(self) -> None:
        self.step(CLEANUP_STEP)
        self.scenario = None

    def finish(self) -> None:
        self.step(RUN_CLEANUP)


class LabellingTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, labeller: Labeller) -> None:
        self.inner = inner
        self.labeller = labeller

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        before = self.labeller.before()
        try:
            return self.inner.handle_request(request)
        finally:
            self.labeller.after(before)

    def close(self) -> None:
        self.inner.close()


class RecordingEngine(ScenarioEngine):
    """The scenario engine, labelling every exchange with its scenario and step."""

    def __init__(self, target: ReadyTarget, run_id: str, labeller: Labeller, **kwargs: Any):
        super().__init__(
            target, run_id, on_exchange=lambda exchange: labeller.step(exchange.step), **kwargs
        )
        self.labeller = labeller
        # a recording keeps real timing: waits sleep, and no clock request enters the cassette
        self.services.clock = None
        self.jobs = 1  # one labelled case at a time

    def run_case(self, scenario: Scenario, index: int | None = None) -> CaseRecord:
        self.labeller.begin_case(scenario.id)
        try:
            return super().run_case(scenario, index)
        finally:
            self.labeller.end_case()


def record_session(
    ready: ReadyTarget,
    scenarios: Iterable[Scenario],
    run_id: str,
    options: RecordOptions | None = None,
    spec: SpecChecker | None = None,
    clauses: Mapping[str, Any] | None = None,
    on_start: Callable[[Scenario], None] | None = None,
    on_record: Callable[[CaseRecord], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RecordOutcome:
    """Run ``scenarios`` against ``ready`` and return the recorded, redacted cassette.

    Nothing is written here; call ``outcome.cassette.write(path)`` (``write_cassette``)."""
    options = options or RecordOptions()
    chosen = list(scenarios)
    started = time.monotonic()
    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    host = urlsplit(ready.base_url).netloc
    live = is_twilio_host(urlsplit(ready.base_url).hostname)
    rate = (
        options.evaluate_rate
        if options.evaluate_rate is not None
        else (TWILIO_EVALUATE_RATE if live else None)
    )
    pacer = Pacer(rate=rate, sleep=sleep) if rate else None
    redactor = CassetteRedactor(
        ready.credentials, options.redact_account, options.redact_attributes
    )
    recorder = vcr.VCR(
        record_mode="all",
        decode_compressed_response=True,
        filter_headers=[("authorization", redactor.auth_marker)],
        before_record_request=redactor.request,
        before_record_response=redactor.response,
    )
    recorder.register_persister(_MemoryPersister)
    records: list[CaseRecord] = []
    with recorder.use_cassette(f"memory:{run_id}") as vcass:
        labeller = Labeller()
        inner: httpx.BaseTransport = httpx.HTTPTransport()
        if pacer is not None:
            inner = PacedTransport(inner, pacer)
        engine = RecordingEngine(
            ready,
            run_id,
            labeller,
            spec=spec,
            clauses=clauses,
            transport=LabellingTransport(inner, labeller),
            sleep=sleep,
        )
        if engine.services.callbacks is not None:
            # vcrpy records every httpx exchange of the process, the callbacks the target
            # (the embedded reference, in this process) POSTs to the receiver included; and a
            # cassette replays requests, not callbacks
            engine.services.callbacks.disable(
                "trc record records requests, not callbacks: the push cases run with trc run"
            )
        records = engine.run(chosen, on_start=on_start, on_record=on_record)
        engine.close()
        labeller.finish()
        if engine.interrupted:
            # Nothing is written for an interrupted recording; the run's tasks are deleted.
            raise KeyboardInterrupt("recording interrupted")
        data = list(vcass.data)
        cleanup = dict(engine.cleanup_stats)
        run_tag = engine.run_tag
    interactions, dropped = _interactions(data, labeller, spec)
    status_of = {r.id: str(r.status) for r in records}
    entries = _scenario_entries(chosen, interactions, status_of)
    if live:
        notice = LIVE_NOTICE
    elif ready.embedded:
        notice = REFERENCE_NOTICE
    else:
        notice = OTHER_NOTICE
    if ready.faults:
        notice += f" The reference ran with fault(s) {', '.join(ready.faults)} switched on."
    provenance = Provenance(
        recorded_at=started_at,
        harness_version=__version__,
        spec_version=spec_version(options.spec_path),
        target_kind="embedded" if ready.embedded else "url",
        target_host=host,
        base_url=ready.base_url,
        live_twilio=live,
        account_sid=redactor.account_sid,
        run_tag=run_tag,
        notice=notice,
        faults=list(ready.faults),
        redactions=redactor.applied,
        pacing={"evaluate_task_attributes_per_s": rate} if rate else {},
        profile=_profile_for_cassette(ready, redactor),
        scenarios=entries,
        interaction_count=len(interactions),
        dropped=dropped,
    )
    cassette = Cassette(provenance, interactions)
    assert_clean(cassette.to_yaml(), redactor.secrets, "cassette")
    return RecordOutcome(
        cassette,
        records,
        round(time.monotonic() - started, 3),
        paced_wait_s=round(pacer.waited_s, 3) if pacer else 0.0,
        cleanup=cleanup,
    )


def write_cassette(outcome: RecordOutcome, path: Path, secrets: Iterable[str]) -> Path:
    """Write the cassette and re-read it to prove no secret is in the file
    (``CassetteTooLarge`` when it could not be read back: nothing is written)."""
    text = outcome.cassette.checked_yaml()
    assert_clean(text, list(secrets), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    outcome.cassette.path = path
    assert_clean(path.read_text(encoding="utf-8"), list(secrets), str(path))
    return path


def _interactions(
    data: list[tuple[Any, Any]], labeller: Labeller, spec: SpecChecker | None
) -> tuple[list[Interaction], dict[str, int]]:
    """vcrpy's (request, response) pairs as Interactions; 429s the client retried are dropped."""
    out: list[Interaction] = []
    dropped = {"retried_429": 0}
    if len(labeller.labels) != len(data):
        raise RuntimeError(
            f"vcrpy recorded {len(data)} interaction(s) for {len(labeller.labels)} request(s); "
            "another thread sent HTTP requests while recording?"
        )
    for index, (request, response) in enumerate(data):
        label = labeller.labels[index]
        if response["status"]["code"] == 429 and index + 1 < len(data):
            following = data[index + 1][0]
            if (following.method, following.uri, following.body) == (
                request.method,
                request.uri,
                request.body,
            ):
                dropped["retried_429"] += 1
                continue
        body = request.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        response_body = response["body"].get("string", b"")
        if isinstance(response_body, bytes):
            response_body = response_body.decode("utf-8", "replace")
        request_headers = {name: [str(value)] for name, value in request.headers.items()}
        authorization = request.headers.get("authorization")
        path = urlsplit(request.uri).path
        out.append(
            Interaction(
                index=len(out),
                method=request.method.upper(),
                uri=request.uri,
                request_headers=request_headers,
                request_body=body or None,
                status=int(response["status"]["code"]),
                reason=str(response["status"].get("message") or ""),
                response_headers={k: [str(v) for v in vs] for k, vs in response["headers"].items()},
                response_body=response_body or "",
                scenario=label.scenario,
                step=label.step or (CLEANUP_STEP if label.scenario else RUN_CLEANUP),
                auth=auth_mode_of(authorization),
                operation=operation_name(request.method, path, spec),
                at=label.at,
                took=label.took,
            )
        )
    return out, {k: v for k, v in dropped.items() if v}


def _scenario_entries(
    scenarios: list[Scenario], interactions: list[Interaction], status_of: dict[str, str]
) -> list[ScenarioEntry]:
    first: dict[str, int] = {}
    count: dict[str, int] = {}
    for interaction in interactions:
        if interaction.scenario is None:
            continue
        first.setdefault(interaction.scenario, interaction.index)
        count[interaction.scenario] = count.get(interaction.scenario, 0) + 1
    return [
        ScenarioEntry(
            id=s.id,
            title=s.title,
            category=s.category,
            source=s.source,
            status=status_of.get(s.id, "skipped"),
            tags=list(s.tags),
            clauses=list(s.clauses),
            strength=s.strength,
            requires=list(s.requires),
            interactions=[first.get(s.id, -1), count.get(s.id, 0)],
        )
        for s in scenarios
    ]


def _profile_for_cassette(ready: ReadyTarget, redactor: CassetteRedactor) -> dict[str, Any]:
    """The profile the scenarios used (so the replay can map fixture SIDs and names), less
    the recorded target's test clock (a cassette's waits are recorded, not re-lived)."""
    data = {k: v for k, v in ready.profile.data.items() if k != "clock"}
    foreign = dict(data.get("foreign") or {})
    if redactor.redact_account and foreign.get("account_sid") == ready.credentials.account_sid:
        foreign["account_sid"] = redactor.account_sid
    if foreign:
        data["foreign"] = foreign
    return data
