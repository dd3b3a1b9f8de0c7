"""How a case stops early: the target broke an expectation, or the case cannot run."""

from __future__ import annotations

from harness.results.model import Failure


class StepFailed(Exception):
    """The target broke an expectation."""

    def __init__(self, failure: Failure, cause: str | None = None) -> None:
        super().__init__(failure.message)
        self.failure = failure
        #: the root-cause signature, when the engine knows it (``CaseRecord.cause``)
        self.cause = cause


class ScenarioError(Exception):
    """The harness could not run the case as written."""


def off_spec_failure(step: str, problems: list[str]) -> Failure:
    return Failure(
        step,
        "spec",
        expected="a response matching spec/taskrouter-tasks.yaml",
        actual=problems,
        message="off-spec response (documented schema rule): " + "; ".join(problems),
    )


#: the stable prefix of the warning an inferred schema difference leaves on a case record
INFERRED_SCHEMA_PREFIX = "schema (inferred): "


def inferred_schema_warning(message: str, rule: str, assumption: str | None) -> str:
    """``schema (inferred): <problem> [rule <pointer>] [assumption: <text>]``."""
    text = f"{INFERRED_SCHEMA_PREFIX}{message} [rule {rule}]"
    return text + (f" [assumption: {assumption}]" if assumption else "")
