"""The replay phase of ``trc run --phases ...,replay`` (``harness.phases`` finds ``PHASE``).

It replays cassettes (default: every ``cassettes/reference/*.yaml``; ``ctx.options
["replay_cassettes"]`` overrides) against the run's target and returns one record per recorded
scenario. Selection: when ``ctx.scenarios`` is not empty, only recorded scenarios whose id is
among them are replayed; ``ctx.options["select_expr"]``/``["tags"]`` (``-k``/``--tag``) are
applied to the recorded scenarios themselves (useful when the scenarios phase does not run and
the library is not loaded); ``ctx.only`` (``trc rerun --failed``) narrows further by record id
(``replay:<cassette>:<scenario id>``) or scenario id.

``replay_phase(target, run_id, ...)`` is the plain function behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.replay.cassette import CassetteError, load_cassette
from harness.replay.replay import Replayer, ReplayOptions
from harness.results.model import CaseRecord
from harness.results.runid import new_run_id, run_tag_for

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_CASSETTES = REPO_ROOT / "cassettes" / "reference"


@dataclass
class ReplayPhaseResult:
    records: list[CaseRecord]
    operations: dict[str, list[str]] = field(default_factory=dict)
    cleanup: dict[str, int] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def default_cassettes() -> list[Path]:
    return sorted(REFERENCE_CASSETTES.glob("*.yaml")) if REFERENCE_CASSETTES.is_dir() else []


def replay_phase(
    target: Any,
    run_id: str,
    cassettes: Sequence[Path | str] | None = None,
    *,
    scenario_ids: Iterable[str] | None = None,
    select_expr: str | None = None,
    tags: Sequence[str] = (),
    only: Iterable[str] | None = None,
    options: ReplayOptions | None = None,
    on_start: Callable[[str], None] | None = None,
    on_record: Callable[[CaseRecord], None] | None = None,
) -> ReplayPhaseResult:
    """Replay ``cassettes`` against ``target`` (a ``ReadyTarget``); one record per scenario.

    ``scenario_ids``: replay only recorded scenarios with these ids (None: all);
    ``select_expr``/``tags``: ``-k``/``--tag`` applied to the recorded scenarios (id, title,
    tags, category as recorded); ``only``: further restrict to these record ids or scenario
    ids (None: no restriction)."""
    from harness.scenarios.discovery import select as select_cases

    paths = [Path(p) for p in cassettes] if cassettes is not None else default_cassettes()
    wanted = set(scenario_ids) if scenario_ids is not None else None
    only_ids = set(only) if only is not None else None
    result = ReplayPhaseResult(records=[])
    totals = {"created": 0, "deleted": 0, "left": 0}
    exchanges = requests = not_selected = 0
    run_tags: list[str] = []
    for path in paths:
        try:
            cassette = load_cassette(path)
        except CassetteError as exc:
            result.warnings.append(f"replay: {exc}")
            continue
        ids = set()
        entries = cassette.provenance.scenarios
        if select_expr or tags:
            entries = select_cases(entries, select_expr, tags)
        for entry in entries:
            record_id = f"replay:{cassette.name}:{entry.id}"
            if wanted is not None and entry.id not in wanted:
                not_selected += 1
                continue
            if only_ids is not None and not ({record_id, entry.id} & only_ids):
                continue
            ids.add(entry.id)
        if not ids:
            continue
        base = options or ReplayOptions()
        replay_options = ReplayOptions(
            age_tolerance=base.age_tolerance,
            honour_waits=base.honour_waits,
            evaluate_rate=base.evaluate_rate,
            only=frozenset(ids),
        )
        # Each cassette gets a run tag of its own (a fresh run id), so its case tags can never
        # meet those of the scenarios phase or of another cassette on the target.
        replay_run = new_run_id()
        run_tags.append(run_tag_for(replay_run))
        with Replayer(target, cassette, replay_run, replay_options) as replayer:
            records = replayer.run(on_start=on_start, on_record=on_record)
        result.records += records
        for record in records:
            result.operations[record.id] = sorted({f.operation for f in record.fields})
        stats = replayer.stats
        for key in totals:
            totals[key] += getattr(stats, key)
        exchanges += stats.exchanges
        requests += stats.requests
        result.warnings += [f"replay {cassette.name}: {w}" for w in stats.warnings]
    if not_selected:
        result.warnings.append(
            f"replay: {not_selected} recorded scenario(s) not in the selection were not replayed"
        )
    result.cleanup = totals
    fields = [f for r in result.records for f in r.fields]
    result.summary = {
        "run": run_id,
        "cassettes": [str(p) for p in paths],
        "run_tags": run_tags,
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

    def run(self, ctx: Any) -> Any:
        from harness.phases import PhaseResult

        options = dict(ctx.options or {})
        cassettes = options.get("replay_cassettes")
        selected = [s.id for s in ctx.scenarios] if ctx.scenarios else None
        outcome = replay_phase(
            ctx.target,
            ctx.run_id,
            cassettes,
            scenario_ids=selected,
            select_expr=options.get("select_expr"),
            tags=tuple(options.get("tags") or ()),
            only=ctx.only,
            on_start=ctx.on_start,
            on_record=ctx.on_record,
        )
        return PhaseResult(
            records=outcome.records,
            operations=outcome.operations,
            cleanup=outcome.cleanup,
            summary=outcome.summary,
            warnings=outcome.warnings,
        )


PHASE = ReplayPhase()
