"""The maintainers' source material beside the checkout, for the tests that compare the spec
with it; skipped, saying why, in a checkout that does not have it (a user's)."""

from __future__ import annotations

from pathlib import Path

import pytest

#: The maintainers' source material beside the checkout (Twilio's documentation page, the
#: facts with their sources, Twilio's documented bodies). A user's checkout does not have it.
SHARED = Path(__file__).resolve().parents[2] / "shared"


def shared_file(relative: str) -> Path:
    """``../shared/<relative>``, or skip the test saying why it needs it."""
    path = SHARED / relative
    if not path.is_file():
        pytest.skip(
            f"needs {path}: the maintainers' copy of Twilio's source material, which is not "
            "part of a checkout of this repository (the check compares the spec with it)"
        )
    return path
