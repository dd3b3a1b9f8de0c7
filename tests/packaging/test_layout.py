"""The packaging configuration, checked without building anything: hatchling, the data the
wheel force-includes, the entry points, and the editable install reading the checkout."""

from __future__ import annotations

import tomllib
from pathlib import Path

import harness
from harness import resources

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_build_backend_is_hatchling() -> None:
    assert PYPROJECT["build-system"] == {
        "requires": ["hatchling>=1.24"],
        "build-backend": "hatchling.build",
    }
    assert "setuptools" not in PYPROJECT.get("tool", {})


def test_the_wheel_force_includes_the_data_harness_resources_reads() -> None:
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["harness"]
    assert wheel["force-include"] == {
        "spec": "harness/_data/spec",
        "scenarios": "harness/_data/scenarios",
        "cassettes/reference": "harness/_data/cassettes/reference",
    }
    for source in wheel["force-include"]:
        assert (REPO / source).is_dir(), source
    # resources.py looks for exactly that folder
    assert resources._DATA == "_data"


def test_the_sdist_holds_what_the_wheel_is_built_from() -> None:
    include = PYPROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    for needed in ("/harness", "/spec", "/scenarios", "/cassettes", "/README.md", "/docs"):
        assert needed in include
    assert not any(item.startswith(("/tests", "/reports")) for item in include)


def test_entry_points_and_markers() -> None:
    project = PYPROJECT["project"]
    assert project["scripts"] == {"trc": "harness.cli:main"}
    assert project["entry-points"]["pytest11"] == {"trc": "harness.pytest_plugin"}
    markers = PYPROJECT["tool"]["pytest"]["ini_options"]["markers"]
    assert any(m.startswith("wheel:") for m in markers)


def test_the_checkout_has_no_packaged_data_folder() -> None:
    """harness/_data exists only inside a wheel; in the checkout it would shadow spec/ etc."""
    assert not (REPO / "harness" / "_data").exists()


def test_an_editable_install_reads_the_checkout() -> None:
    if Path(harness.__file__).resolve().parent != REPO / "harness":
        return  # this run imports an installed wheel: tests/packaging/test_wheel.py covers it
    assert resources.data_root() == REPO
    assert resources.spec_file() == REPO / "spec" / "taskrouter-tasks.yaml"
    assert resources.scenarios_dir() == REPO / "scenarios"
    assert resources.cassettes_dir() == REPO / "cassettes" / "reference"
