"""The one door to schemathesis and Hypothesis internals, and the version guard that keeps it
honest.

The rest of ``harness.fuzz`` uses schemathesis' and Hypothesis' public API (``schemathesis
.openapi.from_path``, ``schemathesis.Config``, ``schemathesis.GenerationMode``,
``schemathesis.errors``, ``Case.call``/``validate_response``, ``schema.as_state_machine()``,
``hypothesis.given``/``settings``/``stateful``/``strategies``/``errors``) plus the names
defined here. Everything here reaches past that API, each for the reason given next to it:

- modules that schemathesis does not re-export at its top level (``generation.hypothesis
  .builder``, ``generation.stateful.state_machine``, ``specs.openapi.checks``/``stateful``,
  ``python.asgi``, ``core.control``, ``core.failures``, ``generation.meta``);
- private names (``_root_labels`` of a state machine, ``Failure._unique_key``,
  Hypothesis' ``_hypothesis_internal_use_seed``) and semi-private attributes
  (``rule_order_seed``, ``schema.hooks``, ``schema.filter_set``/``clone``, the scenario
  recorder, ``case.meta``);
- the one monkeypatch (``hypothesis.internal.conjecture.providers._get_local_constants``).

Checked on schemathesis 4.32.5 (Hypothesis 6.155). ``SUPPORTED_RANGE`` is the pin of
pyproject.toml, and importing this module with any other schemathesis raises
``UnsupportedSchemathesis`` (an ``ImportError``: ``trc run`` then lists the fuzz phase as
unavailable with the reason, ``trc fuzz`` exits 2). To move the pin, re-check each item below
against the new release, then change both.

Most internals are imported on first use, not with this module: ``trc run`` imports the fuzz
phase to list it, and that must stay cheap.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import schemathesis
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

#: The schemathesis releases this module was checked against: the pin of pyproject.toml.
#: (``packaging`` comes with schemathesis, which requires pytest, which requires packaging.)
SUPPORTED_RANGE = ">=4.32.5,<4.33"

#: The installed schemathesis.
SCHEMATHESIS_VERSION: str = schemathesis.__version__


class UnsupportedSchemathesis(ImportError):
    """The installed schemathesis is outside ``SUPPORTED_RANGE`` (``name`` is
    ``"schemathesis"``, as for a missing schemathesis)."""


def is_supported(version: str) -> bool:
    """True when schemathesis ``version`` satisfies ``SUPPORTED_RANGE`` as pip reads it for an
    installed release (PEP 440: a development build of 4.32.6 does, 4.33.0rc1 does not)."""
    try:
        return SpecifierSet(SUPPORTED_RANGE).contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def check_version(version: str) -> None:
    """Raise ``UnsupportedSchemathesis`` unless ``version`` is supported."""
    if not is_supported(version):
        raise UnsupportedSchemathesis(
            f"harness.fuzz supports schemathesis {SUPPORTED_RANGE} (the pin in pyproject.toml), "
            f"but schemathesis {version} is installed; install a supported release, e.g. "
            f"pip install 'schemathesis{SUPPORTED_RANGE}'",
            name="schemathesis",
        )


check_version(SCHEMATHESIS_VERSION)

# Already imported by ``import schemathesis`` (no cost); needed at class-definition time.
from schemathesis.core.failures import Failure, Severity  # noqa: E402

__all__ = [
    "SCHEMATHESIS_VERSION",
    "SUPPORTED_RANGE",
    "KeyedFailure",
    "Severity",
    "UnsupportedSchemathesis",
    "asgi_client",
    "check_version",
    "explicit_test",
    "failure_key",
    "is_positive",
    "is_skip",
    "is_supported",
    "link_rule_names",
    "omits_required_header",
    "openapi_check",
    "record_response",
    "register_schema_hook",
    "release_state_machine",
    "root_labels",
    "root_rule",
    "run_state_machine",
    "seed_state_machine",
    "set_root_labels",
    "stateful_strategy",
    "step_input",
    "step_output",
    "unfiltered_labels",
    "without_local_constants",
]


# -- failures -------------------------------------------------------------------------------
class KeyedFailure(Failure):
    """A schemathesis ``Failure`` for the harness's own checks, deduplicated by ``key``.

    schemathesis compares failures (and so keeps one per distinct problem) by class, operation
    and the private ``_unique_key``; this base sets that key from a public argument."""

    def __init__(
        self, *, operation: str, message: str, key: str, severity: Severity = Severity.MEDIUM
    ) -> None:
        super().__init__(operation=operation, message=message, severity=severity)
        self.key = key

    @property
    def _unique_key(self) -> str:
        return self.key


def failure_key(failure: Any) -> str:
    """schemathesis' own deduplication key of a failure (the private ``_unique_key``): the
    status code of a server error, the schema path of a schema violation, ..."""
    return str(getattr(failure, "_unique_key", "") or "")


def openapi_check(name: str) -> Callable[..., Any]:
    """A built-in OpenAPI check function by name (``positive_data_acceptance``,
    ``ignored_auth``...), for ``validate_response(excluded_checks=...)``; the functions live in
    ``schemathesis.specs.openapi.checks``, which is not re-exported."""
    from schemathesis.specs.openapi import checks

    function: Callable[..., Any] = getattr(checks, name)
    return function


def is_skip(exc: BaseException) -> bool:
    """True for schemathesis' own "skip this test" signal (``core.control.SkipTest``)."""
    from schemathesis.core.control import SkipTest

    return isinstance(exc, SkipTest)


