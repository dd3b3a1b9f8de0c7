"""The schemathesis version guard of harness.fuzz.compat, and what it means for the commands."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import schemathesis
from packaging.requirements import Requirement

from harness.fuzz import compat

ROOT = Path(__file__).resolve().parents[2]


def test_the_installed_schemathesis_is_supported() -> None:
    assert compat.is_supported(schemathesis.__version__)
    compat.check_version(schemathesis.__version__)
    assert schemathesis.__version__ == compat.SCHEMATHESIS_VERSION


@pytest.mark.parametrize("version", ["4.32.5", "4.32.6", "4.32.99", "4.32.5.post1", "4.32.6.dev0"])
def test_the_guard_accepts_the_pinned_range(version: str) -> None:
    assert compat.is_supported(version)


@pytest.mark.parametrize(
    "version", ["4.32.4", "4.33.0", "4.33", "5.0", "3.39.16", "4.33.0rc1", "4.32.5rc1", "junk"]
)
def test_the_guard_rejects_everything_else(version: str) -> None:
    assert not compat.is_supported(version)
    with pytest.raises(compat.UnsupportedSchemathesis) as caught:
        compat.check_version(version)
    message = str(caught.value)
    assert version in message and compat.SUPPORTED_RANGE in message
    # An ImportError named like a missing schemathesis: `trc run` lists the fuzz phase as
    # unavailable, `trc fuzz` exits 2.
    assert isinstance(caught.value, ImportError) and caught.value.name == "schemathesis"


def test_the_guard_matches_the_pin_in_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [Requirement(d) for d in project["project"]["dependencies"]]
    (pin,) = [r for r in pins if r.name == "schemathesis"]
    assert pin.specifier == Requirement(f"schemathesis{compat.SUPPORTED_RANGE}").specifier


_UNSUPPORTED = """
import sys
import schemathesis
schemathesis.__version__ = "4.33.0"
from harness.phases import resolve
print("phase:", resolve("fuzz").reason)
from harness.cli import main
main(["fuzz"], prog_name="trc")
"""


def test_an_unsupported_schemathesis_is_a_clear_usage_error() -> None:
    run = subprocess.run(
        [sys.executable, "-c", _UNSUPPORTED],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert "phase: harness.fuzz.phase cannot be imported: UnsupportedSchemathesis" in run.stdout
    assert "trc fuzz: error: fuzzing is unavailable" in run.stderr
    assert "schemathesis 4.33.0 is installed" in run.stderr
    assert "Traceback" not in run.stderr


def test_importing_the_phase_leaves_the_internals_for_later() -> None:
    # `trc run` imports harness.fuzz.phase to list the phases, whatever it runs: compat imports
    # Hypothesis and schemathesis' internals only when a fuzz run uses them.
    code = (
        "import sys, harness.fuzz.phase; "
        "print(sorted(m for m in ('hypothesis', 'schemathesis.python.asgi', "
        "'schemathesis.generation.hypothesis.builder', 'schemathesis.specs.openapi.stateful') "
        "if m in sys.modules))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert run.stdout.strip() == "[]"


def test_the_memoised_checks_config_is_the_one_schemathesis_computes() -> None:
    from harness.fuzz.options import DEFAULT_SPEC

    schema = schemathesis.openapi.from_path(DEFAULT_SPEC)
    original = schema.config
    compat.memoise_checks_config(schema)
    compat.memoise_checks_config(schema)  # once: not wrapped twice
    assert schema.config._config is original  # type: ignore[attr-defined]
    for operation in (result.ok() for result in schema.get_all_operations()):
        for phase in (None, "coverage", "fuzzing", "stateful"):
            first = schema.config.checks_config_for(operation=operation, phase=phase)
            again = schema.config.checks_config_for(operation=operation, phase=phase)
            fresh = original.checks_config_for(operation=operation, phase=phase)
            assert again is first  # computed once
            assert first == fresh or repr(first) == repr(fresh)
    # everything else is the wrapped configuration's
    assert schema.config.seed == original.seed
