"""Orchestration: a run from request to report (``trc run``, ``trc rerun``).

``RunRequest`` says what to do; ``plan_run`` decides it (targets, phases, library, selection,
spec, gate inputs) without touching a target; ``execute`` opens each target, runs the phases
through the ``harness.phases`` contract, builds the one typed report and writes it through the
reporters. The click glue lives in ``harness.commands``.
"""

from harness.orchestrate.execute import execute
from harness.orchestrate.plan import RunPlan, load_gate_inputs, plan_run, resolve_phases
from harness.orchestrate.request import RunRequest

__all__ = [
    "RunPlan",
    "RunRequest",
    "execute",
    "load_gate_inputs",
    "plan_run",
    "resolve_phases",
]
