"""``trc report``: work with written reports, without sending a single request.

- ``trc report diff A B``: what changed from run A to run B (new failures, regressions, fixes,
  other status changes, score change per target). Exit 0, or 1 with ``--fail-on-regression``
  when a case that passed in A fails in B.
- ``trc report gate REPORT [--fail-under] [--baseline] [--expect-deviations]``: apply the gate
  to an existing report (e.g. a nightly run gated differently per branch); exit 0 or 1.
- ``trc report render REPORT [--out DIR]``: write report.md/html, junit.xml and badge.svg again
  from a report.json (e.g. after upgrading the harness).
- ``trc report merge A B ...``: join the reports of ``trc run --shard I/N`` (every shard once)
  into one run's report folder; exit by its gate.

A and B are report.json files or run folders (``reports/<run-id>``, ``reports/latest``).
Exit 2 when a file cannot be read or does not follow the schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from harness.commands.gate import gate_options
from harness.exitcodes import ExitCode
from harness.orchestrate import load_gate_inputs
from harness.targets.errors import TargetConfigError

if TYPE_CHECKING:
    from harness.report.model import Report

_REPORT = click.Path(exists=True, path_type=Path)


@click.group("report")
def report_group() -> None:
    """Compare, gate and re-render written reports (no requests are sent)."""


@report_group.command("diff")
@click.argument("before", type=_REPORT)
@click.argument("after", type=_REPORT)
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--fail-on-regression", is_flag=True, help="Exit 1 when a case that passed before fails now."
)
@click.pass_context
def diff_command(
    ctx: click.Context, before: Path, after: Path, output: str, fail_on_regression: bool
) -> None:
    """Print what changed from run BEFORE to run AFTER."""
    from harness.report.diff import diff_reports, diff_text
    from harness.report.document import ReportFileError, load_report
    from harness.results.data import to_data

    try:
        a, b = load_report(before), load_report(after)
    except ReportFileError as exc:
        click.echo(f"trc report diff: error: {exc}", err=True)
        ctx.exit(ExitCode.USAGE)
    diff = diff_reports(a, b)
    if output == "json":
        click.echo(json.dumps(to_data(diff), indent=2))
    else:
        click.echo(diff_text(diff, markdown=output == "markdown"), nl=False)
    ctx.exit(ExitCode.FAIL if fail_on_regression and diff.regressions else ExitCode.OK)


@report_group.command("gate")
@click.argument("report", type=_REPORT)
@gate_options
@click.option("--write", is_flag=True, help="Rewrite the report's files with the new gate.")
@click.pass_context
def gate_command(
    ctx: click.Context,
    report: Path,
    fail_under: float | None,
    baseline: Path | None,
    expect_deviations: Path | None,
    write: bool,
) -> None:
    """Apply the gate to REPORT again with these options; exit 0 (passed) or 1 (failed)."""
    from harness.report.document import ReportFileError, load_report, regate

    try:
        loaded = load_report(report)
        base, devs = load_gate_inputs(baseline, expect_deviations)
    except (ReportFileError, TargetConfigError) as exc:
        click.echo(f"trc report gate: error: {exc}", err=True)
        ctx.exit(ExitCode.USAGE)
    document = regate(
        loaded,
        deviations=devs,
        deviations_file=str(expect_deviations) if expect_deviations else None,
        baseline=base,
        baseline_file=str(baseline) if baseline else None,
        fail_under=fail_under,
    )
    for target in document.targets:
        for check in target.gate.checks:
            mark = "ok  " if check.passed else "FAIL"
            click.echo(f"{mark} {target.label}: {check.name}: {check.detail}")
    for item in document.deviations.stale if document.deviations else []:
        click.echo(f"note: deviation {item.match} now passes on {item.target}")
    click.echo(f"score {document.score.display} · {document.gate.summary}")
    if write:
        _write(document, _folder(report))
    ctx.exit(int(document.gate.exit_code))


@report_group.command("render")
@click.argument("report", type=_REPORT)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into (default: the report's own folder).",
)
@click.pass_context
def render_command(ctx: click.Context, report: Path, out: Path | None) -> None:
    """Write report.md, report.html, junit.xml and badge.svg again from REPORT."""
    from harness.report.document import ReportFileError, load_report

    try:
        document = load_report(report)
    except ReportFileError as exc:
        click.echo(f"trc report render: error: {exc}", err=True)
        ctx.exit(ExitCode.USAGE)
    folder = out or _folder(report)
    folder.mkdir(parents=True, exist_ok=True)
    _write(document, folder)
    click.echo(f"written: {folder}")


def _folder(report: Path) -> Path:
    return report if report.is_dir() else report.parent


def _write(document: Report, folder: Path) -> None:
    from harness.reporters.files import write_artifacts

    write_artifacts(folder, document)


@report_group.command("merge")
@click.argument("reports", nargs=-1, required=True, type=_REPORT)
@gate_options
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Parent folder of the merged run's folder (default: ./reports).",
)
@click.pass_context
def merge_command(
    ctx: click.Context,
    reports: tuple[Path, ...],
    fail_under: float | None,
    baseline: Path | None,
    expect_deviations: Path | None,
    report_dir: Path | None,
) -> None:
    """Join the reports of `trc run --shard I/N` (every shard once) into one run's report:
    score, causes, matrices and JUnit as one unsharded run gives them; exit by its gate. The
    gate options default to the ones the shards ran with."""
    from harness.report.document import ReportFileError, assemble, load_report
    from harness.report.merge import MergeError, check_shards, merge_reports
    from harness.reporters.files import write_report_folder
    from harness.resources import default_report_dir
    from harness.results.runid import new_run_id

    try:
        loaded = [(str(path), load_report(path)) for path in reports]
        check_shards(loaded)
        config = loaded[0][1].config
        fail_under = config.fail_under if fail_under is None else fail_under
        baseline = baseline or _existing(config.baseline)
        expect_deviations = expect_deviations or _existing(config.expect_deviations)
        base, devs = load_gate_inputs(baseline, expect_deviations)
    except (ReportFileError, TargetConfigError, MergeError) as exc:
        click.echo(f"trc report merge: error: {exc}", err=True)
        ctx.exit(ExitCode.USAGE)
    document = assemble(
        merge_reports([r for _, r in loaded], new_run_id()),
        deviations=devs,
        deviations_file=str(expect_deviations) if expect_deviations else None,
        baseline=base,
        baseline_file=str(baseline) if baseline else None,
        fail_under=fail_under,
    )
    folder = write_report_folder(report_dir or default_report_dir(), document)
    click.echo(f"merged {len(loaded)} shard(s): {len(document.cases)} case(s)")
    click.echo(f"score {document.score.display} · {document.gate.summary}")
    click.echo(f"reports: {folder}")
    ctx.exit(int(document.gate.exit_code))


def _existing(name: str | None) -> Path | None:
    """A gate input a shard named, when it is here too (a CI job may not have it)."""
    return Path(name) if name and Path(name).exists() else None