# -- schemas, cases and transports ----------------------------------------------------------
def register_schema_hook(schema: Any, name: str, hook: Callable[..., Any]) -> None:
    """Register ``hook`` under ``name`` on this schema only. The public ``schema.hook(name)``
    decorator sets an attribute on the function, which a bound method does not take."""
    schema.hooks.register_hook_with_name(hook, name)


def asgi_client(app: Any) -> contextlib.AbstractContextManager[Any]:
    """schemathesis' requests-compatible in-process client for an ASGI app (``python.asgi``)."""
    from schemathesis.python import asgi

    client: contextlib.AbstractContextManager[Any] = asgi.get_client(app)
    return client


def unfiltered_labels(schema: Any) -> list[str]:
    """The labels of every operation of ``schema``, whatever its ``include``/``exclude``
    filters (a clone with an empty ``filter_set``)."""
    everything = schema.clone(filter_set=type(schema.filter_set)())
    return [result.ok().label for result in everything.get_all_operations()]


def is_positive(case: Any) -> bool:
    """True unless the case was generated in negative mode (``case.meta``; explicit cases
    without metadata count as positive)."""
    meta = case.meta
    return meta is None or bool(meta.generation.mode.is_positive)


def omits_required_header(case: Any) -> bool:
    """True for a coverage-phase case that leaves out a required header (the only cases
    ``missing_required_header`` looks at)."""
    from schemathesis.core.parameters import ParameterLocation
    from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario

    meta = case.meta
    data = meta.phase.data if meta is not None else None
    return (
        isinstance(data, CoveragePhaseData)
        and bool(data.parameter)
        and data.parameter_location == ParameterLocation.HEADER
        and data.scenario == CoverageScenario.MISSING_PARAMETER
    )


def explicit_test(
    operation: Any,
    test: Callable[..., Any],
    *,
    project: Any,
    coverage: bool,
    settings: Any,
    seed: int,
) -> Callable[[], None]:
    """The examples phase (``coverage=False``) or the coverage phase of ``operation``, as
    schemathesis' pytest plugin builds them (``generation.hypothesis.builder.create_test``)."""
    from schemathesis.generation.hypothesis.builder import (
        HypothesisTestConfig,
        HypothesisTestMode,
        create_test,
    )

    mode = HypothesisTestMode.COVERAGE if coverage else HypothesisTestMode.EXAMPLES
    built: Callable[[], None] = create_test(
        operation=operation,
        test_func=test,
        config=HypothesisTestConfig(
            project=project,
            modes=[mode],
            settings=settings,
            apply_ci_profile=False,
            seed=seed,
        ),
    )
    return built


# -- the state machine ----------------------------------------------------------------------
def step_input(step: Any) -> tuple[Any, bool]:
    """A state machine step's case, and whether a link produced it (not a scenario's first)."""
    return step.case, step.transition is not None


def step_output(response: Any, case: Any) -> Any:
    """What ``APIStateMachine.step`` returns for a sent case."""
    from schemathesis.generation.stateful.state_machine import StepOutput

    return StepOutput(response, case)


def record_response(recorder: Any, case: Any, response: Any) -> None:
    """Tell the machine's scenario recorder about a response (stateful checks read it)."""
    recorder.record_response(case_id=case.id, response=response)


def root_labels(machine: type) -> frozenset[str]:
    """Labels of the operations the machine may start a scenario at (``_root_labels``)."""
    labels: frozenset[str] = frozenset(getattr(machine, "_root_labels", frozenset()))
    return labels


def set_root_labels(machine: type, labels: frozenset[str]) -> None:
    machine._root_labels = labels  # type: ignore[attr-defined]


def seed_state_machine(machine: type, seed: int) -> None:
    """Seed the next Hypothesis run of ``machine`` (Hypothesis' private per-class seed) and
    schemathesis' shuffling of its root rules."""
    machine._hypothesis_internal_use_seed = seed  # type: ignore[attr-defined]
    machine.rule_order_seed = seed  # type: ignore[attr-defined]


