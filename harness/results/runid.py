"""Run identifiers: ``20261128T190102Z-a1b2c3`` for folders, a hyphen-free tag for attributes.

TaskRouter expressions do not support hyphens, so the tag written into task attributes (and
filtered on with ``EvaluateTaskAttributes``) replaces the hyphen with an underscore.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime


def new_run_id(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def run_tag_for(run_id: str) -> str:
    return "trc_" + run_id.replace("-", "_")


def case_tag_for(run_tag: str, index: int) -> str:
    return f"{run_tag}_{index:04d}"
