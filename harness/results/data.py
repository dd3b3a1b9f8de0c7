"""Plain JSON data from the typed records and the report model.

``to_data`` turns dataclasses into dicts (field order kept; a field annotated
``Annotated[..., Field(alias="pass")]`` is written under its alias), enums into their values
and tuples into lists; everything else is left as it is (``json.dumps(..., default=str)``
handles the rest). It is the one way a record or a report becomes JSON.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from enum import Enum
from typing import Any


@functools.cache
def _names(cls: type) -> tuple[tuple[str, str], ...]:
    """(attribute, JSON name) of every field of dataclass ``cls``."""
    hints = typing.get_type_hints(cls, include_extras=True)
    out = []
    for item in dataclasses.fields(cls):
        name = item.name
        for extra in getattr(hints.get(item.name), "__metadata__", ()):
            name = getattr(extra, "alias", None) or name
        out.append((item.name, name))
    return tuple(out)


def to_data(value: Any) -> Any:
    """``value`` as JSON-able data (dicts, lists, strings, numbers, booleans, None)."""
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {key: to_data(getattr(value, attr)) for attr, key in _names(type(value))}
    if isinstance(value, dict):
        return {(k.value if isinstance(k, Enum) else k): to_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    return value