def run_state_machine(machine: type, settings: Any) -> None:
    """Run the machine once as a Hypothesis test (``generation.stateful``)."""
    from schemathesis.generation.stateful import run_state_machine_as_test

    run_state_machine_as_test(machine, settings=settings)


def release_state_machine(machine: type) -> None:
    """Free what schemathesis keeps per machine class (caches of its transitions)."""
    from schemathesis.generation.stateful.state_machine import release_state_machines

    release_state_machines(machine)


def link_rule_names(machine: type, labels: list[str]) -> list[str]:
    """The machine's rules (``SOURCE__LINK__TARGET`` names) that end at one of ``labels``."""
    from schemathesis.generation.stateful.state_machine import normalize_name

    names = [normalize_name(label) for label in labels]
    return [
        name
        for name in dir(machine)
        if "__" in name and any(name.endswith(f"__{label}") for label in names)
    ]


def stateful_strategy(operation: Any, mode: Any, **kwargs: Any) -> Any:
    """``operation.as_strategy`` for the stateful phase (``generation.meta.TestPhase``)."""
    from schemathesis.generation.meta import TestPhase

    return operation.as_strategy(mode, phase=TestPhase.STATEFUL, **kwargs)


def root_rule(name: str, strategy: Any, label: str) -> Any:
    """A scenario-starting rule of the state machine for the operation ``label``, drawing its
    cases from ``strategy``, as schemathesis makes its own (``specs.openapi.stateful``)."""
    from hypothesis.stateful import Bundle
    from schemathesis.generation.stateful.state_machine import StepInput
    from schemathesis.specs.openapi.stateful import is_root_allowed, transition

    return transition(
        name=name,
        target=Bundle("catch_all"),
        input=strategy.map(StepInput.initial),
        precondition=is_root_allowed(label),
    )


@contextlib.contextmanager
def probes_through(session: Any) -> Iterator[None]:
    """Send the extra requests of schemathesis' own checks through ``session``.

    The auth checks (``ignored_auth``) re-send a request without and with wrong credentials
    through the transport with the run's session taken out (``send_probe``): a fresh session
    that follows same-host redirects, reads bodies whole and is unseen by the run's creation
    tracker, so a target that accepted such a create kept a task nobody deletes. Within the
    block every request sent without a session uses ``session`` (which carries no
    credentials of its own).
    """
    from schemathesis.transport.requests import REQUESTS_TRANSPORT

    original = REQUESTS_TRANSPORT.send

    def send(case: Any, *, session: Any = None, **kwargs: Any) -> Any:
        return original(case, session=bounded if session is None else session, **kwargs)

    bounded = session
    REQUESTS_TRANSPORT.send = send  # type: ignore[method-assign]
    try:
        yield
    finally:
        del REQUESTS_TRANSPORT.send


class _MemoisedChecksConfig:
    """A schema's ``config`` whose ``checks_config_for`` is computed once per (operation,
    phase): schemathesis 4.32 rebuilds it from the configuration hierarchy for every response
    it validates (about 1 ms, a tenth of a fuzz case), and a run's configuration never changes
    once its schema is loaded. Everything else is the wrapped configuration's."""

    def __init__(self, config: Any) -> None:
        object.__setattr__(self, "_config", config)
        object.__setattr__(self, "_memo", {})

    def __getattr__(self, name: str) -> Any:
        return getattr(self._config, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._memo.clear()
        setattr(self._config, name, value)

    def checks_config_for(self, *, operation: Any = None, phase: str | None = None) -> Any:
        key = (None if operation is None else operation.label, phase)
        if key not in self._memo:
            self._memo[key] = self._config.checks_config_for(operation=operation, phase=phase)
        return self._memo[key]


def memoise_checks_config(schema: Any) -> None:
    """Wrap ``schema.config`` in ``_MemoisedChecksConfig`` (once)."""
    if not isinstance(schema.config, _MemoisedChecksConfig):
        schema.config = _MemoisedChecksConfig(schema.config)


# -- Hypothesis -----------------------------------------------------------------------------
@contextlib.contextmanager
def without_local_constants() -> Iterator[None]:
    """Keep Hypothesis from mixing literals of the caller's own modules into generation.

    Since 6.131 Hypothesis draws, now and then, integers and strings found in every "local"
    module loaded at the time (anything outside the stdlib and site-packages), and gives up
    parsing them after 100 ms. Which modules happen to be imported (``trc fuzz`` or ``trc run``,
    pytest or not) and how busy the machine is would then change the cases a seed generates.
    For the duration of a run it sees no local constants (a private Hypothesis hook; when it
    is not there, nothing is patched).
    """
    try:
        from hypothesis.internal.conjecture import providers

        original = providers._get_local_constants
        empty = providers.Constants()
        cache = providers.CONSTANTS_CACHE.cache
    except (ImportError, AttributeError):
        yield
        return
    providers._get_local_constants = lambda: empty
    cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()
