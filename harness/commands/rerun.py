"""``trc rerun --failed reports/<run>/report.json``: run again only the cases that failed.

The run's recorded configuration is reused (targets, profiles, faults, scenario folder, spec,
seed, fuzz budget, expected deviations); every option given here overrides it. Credentials are
never recorded: they come from the options or the environment, as for ``trc run`` (the
embedded target uses its fixture's). A failed case is one with status ``fail`` or ``error``;
``--skip-expected`` leaves out expected deviations. Each target reruns its own failed cases;
with ``--target`` given, every target reruns the failures of all recorded targets.

The new report (``reports/<new-run-id>/``, with ``rerun_of``) scores only the rerun cases; the
rest of the library is listed as excluded by selection. Exit codes as ``trc run``; 0 with a
message when the report has no failed case.
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
    report: Report, overrides: dict[str, Any], skip_expected: bool = False
) -> RunRequest | None:
    """The RunRequest that reruns the failures of ``report`` (None: nothing failed)."""
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
        report_dir=path(pick("report_dir", config.report_dir)),
        faults=() if overridden else tuple(config.faults),
        phases=pick("phases", ",".join(ordered)),
        spec_path=path(pick("spec_path", config.spec)),
        seed=pick("seed", seed),
        fuzz_budget=pick("fuzz_budget", config.fuzz_budget),
        cassettes=tuple(Path(c) for c in config.cassettes),
        fail_under=overrides.get("fail_under"),
        baseline=overrides.get("baseline"),
        expect_deviations=path(deviations) if deviations and Path(deviations).exists() else None,
        only=only,
        rerun_of=report.run.run_id,
        list_only=bool(overrides.get("list_only")),
    )


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
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), help="Override.")
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
    """Run again only the cases that failed in REPORT, with the run's recorded options."""
    from harness.report.document import ReportFileError, load_report

    try:
        document = load_report(report)
    except ReportFileError as exc:
        click.echo(f"trc rerun: error: {exc}", err=True)
        ctx.exit(ExitCode.USAGE)
    request = rerun_request(document, overrides, skip_expected)
    if request is None:
        click.echo(f"trc rerun: nothing to rerun: {report} has no failed case")
        ctx.exit(ExitCode.OK)
    ctx.exit(run_request(request, "trc rerun"))
