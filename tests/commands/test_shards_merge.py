"""``trc run --shard I/N`` and ``trc report merge`` end to end, against the embedded reference.

Three shards of one command line, merged, must give the report of the unsharded run: the same
cases in the same order with the same verdicts, score, counts, causes, matrices, clauses,
selection and JUnit, and the same exit code. The run sets (an unsharded run and its three
shards) are module fixtures, shared by the tests that look at them; every run is restricted to
a slice of the library (``-k``) and to the scenarios and replay phases, except one set with a
tiny fuzz budget for the fuzz phase's "whole in shard 1" rule.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from harness.cli import main

#: a slice of both phases: several scenario files, some with several cases (their line order
#: matters), several cassettes; filter-ignored fails some of them in both phases
SLICE = "etag or queue or combined or invalid"
PHASES = ["--phases", "scenarios,replay", "-k", SLICE, "--seed", "7"]
#: a scenario of the slice that --shard-durations makes very heavy
HEAVY = "filtering.task-queue-name"
N = 3
#: the longest one run of a run set may take
RUN_DEADLINE_S = 180
_NOT_PASSED_ON = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TRC_PHASES")


def trc(*args: str) -> Result:
    """``trc ARGS`` in-process, without the developer's Twilio or phase environment."""
    with pytest.MonkeyPatch.context() as patch:
        for name in _NOT_PASSED_ON:
            patch.delenv(name, raising=False)
        return CliRunner().invoke(main, list(args), catch_exceptions=False)


