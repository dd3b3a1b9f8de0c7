"""The stateful phase: scenarios through the spec's links (create -> fetch/update/delete, the
ETag into If-Match), ``max_examples`` scenarios of up to ``stateful_steps`` steps.

It is schemathesis' own state machine (``schema.as_state_machine()``) plus one rule:
schemathesis starts scenarios only at operations its dependency analysis expects to succeed with
random data, which excludes CreateTask (its body names workflows and queues no operation
creates), so CreateTask gets a root rule here. Hypothesis may call a stateful run "flaky" when a
replayed scenario meets a changed server; the phase then continues with a new derived seed until
its scenarios are spent.
"""

from __future__ import annotations

from typing import Any

from schemathesis import GenerationMode

from harness.fuzz import compat
from harness.fuzz.session import FuzzSession, OutOfTime, TargetGone

#: Hypothesis runs of the stateful phase at most (a new one starts after a "flaky" one).
MAX_STATEFUL_SUITES = 8


def run_stateful(session: FuzzSession) -> None:
    """Run the scenarios; every step goes through ``session.run_case``."""
    import hypothesis

    base = session.schema.as_state_machine()
    extra_rules, extra_roots, extra_labels = _create_root_rule(session, base)

    class FuzzStateMachine(base):  # type: ignore[misc, valid-type]
        """schemathesis' link-driven machine, with our steering, checks and records."""

        def setup(self) -> None:
            self._steps: list[tuple[str, Any, Any]] = []

        def step(self, input: Any) -> Any:
            case, linked = compat.step_input(input)
            operation_id = case.operation.definition.raw.get("operationId", "")
            response = session.run_case(
                case,
                phase="stateful",
                # A scenario's first step has no link to take values from: steer it like
                # a stateless case (e.g. an existing task's Sid for a root update).
                stateful=linked,
                recorder=self.recorder,
                history=list(self._steps),
            )
            if response is None:
                return None
            self._steps.append((f"stateful {operation_id}", case, response))
            return compat.step_output(response, case)

    for name, rule in extra_rules.items():
        setattr(FuzzStateMachine, name, rule)
    for name in _unselected_rules(session, base):
        # schemathesis builds its machine from every operation, whatever the filter:
        # shadow the rules that would call an operation the options left out.
        setattr(FuzzStateMachine, name, None)
    FuzzStateMachine.root_rules = frozenset(base.root_rules) | extra_roots
    compat.set_root_labels(FuzzStateMachine, compat.root_labels(base) | extra_labels)
    scenarios = session.options.stateful_scenarios or session.options.max_examples
    completed = 0
    original_setup = FuzzStateMachine.setup

    def counting_setup(machine: Any) -> None:
        nonlocal completed
        completed += 1
        original_setup(machine)

    FuzzStateMachine.setup = counting_setup  # type: ignore[method-assign]
    try:
        for suite in range(MAX_STATEFUL_SUITES):
            remaining = scenarios - completed
            if remaining <= 0:
                break
            compat.seed_state_machine(FuzzStateMachine, session.seed_for("stateful", str(suite)))
            settings = session.hypothesis_settings(
                max_examples=remaining,
                stateful_step_count=session.options.stateful_steps,
                phases=[hypothesis.Phase.generate],
            )
            try:
                compat.run_state_machine(FuzzStateMachine, settings)
                break
            except hypothesis.errors.InvalidDefinition as exc:
                if "No progress can be made" not in str(exc):
                    raise
                # Every rule's precondition is False (schemathesis caps how often each link
                # is followed; with few operations selected, all caps can be reached).
                session.warnings.append(
                    "stateful: scenarios stopped early, no link could be followed any more"
                )
                break
            except hypothesis.errors.Flaky:
                # Hypothesis replays choice prefixes; against a stateful server the same
                # choices can meet a different state (a task an earlier scenario deleted)
                # and it calls that flaky. Expected here: start a new suite, as
                # schemathesis' own runner does, until the scenarios are spent.
                session.flaky_suites += 1
                continue
    except (OutOfTime, TargetGone, KeyboardInterrupt):
        raise
    except Exception as exc:
        session.collector.error("stateful.error", f"{type(exc).__name__}: {exc}")
    finally:
        compat.release_state_machine(FuzzStateMachine)


def _unselected_rules(session: FuzzSession, base: Any) -> list[str]:
    if session.options.operations is None:
        return []
    selected = {op.label for op in session.operations.values()}
    left_out = [
        label for label in compat.unfiltered_labels(session.schema) if label not in selected
    ]
    return compat.link_rule_names(base, left_out)


def _create_root_rule(
    session: FuzzSession, base: Any
) -> tuple[dict[str, Any], frozenset[str], frozenset[str]]:
    """A scenario-starting rule for CreateTask, when schemathesis did not make one.

    schemathesis starts scenarios only at operations its dependency analysis deems likely
    to succeed with random data, and CreateTask is not one: its body names workflows and
    queues that no operation of the spec creates. Steering makes it succeed, and every link
    of the spec starts at it, so it gets a root rule like the others: mostly positive data
    (in the target's workspace), one case in ten negative, as schemathesis does.
    """
    from hypothesis import strategies as st

    operation = session.operations.get("CreateTask")
    if operation is None or operation.label in compat.root_labels(base):
        return {}, frozenset(), frozenset()
    positive = compat.stateful_strategy(
        operation,
        GenerationMode.POSITIVE,
        path_parameters={"WorkspaceSid": session.options.workspace_sid},
    )
    negative = compat.stateful_strategy(operation, GenerationMode.NEGATIVE)
    strategy = st.integers(0, 9).flatmap(lambda n: negative if n == 0 else positive)
    name = "RANDOM__CreateTask"
    rule = compat.root_rule(name, strategy, operation.label)
    return {name: rule}, frozenset({name}), frozenset({operation.label})
