"""``trc record``: run scenarios against a target while every exchange is recorded to a cassette.

Exit codes: 0 cassette written, 1 written but some scenario failed or errored while recording
(nothing written with ``--require-pass``; with ``--drop-failing`` those scenarios are left out
and the exit code is 0), 2 usage or configuration error (including an
existing ``--out`` without ``--force``), 3 target unreachable, 130 interrupted (nothing
written; the run's tasks were deleted).
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
from harness.targets.probe import probe


@click.command("record")
@target_options(cassette=False)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The cassette to write, e.g. cassettes/my-clone-smoke.yaml.",
)
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@click.option(
    "--scenarios",
    "scenarios_dir",
    type=click.Path(exists=True, path_type=Path),
    help="Scenario folder or file (default: the repository's scenarios/).",
)
@click.option("-k", "--select", "select_expr", metavar="EXPR", help="Pick cases (as trc run -k).")
@click.option(
    "--tag", "tags", multiple=True, metavar="TAG", help="Only cases with this tag (any of them)."
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="NAME",
    help="Embedded target only: record the reference with this named fault (repeatable).",
)
@click.option(
    "--redact-account",
    is_flag=True,
    help="Replace the Account SID by AC000…0 everywhere in the cassette.",
)
@click.option(
    "--redact-attributes",
    is_flag=True,
    help="Replace string values inside task attributes (PII) by redacted-N placeholders.",
)
@click.option(
    "--evaluate-rate",
    type=click.FloatRange(min=0.1),
    metavar="N",
    help="Pace EvaluateTaskAttributes requests to N per second (default: 3 against live "
    "Twilio, unpaced elsewhere).",
)
@click.option(
    "--require-pass",
    is_flag=True,
    help="Write nothing (exit 1) unless every recorded scenario passed.",
)
@click.option(
    "--drop-failing",
    is_flag=True,
    help="Leave the interactions of scenarios that failed or errored out of the cassette "
    "(listed under trc.excluded); exit 0 if the rest is written.",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write the recording run's report under this folder.",
)
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="OpenAPI file responses are checked against (default: spec/taskrouter-tasks.yaml).",
)
@click.pass_context
def record_command(ctx: click.Context, **options: Any) -> None:
    """Run scenarios while vcrpy records every exchange; write a redacted cassette."""
    ctx.exit(run_guarded("trc record", _record, **options))


def _record(
    target: str,
    profile: str | None,
    account_sid: str | None,
    auth_token: str | None,
    allow_live: bool,
    out: Path,
    force: bool,
    scenarios_dir: Path | None,
    select_expr: str | None,
    tags: tuple[str, ...],
    faults: tuple[str, ...],
    redact_account: bool,
    redact_attributes: bool,
    evaluate_rate: float | None,
    require_pass: bool,
    drop_failing: bool,
    report_dir: Path | None,
    spec_path: Path | None,
) -> int:
    from harness.cassette.format import CassetteTooLarge
    from harness.replay.record import RecordOptions, record_session, write_cassette
    from harness.replay.redact import SecretLeak, secret_forms
    from harness.resources import scenarios_dir as default_scenarios
    from harness.scenarios.discovery import discover, load_clause_registry
    from harness.selection import select as select_cases
    from harness.speccheck import default_spec_path, load_spec
    from harness.targets.embedded import check_faults
    from harness.targets.resolve import TargetOptions, check_options, open_target
    from harness.targets.target import require_server

    require_server(target, "trc record", "record")
    options = TargetOptions(target, profile, account_sid, auth_token, allow_live, tuple(faults))
    check_options(options)
    if faults:
        check_faults(faults)
    if out.exists() and not force:
        raise TargetConfigError(f"--out {out} exists (add --force to overwrite it)")
    clauses, _ = load_clause_registry()
    root = scenarios_dir or default_scenarios()
    chosen = select_cases(discover(root, clauses), select_expr, tags)
    if not chosen:
        raise TargetConfigError(f"no scenarios selected under {root}")
    if spec_path is not None and not spec_path.is_file():
        raise TargetConfigError(f"--spec {spec_path}: no such file")
    try:
        spec = load_spec(spec_path)
    except Exception as exc:
        raise TargetConfigError(f"cannot load the spec: {exc}") from None
    record_options = RecordOptions(
        redact_account=redact_account,
        redact_attributes=redact_attributes,
        evaluate_rate=evaluate_rate,
        spec_path=spec_path or default_spec_path(),
    )
    run_id = new_run_id()
    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    started = time.monotonic()
    with open_target(options) as ready:
        probe(ready)
        click.echo(
            f"trc record {run_id} → {ready.name} ({ready.base_url}) · {len(chosen)} case(s) → {out}"
        )

        def show(record: Any) -> None:
            click.echo(f"  {record.status!s:<14} {record.id}")

        try:
            outcome = record_session(
                ready,
                chosen,
                run_id,
                record_options,
                spec=spec,
                clauses=clauses,
                on_record=show,
            )
        except KeyboardInterrupt:
            click.echo(
                "trc record: interrupted; nothing written (the run's tasks were deleted)", err=True
            )
            return ExitCode.INTERRUPTED
        secrets = secret_forms(ready.credentials)
    records = outcome.records
    problems = [r for r in records if r.status.is_problem]
    if report_dir is not None:
        meta = RunMeta(
            run_id=run_id,
            run_tag=run_tag_for(run_id),
            target=options.target,
            harness_version=__version__,
            started_at=started_at,
            finished_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            duration_s=round(time.monotonic() - started, 3),
            profile=profile or ("embedded fixture" if options.target == "embedded" else None),
            faults=list(faults),
            cleanup=outcome.cleanup,
        )
        folder = write_run_report(report_dir, records, meta)
        click.echo(f"report: {folder}")
    if require_pass and problems:
        click.echo(
            f"trc record: {len(problems)} scenario(s) did not pass; nothing written "
            f"(--require-pass): {', '.join(r.id for r in problems)}",
            err=True,
        )
        return ExitCode.FAIL
    if drop_failing and problems:
        outcome.cassette = outcome.cassette.without(
            {r.id for r in problems}, "failed or errored while recording (--drop-failing)"
        )
        click.echo(
            f"left out {len(problems)} scenario(s) that did not pass: "
            + ", ".join(r.id for r in problems)
        )
        records = [r for r in records if not r.status.is_problem]
    try:
        write_cassette(outcome, out, secrets)
    except (SecretLeak, CassetteTooLarge) as exc:
        click.echo(f"trc record: error: {exc}", err=True)
        return ExitCode.FAIL
    provenance = outcome.cassette.provenance
    counts = {str(s): sum(1 for r in records if r.status is s) for s in Status}
    summary = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    click.echo(
        f"wrote {out}: {provenance.interaction_count} exchange(s) from {len(records)} "
        f"scenario(s) ({summary}) in {outcome.duration_s:.1f}s; redacted: "
        f"{', '.join(provenance.redactions)}; cleanup: {outcome.cleanup}"
        + (f"; paced {outcome.paced_wait_s:.1f}s" if outcome.paced_wait_s else "")
    )
    return ExitCode.OK if conformant(records) else ExitCode.FAIL


def write_run_report(parent: Path, records: list[Any], meta: RunMeta) -> Path:
    """The run's report folder: report.json, report.md, report.html, junit.xml, badge.svg."""
    from harness.report.document import one_target_report
    from harness.reporters.files import write_report_folder

    return write_report_folder(parent, one_target_report(records, meta))
