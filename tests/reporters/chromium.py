"""Headless Chromium for the report tests: find it, install it if missing, run it.

The browser is Debian's ``chromium`` package. ``ensure_chromium()`` installs it when it is
missing, with exactly ``apt-get install -y chromium`` as root (``apt-get update`` first when
the package lists are missing or stale), under a file lock so parallel test workers do not
race for apt's lock. The calling test is skipped, with the reason, only when installing is
impossible (not root, no apt-get, no network or package).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser")
INSTALL = ["apt-get", "install", "-y", "chromium"]
UPDATE = ["apt-get", "update"]
LOCK = Path("/tmp/trc-chromium-install.lock")
#: Flags every run uses: headless, no sandbox (containers run as root), nothing phoning home.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    with LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _apt(command: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)


def ensure_chromium() -> str:
    """The chromium binary, installing Debian's package first if needed (or skip the test)."""
    found = find_chromium()
    if found:
        return found
    if not shutil.which("apt-get"):
        pytest.skip("chromium is missing and there is no apt-get to install it with")
    if os.geteuid() != 0:
        pytest.skip("chromium is missing; install it as root: apt-get install -y chromium")
    with _install_lock():
        found = find_chromium()  # another worker may have installed it meanwhile
        if found:
            return found
        result = _apt(INSTALL)
        if result.returncode != 0:
            _apt(UPDATE)
            result = _apt(INSTALL)
        found = find_chromium()
    if not found:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        pytest.skip("could not install chromium (apt-get install -y chromium): " + " | ".join(tail))
    return found


def run_chromium(
    binary: str, user_data_dir: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={user_data_dir}", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def dump_dom(binary: str, url: str, user_data_dir: Path) -> str:
    result = run_chromium(binary, user_data_dir, "--dump-dom", url)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def screenshot(
    binary: str, url: str, out: Path, user_data_dir: Path, size: str = "1280,1500"
) -> Path:
    result = run_chromium(
        binary, user_data_dir, f"--window-size={size}", f"--screenshot={out}", url
    )
    assert result.returncode == 0 and out.is_file(), result.stderr[-2000:]
    return out
