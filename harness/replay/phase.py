"""The replay phase of ``trc run --phases ...,replay`` (``harness.phases`` finds ``PHASE``).

It replays cassettes (default: every shipped reference cassette; ``ctx.options.cassettes``
overrides) against the run's target and returns one record per recorded scenario. Selection:
``ctx.options.selection`` (``-k``, ``--tag``) is applied to the recorded scenarios themselves
(their id, title, tags and category as recorded), so ``trc run --phases replay -k X`` replays
exactly what X selects whether or not the scenario library is loaded; ``selection.only``
(``trc rerun --failed``) keeps a recorded scenario when its record id
(``replay:<cassette>:<scenario id>``) or its scenario id is listed.

``replay_phase(target, run_id, ...)`` is the plain function behind it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

from harness.cassette.format import Cassette, CassetteError, ScenarioEntry, load_cassette
from harness.phases import Cleanup, Outcome, PhaseContext, PhaseResult, Selection
from harness.replay.replay import ReplayOptions
from harness.replay.side_by_side import Work, in_turn, one_at_a_time, side_by_side
from harness.resources import cassettes_dir
from harness.results.model import CaseRecord
from harness.results.runid import run_tag_for, sub_run_id
from harness.targets.ready import ReadyTarget


def default_cassettes() -> list[Path]:
    folder = cassettes_dir()
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def replay_phase(
    target: ReadyTarget,
    run_id: str,
    cassettes: Sequence[Path | str] | None = None,
    *,
    selection: Selection | None = None,
    options: ReplayOptions | None = None,
    on_start: Callable[[str], None] | None = None,
    on_record: Callable[[CaseRecord], None] | None = None,
    jobs: int = 1,
) -> PhaseResult:
    """Replay ``cassettes`` against ``target``; one record per selected recorded scenario.
    ``jobs`` > 1: cassettes side by side (harness.replay.side_by_side)."""
    selection = selection or Selection()
    paths = [Path(p) for p in cassettes] if cassettes is not None else default_cassettes()
    result = PhaseResult(records=[])
    totals = Cleanup()
    exchanges = requests = not_selected = 0
    run_tags = result.run_tags  # filled as each cassette starts
    # -k/--tag/--failed pick per cassette; a shard then takes its share of them all at once
    unsharded = dataclasses.replace(selection, shard=None)
    loaded: list[tuple[Cassette, list[ScenarioEntry]]] = []
    for path in paths:
        try:
            cassette = load_cassette(path)
        except CassetteError as exc:
            result.warnings.append(f"replay: {exc}")
            continue
        entries = cassette.provenance.scenarios
        chosen = unsharded.pick(
            entries, ids=lambda entry, name=cassette.name: (f"replay:{name}:{entry.id}", entry.id)
        )
        not_selected += len(entries) - len(chosen)
        loaded.append((cassette, chosen))
    if selection.shard is not None:
        pairs = [(c, e) for c, chosen in loaded for e in chosen]
        mine = selection.shard.keep(pairs, key=lambda pair: f"replay:{pair[0].name}:{pair[1].id}")
        loaded = [(c, [e for k, e in mine if k is c]) for c, _ in loaded]
    base = options or ReplayOptions()
    work: list[Work] = []
    for cassette, chosen in loaded:
        ids = {entry.id for entry in chosen}
        if not ids:
            continue
        # Each cassette gets a run tag of its own (a part of the run: RUN-ID-rN), so its case
        # tags can never meet those of the scenarios phase or of another cassette, while the
        # run's final cleanup and `trc sweep --run RUN-ID` still find its tasks.
        replay_run = sub_run_id(run_id, len(run_tags) + 1)
        run_tags.append(run_tag_for(replay_run))
        work.append(Work(cassette, dataclasses.replace(base, only=frozenset(ids)), replay_run))
    if jobs > 1 and len(work) > 1 and not one_at_a_time(target):
        done, interrupted = side_by_side(target, work, jobs, on_start, on_record)
    else:
        done = list(in_turn(target, work, on_start, on_record))
        interrupted = any(d.replayer.interrupted for d in done)
    if interrupted:
        result.outcome = Outcome.INTERRUPTED
    for item in done:
        records, stats = item.records, item.replayer.stats
        result.records += records
        for record in records:
            result.operations[record.id] = sorted({f.operation for f in record.fields})
        totals += Cleanup(stats.created, stats.deleted, stats.left)
        exchanges += stats.exchanges
        requests += stats.requests
        result.warnings += [f"replay {item.work.cassette.name}: {w}" for w in stats.warnings]
    if not_selected:
        result.warnings.append(
            f"replay: {not_selected} recorded scenario(s) not in the selection were not replayed"
        )
    if not result.records and not result.interrupted:
        result.summary["skipped"] = "no recorded scenario selected"
    result.cleanup = totals
    fields = [f for r in result.records for f in r.fields]
    result.summary |= {
        "run": run_id,
        "cassettes": [str(p) for p in paths],
        "run_tags": list(run_tags),
        "exchanges": exchanges,
        "requests": requests,
        "fields": len(fields),
        "differences": sum(
            1 for f in fields if f.verdict not in ("equal", "normalised-equal", "type-only")
        ),
    }
    return result


class ReplayPhase:
    name = "replay"
    description = (
        "replay recorded sessions (cassettes/reference/*.yaml or --cassette) against the target "
        "and diff every answer field by field"
    )
    #: Part of every ``trc run`` unless ``--phases`` leaves it out: the shipped reference
    #: cassettes are a differential check of the target against recorded answers.
    default = True

    def run(self, ctx: PhaseContext) -> PhaseResult:
        budget = ctx.options.replay_wait_budget
        return replay_phase(
            ctx.target,
            ctx.run_id,
            list(ctx.options.cassettes) or None,
            selection=ctx.options.selection,
            options=ReplayOptions(wait_budget=budget) if budget is not None else None,
            on_start=ctx.on_start,
            on_record=ctx.on_record,
            jobs=ctx.options.jobs,
        )


PHASE = ReplayPhase()
