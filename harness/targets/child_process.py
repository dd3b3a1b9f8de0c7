"""The embedded reference's child process (``python -m harness.reference.child``).

``spawn`` starts one; ``Child.base_url`` waits (at most ``START_SECONDS``) for the line it
prints once it listens; ``Child.stop`` closes its standard input, its signal to leave, and
terminates, then kills, one that does not. The child runs in its own session, so a Ctrl-C in
the terminal reaches the run and not the server the run still needs for its cleanup; a run
that dies closes the child's standard input too, so no child outlives its run.

``warm_up`` starts a child early, while the run still loads its library, and ``take_or_spawn``
hands it to the embedded target that asks for the same settings; ``warming`` stops the ones
nobody took.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from harness.targets.errors import TargetUnreachable

#: how long the child may take to start listening
START_SECONDS = 30.0
#: how long a stopping child may take before it is terminated
STOP_SECONDS = 5.0


def child_arguments(faults: tuple[str, ...] | list[str], retention: float, clock: bool) -> str:
    """The child's one argument: its settings as JSON (also the key of a warm child)."""
    return json.dumps(
        {"retention_seconds": retention, "faults": sorted(set(faults)), "test_clock": clock},
        sort_keys=True,
    )


@dataclass
class Child:
    process: subprocess.Popen[bytes]
    errors: IO[bytes]
    _url: str | None = field(default=None, init=False)

    def base_url(self) -> str:
        """The child's URL, once it listens; TargetUnreachable if it does not start."""
        if self._url is None:
            try:
                self._url = _wait_for_url(self.process, self.errors)
            except BaseException:
                self.stop()
                raise
        return self._url

    def stop(self) -> None:
        child = self.process
        if child.stdin is not None:
            with suppress(OSError):
                child.stdin.close()
        for ending in (None, child.terminate, child.kill):
            if ending is not None:
                ending()
            try:
                child.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                continue
            break
        for stream in (child.stdout, self.errors):
            if stream is not None:
                stream.close()


def spawn(arguments: str) -> Child:
    import harness

    package_root = str(Path(harness.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed by Child.stop)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "harness.reference.child", arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
            start_new_session=True,
        )
    except OSError as exc:
        errors.close()
        raise TargetUnreachable(f"the embedded reference did not start: {exc}") from None
    return Child(process, errors)


_warm: dict[str, list[Child]] = {}
_warm_lock = threading.Lock()
_warming_depth = 0


def warm_up(arguments: str) -> None:
    """Start a child with these settings now; the next ``take_or_spawn`` of them gets it.
    Outside ``warming()`` nothing would stop an unused one, so nothing is started."""
    with _warm_lock:
        if _warming_depth == 0 or _warm.get(arguments):
            return
    child = spawn(arguments)
    with _warm_lock:
        _warm.setdefault(arguments, []).append(child)


def take_or_spawn(arguments: str) -> Child:
    with _warm_lock:
        waiting = _warm.get(arguments)
        if waiting:
            return waiting.pop(0)
    return spawn(arguments)


@contextmanager
def warming() -> Iterator[None]:
    """Allow ``warm_up`` in the block; at its end, stop every warm child nobody took."""
    global _warming_depth
    with _warm_lock:
        _warming_depth += 1
    try:
        yield
    finally:
        left: list[Child] = []
        with _warm_lock:
            _warming_depth -= 1
            if not _warming_depth:
                left = [child for children in _warm.values() for child in children]
                _warm.clear()
        for child in left:
            child.stop()


def _wait_for_url(child: subprocess.Popen[bytes], errors: IO[bytes]) -> str:
    assert child.stdout is not None
    deadline = time.monotonic() + START_SECONDS
    line = b""
    while not line.endswith(b"\n") and len(line) <= 65536:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TargetUnreachable(
                f"the embedded reference did not start within {START_SECONDS:g} s"
            )
        ready, _, _ = select.select([child.stdout], [], [], left)
        if not ready:
            continue
        chunk = os.read(child.stdout.fileno(), 4096)
        if not chunk:
            break
        line += chunk
    try:
        answer = json.loads(line)
    except ValueError:
        answer = {}
    if isinstance(answer, dict) and isinstance(answer.get("base_url"), str):
        return str(answer["base_url"])
    with suppress(subprocess.TimeoutExpired):
        child.wait(timeout=STOP_SECONDS)
    errors.seek(0)
    said = errors.read()[-2000:].decode("utf-8", "replace").strip().splitlines()
    cause = answer.get("error") if isinstance(answer, dict) else None
    cause = cause or (said[-1] if said else f"it exited with code {child.returncode}")
    raise TargetUnreachable(f"the embedded reference did not start: {cause}")
