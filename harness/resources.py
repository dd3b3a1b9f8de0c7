"""Where the tool's own data lives: the spec, the scenario library, the reference cassettes.

The one place that knows it. An installed wheel carries ``spec/``, ``scenarios/`` and
``cassettes/reference/`` inside the package as ``harness/_data/...`` (pyproject's hatch
``force-include``); an editable install or a run from the checkout reads the repository's
top-level folders. Reports are written under the *current* folder (``./reports``), never
into the installation.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path

_DATA = "_data"


@lru_cache(maxsize=1)
def data_root() -> Path:
    """The folder holding ``spec/``, ``scenarios/`` and ``cassettes/``: the package's
    ``_data`` in a wheel install, else the checkout root (editable install, source tree)."""
    packaged = Path(str(files("harness"))) / _DATA
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent


def spec_dir() -> Path:
    return data_root() / "spec"


def spec_file(name: str = "taskrouter-tasks.yaml") -> Path:
    """A file of ``spec/`` (default: the Task resource's OpenAPI document)."""
    return spec_dir() / name


def support_spec_file() -> Path:
    """The supporting part of the spec: Workers, Activities, Reservations."""
    return spec_file("taskrouter-support.yaml")


def clauses_file() -> Path:
    return spec_file("clauses.yaml")


def untestable_file() -> Path:
    return spec_file("untestable.yaml")


def scenarios_dir() -> Path:
    """The shipped scenario library."""
    return data_root() / "scenarios"


def cassettes_dir() -> Path:
    """The shipped reference cassettes (``cassettes/reference``)."""
    return data_root() / "cassettes" / "reference"


def default_report_dir() -> Path:
    """Where a run writes its report folder by default: ``./reports`` under the current
    folder."""
    return Path.cwd() / "reports"
