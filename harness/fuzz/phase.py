"""The fuzz phase of ``trc run --phases ...,fuzz`` (``harness.phases`` finds ``PHASE`` here).

It runs ``run_fuzz`` against the run's target over HTTP (the embedded target is a loopback
server), with the SIDs of the target profile's ``single`` workspace, the run's tag in generated
Attributes, ``ctx.options.seed`` (default 0) and ``ctx.options.budget`` (``CASES[:SECONDS]``,
default 25:120).

Selection: the phase's cases are its operations, each selectable as ``fuzz.<OperationId>``
(title "fuzz <OperationId>", category ``fuzz``, tags ``fuzz`` and the operation id). ``-k`` and
``--tag`` keep the operations they match (``-k CreateTask``, ``--tag fuzz``); ``selection.only``
(``trc rerun --failed``) keeps the operations of the ``fuzz.*`` ids in it. CreateTask runs
whenever another operation does, because every stateful finding starts from it. When nothing
matches, the phase sends no request and says so in its summary.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.fuzz.options import (
    DEFAULT_SEED,
    DEFAULT_SPEC,
    OPERATIONS,
    FuzzBudget,
    options_for_target,
)
from harness.fuzz.runner import run_fuzz
from harness.phases import Cleanup, Outcome, PhaseContext, PhaseResult, Selection


@dataclass(frozen=True)
class FuzzCase:
    """One fuzzed operation, as the selection sees it."""

    operation: str

    @property
    def id(self) -> str:
        return f"fuzz.{self.operation}"

    @property
    def title(self) -> str:
        return f"fuzz {self.operation}"

    @property
    def category(self) -> str:
        return "fuzz"

    @property
    def tags(self) -> tuple[str, ...]:
        return ("fuzz", self.operation)


class FuzzPhase:
    name = "fuzz"
    description = (
        "schemathesis over the Task spec: examples, coverage, positive/negative fuzzing and "
        "stateful scenarios through the links (harness/fuzz)"
    )
    #: Part of every ``trc run`` unless ``--phases`` leaves it out.
    default = True

    def run(self, ctx: PhaseContext) -> PhaseResult:
        seed = ctx.options.seed
        operations = selected_operations(ctx.options.selection)
        shard = ctx.options.selection.shard
        if operations == () and shard is not None and shard.index != 1:
            skipped = f"shard {shard}: the fuzz phase runs whole in shard 1/{shard.total}"
            return PhaseResult(records=[], seed=seed, summary={"skipped": skipped})
        if operations == ():
            return PhaseResult(records=[], seed=seed, summary={"skipped": "no fuzz case selected"})
        budget = FuzzBudget.of(ctx.options.budget)
        on_start = ctx.on_start
        fuzz_options = options_for_target(
            ctx.target,
            seed=DEFAULT_SEED if seed is None else seed,
            max_examples=budget.max_examples,
            time_budget_s=budget.time_budget_s,
            run_tag=ctx.run_tag,
            operations=operations,
            spec_path=ctx.options.spec_path or DEFAULT_SPEC,
            progress=(lambda text: on_start(f"fuzz {text}")) if on_start else None,
        )
        # An unreachable target raises FuzzTargetUnreachable, a harness.targets.TargetUnreachable.
        outcome = run_fuzz(fuzz_options)
        for record in outcome.records:
            if ctx.on_record is not None:
                ctx.on_record(record)
        hints = {r.id: [r.id.split(".")[1]] for r in outcome.records if r.id.count(".") >= 2}
        cleanup = Cleanup(
            created=len(outcome.created),
            deleted=len(outcome.deleted),
            left=len(outcome.cleanup_failures),
        )
        warnings = [f"fuzz: {w}" for w in outcome.warnings]
        warnings += [
            f"fuzz: task {sid} left behind: {why}" for sid, why in outcome.cleanup_failures.items()
        ]
        summary = outcome.summary()
        summary["cases_by_phase_operation_mode"] = [
            {"phase": p, "operation": o, "mode": m, "count": n}
            for (p, o, m), n in sorted(outcome.cases.items())
        ]
        summary["schemathesis"] = outcome.schemathesis_version
        return PhaseResult(
            records=outcome.records,
            outcome=Outcome.INTERRUPTED if outcome.interrupted else Outcome.COMPLETED,
            seed=outcome.seed,
            operations=hints,
            cleanup=cleanup,
            untagged=outcome.untagged,
            summary=summary,
            warnings=warnings,
        )


def selected_operations(selection: Selection) -> tuple[str, ...] | None:
    """None: every operation; (): nothing to run; else the operations the selection keeps
    (with CreateTask, which every stateful finding starts from). Under ``--shard I/N`` the
    fuzz phase is one seeded run, not split: shard 1 runs it whole, the others nothing."""
    if selection.shard is not None and selection.shard.index != 1:
        return ()
    if not selection.narrows:
        return None
    cases = [FuzzCase(operation) for operation in OPERATIONS]
    only = selection.only
    keep = Selection(selection.expression, selection.tags).pick(cases)
    if only is not None:
        named = {i.split(".")[1] for i in only if i.startswith("fuzz.") and i.count(".") >= 2}
        keep = [case for case in keep if case.operation in named]
    if not keep:
        return ()
    named_ops = {case.operation for case in keep} | {"CreateTask"}
    return tuple(op for op in OPERATIONS if op in named_ops)


PHASE = FuzzPhase()
