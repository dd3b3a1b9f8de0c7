"""SIGINT and SIGTERM during a command that creates tasks: stop, clean up, say what is left.

``Interrupts`` is installed by a command for its whole run (``with Interrupts(...).installed()``,
main thread only; elsewhere it does nothing):

- the **first** signal asks the run to stop. It raises ``KeyboardInterrupt`` in the main
  thread, so the run stops sending new work and each runner cleans up what it created;
  inside a ``shielded()`` block (a create request in flight, until its answer is recorded)
  the interrupt waits for the block to end, so a task the server committed is always known
  before the run stops; inside ``cleaning()`` it raises nothing: the cleanup goes on.
- the **second** signal abandons the cleanup: ``CleanupAbandoned`` is raised wherever the run
  is, the message names the ``trc sweep`` command that deletes what is left, and the command
  writes its partial report and exits 130.
- a **third** signal ends the process at once (exit 130), report or not.

Without an installed ``Interrupts`` (a library user, a pytest-xdist worker, a thread),
``shielded()``, ``cleaning()`` and ``stop_requested()`` change nothing.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: The exit status of an interrupted command (``harness.exitcodes.ExitCode.INTERRUPTED``).
INTERRUPTED_STATUS = 130

_active: Interrupts | None = None


class CleanupAbandoned(KeyboardInterrupt):
    """The second signal: the cleanup is skipped (what is left is for ``trc sweep``)."""


class Interrupts:
    """The run's signal handling; see the module docstring."""

    def __init__(
        self,
        prog: str,
        sweep_hint: Callable[[], str | None] | None = None,
        write: Callable[[str], None] | None = None,
    ) -> None:
        self.prog = prog
        #: the `trc sweep` command line for this run (computed when it is needed)
        self.sweep_hint = sweep_hint
        self._write = write or _stderr
        self.count = 0
        self.signal_name: str | None = None
        self.abandoned = False
        self._shield = 0
        self._cleaning = 0
        self._pending = False

    # -- installation -----------------------------------------------------------------------
    @contextmanager
    def installed(self) -> Iterator[Interrupts]:
        global _active
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM)}
        outer, _active = _active, self
        try:
            yield self
        finally:
            _active = outer
            for number, handler in previous.items():
                signal.signal(number, handler)

    # -- state ------------------------------------------------------------------------------
    @property
    def stop_requested(self) -> bool:
        return self.count > 0

    def _handle(self, signum: int, frame: Any) -> None:
        self.count += 1
        if self.count == 1:
            self.signal_name = signal.Signals(signum).name
            if self._cleaning:
                self._write(
                    f"\n{self.prog}: {self.signal_name}: finishing the cleanup first; "
                    "press Ctrl-C again to skip it\n"
                )
                return
            self._write(
                f"\n{self.prog}: {self.signal_name}: stopping; any task this run created is "
                "deleted before it exits (press Ctrl-C again to skip the cleanup)\n"
            )
            if self._shield:
                self._pending = True  # raised when the request in flight is recorded
                return
            raise KeyboardInterrupt(self.signal_name)
        if self.count == 2:
            self.abandoned = True
            hint = self.sweep_hint() if self.sweep_hint else "trc sweep --target URL"
            if hint is None:
                self._write(f"\n{self.prog}: cleanup skipped\n")
            else:
                self._write(
                    f"\n{self.prog}: cleanup skipped; tasks of this run may be left on the "
                    f"target. Delete them with:\n  {hint}\n"
                )
            raise CleanupAbandoned(signal.Signals(signum).name)
        self._write(f"\n{self.prog}: exiting now\n")
        os._exit(INTERRUPTED_STATUS)

    # -- blocks -----------------------------------------------------------------------------
    @contextmanager
    def _shielded(self) -> Iterator[None]:
        self._shield += 1
        try:
            yield
        finally:
            self._shield -= 1
        if not self._shield and self._pending and not self._cleaning:
            self._pending = False
            raise KeyboardInterrupt(self.signal_name or "interrupted")

    @contextmanager
    def _cleaning_block(self) -> Iterator[None]:
        self._cleaning += 1
        try:
            yield
        finally:
            self._cleaning -= 1
        if not self._cleaning:
            self._pending = False  # the cleanup is the answer to the first interrupt


def _stderr(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def _current() -> Interrupts | None:
    if _active is None or threading.current_thread() is not threading.main_thread():
        return None
    return _active


def set_sweep_hint(hint: Callable[[], str | None]) -> None:
    """What the second interrupt prints: the ``trc sweep`` command line for what the run may
    have left (None: nothing can be left, e.g. the embedded reference ends with the run)."""
    current = _current()
    if current is not None:
        current.sweep_hint = hint


@contextmanager
def shielded(enabled: bool = True) -> Iterator[None]:
    """A first interrupt inside the block waits until the block ends (a create in flight)."""
    current = _current()
    if current is None or not enabled:
        yield
        return
    with current._shielded():
        yield


@contextmanager
def cleaning() -> Iterator[None]:
    """A first interrupt inside the block lets it go on; a second abandons it."""
    current = _current()
    if current is None:
        yield
        return
    with current._cleaning_block():
        yield


def stop_requested() -> bool:
    """True once the installed ``Interrupts`` has seen a signal."""
    current = _current()
    return current is not None and current.stop_requested


def abandoned() -> bool:
    """True once the installed ``Interrupts`` has seen the second signal."""
    current = _current()
    return current is not None and current.abandoned
