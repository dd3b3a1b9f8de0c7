"""Run identifiers: ``20261128T190102Z-a1b2c3`` for folders, a hyphen-free tag for attributes.

TaskRouter expressions do not support hyphens, so the tag written into task attributes (and
filtered on with ``EvaluateTaskAttributes``) replaces the hyphen with an underscore.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

#: A run's tag as it appears in task attributes, a part's ``_rN`` included (no case number).
RUN_TAG_PATTERN = r"trc_\d{8}T\d{6}Z_[0-9a-f]{6}(?:_r\d+)?"


def new_run_id(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def run_tag_for(run_id: str) -> str:
    return "trc_" + run_id.replace("-", "_")


def case_tag_for(run_tag: str, index: int) -> str:
    return f"{run_tag}_{index:04d}"


def sub_run_id(run_id: str, part: int) -> str:
    """The id of a part of run ``run_id`` that needs tags of its own (each replayed cassette):
    ``RUN-ID-r1``. Its tag ``trc_..._r1`` belongs to the run (``belongs_to_run``), so
    ``trc sweep --run RUN-ID`` deletes its tasks too."""
    return f"{run_id}-r{part}"


def belongs_to_run(tag: str, run_tag: str) -> bool:
    """Whether a task's run tag is ``run_tag`` or the tag of one of its parts."""
    if tag == run_tag:
        return True
    rest = tag.removeprefix(run_tag + "_r")
    return rest != tag and rest.isdigit()
