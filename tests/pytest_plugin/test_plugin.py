"""The pytest plugin: scenarios collected as items; -k, -m and -n work; inert without a target."""

from __future__ import annotations

import importlib.metadata
import shutil
from pathlib import Path

import pytest

from harness.resources import scenarios_dir
from tests.fakes import ACCOUNT, TOKEN, FakeTaskRouter, serve

pytest_plugins = ["pytester"]


#: Plugins the inner runs do not need (faster start, no benchmark-under-xdist warnings).
QUIET = ["-p", "no:benchmark", "-p", "no:schemathesis", "-p", "no:hypothesispytest"]


def _plugin_args() -> list[str]:
    """``-p harness.pytest_plugin`` unless the installed entry point already loads it."""
    names = {ep.value for ep in importlib.metadata.entry_points(group="pytest11")}
    own = [] if "harness.pytest_plugin" in names else ["-p", "harness.pytest_plugin"]
    return [*own, *QUIET]


@pytest.fixture
def library(pytester: pytest.Pytester) -> Path:
    target = pytester.path / "lib"
    shutil.copytree(scenarios_dir() / "smoke", target / "smoke")
    pytester.makepyfile(test_unrelated="def test_plain():\n    assert True\n")
    return target


def test_collects_scenarios_as_items(pytester: pytest.Pytester, library: Path) -> None:
    result = pytester.runpytest(
        *_plugin_args(),
        "--trc-target",
        "embedded",
        "--trc-scenarios",
        str(library),
        "--collect-only",
        "-q",
    )
    result.stdout.fnmatch_lines(
        [
            "test_unrelated.py::test_plain",
            "lib/smoke/auth.yaml::smoke.auth-required",
            "lib/smoke/create-fetch-delete.yaml::smoke.create-fetch-delete",
            "lib/smoke/etag.yaml::smoke.etag-if-match",
            "lib/smoke/list-tagged.yaml::smoke.list-filtered-by-run-tag",
        ]
    )


def test_runs_against_embedded_with_k_and_m(pytester: pytest.Pytester, library: Path) -> None:
    common = [
        *_plugin_args(),
        "--trc-target",
        "embedded",
        "--trc-scenarios",
        str(library),
        "-W",
        "error::pytest.PytestUnknownMarkWarning",
    ]
    by_keyword = pytester.runpytest(*common, "-k", "etag or auth", "-p", "no:randomly")
    by_keyword.assert_outcomes(passed=2, deselected=3)
    by_marker = pytester.runpytest(*common, "-m", "paging")
    by_marker.assert_outcomes(passed=1, deselected=4)
    only_scenarios = pytester.runpytest(*common, "-m", "trc_scenario")
    only_scenarios.assert_outcomes(passed=4, deselected=1)


def test_inert_without_a_target(pytester: pytest.Pytester, library: Path) -> None:
    result = pytester.runpytest(*_plugin_args(), "--trc-scenarios", str(library))
    result.assert_outcomes(passed=1)


def test_a_broken_target_fails_with_a_readable_report(
    pytester: pytest.Pytester, library: Path
) -> None:
    with serve(FakeTaskRouter(omit_etag=True)) as url:
        result = pytester.runpytest(
            *_plugin_args(),
            "--trc-target", url, "--trc-profile", "reference",
            "--trc-account-sid", ACCOUNT, "--trc-auth-token", TOKEN,
            "--trc-scenarios", str(library), "-k", "etag",
        )  # fmt: skip
    result.assert_outcomes(failed=1, deselected=4)
    result.stdout.fnmatch_lines(
        ["*smoke.etag-if-match: FAIL*", "*clauses: task.etag.on-post-and-get*", "*reproduce: curl*"]
    )


def test_xdist_two_workers(
    pytester: pytest.Pytester, library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    result = pytester.runpytest_subprocess(
        *_plugin_args(), "--trc-target", "embedded", "--trc-scenarios", str(library),
        "-n", "2", "-m", "smoke", "-p", "no:cacheprovider",
    )  # fmt: skip
    result.assert_outcomes(passed=4)


def test_bad_scenarios_are_a_usage_error(pytester: pytest.Pytester, library: Path) -> None:
    (library / "smoke" / "broken.yaml").write_text(
        "id: x\ntitle: t\nclauses: [task.auth.basic]\nsteps: 3\n"
    )
    result = pytester.runpytest(
        *_plugin_args(), "--trc-target", "embedded", "--trc-scenarios", str(library)
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*broken.yaml:4: steps: expected a non-empty list of steps*"])
