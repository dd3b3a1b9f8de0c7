"""The stateless phases, one operation at a time: ``examples`` (the spec's own request
examples), ``coverage`` (schemathesis' deterministic boundary and negative values, missing
parameters, undeclared methods) and ``fuzzing`` (Hypothesis-generated positive and negative
data, ``max_examples`` per operation)."""

from __future__ import annotations

import unittest
from typing import Any

from schemathesis import GenerationMode

from harness.fuzz import compat
from harness.fuzz.session import FuzzSession


def run_stateless(session: FuzzSession, phase: str, operation_id: str) -> None:
    """One stateless phase of one operation; every case goes through ``session.run_case``."""
    import hypothesis

    operation = session.operations[operation_id]

    def test(case: Any) -> None:
        session.run_case(case, phase=phase)

    settings = session.hypothesis_settings(
        max_examples=session.options.max_examples,
        # No shrinking (a failure never fails the Hypothesis test: it is recorded and the
        # run goes on) and no example database: explicit examples, then generation.
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    if phase == "fuzzing":
        test_function = _fuzzing_test(session, operation, test, settings)
    else:
        test_function = _explicit_test(session, operation, phase, test, settings)
    try:
        test_function()
    except (unittest.SkipTest, hypothesis.errors.Unsatisfiable):
        pass  # nothing to generate for this operation in this phase
    except Exception as exc:
        if not compat.is_skip(exc):
            session.collector.error(f"{operation_id}.{phase}.error", f"{type(exc).__name__}: {exc}")
    except BaseException as exc:  # schemathesis' SkipTest is a BaseException
        if not compat.is_skip(exc):
            raise


def _explicit_test(
    session: FuzzSession, operation: Any, phase: str, test: Any, settings: Any
) -> Any:
    """The examples or coverage phase: schemathesis' own explicit cases for the operation."""
    operation_id = operation.definition.raw.get("operationId", "")
    return compat.explicit_test(
        operation,
        test,
        project=session.schema.config,
        coverage=phase != "examples",
        settings=settings,
        seed=session.seed_for(phase, operation_id),
    )


def _fuzzing_test(session: FuzzSession, operation: Any, test: Any, settings: Any) -> Any:
    """Hypothesis over positive and negative data. Positive cases get the target's
    WorkspaceSid as an explicit path parameter: nothing to steer afterwards, and drawing
    34-character SIDs from their pattern is the slowest part of generation."""
    import hypothesis
    from hypothesis import strategies as st

    pinned = {"WorkspaceSid": session.options.workspace_sid}
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=pinned),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )
    operation_id = operation.definition.raw.get("operationId", "")
    given = hypothesis.given(case=strategy)(test)
    return hypothesis.seed(session.seed_for("fuzzing", operation_id))(settings(given))
