"""The fuzz phase of ``trc run --phases ...,fuzz`` (``harness.phases`` finds ``PHASE`` here).

It runs ``run_fuzz`` against the run's target over HTTP (the embedded target of ``trc run`` is
a loopback server), with the SIDs of the target profile's ``single`` workspace, the run's tag
in generated Attributes, ``ctx.seed`` (default 0) and ``ctx.options["fuzz_budget"]``
(``CASES[:SECONDS]``, default 25:120). ``ctx.only`` (``trc rerun --failed``) narrows the run to
the operations of the ``fuzz.*`` ids in it, plus CreateTask, which every stateful finding
starts from; with no ``fuzz.*`` id in it the phase has nothing to do.
"""

from __future__ import annotations

from typing import Any

from harness.fuzz.options import (
    DEFAULT_SEED,
    DEFAULT_SPEC,
    OPERATIONS,
    FuzzBudget,
    FuzzOptions,
    parse_budget,
    workspace_fields_from_profile,
)
from harness.fuzz.runner import FuzzTargetUnreachable, run_fuzz


class FuzzPhase:
    name = "fuzz"
    description = (
        "schemathesis over the Task spec: examples, coverage, positive/negative fuzzing and "
        "stateful scenarios through the links (harness/fuzz)"
    )
    #: Part of every ``trc run`` unless ``--phases`` leaves it out.
    default = True

    def run(self, ctx: Any) -> Any:
        from harness.phases import PhaseResult
        from harness.targets.errors import TargetUnreachable

        options = dict(ctx.options or {})
        budget_text = options.get("fuzz_budget")
        budget = parse_budget(budget_text) if budget_text else FuzzBudget()
        operations = _operations_for(ctx.only)
        if operations == ():
            return PhaseResult(records=[], seed=ctx.seed, summary={"skipped": "no fuzz ids"})
        target = ctx.target
        fuzz_options = FuzzOptions(
            base_url=target.base_url,
            account_sid=target.credentials.account_sid,
            auth_token=target.credentials.auth_token,
            seed=DEFAULT_SEED if ctx.seed is None else ctx.seed,
            max_examples=budget.max_examples,
            time_budget_s=budget.time_budget_s,
            run_tag=ctx.run_tag,
            operations=operations,
            spec_path=ctx.spec_path or DEFAULT_SPEC,
            request_timeout_s=float(target.profile.timeout_seconds),
            progress=(lambda text: ctx.on_start(f"fuzz {text}")) if ctx.on_start else None,
            **workspace_fields_from_profile(target.profile.data),
        )
        try:
            outcome = run_fuzz(fuzz_options)
        except FuzzTargetUnreachable as exc:
            raise TargetUnreachable(str(exc)) from None
        for record in outcome.records:
            if ctx.on_record is not None:
                ctx.on_record(record)
        hints = {r.id: [r.id.split(".")[1]] for r in outcome.records if r.id.count(".") >= 2}
        cleanup = {
            "created": len(outcome.created),
            "deleted": len(outcome.deleted),
            "left": len(outcome.cleanup_failures),
        }
        if outcome.interrupted:
            interrupt = KeyboardInterrupt("fuzz phase interrupted")
            interrupt.records = outcome.records  # type: ignore[attr-defined]
            interrupt.operations = hints  # type: ignore[attr-defined]
            interrupt.cleanup = cleanup  # type: ignore[attr-defined]
            raise interrupt
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
            seed=outcome.seed,
            operations=hints,
            cleanup=cleanup,
            summary=summary,
            warnings=warnings,
        )


def _operations_for(only: Any) -> tuple[str, ...] | None:
    """None: every operation; () : nothing to run; else the operations the ids name."""
    if only is None:
        return None
    named = {i.split(".")[1] for i in only if i.startswith("fuzz.") and i.count(".") >= 2}
    named &= set(OPERATIONS)
    if not named:
        return ()
    named.add("CreateTask")
    return tuple(op for op in OPERATIONS if op in named)


PHASE = FuzzPhase()
