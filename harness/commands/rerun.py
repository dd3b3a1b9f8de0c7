"""``trc rerun --failed reports/<run>/report.json``: run again only the cases that failed.

The run's recorded configuration is reused (targets, profiles, faults, scenario folder, spec,
seed, fuzz budget, expected deviations); every option given here overrides it. Credentials are
never recorded: they come from the options or the environment, as for ``trc run`` (the
embedded target uses its fixture's). A failed case is one with status ``fail`` or ``error``;
``--skip-expected`` leaves out expected deviations. Each target reruns its own failed cases;
with ``--target`` given, every target reruns the failures of all recorded targets.

Every phase reruns its failed cases: the scenarios and replay phases exactly those, the fuzz
phase the operations of its failed checks (it cannot run one check alone); of what comes back
only the failed cases' records (and any new problem) are kept (``harness.orchestrate.rerun``).

The new report is written to ``<report-dir>/<new-run-id>-rerun/``, where ``<report-dir>`` is
``--report-dir`` or else the folder holding REPORT's run folder (``reports/`` for
``reports/<run-id>/report.json`` or ``reports/latest``). ``<report-dir>/latest`` is not moved:
it still names the run the failures came from. The report says it is a rerun (``run.rerun_of``,
``config.rerun_of``), scores only the rerun cases and lists the rest of the library as excluded
by selection. Exit codes as ``trc run``; 0 with a message when the report has no failed case.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from harness.commands.gate import gate_options
from harness.commands.run import run_request
from harness.exitcodes import ExitCode
from harness.orchestrate import RunRequest
from harness.phases import ORDER

if TYPE_CHECKING:
    from harness.report.model import Report


def failed_ids(report: Report, skip_expected: bool = False) -> dict[str, list[str]]:
    """Target label -> ids of its failed (fail/error) cases, in report order."""
    out: dict[str, list[str]] = {}
    for case in report.cases:
        if not case.status.is_problem:
            continue
        if skip_expected and case.expected_deviation is not None:
            continue
        ids = out.setdefault(case.target, [])
        if case.id not in ids:
            ids.append(case.id)
    return out


def rerun_request(
    report: Report,
    overrides: dict[str, Any],
    skip_expected: bool = False,
    source: Path | None = None,
) -> RunRequest | None:
    """The RunRequest that reruns the failures of ``report`` (None: nothing failed).
    ``source``: where the report was read (its run folder's parent receives the rerun)."""
    config = report.config
    failures = failed_ids(report, skip_expected)
    if not failures:
        return None
    phases_failed = {c.phase for c in report.cases if c.id in _all(failures)}
    recorded_targets = tuple(config.targets or [t.spec for t in report.targets])
    overridden = bool(overrides.get("target"))
    targets = tuple(overrides.get("target") or ()) if overridden else recorded_targets
    only = {"*": _all(failures)} if overridden else failures

    def pick(key: str, recorded: Any) -> Any:
        value = overrides.get(key)
        return recorded if value in (None, (), []) else value

    def path(value: Any) -> Path | None:
        return Path(value) if value else None

    deviations = pick("expect_deviations", config.expect_deviations)
    ordered = [p for p in ORDER if p in phases_failed] + sorted(phases_failed - set(ORDER))
    seed = report.seed if report.seed is not None else config.seed
    return RunRequest(
        targets=targets,
        profiles=tuple(pick("profile", tuple(config.profiles))),
        account_sid=pick("account_sid", config.account_sid),
        auth_token=overrides.get("auth_token"),
        allow_live=bool(overrides.get("allow_live") or config.allow_live),
        scenarios_dir=path(pick("scenarios_dir", config.scenarios)),
        report_dir=path(overrides.get("report_dir"))
        or (reports_folder(source) if source is not None else path(config.report_dir)),
        faults=() if overridden else tuple(config.faults),
        phases=pick("phases", ",".join(ordered)),
        spec_path=path(pick("spec_path", config.spec)),
        seed=pick("seed", seed),
        fuzz_budget=pick("fuzz_budget", config.fuzz_budget),
        replay_wait_budget=config.replay_wait_budget,
        cassettes=tuple(Path(c) for c in config.cassettes),
        fail_under=overrides.get("fail_under"),
        baseline=overrides.get("baseline"),
        expect_deviations=path(deviations) if deviations and Path(deviations).exists() else None,
        only=only,
        rerun_of=report.run.run_id,
        list_only=bool(overrides.get("list_only")),
    )


def reports_folder(source: Path) -> Path:
    """The folder holding the run folder of ``source`` (a report.json or a run folder,
    ``latest`` included: the link itself, not where it points)."""
    run_folder = source.parent if source.name == "report.json" else source
    return run_folder.absolute().parent


def _all(failures: dict[str, list[str]]) -> list[str]:
    out: list[str] = []
    for ids in failures.values():
        out += [i for i in ids if i not in out]
    return out


@click.command("rerun")
@click.option(
    "--failed",
    "report",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    metavar="REPORT",
    help="report.json (or its run folder) whose failed cases to run again.",
)
@click.option("--target", multiple=True, metavar="[LABEL=]URL|embedded", help="Override.")
@click.option("--profile", multiple=True, metavar="[LABEL=]FILE", help="Override.")
@click.option("--account-sid", metavar="AC...", help="Default: $TWILIO_ACCOUNT_SID.")
@click.option("--auth-token", metavar="TOKEN", help="Default: $TWILIO_AUTH_TOKEN.")
@click.option("--allow-live", is_flag=True, help="Allow a target on a Twilio domain.")
@click.option(
    "--scenarios", "scenarios_dir", type=click.Path(exists=True, path_type=Path), help="Override."
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the rerun's folder goes (default: the folder holding REPORT's run folder).",
)
@click.option(
    "--phases",
    default=None,
    metavar="LIST",
    help="Override (default: the phases that had failures).",
)
@click.option("--spec", "spec_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", type=int, default=None, help="Override (default: the recorded seed).")
@click.option("--fuzz-budget", metavar="CASES[:SECONDS]", help="Override.")
@gate_options
@click.option("--skip-expected", is_flag=True, help="Leave out expected deviations.")
@click.option("--list", "list_only", is_flag=True, help="List what would run again and exit.")
@click.pass_context
def rerun_command(ctx: click.Context, report: Path, skip_expected: bool, **overrides: Any) -> None:
    """Run again only the cases that failed in REPORT (every phase), with the run's recorded
    options. The fuzz phase reruns the operations of its failed checks; of those only the
    failed checks' verdicts (and any new failure) are kept.

    The rerun writes its own folder, REPORT-DIR/<new-run-id>-rerun/ (REPORT-DIR: --report-dir,
    or the folder holding REPORT's run folder), labelled a rerun in its report; REPORT-DIR/latest
    is not moved and still names the run the failures came from."""
    from harness.report.document import ReportFileError, load_report

    try:
        document = load_report(report)
    except ReportFileError as exc:
        click.echo(f"trc rerun: error: {exc}", err=True)
        ctx.exit(ExitCode.USAGE)
    request = rerun_request(document, overrides, skip_expected, report)
    if request is None:
        click.echo(f"trc rerun: nothing to rerun: {report} has no failed case")
        ctx.exit(ExitCode.OK)
    ctx.exit(run_request(request, "trc rerun"))
