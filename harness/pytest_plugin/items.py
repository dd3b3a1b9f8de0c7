"""The pytest plugin's working part, imported only when ``--trc-target`` is given: YAML
scenarios as pytest items (see ``harness.pytest_plugin``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from harness.pytest_plugin import MARKER
from harness.results.model import CaseRecord, Status


class _TrcState:
    """Per-process state: the loaded scenarios and, once needed, the open target."""

    def __init__(
        self, config: pytest.Config, root: Path, scenarios: list[Any], clauses: Any
    ) -> None:
        self.config = config
        self.root = root
        self.scenarios = scenarios
        self.clauses = clauses
        self._stack = ExitStack()
        self._engine: Any = None
        self._broken: str | None = None

    def by_file(self) -> dict[str, list[Any]]:
        files: dict[str, list[Any]] = {}
        for scenario in self.scenarios:
            files.setdefault(scenario.file, []).append(scenario)
        return files

    def engine(self) -> Any:
        if self._engine is None:
            self._engine = self._open()
        return self._engine

    def _open(self) -> Any:
        from harness.pytest_plugin.preflight import UNREACHABLE_EXIT, one_line, target_options
        from harness.results.runid import new_run_id
        from harness.scenarios.engine import ScenarioEngine
        from harness.speccheck import load_spec
        from harness.targets.errors import TargetConfigError, TargetUnreachable
        from harness.targets.resolve import open_target

        if self._broken is not None:
            pytest.fail(self._broken, pytrace=False)
        try:
            ready = self._stack.enter_context(open_target(target_options(self.config)))
            engine = ScenarioEngine(ready, new_run_id(), spec=load_spec(None), clauses=self.clauses)
            if is_worker(self.config) and not ready.embedded:
                # xdist workers share a URL target's one clock: an advance by one worker
                # would age the tasks of another's running case, so waits sleep instead
                # (an embedded reference is each worker's own)
                engine.services.clock = None
                if engine.services.callbacks is not None:
                    # ... and its callback URLs: each worker would point them at its own
                    # receiver, and the workers' push cases would miss their callbacks
                    engine.services.callbacks.disable(
                        "pytest-xdist workers share the target's callback URLs: run the push "
                        "cases in one process (-n 0, e.g. with -k events.push)"
                    )
            self._stack.callback(engine.close)
            engine.probe()
        except (TargetConfigError, TargetUnreachable) as exc:
            self.close()
            self._broken = f"trc: {one_line(str(exc))}"
            unreachable = isinstance(exc, TargetUnreachable)
        else:
            return engine
        if is_worker(self.config):
            # pytest.exit inside an xdist worker is a crash the controller reports as
            # INTERNALERROR: fail this item and every later one with the same line instead.
            pytest.fail(self._broken, pytrace=False)
        code = UNREACHABLE_EXIT if unreachable else pytest.ExitCode.USAGE_ERROR
        pytest.exit(self._broken, returncode=code)

    def close(self) -> None:
        self._stack.close()


_STATE = pytest.StashKey[_TrcState]()


def is_worker(config: pytest.Config) -> bool:
    """True in an xdist worker (the controller has already run the preflight checks)."""
    return hasattr(config, "workerinput")


def configure(config: pytest.Config, target: str) -> None:
    """Load the scenarios, check the target options and keep the per-process state."""
    from harness.pytest_plugin.preflight import preflight
    from harness.resources import scenarios_dir
    from harness.scenarios.discovery import discover, load_clause_registry
    from harness.yamlsrc import SourceError

    option = config.getoption
    if not is_worker(config):
        preflight(config)
    root = Path(option("trc_scenarios") or scenarios_dir())
    if not root.exists():
        raise pytest.UsageError(f"trc: scenario folder {root} does not exist")
    clauses, _ = load_clause_registry()
    try:
        scenarios = discover(root, clauses)
    except SourceError as exc:
        raise pytest.UsageError(f"trc: {exc}") from None
    names = {s.category for s in scenarios} | {t for s in scenarios for t in s.tags}
    for name in sorted(names):
        config.addinivalue_line("markers", f"{name}: trc scenarios tagged {name}")
    state = _TrcState(config, root, scenarios, clauses)
    config.stash[_STATE] = state
    config.add_cleanup(state.close)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """What the push channel has to say (a workspace's EventsFilter, a callback URL the target
    would not take back), after the run's cleanup has tried the restores once more."""
    state = config.stash.get(_STATE, None)
    engine = state._engine if state is not None else None
    channel = engine.services.callbacks if engine is not None else None
    if channel is None:
        return
    try:
        engine.cleanup()
    except Exception as exc:  # the summary still shows what it can
        terminalreporter.write_line(f"trc: warning: cleanup: {exc}", yellow=True)
    lines = [
        *channel.notes,
        *(
            f"could not put back a callback URL the run changed; set it by hand: {what}"
            for what in engine.unrestored
        ),
    ]
    for line in lines:
        terminalreporter.write_line(f"trc: warning: {line}", yellow=True)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    cwd = Path.cwd()
    for file, scenarios in state.by_file().items():
        path = Path(file) if Path(file).is_absolute() else cwd / file
        node = ScenarioFile.from_parent(session, path=path)
        node.scenarios = scenarios
        items.extend(session.genitems(node))


class ScenarioFile(pytest.File):
    scenarios: list[Any]

    def collect(self) -> Iterator[pytest.Item]:
        for scenario in getattr(self, "scenarios", []):
            item = ScenarioItem.from_parent(self, name=scenario.id)
            item.scenario = scenario
            item.add_marker(MARKER)
            for name in (scenario.category, *scenario.tags):
                item.add_marker(name)
            item.extra_keyword_matches.update({scenario.category, *scenario.tags})
            yield item


class ScenarioFailed(Exception):
    def __init__(self, record: CaseRecord) -> None:
        super().__init__(record.failure.message if record.failure else str(record.status))
        self.record = record


class ScenarioItem(pytest.Item):
    scenario: Any
    record: CaseRecord | None = None

    def runtest(self) -> None:
        state = self.config.stash[_STATE]
        record = state.engine().run_case(self.scenario)
        self.record = record
        self.user_properties.append(("clauses", ",".join(c.id for c in record.clauses)))
        self.user_properties.append(("status", str(record.status)))
        if record.status in (
            Status.UNSUPPORTED,
            Status.SKIPPED,
            Status.NOT_APPLICABLE,
            Status.NOT_CONFIGURED,
        ):
            pytest.skip(f"{record.status}: {record.reason or ''}")
        if record.status in (Status.FAIL, Status.ERROR):
            raise ScenarioFailed(record)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ScenarioFailed):
            return format_record(excinfo.value.record)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self.scenario.line - 1, f"trc scenario {self.scenario.id}"


def format_record(record: CaseRecord) -> str:
    lines = [f"{record.id}: {str(record.status).upper()} ({record.source})"]
    lines.append("clauses: " + ", ".join(f"{c.id} [{c.strength}]" for c in record.clauses))
    failure = record.failure
    if failure:
        lines.append(f"step: {failure.step}")
        lines.append(f"expectation: {failure.expectation}")
        lines.append(f"message: {failure.message}")
        lines.append(f"expected: {json.dumps(failure.expected, default=str)[:500]}")
        lines.append(f"actual: {json.dumps(failure.actual, default=str)[:500]}")
    if record.curl:
        lines.append(f"reproduce: {record.curl}")
    return "\n".join(lines)
