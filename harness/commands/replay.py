"""``trc replay CASSETTE...``: re-send recorded sessions to a candidate and diff every answer.

Exit codes: 0 every exchange and field matched, 1 some field differed (or a request could not
be replayed), 2 usage or configuration error (bad cassette, bad option), 3 target unreachable,
130 interrupted (after deleting what the replay created).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from harness import __version__
from harness.commands.outcome import run_guarded
from harness.exitcodes import ExitCode
from harness.results.model import RunMeta, Status, conformant
from harness.results.runid import new_run_id, run_tag_for
from harness.targets.errors import TargetConfigError
from harness.targets.options import target_options

MATCHING = frozenset({"equal", "normalised-equal", "type-only"})


@click.command("replay")
@click.argument(
    "cassettes", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@target_options
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="NAME",
    help="Embedded target only: start the reference with this named fault (repeatable).",
)
@click.option(
    "-k",
    "--select",
    "select_expr",
    metavar="EXPR",
    help="Replay only recorded scenarios matching EXPR (as trc run -k).",
)
@click.option(
    "--tag", "tags", multiple=True, metavar="TAG", help="Only recorded scenarios with this tag."
)
@click.option(
    "--age-tolerance",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="How far `age` may differ from the recording.",
)
@click.option(
    "--replay-wait-budget",
    "wait_budget",
    type=click.FloatRange(min=0, min_open=True),
    default=120.0,
    show_default=True,
    metavar="SECONDS",
    help="The longest a replayed scenario may wait for the target profile's windows "
    "(retention, TTL); longer ones are not-configured.",
)
@click.option(
    "--no-waits",
    is_flag=True,
    help="Do not sleep the recorded think time between requests (waits, poll intervals).",
)
@click.option(
    "--evaluate-rate",
    type=click.FloatRange(min=0.1),
    metavar="N",
    help="Pace EvaluateTaskAttributes requests to N per second (default: 3 against live "
    "Twilio, unpaced elsewhere).",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the replay's report under this folder (default: none).",
)
@click.option(
    "--show",
    type=click.IntRange(min=0),
    default=8,
    show_default=True,
    help="Differences printed per scenario.",
)
@click.pass_context
def replay_command(ctx: click.Context, **options: Any) -> None:
    """Send the recorded requests of CASSETTE(s) to a candidate and compare every answer with
    the recorded one (status, required headers, every field), re-binding SIDs, ETags, page
    tokens and URLs as they appear."""
    ctx.exit(run_guarded("trc replay", _replay, **options))


def _replay(
    cassettes: tuple[Path, ...],
    target: str,
    profile: str | None,
    account_sid: str | None,
    auth_token: str | None,
    allow_live: bool,
    faults: tuple[str, ...],
    select_expr: str | None,
    tags: tuple[str, ...],
    age_tolerance: float,
    wait_budget: float,
    no_waits: bool,
    evaluate_rate: float | None,
    report_dir: Path | None,
    show: int,
) -> int:
    from harness.cassette.format import CassetteError, load_cassette
    from harness.commands.record import write_run_report
    from harness.replay.replay import Replayer, ReplayOptions
    from harness.selection import select as select_cases
    from harness.targets.embedded import check_faults
    from harness.targets.probe import probe
    from harness.targets.resolve import TargetOptions, check_options, open_target

    options = TargetOptions(target, profile, account_sid, auth_token, allow_live, tuple(faults))
    check_options(options)
    if faults:
        check_faults(faults)
    loaded = []
    for path in cassettes:
        try:
            loaded.append(load_cassette(path))
        except CassetteError as exc:
            raise TargetConfigError(str(exc)) from None
    run_id = new_run_id()
    started_at = _now()
    started = time.monotonic()
    records: list[Any] = []
    interrupted = False
    totals = {"created": 0, "deleted": 0, "left": 0}
    exchanges = requests = 0
    with open_target(options) as ready:
        probe(ready)
        click.echo(f"trc replay {run_id} → {ready.name} ({ready.base_url})")
        for index, cassette in enumerate(loaded):
            chosen = select_cases(cassette.provenance.scenarios, select_expr, tags)
            if not chosen:
                continue
            prov = cassette.provenance
            click.echo(
                f"{cassette.path}: {len(chosen)} scenario(s), recorded {prov.recorded_at} "
                f"against {prov.target_host} "
                f"({'live Twilio' if prov.live_twilio else 'not Twilio'})"
            )
            replay_options = ReplayOptions(
                age_tolerance=age_tolerance,
                honour_waits=not no_waits,
                wait_budget=wait_budget,
                evaluate_rate=evaluate_rate,
                only=frozenset(s.id for s in chosen),
            )
            replay_run = run_id if index == 0 else new_run_id()
            replayer = Replayer(ready, cassette, replay_run, replay_options)
            try:
                records += replayer.run(on_record=lambda r: _print_record(r, show))
                interrupted = replayer.interrupted
            finally:
                replayer.close()
                for key in totals:
                    totals[key] += getattr(replayer.stats, key)
                exchanges += replayer.stats.exchanges
                requests += replayer.stats.requests
            if interrupted:
                break
    if not records and not interrupted:
        raise TargetConfigError("no recorded scenarios selected")
    fields = [f for r in records for f in r.fields]
    differing = [f for f in fields if f.verdict not in MATCHING]
    duration = round(time.monotonic() - started, 3)
    counts = {str(s): sum(1 for r in records if r.status is s) for s in Status}
    click.echo(
        f"replayed {exchanges} exchange(s) ({requests} request(s)) of {len(records)} "
        f"scenario(s) in {duration:.1f}s: "
        + ", ".join(f"{n} {name}" for name, n in counts.items() if n)
        + f"; {len(fields)} field verdict(s), {len(differing)} difference(s); cleanup: {totals}"
    )
    if differing:
        by_op: dict[tuple[str, str], int] = {}
        for f in differing:
            by_op[(f.operation, f.field)] = by_op.get((f.operation, f.field), 0) + 1
        click.echo("differences by operation × field:")
        for (op, name), n in sorted(by_op.items()):
            click.echo(f"  {op:<12} {name:<32} {n}")
    if report_dir is not None:
        meta = RunMeta(
            run_id=run_id,
            run_tag=run_tag_for(run_id),
            target=options.target,
            harness_version=__version__,
            started_at=started_at,
            finished_at=_now(),
            duration_s=duration,
            phases=["replay"],
            profile=profile or ("embedded fixture" if options.target == "embedded" else None),
            faults=list(faults),
            interrupted=interrupted,
            cleanup=totals,
        )
        folder = write_run_report(report_dir, records, meta)
        click.echo(f"report: {folder}")
    if interrupted:
        return ExitCode.INTERRUPTED
    return ExitCode.OK if conformant(records) else ExitCode.FAIL


def _print_record(record: Any, show: int) -> None:
    click.echo(f"  {record.status!s:<14} {record.id}")
    if record.reason:
        click.echo(f"      {record.reason}")
    bad = [f for f in record.fields if f.verdict not in MATCHING]
    for f in bad[:show]:
        click.echo(
            f"      {f.exchange} {f.operation} {f.field}: {f.verdict} "
            f"(recorded {f.expected!r}, candidate {f.actual!r})"
        )
    if len(bad) > show:
        click.echo(f"      … {len(bad) - show} more")
    if not bad and record.failure is not None:
        click.echo(f"      {record.failure.message}")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
