"""Timing of a replay from the candidate's profile, not from the recording.

A recorded ``wait:`` step and an ``eventually`` poll were paced by the *recording's* profile
(a retention window of 2 s against the embedded reference, 5-8 minutes against Twilio). The
replay re-evaluates the same expressions (``retention_window.min / 2``,
``retention_window.max + 2``, ``1 + ttl_grace_seconds``) against the candidate's profile:

* the think time before the first request of a step that followed ``wait:`` steps becomes the
  candidate's wait (plus what the recording spent beyond its own wait);
* a poll runs until the candidate's ``within`` deadline (polling no more than ~120 times);
* the extra time a replay spends beyond the recording (``stretch``) widens the ``age``
  tolerance, since a task really is older when the replay waited longer.

The expressions come from the recorded scenario's source file (the ``source`` each cassette
entry names, looked up in the tool's scenario library, then under the current folder); a
scenario that is not found there keeps the recorded
pacing. ``ScenarioTiming.ask`` is the longest the candidate's profile asks the replay to wait
for one recorded scenario; above ``ReplayOptions.wait_budget`` the replay does not run it (it
is ``not-configured``, with the reason) rather than fail it for a deadline it could not wait.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from harness.cassette.format import ScenarioEntry
from harness.jsonpath import MISSING, parse_path
from harness.resources import data_root, scenarios_dir
from harness.scenarios.interpolate import InterpolationError, evaluate_expression
from harness.scenarios.loader import ScenarioLoadError, load_file_scenarios
from harness.scenarios.model import Scenario

#: A poll against a long deadline is spread over about this many requests at most.
MAX_POLLS = 120
#: Added to a candidate's ``within``: the scenario runner's own slack for the last attempt.
POLL_SLACK_S = 1.0

Lookup = Callable[[str], Any]


@dataclass(frozen=True)
class StepTiming:
    """What a recorded step's timing was written as (expressions over profile keys)."""

    #: ``wait:`` steps right before this step, in order (seconds or expressions)
    waits: tuple[float | str, ...] = ()
    #: ``eventually.within`` of this step, when it polls
    within: float | str | None = None
    every: float | None = None


@dataclass
class ScenarioTiming:
    """The timing of one recorded scenario, evaluated for the recording and the candidate."""

    steps: dict[str, StepTiming] = field(default_factory=dict)
    #: the features the scenario's source declares it needs today (``requires:``)
    requires: frozenset[str] = frozenset()
    recorded: Lookup = field(default=lambda name: MISSING)
    candidate: Lookup = field(default=lambda name: MISSING)

    def wait(self, step: str | None) -> tuple[float, float] | None:
        """(recorded, candidate) seconds of the waits before ``step``; None: not known."""
        timing = self.steps.get(step or "")
        if timing is None or not timing.waits:
            return None
        recorded = _sum(timing.waits, self.recorded)
        candidate = _sum(timing.waits, self.candidate)
        if recorded is None or candidate is None:
            return None
        return recorded, candidate

    def within(self, step: str | None) -> float | None:
        """The candidate's deadline (seconds) for the poll of ``step``; None: not known."""
        timing = self.steps.get(step or "")
        if timing is None or timing.within is None:
            return None
        value = _seconds(timing.within, self.candidate)
        return None if value is None else value + POLL_SLACK_S

    def every(self, step: str | None, deadline: float, recorded: float) -> float:
        """The poll interval: the scenario's ``every``, spread so a long deadline stays cheap."""
        timing = self.steps.get(step or "")
        base = timing.every if timing is not None and timing.every else recorded
        return max(base, deadline / MAX_POLLS)

    def ask(self, steps: list[str | None]) -> tuple[float, list[str]]:
        """The longest the candidate asks the replay to wait over ``steps`` (seconds), and the
        expressions that make it up (for the reason when it exceeds the budget)."""
        total = 0.0
        parts: list[str] = []
        seen: set[str] = set()
        for step in steps:
            if step is None or step in seen or step not in self.steps:
                continue
            seen.add(step)
            timing = self.steps[step]
            waited = self.wait(step)
            if waited is not None:
                total += waited[1]
                parts += [f"wait {_show(w, self.candidate)}" for w in timing.waits]
            deadline = self.within(step)
            if deadline is not None and timing.within is not None:
                total += deadline
                parts.append(f"eventually within {_show(timing.within, self.candidate)}")
        return total, parts


def profile_lookup(data: Mapping[str, Any]) -> Lookup:
    """Names such as ``retention_window.max`` looked up in a profile's data."""

    def lookup(name: str) -> Any:
        try:
            return parse_path(name).resolve(dict(data))
        except ValueError:
            return MISSING

    return lookup


def scenario_timing(
    entry: ScenarioEntry, recorded: Mapping[str, Any], candidate: Mapping[str, Any]
) -> ScenarioTiming:
    """The timing of ``entry`` from its scenario's source (empty when it cannot be found)."""
    scenario = _find(entry.id, entry.source)
    if scenario is None:
        return ScenarioTiming({}, frozenset(), profile_lookup(recorded), profile_lookup(candidate))
    return ScenarioTiming(
        step_timings(scenario),
        frozenset(str(f) for f in scenario.requires),
        profile_lookup(recorded),
        profile_lookup(candidate),
    )


def step_timings(scenario: Scenario) -> dict[str, StepTiming]:
    out: dict[str, StepTiming] = {}
    waits: list[float | str] = []
    for step in scenario.steps:
        if step.kind == "wait" and step.wait is not None:
            waits.append(step.wait)
            continue
        eventually = step.eventually
        out.setdefault(
            step.name,
            StepTiming(
                tuple(waits),
                eventually.within if eventually else None,
                eventually.every if eventually else None,
            ),
        )
        waits = []
    return out


def _find(scenario_id: str, source: str) -> Scenario | None:
    file = source.rsplit(":", 1)[0] if source else ""
    for root in (data_root(), scenarios_dir().parent, Path.cwd()):
        found = _load(str(root / file)) if file else ()
        for scenario in found:
            if scenario.id == scenario_id:
                return scenario
    return None


@lru_cache(maxsize=256)
def _load(path: str) -> tuple[Scenario, ...]:
    file = Path(path)
    if not file.is_file():
        return ()
    try:
        # The folder above the file names its category (a library folder).
        return tuple(load_file_scenarios(file, file.parent.parent))
    except (ScenarioLoadError, OSError):
        return ()


def _seconds(value: float | str, lookup: Lookup) -> float | None:
    if isinstance(value, int | float):
        return float(value)

    def strict(name: str) -> Any:
        found = lookup(name)
        if found is MISSING or found is None:
            raise InterpolationError(f"{name} is not in the profile")
        return found

    try:
        return float(evaluate_expression(value, strict))
    except (InterpolationError, TypeError, ValueError, ZeroDivisionError):
        return None


def _sum(values: tuple[float | str, ...], lookup: Lookup) -> float | None:
    total = 0.0
    for value in values:
        seconds = _seconds(value, lookup)
        if seconds is None:
            return None
        total += max(0.0, seconds)
    return total


def _show(value: float | str, lookup: Lookup) -> str:
    seconds = _seconds(value, lookup)
    if isinstance(value, int | float) or seconds is None:
        return f"{value}"
    return f"{value} = {seconds:g}s"
