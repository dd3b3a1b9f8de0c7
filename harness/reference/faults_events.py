"""Named faults of the event log and the callbacks (``trc serve --fault NAME``): each one a
mistake a clone makes that only the events and callbacks show, caught by named scenarios in
``scenarios/events/``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from harness.reference.events import TTL_DESCRIPTION, EventRow
from harness.reference.fault_base import Fault


def _service(app: Any) -> Any:
    return app.state.reference.service


def _rewrite_events(app: Any, rewrite: Callable[[EventRow], EventRow | None]) -> None:
    """Every event passes through ``rewrite`` before it is stored and sent (None: dropped)."""
    announcer = _service(app).events
    original = announcer.record

    def record(event: EventRow, ws: Any) -> EventRow | None:
        changed = rewrite(event)
        return None if changed is None else original(changed, ws)

    announcer.record = record


class NoTtlEvent(Fault):
    name, category = "no-ttl-event", "events"
    description = "A task canceled by its TTL announces nothing (no task.canceled event)."

    def patch(self, app: Any) -> None:
        _rewrite_events(
            app,
            lambda event: (
                None
                if event.event_type == "task.canceled" and event.description == TTL_DESCRIPTION
                else event
            ),
        )


class WrongEventType(Fault):
    name, category = "wrong-event-type", "events"
    description = "A canceled task is announced as task.updated instead of task.canceled."

    def patch(self, app: Any) -> None:
        _rewrite_events(
            app,
            lambda event: (
                replace(event, event_type="task.updated")
                if event.event_type == "task.canceled"
                else event
            ),
        )


class UnsignedCallbacks(Fault):
    name, category = "unsigned-callbacks", "events"
    description = "Callbacks are sent without an X-Twilio-Signature header."

    def patch(self, app: Any) -> None:
        _service(app).hub.dispatcher.sender.sign = lambda url, params: {}


class WrongSignature(Fault):
    name, category = "wrong-signature", "events"
    description = "Callbacks are signed over the URL alone, leaving out the POST parameters."

    def patch(self, app: Any) -> None:
        sender = _service(app).hub.dispatcher.sender
        original = sender.sign
        sender.sign = lambda url, params: original(url, ())


class AssignmentWithoutAttributes(Fault):
    name, category = "assignment-without-attributes", "events"
    description = "The assignment callback leaves out TaskAttributes."

    def patch(self, app: Any) -> None:
        hub = _service(app).hub
        original = hub.assignment_params

        def params(*args: Any) -> tuple[tuple[str, str], ...]:
            return tuple(pair for pair in original(*args) if pair[0] != "TaskAttributes")

        hub.assignment_params = params


class InstructionIgnored(Fault):
    name, category = "instruction-ignored", "events"
    description = "The assignment callback's instruction (accept, reject) is not carried out."

    def patch(self, app: Any) -> None:
        hub = _service(app).hub
        hub.act = lambda ws, reservation_sid, answer: hub.instructions.append(
            (reservation_sid, answer.instruction)
        )


EVENT_FAULTS: tuple[type[Fault], ...] = (
    NoTtlEvent,
    WrongEventType,
    UnsignedCallbacks,
    WrongSignature,
    AssignmentWithoutAttributes,
    InstructionIgnored,
)
