"""Named faults for testing the harness (placeholder registry; filled in with the runner)."""

from __future__ import annotations

from typing import Any

FAULTS: dict[str, str] = {}


def apply_faults(app: Any, faults: frozenset[str]) -> Any:
    unknown = set(faults) - set(FAULTS)
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}")
    return app