def trc_side_by_side(commands: Mapping[str, Sequence[str]]) -> dict[str, tuple[int, str]]:
    """Every ``trc`` command line of ``commands`` in a process of its own, all at once (as CI
    runs shards); name -> (exit code, output)."""
    env = {k: v for k, v in os.environ.items() if k not in _NOT_PASSED_ON} | {"COLUMNS": "120"}
    processes = {
        name: subprocess.Popen(
            [sys.executable, "-m", "harness", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, args in commands.items()
    }
    done: dict[str, tuple[int, str]] = {}
    try:
        for name, process in processes.items():
            output, _ = process.communicate(timeout=RUN_DEADLINE_S)
            done[name] = (process.returncode, output)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.communicate()
    return done


def report(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "report.json").read_text())


@dataclass
class RunSet:
    """An unsharded run and its shards 1..N (report folders), with their exit codes."""

    whole: Path
    whole_exit: int
    shards: list[Path]
    shard_exits: list[int]


def run_set(root: Path, *args: str, whole: bool = True, shard_args: Sequence[str] = ()) -> RunSet:
    """``trc run ARGS --shard I/N`` for every I (with ``shard_args``) and, with ``whole``, the
    unsharded ``trc run ARGS``, side by side."""
    commands = {
        f"shard{i}": ["run", *args, *shard_args, "--shard", f"{i}/{N}"] for i in range(1, N + 1)
    }
    if whole:
        commands["whole"] = ["run", *args]
    done = trc_side_by_side(
        {name: [*command, "--report-dir", str(root / name)] for name, command in commands.items()}
    )
    for name, (code, output) in done.items():
        assert code in (0, 1), f"{name}: exit {code}\n{output}"
    return RunSet(
        whole=root / "whole" / "latest",
        whole_exit=done["whole"][0] if whole else -1,
        shards=[root / f"shard{i}" / "latest" for i in range(1, N + 1)],
        shard_exits=[done[f"shard{i}"][0] for i in range(1, N + 1)],
    )


@dataclass
class Merged:
    folder: Path
    result: Result


def merge(shards: list[Path], out: Path) -> Merged:
    result = trc("report", "merge", *map(str, shards), "--report-dir", str(out))
    return Merged(out / "latest", result)


# ---------------------------------------------------------------------------------------------
# fixtures: one run set per kind, shared by the module


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> RunSet:
    return run_set(tmp_path_factory.mktemp("clean"), *PHASES)


@pytest.fixture(scope="module")
def clean_merged(clean: RunSet, tmp_path_factory: pytest.TempPathFactory) -> Merged:
    return merge(clean.shards, tmp_path_factory.mktemp("clean-merged"))


@pytest.fixture(scope="module")
def faulted(tmp_path_factory: pytest.TempPathFactory) -> RunSet:
    return run_set(tmp_path_factory.mktemp("faulted"), *PHASES, "--fault", "filter-ignored")


@pytest.fixture(scope="module")
def faulted_merged(faulted: RunSet, tmp_path_factory: pytest.TempPathFactory) -> Merged:
    return merge(faulted.shards, tmp_path_factory.mktemp("faulted-merged"))


@pytest.fixture(scope="module")
def durations_report(clean: RunSet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clean unsharded report with HEAVY's duration raised to 1000 s."""
    document = report(clean.whole)
    [heavy] = [c for c in document["cases"] if c["id"] == HEAVY]
    heavy["duration_s"] = 1000.0
    path = tmp_path_factory.mktemp("durations") / "report.json"
    path.write_text(json.dumps(document))
    return path


@pytest.fixture(scope="module")
def weighed(
    durations_report: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[RunSet, Merged]:
    runs = run_set(
        tmp_path_factory.mktemp("weighed"),
        *PHASES,
        whole=False,
        shard_args=("--shard-durations", str(durations_report)),
    )
    return runs, merge(runs.shards, tmp_path_factory.mktemp("weighed-merged"))


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunSet, Merged]:
    runs = run_set(
        tmp_path_factory.mktemp("fuzzed"),
        *["--phases", "scenarios,fuzz", "-k", "smoke or FetchTask", "--seed", "7"],
        *["--fuzz-budget", "2"],
    )
    return runs, merge(runs.shards, tmp_path_factory.mktemp("fuzzed-merged"))


# ---------------------------------------------------------------------------------------------
# what is compared


def case_rows(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(c["phase"], c["id"], c["status"], c["failure"], c["cause"]) for c in document["cases"]]


_VOLATILE = (re.compile(r"http://127\.0\.0\.1:\d+"), re.compile(r"trc_[0-9A-Za-z_]+"))


def causes(document: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Per target, the causes; in a reproducer, the server's port and the run tags (which no
    two runs share) are blanked."""
    out = []
    for target in document["targets"]:
        rows = []
        for cause in target["causes"]:
            row = dict(cause)
            for pattern in _VOLATILE:
                row["reproducer"] = pattern.sub("<x>", row["reproducer"] or "")
            rows.append(row)
        out.append(rows)
    return out


def junit(folder: Path) -> tuple[list[tuple[str | None, ...]], int, str | None]:
    """(suite, classname, name) of every testcase in order, the testcases with a <failure>,
    and the root's failures attribute."""
    root = ET.parse(folder / "junit.xml").getroot()
    names = [
        (suite.get("name"), case.get("classname"), case.get("name"))
        for suite in root.iter("testsuite")
        for case in suite.iter("testcase")
    ]
    failed = sum(1 for case in root.iter("testcase") if case.find("failure") is not None)
    return names, failed, root.get("failures")


def ids_by_phase(folder: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for case in report(folder)["cases"]:
        out.setdefault(case["phase"], []).append(case["id"])
    return out


def assert_merged_equals_whole(merged: Path, whole: Path, *, cleanup: bool = True) -> None:
    """Cases, score, gate, selection, phases, clauses (and their order), and per target the
    counts, score, feature matrix, field-matrix cells, gate and (``cleanup``) cleanup counts
    (a fuzz run's task count varies from run to run, seed or not)."""
    a, b = report(merged), report(whole)
    assert case_rows(a) == case_rows(b)
    assert a["score"] == b["score"]
    assert a["gate"] == b["gate"]
    assert a["selection"] == b["selection"]
    assert a["phases"] == b["phases"]
    assert list(a["clauses"]) == list(b["clauses"])
    assert a["clauses"] == b["clauses"]
    assert [t["label"] for t in a["targets"]] == [t["label"] for t in b["targets"]]
    for mine, theirs in zip(a["targets"], b["targets"], strict=True):
        for key in ("counts", "score", "matrix", "gate", *(("cleanup",) if cleanup else ())):
            assert mine[key] == theirs[key], key
        assert (mine["field_matrix"] is None) == (theirs["field_matrix"] is None)
        if mine["field_matrix"] is not None:
            assert mine["field_matrix"]["cells"] == theirs["field_matrix"]["cells"]


# ---------------------------------------------------------------------------------------------
# (a) clean: three shards merged are the unsharded run


def test_clean_shards_and_merge_exit_0(clean: RunSet, clean_merged: Merged) -> None:
    assert clean.whole_exit == 0
    assert clean.shard_exits == [0] * N
    assert clean_merged.result.exit_code == 0, clean_merged.result.output
    whole = report(clean.whole)
    assert f"merged {N} shard(s): {len(whole['cases'])} case(s)" in clean_merged.result.stdout
    assert "gate passed" in clean_merged.result.stdout


def test_each_shard_runs_its_own_share_of_every_phase(clean: RunSet) -> None:
    whole = ids_by_phase(clean.whole)
    assert set(whole) == {"scenarios", "replay"} and all(whole.values())
    shares = [ids_by_phase(folder) for folder in clean.shards]
    for phase, ids in whole.items():
        dealt = [i for share in shares for i in share.get(phase, [])]
        assert sorted(dealt) == sorted(ids), phase  # every case once, none twice
        assert all(share.get(phase) for share in shares), phase  # nobody idles
    for index, folder in enumerate(clean.shards, start=1):
        assert report(folder)["config"]["shard"] == f"{index}/{N}"
    assert report(clean.whole)["config"]["shard"] is None


def test_merged_cases_are_the_unsharded_cases_in_order(clean: RunSet, clean_merged: Merged) -> None:
    merged, whole = report(clean_merged.folder), report(clean.whole)
    assert case_rows(merged) == case_rows(whole)
    # the shards' own order is not the unsharded one: merge really re-orders
    concatenated = [row for folder in clean.shards for row in case_rows(report(folder))]
    assert concatenated != case_rows(whole)
    assert merged["config"]["shard"] is None


def test_merged_figures_are_the_unsharded_ones(clean: RunSet, clean_merged: Merged) -> None:
    assert_merged_equals_whole(clean_merged.folder, clean.whole)
    merged = report(clean_merged.folder)
    assert merged["targets"][0]["counts"]["pass"] == len(merged["cases"])
    assert merged["targets"][0]["field_matrix"]["cells"]  # compared, not vacuous


def test_merged_clauses_keep_the_unsharded_order(clean: RunSet, clean_merged: Merged) -> None:
    merged, whole = report(clean_merged.folder), report(clean.whole)
    assert len(whole["clauses"]) > 10
    assert list(merged["clauses"]) == list(whole["clauses"])
    # each shard alone cites only some of them
    assert all(len(report(s)["clauses"]) < len(whole["clauses"]) for s in clean.shards)


def test_merged_field_matrix_has_the_unsharded_rows_and_columns_in_order(
    clean: RunSet, clean_merged: Merged, faulted: RunSet, faulted_merged: Merged
) -> None:
    """The unsharded field matrix lists the Task operations, then the other operations sorted,
    and the fields in the order the cases first meet them; the merged one must too."""
    for merged, whole in (
        (clean_merged.folder, clean.whole),
        (faulted_merged.folder, faulted.whole),
    ):
        a, b = (
            report(merged)["targets"][0]["field_matrix"],
            report(whole)["targets"][0]["field_matrix"],
        )
        assert (a["rows"], a["columns"]) == (b["rows"], b["columns"]), merged


def test_merged_selection_block_is_the_unsharded_one(clean: RunSet, clean_merged: Merged) -> None:
    selection = report(clean_merged.folder)["selection"]
    assert selection == report(clean.whole)["selection"]
    assert selection["expression"] == SLICE and selection["selected"] > 0


def test_merged_junit_is_the_unsharded_junit(clean: RunSet, clean_merged: Merged) -> None:
    names, failed, attribute = junit(clean_merged.folder)
    assert (names, failed, attribute) == junit(clean.whole)
    assert len(names) == len(report(clean.whole)["cases"]) and failed == 0


def test_merged_target_warnings_are_the_unsharded_ones(clean: RunSet, clean_merged: Merged) -> None:
    """A shard's replay phase says "N recorded scenario(s) not in the selection were not
    replayed" counting the entries dealt to the other shards; the merged report must say what
    the unsharded run says."""
    merged, whole = report(clean_merged.folder), report(clean.whole)
    assert [t["warnings"] for t in merged["targets"]] == [t["warnings"] for t in whole["targets"]]
    assert merged["warnings"] == whole["warnings"]


def test_merged_replay_phase_row_adds_up_the_shards(clean: RunSet, clean_merged: Merged) -> None:
    """The replay phase row's counts (exchanges, requests, fields, differences) are those of
    the whole run, not of shard 1."""
    keys = ("exchanges", "requests", "fields", "differences")

    def replay_row(folder: Path) -> dict[str, Any]:
        [row] = [p for p in report(folder)["targets"][0]["phases"] if p["name"] == "replay"]
        return row

    merged, whole = replay_row(clean_merged.folder), replay_row(clean.whole)
    assert merged["cases"] == whole["cases"]
    assert {k: merged["summary"][k] for k in keys} == {k: whole["summary"][k] for k in keys}


@pytest.mark.parametrize("phase", ["scenarios", "replay"])
def test_shards_are_balanced_without_durations(clean: RunSet, phase: str) -> None:
    """Nothing known of the durations: every case weighs 1, so shard sizes differ by at most
    one in every phase."""
    sizes = [len(ids_by_phase(folder).get(phase, [])) for folder in clean.shards]
    assert max(sizes) - min(sizes) <= 1, sizes


# ---------------------------------------------------------------------------------------------
# (b) a faulted target: failures and causes merge too


def test_faulted_shards_merge_to_exit_1_like_the_unsharded_run(
    faulted: RunSet, faulted_merged: Merged
) -> None:
    assert faulted.whole_exit == 1
    assert 1 in faulted.shard_exits
    assert faulted_merged.result.exit_code == 1, faulted_merged.result.output
    assert "gate failed" in faulted_merged.result.stdout
    assert_merged_equals_whole(faulted_merged.folder, faulted.whole)
    whole = report(faulted.whole)
    assert any(c["status"] == "fail" for c in whole["cases"] if c["phase"] == "scenarios")
    assert any(c["status"] == "fail" for c in whole["cases"] if c["phase"] == "replay")


def test_faulted_merge_has_the_unsharded_failures(faulted: RunSet, faulted_merged: Merged) -> None:
    def failures(folder: Path) -> list[tuple[str, Any]]:
        return [(c["id"], c["failure"]) for c in report(folder)["cases"] if c["status"] == "fail"]

    assert failures(faulted_merged.folder) == failures(faulted.whole)
    assert failures(faulted.whole)


def test_faulted_merge_has_the_unsharded_causes(faulted: RunSet, faulted_merged: Merged) -> None:
    merged, whole = causes(report(faulted_merged.folder)), causes(report(faulted.whole))
    assert whole[0], "the fault gives causes"
    assert [[c["signature"] for c in t] for t in merged] == [
        [c["signature"] for c in t] for t in whole
    ]
    assert merged == whole


def test_faulted_merge_causes_agree_apart_from_replay_sid_labels(
    faulted: RunSet, faulted_merged: Merged
) -> None:
    """The causes whose signature does not carry a replay SID label (``<task:N>``, numbered in
    the order one replay meets the tasks) are the unsharded ones, in the same order."""
    label = re.compile(r"<[a-z]+:\d+>")

    def stable(document: dict[str, Any]) -> list[dict[str, Any]]:
        return [c for c in causes(document)[0] if not label.search(c["signature"])]

    merged, whole = stable(report(faulted_merged.folder)), stable(report(faulted.whole))
    assert len(whole) >= 5
    assert merged == whole


def test_faulted_merged_junit_counts_the_same_failures(
    faulted: RunSet, faulted_merged: Merged
) -> None:
    names, failed, attribute = junit(faulted_merged.folder)
    whole_names, whole_failed, whole_attribute = junit(faulted.whole)
    assert (failed, attribute) == (whole_failed, whole_attribute) and failed > 0
    cases = [n for n in names if n[0] != "causes"]
    assert cases == [n for n in whole_names if n[0] != "causes"]


# ---------------------------------------------------------------------------------------------
# (c) --shard-durations: a different deal, the same merged report


def test_a_heavy_case_gets_a_shard_to_itself(clean: RunSet, weighed: tuple[RunSet, Merged]) -> None:
    runs, _ = weighed
    assert runs.shard_exits == [0] * N
    scenarios = [ids_by_phase(folder)["scenarios"] for folder in runs.shards]
    assert scenarios[0] == [HEAVY]  # heaviest first, to shard 1, and nothing joins it
    plain = [set(ids_by_phase(folder)["scenarios"]) for folder in clean.shards]
    assert [set(s) for s in scenarios] != plain  # the durations changed the deal
    assert sorted(i for s in scenarios for i in s) == sorted(i for s in plain for i in s)
    rest = sorted(len(s) for s in scenarios[1:])
    assert rest[1] - rest[0] <= 1


def test_merged_with_durations_is_still_the_unsharded_run(
    clean: RunSet, weighed: tuple[RunSet, Merged]
) -> None:
    _, merged = weighed
    assert merged.result.exit_code == 0, merged.result.output
    assert_merged_equals_whole(merged.folder, clean.whole)
    assert junit(merged.folder) == junit(clean.whole)


def test_list_follows_the_durations(durations_report: Path) -> None:
    common = ["run", "--phases", "scenarios", "-k", SLICE, "--list"]
    result = trc(*common, "--shard", "1/3", "--shard-durations", str(durations_report))
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.stdout.splitlines()] == [HEAVY]


def test_shard_durations_without_shard_is_a_usage_error(durations_report: Path) -> None:
    result = trc("run", "--phases", "scenarios", "--shard-durations", str(durations_report))
    assert result.exit_code == 2
    assert "--shard-durations needs --shard I/N" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("text", ["4/3", "x"])
def test_a_bad_shard_is_a_usage_error(text: str) -> None:
    result = trc("run", "--phases", "scenarios", "--shard", text, "--list")
    assert result.exit_code == 2
    assert f"--shard {text!r}" in result.output and "Traceback" not in result.output


# ---------------------------------------------------------------------------------------------
# (d) --list


def listed(*args: str) -> list[str]:
    result = trc("run", "--phases", "scenarios", "--list", *args)
    assert result.exit_code == 0, result.output
    return [line.split()[0] for line in result.stdout.splitlines() if line.strip()]


def test_shard_lists_partition_the_list() -> None:
    everything = listed()
    shares = [listed("--shard", f"{index}/{N}") for index in range(1, N + 1)]
    assert len(everything) > 100
    assert sorted(i for share in shares for i in share) == sorted(everything)
    assert len({i for share in shares for i in share}) == len(everything)
    sizes = [len(share) for share in shares]
    assert max(sizes) - min(sizes) <= 1 and min(sizes) >= len(everything) // N
    for share in shares:  # each in the library's order
        assert share == [i for i in everything if i in set(share)]


# ---------------------------------------------------------------------------------------------
# (e) merge errors: exit 2, one line naming the problem, nothing written


@pytest.fixture(scope="module")
def odd_shards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A shard 2/2 and a shard 3/3 of another target (label), both one small scenario run."""
    root = tmp_path_factory.mktemp("odd")
    small = ["--phases", "scenarios", "-k", "smoke"]
    runs = {
        "of-two": ["--shard", "2/2"],
        "other-target": ["--target", "other=embedded", "--shard", f"{N}/{N}"],
    }
    done = trc_side_by_side(
        {
            name: ["run", *small, *args, "--report-dir", str(root / name)]
            for name, args in runs.items()
        }
    )
    for name, (code, output) in done.items():
        assert code == 0, f"{name}: exit {code}\n{output}"
    return {name: root / name / "latest" for name in runs}


def merge_error(tmp_path: Path, *reports: Path) -> str:
    out = tmp_path / "merged"
    result = trc("report", "merge", *map(str, reports), "--report-dir", str(out))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("trc report merge: error: ")
    assert not out.exists()  # nothing written
    return lines[0]


def test_merge_error_missing_shard(tmp_path: Path, clean: RunSet) -> None:
    line = merge_error(tmp_path, clean.shards[0], clean.shards[1])
    assert f"shard(s) 3 of {N} missing" in line
    line = merge_error(tmp_path, clean.shards[1])
    assert f"shard(s) 1, 3 of {N} missing" in line


def test_merge_error_duplicate_shard(tmp_path: Path, clean: RunSet) -> None:
    line = merge_error(tmp_path, clean.shards[0], clean.shards[1], clean.shards[1], clean.shards[2])
    assert f"shard 2/{N} again" in line and str(clean.shards[1]) in line


def test_merge_error_a_report_without_shard(tmp_path: Path, clean: RunSet) -> None:
    line = merge_error(tmp_path, clean.whole, *clean.shards)
    assert f"{clean.whole}: not a shard's report" in line and "--shard I/N" in line


def test_merge_error_shards_of_different_n(
    tmp_path: Path, clean: RunSet, odd_shards: dict[str, Path]
) -> None:
    line = merge_error(tmp_path, *clean.shards, odd_shards["of-two"])
    assert str(odd_shards["of-two"]) in line
    assert f"shard 2/2 of 2, the others are of {N}" in line


def test_merge_error_different_targets(
    tmp_path: Path, clean: RunSet, odd_shards: dict[str, Path]
) -> None:
    line = merge_error(tmp_path, clean.shards[0], clean.shards[1], odd_shards["other-target"])
    assert "targets ['other']" in line and "['embedded']" in line


def test_merge_error_unreadable_report(tmp_path: Path, clean: RunSet) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    line = merge_error(tmp_path, clean.shards[0], broken)
    assert str(broken) in line


# ---------------------------------------------------------------------------------------------
# (f) the fuzz phase runs whole in shard 1


def fuzz_row(folder: Path) -> dict[str, Any]:
    [row] = [p for p in report(folder)["targets"][0]["phases"] if p["name"] == "fuzz"]
    return row


def test_only_shard_1_runs_the_fuzz_phase(fuzzed: tuple[RunSet, Merged]) -> None:
    runs, _ = fuzzed
    assert runs.shard_exits == [0] * N
    first = fuzz_row(runs.shards[0])
    assert first["cases"] > 0 and "skipped" not in first["summary"]
    assert ids_by_phase(runs.shards[0]).get("fuzz")
    for index, folder in enumerate(runs.shards[1:], start=2):
        row = fuzz_row(folder)
        assert row["cases"] == 0
        assert row["summary"]["skipped"] == (
            f"shard {index}/{N}: the fuzz phase runs whole in shard 1/{N}"
        )
        assert "fuzz" not in ids_by_phase(folder)
        assert ids_by_phase(folder)["scenarios"]  # the scenarios phase is still dealt


def test_shard_1_runs_the_whole_fuzz_phase(fuzzed: tuple[RunSet, Merged]) -> None:
    runs, _ = fuzzed
    whole = [(c["id"], c["status"]) for c in report(runs.whole)["cases"] if c["phase"] == "fuzz"]
    first = [
        (c["id"], c["status"]) for c in report(runs.shards[0])["cases"] if c["phase"] == "fuzz"
    ]
    assert first == whole and whole

    def operations(folder: Path) -> set[str]:
        # (how many cases each mode generates varies from run to run, seed or not)
        rows = fuzz_row(folder)["summary"]["cases_by_phase_operation_mode"]
        return {row["operation"] for row in rows}

    assert operations(runs.shards[0]) == operations(runs.whole) == {"CreateTask", "FetchTask"}


def test_merged_fuzz_run_is_the_unsharded_run(fuzzed: tuple[RunSet, Merged]) -> None:
    runs, merged = fuzzed
    assert runs.whole_exit == 0
    assert merged.result.exit_code == 0, merged.result.output
    assert_merged_equals_whole(merged.folder, runs.whole, cleanup=False)
    assert "skipped" not in fuzz_row(merged.folder)["summary"]
    assert fuzz_row(merged.folder)["cases"] == fuzz_row(runs.whole)["cases"]
    assert junit(merged.folder) == junit(runs.whole)
