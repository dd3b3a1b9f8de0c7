"""Shared bits of the report model: the format marker, the version, count fields."""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import ConfigDict, Field

FORMAT: Final = "trc-report"
SCHEMA_VERSION: Final = 1
REDACTED: Final = "<redacted>"

#: a count: a non-negative integer
Count = Annotated[int, Field(ge=0)]
#: pydantic configuration of the blocks that allow no unknown keys
CLOSED = ConfigDict(extra="forbid")
