"""How a case stops early: the target broke an expectation, or the case cannot run."""

from __future__ import annotations

from harness.results.model import Failure


class StepFailed(Exception):
    """The target broke an expectation."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class ScenarioError(Exception):
    """The harness could not run the case as written."""


def off_spec_failure(step: str, problems: list[str]) -> Failure:
    return Failure(
        step,
        "spec",
        expected="a response matching spec/taskrouter-tasks.yaml",
        actual=problems,
        message="off-spec response: " + "; ".join(problems),
    )
