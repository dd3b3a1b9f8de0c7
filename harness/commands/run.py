"""``trc run``: run the phases against one or more targets, write the report, apply the gate.

Exit codes: 0 the gate passed (by default: conformant, no fail/error except expected
deviations, and something was counted), 1 the gate failed, 2 usage or configuration error,
3 a target unreachable, 130 interrupted (after cleaning up and writing the partial report).

Targets (``--target``, repeatable): ``[LABEL=]embedded``, ``[LABEL=]embedded+fault:NAME[,NAME]``
(the reference with named faults) or ``[LABEL=]URL``. The label names the target in the report
(default: the spec itself). ``--profile FILE`` applies to every target; ``--profile LABEL=FILE``
to one. ``--fault NAME`` is the one-target shorthand for ``embedded+fault:NAME``.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from harness import __version__
from harness.results.model import CaseRecord, Failure, RunMeta, Status
from harness.results.runid import new_run_id, run_tag_for
from harness.scenarios.discovery import SelectError
from harness.scenarios.yamlsrc import SourceError
from harness.targets.errors import TargetConfigError, TargetUnreachable
from harness.targets.options import target_options
from harness.targets.target import EMBEDDED

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
_LABEL = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.@-]*)=(.+)$")
_FAULTS = re.compile(r"^embedded\+fault:([a-z0-9,+:-]+)$")


@dataclass(frozen=True)
class TargetChoice:
    """One ``--target``: how to reach it and what to call it."""

    label: str
    text: str
    kind: str  # "embedded" | "url" | "cassette"
    url: str | None = None
    faults: tuple[str, ...] = ()
    profile: str | None = None
    #: what ``TargetOptions.target`` gets: embedded, the URL, or cassette:PATH
    target: str = EMBEDDED

    def options(self, account_sid: str | None, auth_token: str | None, allow_live: bool) -> Any:
        from harness.targets.resolve import TargetOptions

        return TargetOptions(
            self.target, self.profile, account_sid, auth_token, allow_live, self.faults
        )


def parse_target_arg(text: str) -> TargetChoice:
    """``[LABEL=]embedded``, ``[LABEL=]embedded+fault:A[,B]``, ``[LABEL=]URL`` or
    ``[LABEL=]cassette:PATH`` (a recording served back, when harness.replay provides it)."""
    from harness.targets.target import parse_target

    raw = (text or "").strip()
    label = None
    match = _LABEL.match(raw)
    if match and "://" not in match.group(1):
        label, raw = match.group(1), match.group(2).strip()
    if raw.startswith("embedded+"):
        fault_match = _FAULTS.match(raw)
        if not fault_match:
            raise TargetConfigError(
                f"target {text!r}: expected embedded+fault:NAME[,NAME] "
                "(e.g. embedded+fault:etag-ignored)"
            )
        names = [n for n in re.split(r"[,+]", fault_match.group(1).replace("fault:", "")) if n]
        faults = tuple(dict.fromkeys(names))
        return TargetChoice(
            label or f"embedded+fault:{','.join(faults)}", text, EMBEDDED, faults=faults
        )
    spec = parse_target(raw)
    if spec.kind == EMBEDDED:
        return TargetChoice(label or EMBEDDED, text, EMBEDDED)
    if spec.kind == "url":
        return TargetChoice(label or str(spec.url), text, "url", url=spec.url, target=raw)
    return TargetChoice(label or spec.name, text, spec.kind, target=raw)


def resolve_targets(
    targets: tuple[str, ...] | list[str],
    profiles: tuple[str, ...] | list[str] | str | None,
    faults: tuple[str, ...] | list[str] = (),
) -> list[TargetChoice]:
    """Parse every ``--target``, attach profiles and ``--fault``; TargetConfigError if wrong."""
    from harness.targets.embedded import check_faults

    choices = [parse_target_arg(t) for t in (targets or (EMBEDDED,))]
    labels = [c.label for c in choices]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise TargetConfigError(
            f"two targets are labelled {duplicates[0]!r}: name them, e.g. "
            f"--target a={choices[0].text} --target b=..."
        )
    if faults:
        if len(choices) > 1:
            raise TargetConfigError(
                "--fault applies to a single target; with several, write "
                "--target embedded+fault:NAME for the one that should have it"
            )
        if choices[0].kind != EMBEDDED:
            raise TargetConfigError("--fault applies to the embedded target only")
        merged = tuple(dict.fromkeys([*choices[0].faults, *faults]))
        # The label stays as it was ("embedded"): the report lists the target's faults.
        choices[0] = replace(choices[0], faults=merged)
    if isinstance(profiles, str):
        profiles = (profiles,)
    shared: str | None = None
    by_label: dict[str, str] = {}
    for value in profiles or ():
        match = _LABEL.match(value)
        if match and match.group(1) in labels:
            by_label[match.group(1)] = match.group(2)
        elif shared is not None:
            raise TargetConfigError(
                "--profile given twice without a label: write --profile LABEL=FILE per target"
            )
        else:
            shared = value
    out = []
    for choice in choices:
        check_faults(choice.faults)
        out.append(replace(choice, profile=by_label.get(choice.label, shared)))
    return out


def resolve_phases(text: str | None) -> tuple[list[str], list[dict[str, Any]]]:
    """The phases to run and one row per known phase (ran / unavailable) for the report."""
    from harness.phases import Unavailable, default_phases, known_names, resolve

    rows: list[dict[str, Any]] = []
    if text is None or not text.strip():
        chosen = default_phases()
        for name in known_names():
            phase = resolve(name)
            if isinstance(phase, Unavailable):
                rows.append({"name": name, "status": "unavailable", "reason": phase.reason})
            elif name not in chosen:
                rows.append({"name": name, "status": "not-run", "reason": "not a default phase"})
        if not chosen:
            raise TargetConfigError("no phase is available")
        return chosen, rows
    chosen = list(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    if not chosen:
        raise TargetConfigError("--phases: name at least one phase (scenarios)")
    for name in chosen:
        phase = resolve(name)
        if isinstance(phase, Unavailable):
            if name not in known_names():
                raise TargetConfigError(
                    f"--phases: unknown phase {name!r} (known: {', '.join(known_names())})"
                )
            raise TargetConfigError(
                f"--phases: {name} is not supported yet: {phase.reason}; run without it"
            )
    for name in known_names():
        if name not in chosen:
            phase = resolve(name)
            status = "unavailable" if isinstance(phase, Unavailable) else "not-run"
            reason = phase.reason if isinstance(phase, Unavailable) else "not requested"
            rows.append({"name": name, "status": status, "reason": reason})
    return chosen, rows


@dataclass
class RunRequest:
    """Everything a run needs; built from ``trc run`` options or from a report (rerun)."""

    targets: tuple[str, ...] = (EMBEDDED,)
    profiles: tuple[str, ...] = ()
    account_sid: str | None = None
    auth_token: str | None = None
    allow_live: bool = False
    scenarios_dir: Path | None = None
    select_expr: str | None = None
    tags: tuple[str, ...] = ()
    report_dir: Path | None = None
    faults: tuple[str, ...] = ()
    phases: str | None = None
    spec_path: Path | None = None
    list_only: bool = False
    seed: int | None = None
    fuzz_budget: str | None = None
    cassettes: tuple[Path, ...] = ()
    fail_under: float | None = None
    baseline: Path | None = None
    expect_deviations: Path | None = None
    #: rerun: target label -> case ids to run (None: everything selected)
    only: dict[str, list[str]] | None = None
    rerun_of: str | None = None
    extra_warnings: list[str] = field(default_factory=list)

    def config(self) -> dict[str, Any]:
        """The redacted configuration written into the report (and read back by rerun)."""
        return {
            "targets": list(self.targets),
            "profiles": list(self.profiles),
            "faults": list(self.faults),
            "account_sid": self.account_sid,
            "auth_token": "<redacted>" if self.auth_token else None,
            "allow_live": self.allow_live,
            "scenarios": str(self.scenarios_dir) if self.scenarios_dir else None,
            "select": self.select_expr,
            "tags": list(self.tags),
            "phases": self.phases,
            "spec": str(self.spec_path) if self.spec_path else None,
            "seed": self.seed,
            "fuzz_budget": self.fuzz_budget,
            "cassettes": [str(c) for c in self.cassettes],
            "fail_under": self.fail_under,
            "baseline": str(self.baseline) if self.baseline else None,
            "expect_deviations": str(self.expect_deviations) if self.expect_deviations else None,
            "report_dir": str(self.report_dir) if self.report_dir else None,
            "only": self.only,
            "rerun_of": self.rerun_of,
        }


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


def gate_options(function: Any) -> Any:
    """``--fail-under``, ``--baseline``, ``--expect-deviations`` (trc run, rerun, report gate)."""
    options = [
        click.option(
            "--fail-under",
            type=click.FloatRange(0, 100),
            metavar="SCORE",
            help="Gate: fail (exit 1) when a target's score is below SCORE (0-100).",
        ),
        click.option(
            "--baseline",
            type=click.Path(exists=True, path_type=Path),
            metavar="REPORT",
            help="Gate on regressions only: fail when a case that passed in this earlier "
            "report.json (or its folder) fails now.",
        ),
        click.option(
            "--expect-deviations",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            metavar="FILE",
            help="YAML of accepted deviations (case or clause ids with a reason, per target): "
            "matching failures do not fail the gate; entries that pass now are flagged.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.command("run")
@target_options(multiple=True)
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
    help="Embedded target only: start the reference with this named fault (repeatable). "
    "With several targets use --target embedded+fault:NAME.",
)
@click.option(
    "--phases",
    default=None,
    envvar="TRC_PHASES",
    metavar="LIST",
    help="Comma-separated phases to run (scenarios, fuzz, replay). Default: $TRC_PHASES, or "
    "every available phase; the report lists the unavailable ones.",
)
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="OpenAPI file every response is checked against (default: spec/taskrouter-tasks.yaml).",
)
@click.option("--seed", type=int, default=None, help="Seed for the fuzz phase (recorded).")
@click.option("--fuzz-budget", metavar="CASES[:SECONDS]", help="Budget of the fuzz phase.")
@click.option(
    "--cassette",
    "cassettes",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Replay phase: cassette(s) to replay (default: the replay phase's own).",
)
@gate_options
@click.option("--list", "list_only", is_flag=True, help="List the selected cases and exit.")
@click.pass_context
def run_command(ctx: click.Context, **options: Any) -> None:
    """Run the phases against the target(s); write reports/<run-id>/ (report.json, report.md,
    report.html, junit.xml, badge.svg) and reports/latest; exit by the gate."""
    request = RunRequest(
        targets=tuple(options["target"]),
        profiles=tuple(options["profile"] or ()),
        account_sid=options["account_sid"],
        auth_token=options["auth_token"],
        allow_live=options["allow_live"],
        scenarios_dir=options["scenarios_dir"],
        select_expr=options["select_expr"],
        tags=tuple(options["tags"]),
        report_dir=options["report_dir"],
        faults=tuple(options["faults"]),
        phases=options["phases"],
        spec_path=options["spec_path"],
        list_only=options["list_only"],
        seed=options["seed"],
        fuzz_budget=options["fuzz_budget"],
        cassettes=tuple(options["cassettes"]),
        fail_under=options["fail_under"],
        baseline=options["baseline"],
        expect_deviations=options["expect_deviations"],
    )
    ctx.exit(run_request(request, "trc run"))


def run_request(request: RunRequest, prog: str) -> int:
    """Run ``request`` with the usual error handling; the exit code."""
    try:
        return execute(request)
    except (TargetConfigError, SourceError, SelectError) as exc:
        click.echo(f"{prog}: error: {exc}", err=True)
        return EXIT_USAGE
    except TargetUnreachable as exc:
        click.echo(f"{prog}: {exc}", err=True)
        return EXIT_UNREACHABLE


def load_gate_inputs(
    baseline: Path | None, expect_deviations: Path | None
) -> tuple[dict[str, Any] | None, Any]:
    """The baseline report and the deviation entries; TargetConfigError when unusable."""
    from harness.report.deviations import DeviationFileError, load_deviations
    from harness.report.document import ReportFileError, load_report

    base = devs = None
    try:
        if baseline is not None:
            base = load_report(baseline)
        if expect_deviations is not None:
            devs = load_deviations(expect_deviations)
    except (ReportFileError, DeviationFileError) as exc:
        raise TargetConfigError(str(exc)) from None
    return base, devs


def execute(request: RunRequest) -> int:
    from harness.report.document import build_report
    from harness.reporters.files import DEFAULT_REPORT_DIR, write_report_folder
    from harness.reporters.terminal import TerminalReporter, final_summary
    from harness.scenarios.discovery import DEFAULT_SCENARIOS, discover, load_clause_registry
    from harness.scenarios.discovery import select as select_cases
    from harness.scenarios.engine import DEFAULT_SPEC, load_spec
    from harness.targets.resolve import check_options

    choices = resolve_targets(request.targets, request.profiles, request.faults)
    for choice in choices:
        check_options(choice.options(request.account_sid, request.auth_token, request.allow_live))
    phases_text = request.phases
    if phases_text is None and all(choice.kind == "cassette" for choice in choices):
        # A recording answers only the scenario requests it recorded: fuzzing and replaying
        # against it would measure the cassette, not a server.
        phases_text = "scenarios"
        request.extra_warnings.append(
            "cassette target: only the scenarios phase runs by default (name others with --phases)"
        )
    phase_names, phase_rows = resolve_phases(phases_text)
    baseline, deviations = load_gate_inputs(request.baseline, request.expect_deviations)
    if request.fuzz_budget and "fuzz" in phase_names:
        _check_budget(request.fuzz_budget)
    warnings: list[str] = list(request.extra_warnings)
    clauses, warning = load_clause_registry()
    if warning:
        warnings.append(warning)
    root = request.scenarios_dir or DEFAULT_SCENARIOS
    if not root.exists():
        raise TargetConfigError(f"scenario folder {root} does not exist")
    library = discover(root, clauses) if "scenarios" in phase_names else []
    chosen = select_cases(library, request.select_expr, request.tags)
    wanted_ids: set[str] | None = None
    if request.only is not None:
        wanted_ids = {i for ids in request.only.values() for i in ids}
    if request.list_only:
        for scenario in chosen:
            if wanted_ids is not None and scenario.id not in wanted_ids:
                continue
            tag_text = f" [{', '.join(scenario.tags)}]" if scenario.tags else ""
            click.echo(f"{scenario.id}  ({scenario.category}){tag_text}  {scenario.source}")
        return EXIT_OK
    if "scenarios" in phase_names and not chosen:
        raise TargetConfigError(f"no scenarios selected under {root}")
    selection = _selection(library, chosen, request, wanted_ids)
    if selection.get("missing"):
        warnings.append(
            "not found in the scenario library (not rerun): " + ", ".join(selection["missing"])
        )
    if request.spec_path is not None and not request.spec_path.is_file():
        raise TargetConfigError(f"--spec {request.spec_path}: no such file")
    try:
        spec = load_spec(request.spec_path)
    except Exception as exc:
        raise TargetConfigError(f"cannot load the spec: {exc}") from None
    if spec is None:
        warnings.append(f"{DEFAULT_SPEC} not found: responses are not validated against a spec")

    run_id = new_run_id()
    started_at = _now()
    started = time.monotonic()
    reporter = TerminalReporter()
    runs = []
    interrupted = False
    unreachable = False
    secrets: list[str] = [request.auth_token] if request.auth_token else []
    with interrupt_on_sigterm():
        for choice in choices:
            only = None
            if request.only is not None:
                only = frozenset(request.only.get(choice.label, request.only.get("*", [])))
            try:
                run, interrupted = _run_target(
                    choice,
                    request,
                    phase_names,
                    run_id,
                    chosen,
                    only,
                    spec,
                    clauses,
                    reporter,
                    secrets,
                )
            except TargetUnreachable as exc:
                if len(choices) == 1:
                    raise
                unreachable = True
                run = _unreachable(choice, run_id, str(exc))
                reporter.note(f"{choice.label}: {exc}", style="red")
            runs.append(run)
            if interrupted:
                break
    ran_rows = [{"name": n, "status": "ran", "reason": None} for n in phase_names]
    if interrupted:
        ran_rows = [
            {**row, "status": "interrupted"} if row["name"] in _phases_hit(runs) else row
            for row in ran_rows
        ]
    document = build_report(
        runs,
        run_id=run_id,
        started_at=started_at,
        finished_at=_now(),
        duration_s=round(time.monotonic() - started, 3),
        interrupted=interrupted,
        config=request.config(),
        phases=ran_rows + phase_rows,
        selection=selection,
        clauses=clauses,
        deviations=deviations,
        deviations_file=str(request.expect_deviations) if request.expect_deviations else None,
        baseline=baseline,
        baseline_file=str(request.baseline) if request.baseline else None,
        fail_under=request.fail_under,
        secrets=secrets,
        warnings=warnings,
        rerun_of=request.rerun_of,
    )
    legacy = (runs[0].records, runs[0].meta) if runs and runs[0].meta else None
    folder = write_report_folder(request.report_dir or DEFAULT_REPORT_DIR, document, legacy)
    final_summary(reporter.console, document, str(folder))
    if interrupted:
        return EXIT_INTERRUPTED
    if unreachable:
        return EXIT_UNREACHABLE
    return int(document["gate"]["exit_code"])


def _phases_hit(runs: list[Any]) -> set[str]:
    return {p["name"] for run in runs for p in run.phases if p["status"] == "interrupted"}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_budget(text: str) -> None:
    try:
        from harness.fuzz import BudgetError, parse_budget
    except ImportError:
        return
    try:
        parse_budget(text)
    except BudgetError as exc:
        raise TargetConfigError(str(exc)) from None


def _selection(
    library: list[Any], chosen: list[Any], request: RunRequest, wanted: set[str] | None
) -> dict[str, Any]:
    chosen_ids = [s.id for s in chosen]
    reasons = []
    if request.select_expr:
        reasons.append(f"-k {request.select_expr}")
    if request.tags:
        reasons.append("--tag " + ",".join(request.tags))
    missing: list[str] = []
    if wanted is not None:
        missing = sorted(i for i in wanted if i not in chosen_ids and not i.startswith("fuzz."))
        chosen_ids = [i for i in chosen_ids if i in wanted]
        reasons.append(f"rerun of the failed cases of {request.rerun_of}")
    excluded = [s.id for s in library if s.id not in chosen_ids]
    return {
        "discovered": len(library),
        "selected": len(chosen_ids),
        "excluded": len(excluded),
        "excluded_ids": excluded,
        "reason": "; ".join(reasons) or None,
        "expression": request.select_expr,
        "tags": list(request.tags),
        "only": sorted(wanted) if wanted is not None else None,
        "missing": missing,
    }


def _unreachable(choice: TargetChoice, run_id: str, message: str) -> Any:
    from harness.report.document import TargetRun

    return TargetRun(
        label=choice.label,
        spec=choice.text,
        kind=choice.kind,
        base_url=choice.url,
        faults=list(choice.faults),
        profile=choice.profile,
        reachable=False,
        error=message,
        meta=RunMeta(run_id, run_tag_for(run_id), choice.label, __version__, _now()),
    )


def _run_target(
    choice: TargetChoice,
    request: RunRequest,
    phase_names: list[str],
    run_id: str,
    chosen: list[Any],
    only: frozenset[str] | None,
    spec: Any,
    clauses: Any,
    reporter: Any,
    secrets: list[str],
) -> tuple[Any, bool]:
    """Open one target, probe it, run every phase; (TargetRun, interrupted)."""
    from harness.phases import PhaseContext, probe, resolve
    from harness.report.document import TargetRun
    from harness.targets.resolve import open_target

    options = choice.options(request.account_sid, request.auth_token, request.allow_live)
    meta = RunMeta(
        run_id=run_id,
        run_tag=run_tag_for(run_id),
        target=choice.label,
        harness_version=__version__,
        started_at=_now(),
        phases=list(phase_names),
        profile=choice.profile or ("embedded fixture" if choice.kind == EMBEDDED else None),
        faults=list(choice.faults),
        spec=str(spec.source) if spec is not None else None,
    )
    run = TargetRun(
        label=choice.label,
        spec=choice.text,
        kind=choice.kind,
        faults=list(choice.faults),
        profile=meta.profile,
        meta=meta,
    )
    started = time.monotonic()
    interrupted = False
    cleanup: dict[str, int] = {}
    with open_target(options) as ready:
        secrets.append(ready.credentials.auth_token)
        run.base_url = ready.base_url
        status = probe(ready)
        if status == 401:
            meta.warnings.append(
                f"{choice.label}: the probe request got 401: check the credentials "
                "(every case will fail)"
            )
        total = sum(1 for s in chosen if only is None or s.id in only)
        reporter.start(meta, total, ready.base_url)
        phase_options = {
            "fuzz_budget": request.fuzz_budget,
            "replay_cassettes": list(request.cassettes) or None,
        }
        for name in phase_names:
            phase = resolve(name)
            context = PhaseContext(
                target=ready,
                run_id=run_id,
                run_tag=meta.run_tag,
                scenarios=chosen,
                only=only,
                seed=request.seed,
                options=phase_options,
                spec=spec,
                spec_path=request.spec_path,
                clauses=clauses,
                on_start=reporter.begin,
                on_record=reporter.case,
            )
            row: dict[str, Any] = {"name": name, "status": "ran", "reason": None}
            try:
                result = phase.run(context)  # type: ignore[union-attr]
            except KeyboardInterrupt as exc:
                records = list(getattr(exc, "records", []))
                run.records += records
                run.hints.update(getattr(exc, "operations", {}) or {})
                _merge(cleanup, getattr(exc, "cleanup", {}) or {})
                row.update(status="interrupted", reason="interrupted", cases=len(records))
                run.phases.append(row)
                interrupted = True
                break
            except TargetUnreachable:
                raise
            except Exception as exc:  # a crashing phase is an error case, not a crashed run
                reporter.note(f"phase {name} crashed: {type(exc).__name__}: {exc}", "magenta")
                run.records.append(_phase_crash(name, exc))
                row.update(status="error", reason=f"{type(exc).__name__}: {exc}", cases=1)
                run.phases.append(row)
                continue
            run.records += result.records
            run.hints.update(result.operations)
            _merge(cleanup, result.cleanup)
            meta.warnings += result.warnings
            if result.seed is not None:
                run.seed = result.seed
            row.update(cases=len(result.records), seed=result.seed, summary=result.summary)
            run.phases.append(row)
    meta.cleanup = cleanup
    meta.interrupted = interrupted
    meta.finished_at = _now()
    meta.duration_s = round(time.monotonic() - started, 3)
    return run, interrupted


def _merge(total: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        total[key] = total.get(key, 0) + int(value)


def _phase_crash(name: str, exc: Exception) -> CaseRecord:
    message = f"the {name} phase crashed: {type(exc).__name__}: {exc}"
    return CaseRecord(
        id=f"{name}.phase-crashed",
        title=f"The {name} phase could not run",
        category=name,
        phase=name,
        status=Status.ERROR,
        tags=[name, "harness-error"],
        reason=message,
        failure=Failure(step="(phase)", expectation="harness", message=message),
    )
