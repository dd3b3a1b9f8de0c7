"""The push-channel step kinds: ``callback`` (wait for callbacks the target POSTs to the run's
receiver, then check them like a response) and ``answer_assignments`` (how the receiver answers
this case's assignment callbacks).

A ``callback`` step's document is ``{params, signature, kind, seq, count, items, event_types}``:
the first matching callback's parameters and signature check, every match in arrival order, and
their ``EventType`` values (for ordering checks such as ``in_order``). The wait is real time
(callbacks are asynchronous, whatever the target's clock); it ends as soon as ``count`` matches
arrived, or when the run is asked to stop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.callbacks.channel import CallbacksUnavailable
from harness.callbacks.receiver import Answer, Callback, CallbackKind, Receiver
from harness.results.model import Failure, Status
from harness.scenarios.failures import ScenarioError, StepFailed
from harness.scenarios.model import Scenario, Step

if TYPE_CHECKING:
    from harness.scenarios.runner import CaseRun


def receiver_for(run: CaseRun) -> Receiver:
    channel = run.services.callbacks
    if channel is None:
        raise ScenarioError(
            "this step needs the callback receiver, which the run did not start (does the "
            "scenario declare `requires: [callbacks]`?)"
        )
    return channel.ensure()


def callback(run: CaseRun, step: Step) -> None:
    spec = step.callback
    assert spec is not None
    receiver = receiver_for(run)
    where = {str(name): str(run.render(value)) for name, value in spec.where}
    channel = run.services.callbacks
    if kind_is_event(spec.kind) and channel is not None:
        reason = channel.filtered_out(run.lookup("ws"), where.get("EventType"))
        if reason is not None:
            raise CallbacksUnavailable(reason, not_configured=True)
    within = (
        run.seconds(spec.within)
        if spec.within is not None
        else run.services.profile.callback_wait_seconds
    )
    kind = CallbackKind(spec.kind)
    stop = run.services.stop
    found = receiver.wait_for(
        kind, where, spec.count, within, stop=(stop.is_set if stop is not None else None)
    )
    run.services.check_stop()
    if len(found) < spec.count:
        seen = receiver.received(kind)
        raise StepFailed(
            Failure(
                step.name,
                "callback",
                f"{spec.count} {kind.value} callback(s) matching {where}",
                len(found),
                f"{len(found)} of {spec.count} {kind.value} callback(s) matching "
                f"{_shown(where)} arrived within {within:g} s ({len(seen)} {kind.value} "
                f"callback(s) arrived in all{_nearest(seen, where)})",
            )
        )
    document = callback_document(found)
    failure = run._check_document(step.name, step.expect, document, {}, "callback")
    if failure is not None:
        raise StepFailed(failure)
    run._save(step, document, {}, None)


def kind_is_event(kind: str) -> bool:
    return kind == CallbackKind.EVENT.value


def callback_document(found: list[Callback]) -> dict[str, Any]:
    items = [c.document() for c in found]
    first = items[0]
    return {
        "params": first["params"],
        "signature": first["signature"],
        "kind": first["kind"],
        "seq": first["seq"],
        "count": len(items),
        "items": items,
        "event_types": [c.param("EventType") for c in found],
    }


def answer(run: CaseRun, step: Step) -> None:
    spec = step.answer
    assert spec is not None
    receiver = receiver_for(run)
    body = run.render(spec.body) if spec.body is not None else {}
    receiver.answer(
        run.case_tag,
        Answer(
            status=spec.status,
            body=body,
            content_type=spec.content_type,
            delay_seconds=spec.delay,
        ),
    )


def needs_receiver(scenario: Scenario) -> bool:
    return "callbacks" in scenario.requires or any(
        step.kind in ("callback", "answer") for step in (*scenario.steps, *scenario.finally_steps)
    )


def unready(run: CaseRun) -> tuple[Status, str] | None:
    """Before a case that uses the push channel: None when the receiver is ready, else the
    case's status and reason (not configured: the profile lacks a key; error: the target
    refused to be pointed at the receiver)."""
    if not needs_receiver(run.scenario):
        return None
    channel = run.services.callbacks
    try:
        if channel is None:
            receiver_for(run)  # the error that says why
        else:
            channel.acquire(run.case_tag)
    except CallbacksUnavailable as exc:
        status = Status.NOT_CONFIGURED if exc.not_configured else Status.ERROR
        return status, str(exc)
    except ScenarioError as exc:
        return Status.ERROR, str(exc)
    return None


def forget_answers(run: CaseRun) -> None:
    """At the end of a case: its answers go (its tag is never used again), and it no longer
    holds the channel (the last holder's release puts the target's callback URLs back)."""
    channel = run.services.callbacks
    if channel is None:
        return
    if channel.receiver is not None:
        channel.receiver.forget(run.case_tag)
    channel.release(run.case_tag)


def _shown(where: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in where.items()) or "(any)"


def _nearest(seen: list[Callback], where: dict[str, str]) -> str:
    """A hint at what did arrive for the same resource (the most telling mismatch)."""
    for key in ("TaskSid", "ResourceSid", "ReservationSid"):
        if key in where:
            same = [c for c in seen if c.param(key) == where[key]]
            if same:
                types = sorted({str(c.param("EventType")) for c in same})
                return f"; for {key}={where[key]}: {len(same)}, EventType {', '.join(types)}"
            return f"; none for {key}={where[key]}"
    return ""


__all__ = ["CallbacksUnavailable", "answer", "callback", "forget_answers"]
