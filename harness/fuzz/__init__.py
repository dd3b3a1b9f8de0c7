"""Fuzzing with schemathesis: stateless and stateful, against any target, as result records.

One entry point: ``run_fuzz(FuzzOptions(...)) -> FuzzOutcome``. See runner.py for the phases
and the modules each lives in, steering.py for how generated data is made to reach the
handlers, config.py for the checks and where they are adjusted, records.py for the record ids,
compat.py for everything that depends on schemathesis' internals (and the supported versions).
"""

from harness.fuzz.options import (
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_SEED,
    DEFAULT_TIME_BUDGET_S,
    OPERATIONS,
    PHASES,
    FuzzBudget,
    FuzzOptions,
    FuzzOutcome,
    options_for_fixture,
    options_for_target,
    workspace_fields_from_profile,
)
from harness.fuzz.runner import FuzzTargetUnreachable, run_fuzz
from harness.phases import Budget, BudgetError

__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "DEFAULT_SEED",
    "DEFAULT_TIME_BUDGET_S",
    "OPERATIONS",
    "PHASES",
    "Budget",
    "BudgetError",
    "FuzzBudget",
    "FuzzOptions",
    "FuzzOutcome",
    "FuzzTargetUnreachable",
    "options_for_fixture",
    "options_for_target",
    "run_fuzz",
    "workspace_fields_from_profile",
]
