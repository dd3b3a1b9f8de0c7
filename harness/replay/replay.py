"""``trc replay``: send a recording's requests to a candidate, in order, and diff the answers.

For every recorded interaction the replayer

1. rewrites the request for the candidate (``Bindings``): base URL, SIDs learned so far
   (profile SIDs by role, task SIDs from earlier answers), ``If-Match`` through the ETag of the
   same task version, page tokens and whole ``next_page_url``s the candidate gave, friendly
   names through the profiles, the recording's run tag replaced by this replay's tag, and
   timestamps in the request moved by the time since the recording;
2. keeps the recorded pacing with the candidate's windows (``timing.py``): the think time
   between a response and the next request is slept again, a ``wait:`` step as the candidate's
   profile evaluates it; a run of identical GETs of one step (an ``eventually`` poll) is
   replayed as a poll: repeated until the candidate's answer matches the final recorded one or
   the candidate's deadline has passed, then only the last answer is compared; a scenario whose
   windows exceed ``ReplayOptions.wait_budget`` is ``not-configured``;
3. sends it with the candidate's credentials in the recorded auth mode (default, wrong token,
   none) through ``TargetClient`` (host pinning, 429 retries; EvaluateTaskAttributes paced
   against live Twilio);
4. compares status, required headers and every field (``Comparator``), learns new bindings
   and judges the differences for the candidate (``JudgingMixin``: unsupported features,
   unmapped profile keys, meanings, the record's ``cause``);
5. tracks the tasks it creates (``RunGuard``, tagged with this replay's run tag) and deletes
   them when the recorded scenario ends, and again at the end of the replay.

One ``ReplayRecord`` (a ``CaseRecord``, phase ``replay``, category ``replay``) per recorded
scenario, with one field row per exchange and field.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from harness import interrupts
from harness.cassette.format import (
    AUTH_DEFAULT,
    AUTH_NONE,
    AUTH_OTHER,
    AUTH_WRONG,
    Cassette,
    Interaction,
    ScenarioEntry,
)
from harness.replay.bindings import Bindings
from harness.replay.compare import Comparator, FieldRow
from harness.replay.judge import (
    cause_of,
)
from harness.replay.judging import Judged, JudgingMixin
from harness.replay.pacing import TWILIO_EVALUATE_RATE, PacedTransport, Pacer
from harness.replay.pieces import (
    candidate_answer,
    curl_auth,
    parse_time,
    poll_interval,
    poll_run,
    poll_span,
    task_in_path,
    time_shift,
)
from harness.replay.records import CATEGORY, PHASE, ReplayRecord, field_verdict
from harness.replay.timing import ScenarioTiming, scenario_timing
from harness.results.curl import curl_command
from harness.results.model import ClauseRef, Exchange, Failure, FieldVerdict, Status
from harness.results.redact import Redactor
from harness.results.runid import run_tag_for
from harness.scenarios.runner import RunServices
from harness.targets.clock import AdvancedTime, ClockUnavailable
from harness.targets.resolve import ReadyTarget
from harness.targets.safety import RefusedRequest, RunGuard, clean_up_run, delete_owned
from harness.targets.target import is_twilio_host
from harness.wire.client import ForeignHostError, TargetClient
from harness.wire.limits import ResponseTooLarge
from harness.wire.recording import parse_text, record_exchange

SKIP_HEADERS = frozenset(
    {
        "authorization",
        "host",
        "content-length",
        "user-agent",
        "accept-encoding",
        "connection",
        "cookie",
        "proxy-authorization",
    }
)
FORM = "application/x-www-form-urlencoded"
MIN_THINK_S = 0.05
MAX_KEPT_EXCHANGES = 10


@dataclass(frozen=True)
class ReplayOptions:
    age_tolerance: float = 10.0
    #: sleep the recorded think time between a response and the next request
    honour_waits: bool = True
    #: EvaluateTaskAttributes requests per second; None: pace only against live Twilio
    evaluate_rate: float | None = None
    #: replay only these recorded scenario ids (None: all)
    only: frozenset[str] | None = None
    #: the longest (seconds) the candidate profile's windows may make one recorded scenario
    #: wait (``wait:`` steps and ``eventually`` deadlines); above it: ``not-configured``
    wait_budget: float = 120.0


@dataclass
class _Sent:
    request: httpx.Request | None
    response: httpx.Response | None
    error: str | None = None
    refused: bool = False
    attempts: int = 1
    #: an answer too large to keep (``ResponseTooLarge``), stored cut
    cut: httpx.Response | None = None


@dataclass
class ReplayStats:
    exchanges: int = 0
    requests: int = 0
    skipped_interactions: int = 0
    created: int = 0
    deleted: int = 0
    left: int = 0
    warnings: list[str] = field(default_factory=list)


class Replayer(JudgingMixin):
    def __init__(
        self,
        target: ReadyTarget,
        cassette: Cassette,
        run_id: str,
        options: ReplayOptions | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.cassette = cassette
        self.options = options or ReplayOptions()
        #: set (by ``replay.side_by_side``) to stop a replay running beside others: it stops
        #: before its next scenario, and its waits end at once
        self.stop: threading.Event | None = None
        self.sleep = sleep
        self.monotonic = monotonic
        self.run_tag = run_tag_for(run_id)
        provenance = cassette.provenance
        self.bindings = Bindings(
            recorded_tag=provenance.run_tag,
            replay_tag=self.run_tag,
            recorded_base=provenance.base_url,
            candidate_base=target.base_url,
            time_shift=time_shift(provenance.recorded_at),
            recorded_at=parse_time(provenance.recorded_at),
        )
        self.stats = ReplayStats()
        #: set when a KeyboardInterrupt ended ``run`` early (the records so far are returned)
        self.interrupted = False
        conflicts = self.bindings.bind_profiles(provenance.profile, target.profile.data)
        if conflicts:
            self.stats.warnings.append(
                "profile SIDs that cannot be mapped one-to-one: " + ", ".join(conflicts)
            )
        self.bindings.bind_account(provenance.account_sid, target.credentials.account_sid)
        self.comparator = Comparator(
            self.bindings,
            provenance.base_url,
            target.base_url,
            age_tolerance=self.options.age_tolerance,
        )
        live = is_twilio_host(urlsplit(target.base_url).hostname)
        rate = self.options.evaluate_rate or (TWILIO_EVALUATE_RATE if live else None)
        if rate and transport is None:
            transport = PacedTransport(httpx.HTTPTransport(), Pacer(rate=rate, sleep=sleep))
        profile = target.profile
        self.client = TargetClient(
            target.base_url,
            target.credentials,
            timeout=profile.timeout_seconds,
            max_retries_on_429=profile.max_retries_on_429,
            transport=transport,
            sleep=sleep,
        )
        if profile.clock_advance:
            # the candidate's test clock: think times and poll intervals advance it instead
            # of sleeping (one replay at a time, so no other case runs meanwhile)
            clock = AdvancedTime(self.client, profile.clock_advance)
            self.sleep = clock.sleep
            self.monotonic = lambda: monotonic() + clock.advanced
        self.redactor = Redactor([target.credentials.auth_token])
        self.guard = RunGuard(self.run_tag)
        self.services = RunServices(
            client=self.client,
            guard=self.guard,
            profile=profile,
            spec=None,
            redactor=self.redactor,
            sleep=sleep,
        )

    # -- the whole cassette -----------------------------------------------------------------
    def run(
        self,
        on_start: Callable[[str], None] | None = None,
        on_record: Callable[[ReplayRecord], None] | None = None,
    ) -> list[ReplayRecord]:
        records: list[ReplayRecord] = []
        try:
            for entry, interactions in self.cassette.scenario_groups():
                if self.stop is not None and self.stop.is_set():
                    raise KeyboardInterrupt("run interrupted")
                if entry.id == "(run)":
                    self.stats.skipped_interactions += len(interactions)
                    continue
                if self.options.only is not None and entry.id not in self.options.only:
                    continue
                if on_start:
                    on_start(self.record_id(entry.id))
                record = self.replay_scenario(entry, interactions)
                records.append(record)
                if on_record:
                    on_record(record)
        except KeyboardInterrupt:
            # The caller sees ``self.interrupted`` and the records so far.
            self.interrupted = True
        finally:
            try:
                self.cleanup()
            except interrupts.CleanupAbandoned:
                self.interrupted = True
        return records

    def record_id(self, scenario_id: str) -> str:
        return f"replay:{self.cassette.name}:{scenario_id}"

    def cleanup(self) -> None:
        try:
            clean_up_run(self.services.client, self.guard)
        finally:
            self.stats.created = self.guard.created_count
            self.stats.deleted = self.guard.cleaned_count
            self.stats.left = len(self.guard.live())

    def close(self) -> None:
        try:
            self.cleanup()
        finally:
            self.client.close()

    def __enter__(self) -> Replayer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one recorded scenario --------------------------------------------------------------
    def replay_scenario(
        self, entry: ScenarioEntry, interactions: list[Interaction]
    ) -> ReplayRecord:
        started = self.monotonic()
        provenance = self.cassette.provenance
        record = ReplayRecord(
            id=self.record_id(entry.id),
            title=f"Replay of {entry.id}: {entry.title}" if entry.title else entry.id,
            category=CATEGORY,
            phase=PHASE,
            status=Status.PASS,
            clauses=[ClauseRef(c, entry.strength) for c in entry.clauses],
            strength=entry.strength,
            tags=sorted({*entry.tags, "replay"}),
            source=f"{self.cassette.path or self.cassette.name}#{interactions[0].index}",
            note=f"recorded against {provenance.target_host} "
            f"({'live Twilio' if provenance.live_twilio else 'not Twilio'}) "
            f"on {provenance.recorded_at}; the scenario ended "
            f"{entry.status or 'unknown'} when recorded",
        )
        unsupported = self.target.profile.unsupported
        timing = scenario_timing(entry, provenance.profile, self.target.profile.data)
        gaps = sorted((set(entry.tags) | set(entry.requires) | timing.requires) & unsupported)
        if gaps:
            record.status = Status.UNSUPPORTED
            record.reason = f"the target profile declares unsupported: {', '.join(gaps)}"
            return record
        ask, parts = timing.ask([i.step for i in interactions])
        if ask > self.options.wait_budget:
            record.status = Status.NOT_CONFIGURED
            record.reason = (
                f"the target profile's windows ask this replay to wait up to {ask:g}s "
                f"({'; '.join(parts)}), more than the replay's wait budget of "
                f"{self.options.wait_budget:g}s (--replay-wait-budget); the scenarios "
                "phase judges it"
            )
            return record
        self.comparator.context.stretch = 0.0
        self.bindings.new_scenario(interactions[0].index)
        judged = Judged()
        try:
            self._replay_all(record, judged, interactions, timing)
        except ClockUnavailable as exc:
            record.status = Status.ERROR
            record.failure = Failure("(replay)", "clock", message=str(exc))
        record.fields = judged.fields.rows()
        if record.status is Status.PASS and judged.excused:
            record.status = Status.UNSUPPORTED
            record.reason = (
                "differs only where it needs what the target profile declares unsupported: "
                + ", ".join(sorted(judged.excused))
            )
        self._cleanup_case(entry.id, record)
        record.duration_s = round(self.monotonic() - started, 3)
        if record.status.is_problem:
            record.exchanges = judged.kept[:MAX_KEPT_EXCHANGES]
            if judged.failing is not None:
                record.curl = curl_command(judged.failing.request, curl_auth(judged.failing))
        return record

    def _replay_all(
        self,
        record: ReplayRecord,
        judged: Judged,
        interactions: list[Interaction],
        timing: ScenarioTiming,
    ) -> None:
        """Send and judge the interactions of one scenario in order, until one fails."""
        previous: Interaction | None = None
        index = 0
        while index < len(interactions):
            interaction = interactions[index]
            poll = poll_run(interactions, index)
            if self._not_mappable(interaction, record):
                break
            if previous is not None:
                self._think(previous, interaction, timing)
            last = poll[-1]
            # a create in flight is recorded before a first interrupt stops the replay
            with interrupts.shielded(last.method == "POST"):
                sent = self._send_poll(poll, timing) if len(poll) > 1 else self._send(interaction)
                if sent.response is not None and not sent.refused:
                    self._observe(last, sent)
            self.stats.exchanges += 1
            self.stats.requests += sent.attempts
            record.exchange_count += sent.attempts
            exchange = self._exchange(last, sent)
            previous = last
            index += len(poll)
            if sent.refused or sent.response is None:
                row = FieldRow("response", "different", f"{last.status}", None, sent.error or "")
                judged.fields.add(self._row(last, row))
                judged.kept.append(exchange)
                judged.failing = judged.failing or exchange
                if record.status is Status.PASS or sent.refused:
                    record.status = Status.ERROR if sent.refused else Status.FAIL
                    record.cause = record.cause or cause_of(last.operation, row)
                    record.failure = record.failure or Failure(
                        exchange.step,
                        "response",
                        last.status,
                        None,
                        f"exchange #{last.index} {last.operation} (step {last.step!r}): "
                        f"{sent.error}",
                    )
                continue
            rows = self.comparator.exchange(last, candidate_answer(sent.response))
            if not self._judge(record, judged, last, poll, sent, exchange, rows):
                break

    # -- sending ----------------------------------------------------------------------------
    def _build(self, interaction: Interaction) -> httpx.Request:
        bindings = self.bindings
        url = bindings.url(interaction.uri)
        task = task_in_path(interaction.path)
        headers: list[tuple[str, str]] = []
        content_type = ""
        for name, values in interaction.request_headers.items():
            lower = name.lower()
            if lower in SKIP_HEADERS or not values:
                continue
            value = values[0]
            if lower in ("if-match", "if-none-match"):
                value = bindings.if_match(task, value)
            if lower == "content-type":
                content_type = value.split(";")[0].strip().lower()
            headers.append((name, value))
        body = interaction.request_body
        if body:
            body = bindings.form(body) if content_type == FORM else bindings.raw(body)
        auth = {AUTH_DEFAULT: "default", AUTH_WRONG: "wrong", AUTH_NONE: "none"}.get(
            interaction.auth, "none"
        )
        if interaction.auth == AUTH_OTHER:
            # The recorded value was a scenario's literal header and is not kept: send the
            # marker instead (not valid credentials either way).
            marker = interaction.request_header("authorization") or "<redacted>"
            headers.append(("Authorization", marker))
        return self.client.build(interaction.method, url, body=body, headers=headers, auth=auth)

    def _send(self, interaction: Interaction) -> _Sent:
        try:
            request = self._build(interaction)
        except ForeignHostError as exc:
            return _Sent(None, None, str(exc), refused=True)
        try:
            self.guard.check(request.method, request.url.path, foreign_ok=True)
        except RefusedRequest as exc:
            return _Sent(request, None, str(exc), refused=True)
        try:
            response = self.client.send(request)
        except ResponseTooLarge as exc:
            return _Sent(request, None, str(exc), cut=exc.response)
        except httpx.TransportError as exc:
            return _Sent(request, None, f"no response: {type(exc).__name__}: {exc}")
        return _Sent(request, response)

    def _send_poll(self, poll: list[Interaction], timing: ScenarioTiming) -> _Sent:
        final = poll[-1]
        span = poll_span(poll)
        within = timing.within(final.step)
        budget = within if within is not None else max(2 * span, span + 10.0)
        interval = timing.every(final.step, budget, poll_interval(poll))
        began = self.monotonic()
        deadline = began + budget
        attempts = 0
        while True:
            sent = self._send(final)
            attempts += 1
            if sent.response is None or self.comparator.trial(
                final,
                candidate_answer(sent.response),
                lambda row: bool(self._excuses(final, row)),
            ):
                break
            if self.monotonic() >= deadline:
                break
            self.sleep(interval)
        sent.attempts = attempts
        # The candidate took longer (or less long) than the recording: its tasks aged as much.
        self.comparator.context.stretch += self.monotonic() - began - span
        return sent

    def _think(self, previous: Interaction, current: Interaction, timing: ScenarioTiming) -> None:
        if not self.options.honour_waits or None in (previous.at, previous.took, current.at):
            return
        think = current.at - (previous.at + previous.took)  # type: ignore[operator]
        waited = timing.wait(current.step) if current.step != previous.step else None
        if waited is not None:
            recorded, candidate = waited
            think = max(0.0, think - recorded) + candidate
            self.comparator.context.stretch += candidate - recorded
        if think > MIN_THINK_S:
            self.sleep(think)

    def _observe(self, interaction: Interaction, sent: _Sent) -> None:
        assert sent.request is not None and sent.response is not None
        path = sent.request.url.path
        status = sent.response.status_code
        document = parse_text(sent.response.text)
        self.guard.observe(sent.request.method, path, status, document, self.run_tag)
        if sent.request.method == "DELETE" and status in (204, 404):
            sid = task_in_path(path)
            if sid and sid in {t.sid for t in self.guard.live()}:
                self.guard.forget(sid, deleted=status == 204)

    def _cleanup_case(self, scenario_id: str, record: ReplayRecord) -> None:
        _, failed = delete_owned(self.services.client, self.services.guard, self.run_tag)
        if failed:
            record.warnings.append(f"cleanup could not delete {failed} task(s) of this replay")

    # -- records ----------------------------------------------------------------------------
    def _exchange(self, interaction: Interaction, sent: _Sent) -> Exchange:
        step = f"#{interaction.index} {interaction.step or ''}".strip()
        if sent.request is None:
            from harness.results.model import RecordedRequest

            return Exchange(
                step, RecordedRequest(interaction.method, "", {}), None, 0.0, sent.error
            )
        response = sent.response if sent.response is not None else sent.cut
        return record_exchange(step, sent.request, response, self.redactor, 0.0, sent.error)

    def _row(self, interaction: Interaction, row: FieldRow) -> FieldVerdict:
        exchange = f"#{interaction.index} {interaction.step or ''}".strip()
        if row.matches:
            return field_verdict(interaction.operation, row.field, row.verdict, exchange)
        return field_verdict(
            interaction.operation,
            row.field,
            row.verdict,
            exchange,
            row.recorded,
            row.candidate,
            row.detail,
        )
