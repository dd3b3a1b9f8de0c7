"""Workflow routing: a task's attributes pick its queue (and maybe its priority).

Filters are tried in order; the first whose expression matches the attributes routes the
task to its queue and, if the filter's target sets a priority, overrides the task's priority
(Twilio: "the new Task will have this priority unless it matches a Workflow Target with a
Priority set"). No match routes to the workflow's default queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.reference.expression import compile_expression
from harness.reference.fixture import Workflow


@dataclass(frozen=True)
class Route:
    queue_sid: str
    priority: int | None


def route(workflow: Workflow, attributes: dict[str, Any]) -> Route:
    for rule in workflow.filters:
        if compile_expression(rule.expression).matches(attributes):
            return Route(rule.queue_sid, rule.priority)
    return Route(workflow.default_queue_sid, None)
