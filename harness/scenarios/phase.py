"""The scenarios phase of ``trc run`` (``harness.phases`` finds ``PHASE`` here): the YAML
scenario library against the run's target, through ``ScenarioEngine``."""

from __future__ import annotations

from harness.phases import Cleanup, Outcome, PhaseContext, PhaseResult
from harness.report.operations import scenario_operations
from harness.scenarios.engine import ScenarioEngine
from harness.scenarios.model import Scenario


class ScenariosPhase:
    name = "scenarios"
    description = "the YAML scenario library (harness/scenarios)"
    default = True

    def run(self, ctx: PhaseContext) -> PhaseResult:
        library = [case for case in ctx.library if isinstance(case, Scenario)]
        chosen = ctx.options.selection.pick(library)
        if not chosen:
            return PhaseResult(records=[], summary={"skipped": "no scenario selected"})
        hints = {s.id: scenario_operations(s) for s in chosen}
        engine = ScenarioEngine(
            ctx.target,
            ctx.run_id,
            spec=ctx.spec,
            clauses=ctx.clauses,
            jobs=1 if ctx.target.sequential else ctx.options.jobs,
        )
        start = (lambda s: ctx.on_start(s.id)) if ctx.on_start else None
        try:
            records = engine.run(chosen, on_start=start, on_record=ctx.on_record)
        finally:
            engine.close()
        return PhaseResult(
            records=records,
            outcome=Outcome.INTERRUPTED if engine.interrupted else Outcome.COMPLETED,
            operations=hints,
            cleanup=Cleanup(**engine.cleanup_stats),
            warnings=[
                *(engine.services.callbacks.notes if engine.services.callbacks else ()),
                *(
                    f"could not put back a callback URL the run changed; set it by hand: {what}"
                    for what in engine.unrestored
                ),
            ],
        )


PHASE = ScenariosPhase()
