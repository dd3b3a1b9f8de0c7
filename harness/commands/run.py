"""``trc run``: run the scenario library against a target and write the reports.

Exit codes: 0 conformant (no fail/error), 1 not conformant, 2 usage or configuration error,
3 target unreachable, 130 interrupted (after cleaning up).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from harness import __version__
from harness.results.model import RunMeta, conformant
from harness.results.runid import new_run_id, run_tag_for
from harness.scenarios.discovery import SelectError
from harness.scenarios.yamlsrc import SourceError
from harness.targets.errors import TargetConfigError, TargetUnreachable
from harness.targets.options import target_options

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
PHASES = ("scenarios",)
FUTURE_PHASES = ("fuzz", "replay")


def parse_phases(text: str) -> list[str]:
    phases = [p.strip() for p in text.split(",") if p.strip()]
    if not phases:
        raise TargetConfigError("--phases: name at least one phase (scenarios)")
    for phase in phases:
        if phase in FUTURE_PHASES:
            raise TargetConfigError(f"--phases: {phase} is not supported yet (only: scenarios)")
        if phase not in PHASES:
            raise TargetConfigError(f"--phases: unknown phase {phase!r} (known: scenarios)")
    return phases


@contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt so cleanup runs the same way as for Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command("run")
@target_options
@click.option(
    "--scenarios",
    "scenarios_dir",
    type=click.Path(exists=True, path_type=Path),
    help="Scenario folder or file (default: the repository's scenarios/).",
)
@click.option(
    "-k",
    "--select",
    "select_expr",
    metavar="EXPR",
    help="Pick cases: words matched against id/title (substring), tags and category, "
    "combined with and/or/not and ().",
)
@click.option(
    "--tag", "tags", multiple=True, metavar="TAG", help="Only cases with this tag (any of them)."
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Parent folder of the run's report folder (default: the repository's reports/).",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="NAME",
    help="Embedded target only: start the reference with this named fault (repeatable).",
)
@click.option(
    "--phases",
    default="scenarios",
    show_default=True,
    help="Comma-separated phases to run (scenarios; fuzz and replay are planned).",
)
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="OpenAPI file every response is checked against (default: spec/taskrouter-tasks.yaml).",
)
@click.option("--list", "list_only", is_flag=True, help="List the selected cases and exit.")
@click.pass_context
def run_command(ctx: click.Context, **options: Any) -> None:
    """Run the scenarios against a target; write reports/<run-id>/ and reports/latest."""
    try:
        code = _run(**options)
    except (TargetConfigError, SourceError, SelectError) as exc:
        click.echo(f"trc run: error: {exc}", err=True)
        code = EXIT_USAGE
    except TargetUnreachable as exc:
        click.echo(f"trc run: {exc}", err=True)
        code = EXIT_UNREACHABLE
    ctx.exit(code)


def _run(
    target: str,
    profile: str | None,
    account_sid: str | None,
    auth_token: str | None,
    allow_live: bool,
    scenarios_dir: Path | None,
    select_expr: str | None,
    tags: tuple[str, ...],
    report_dir: Path | None,
    faults: tuple[str, ...],
    phases: str,
    spec_path: Path | None,
    list_only: bool,
) -> int:
    from harness.reporters.files import DEFAULT_REPORT_DIR, write_reports
    from harness.reporters.terminal import TerminalReporter
    from harness.scenarios.discovery import DEFAULT_SCENARIOS, discover, load_clause_registry
    from harness.scenarios.discovery import select as select_cases
    from harness.scenarios.engine import DEFAULT_SPEC, ScenarioEngine, load_spec
    from harness.targets.embedded import check_faults
    from harness.targets.resolve import TargetOptions, check_options, open_target

    phase_list = parse_phases(phases)
    options = TargetOptions(target, profile, account_sid, auth_token, allow_live, tuple(faults))
    check_options(options)
    if faults:
        check_faults(faults)
    warnings: list[str] = []
    clauses, warning = load_clause_registry()
    if warning:
        warnings.append(warning)
    root = scenarios_dir or DEFAULT_SCENARIOS
    if not root.exists():
        raise TargetConfigError(f"scenario folder {root} does not exist")
    chosen = select_cases(discover(root, clauses), select_expr, tags)
    if list_only:
        for scenario in chosen:
            tag_text = f" [{', '.join(scenario.tags)}]" if scenario.tags else ""
            click.echo(f"{scenario.id}  ({scenario.category}){tag_text}  {scenario.source}")
        return EXIT_OK
    if not chosen:
        raise TargetConfigError(f"no scenarios selected under {root}")
    if spec_path is not None and not spec_path.is_file():
        raise TargetConfigError(f"--spec {spec_path}: no such file")
    try:
        spec = load_spec(spec_path)
    except Exception as exc:
        raise TargetConfigError(f"cannot load the spec: {exc}") from None
    if spec is None:
        warnings.append(f"{DEFAULT_SPEC} not found: responses are not validated against a spec")

    run_id = new_run_id()
    reporter = TerminalReporter()
    started = time.monotonic()
    meta = RunMeta(
        run_id=run_id,
        run_tag=run_tag_for(run_id),
        target=options.target,
        harness_version=__version__,
        started_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        phases=phase_list,
        profile=profile or ("embedded fixture" if options.target == "embedded" else None),
        faults=list(faults),
        spec=str(spec.source) if spec else None,
        warnings=warnings,
    )
    records = []
    interrupted = False
    with interrupt_on_sigterm(), open_target(options) as ready:
        engine = ScenarioEngine(ready, run_id, spec=spec, clauses=clauses)
        try:
            probe = engine.probe()
            if probe.status_code == 401:
                warnings.append(
                    "the probe request got 401: check the credentials (every case will fail)"
                )
            reporter.start(meta, len(chosen), ready.base_url)
            try:
                records = engine.run(
                    chosen, on_start=lambda s: reporter.begin(s.id), on_record=reporter.case
                )
            except KeyboardInterrupt as exc:
                records = getattr(exc, "records", records)
                interrupted = True
        finally:
            engine.close()
            meta.cleanup = dict(engine.cleanup_stats)
    meta.interrupted = interrupted
    meta.finished_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta.duration_s = round(time.monotonic() - started, 3)
    folder = write_reports(report_dir or DEFAULT_REPORT_DIR, records, meta)
    reporter.summary(records, meta, str(folder))
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if conformant(records) else EXIT_FAIL
