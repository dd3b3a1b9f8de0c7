"""Through the CLI, every kind of YAML file a user gives ``trc`` is read within limits: an alias
bomb, a deep nesting or an oversized file is one line naming the file, exit 2, no traceback, and
it comes back at once (the subprocess timeout is generous: without the limits an alias bomb ran
for 45 s and ended in a MemoryError traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.yamlsrc.bombs import alias_bomb, deep_nesting, oversized

MB = 1024 * 1024

#: Each kind of file: the command line that reads it, and its size limit.
KINDS = {
    "scenarios": (["run", "--scenarios", "{dir}"], 5 * MB),
    "profile": (["run", "--profile", "{file}"], 5 * MB),
    "cassette": (["replay", "{file}"], 64 * MB),
    "deviations": (["run", "--expect-deviations", "{file}"], 5 * MB),
}


def trc(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def place(tmp_path: Path, kind: str) -> tuple[list[str], Path]:
    """The command line for ``kind`` and the path its hostile file goes to."""
    template, _ = KINDS[kind]
    folder = tmp_path / "scenarios" / "smoke"
    folder.mkdir(parents=True)
    file = folder / "hostile.yaml" if kind == "scenarios" else tmp_path / "hostile.yaml"
    args = [a.format(dir=tmp_path / "scenarios", file=file) for a in template]
    return args, file


def assert_one_line_error(done: subprocess.CompletedProcess[str], file: Path, text: str) -> None:
    output = (done.stdout + done.stderr).strip()
    assert done.returncode == 2, output
    assert "Traceback" not in output and "MemoryError" not in output
    lines = output.splitlines()
    assert len(lines) == 1, output
    assert "hostile.yaml" in lines[0] and text in lines[0]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_alias_bomb_is_one_line_and_exit_2(kind: str, tmp_path: Path) -> None:
    args, file = place(tmp_path, kind)
    file.write_text(alias_bomb())
    done = trc(args, tmp_path)
    assert_one_line_error(done, file, "hostile.yaml:6: YAML aliases expand to more than")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_deep_nesting_is_one_line_and_exit_2(kind: str, tmp_path: Path) -> None:
    args, file = place(tmp_path, kind)
    file.write_text(deep_nesting())
    done = trc(args, tmp_path)
    assert_one_line_error(done, file, "hostile.yaml:1: nested too deeply")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_oversized_file_is_one_line_and_exit_2(kind: str, tmp_path: Path) -> None:
    args, file = place(tmp_path, kind)
    limit = KINDS[kind][1]
    oversized(file, limit + 1)
    done = trc(args, tmp_path)
    assert_one_line_error(
        done, file, f"file too large ({limit + 1} bytes; the limit is {limit // MB} MB)"
    )
