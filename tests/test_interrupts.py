"""``harness.interrupts``: the first signal stops (but waits for a create in flight and lets a
cleanup finish), the second abandons the cleanup and names the sweep command, the third ends
the process; nothing changes when it is not installed."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator

import pytest

from harness import interrupts
from harness.interrupts import CleanupAbandoned, Interrupts


@pytest.fixture(autouse=True)
def _python_sigint() -> Iterator[None]:
    """Python's own SIGINT handler, as in a terminal: a shell that starts the suite in the
    background (no job control) hands it SIGINT ignored."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _installed(
    hint: str | None = "trc sweep --target http://t --run R",
) -> tuple[Interrupts, list[str]]:
    said: list[str] = []
    return Interrupts("trc run", sweep_hint=lambda: hint, write=said.append), said


def test_without_an_installed_handler_nothing_changes() -> None:
    with interrupts.shielded(), interrupts.cleaning():
        assert not interrupts.stop_requested()
        assert not interrupts.abandoned()
    with pytest.raises(KeyboardInterrupt):  # Python's own handler is still there
        signal.raise_signal(signal.SIGINT)


def test_the_first_signal_stops_the_run() -> None:
    handler, said = _installed()
    with handler.installed(), pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGTERM)
    assert handler.stop_requested and not handler.abandoned
    assert handler.signal_name == "SIGTERM"
    assert "stopping" in said[0] and "Ctrl-C again" in said[0]


def test_a_create_in_flight_is_finished_before_the_stop() -> None:
    handler, _ = _installed()
    recorded = []
    with handler.installed():
        with pytest.raises(KeyboardInterrupt), interrupts.shielded():
            signal.raise_signal(signal.SIGINT)
            assert interrupts.stop_requested()
            recorded.append("201 seen")  # still runs: the signal waits for the block
        assert recorded == ["201 seen"]
        # a disabled shield is no shield
        handler.count = 0
        with pytest.raises(KeyboardInterrupt), interrupts.shielded(enabled=False):
            signal.raise_signal(signal.SIGINT)
            recorded.append("not reached")
    assert recorded == ["201 seen"]


def test_nested_shields_raise_once_at_the_outer_end() -> None:
    handler, _ = _installed()
    steps = []
    with handler.installed(), pytest.raises(KeyboardInterrupt), interrupts.shielded():
        with interrupts.shielded():
            signal.raise_signal(signal.SIGINT)
        steps.append("inner ended")
    assert steps == ["inner ended"]


def test_the_cleanup_goes_on_after_a_first_signal() -> None:
    handler, said = _installed()
    deleted = []
    with handler.installed():
        with interrupts.cleaning():
            signal.raise_signal(signal.SIGINT)
            deleted.append("WT1")
        deleted.append("after")  # nothing pending: the cleanup answered the interrupt
    assert deleted == ["WT1", "after"]
    assert handler.stop_requested and "finishing the cleanup" in said[0]


def test_a_shield_inside_the_cleanup_does_not_raise_at_its_end() -> None:
    handler, _ = _installed()
    with handler.installed(), interrupts.cleaning():
        with interrupts.shielded():
            signal.raise_signal(signal.SIGINT)
        assert interrupts.stop_requested()


def test_the_second_signal_abandons_the_cleanup_and_names_the_sweep() -> None:
    handler, said = _installed()
    with handler.installed():
        with pytest.raises(KeyboardInterrupt) as first:
            signal.raise_signal(signal.SIGINT)
        assert not isinstance(first.value, CleanupAbandoned)
        with pytest.raises(CleanupAbandoned), interrupts.cleaning():
            signal.raise_signal(signal.SIGINT)
        assert interrupts.abandoned()
    assert "cleanup skipped" in said[-1]
    assert "trc sweep --target http://t --run R" in said[-1]


def test_the_second_signal_without_anything_to_sweep() -> None:
    handler, said = _installed(hint=None)
    with handler.installed(), interrupts.cleaning():
        signal.raise_signal(signal.SIGINT)
        with pytest.raises(CleanupAbandoned):
            signal.raise_signal(signal.SIGINT)
    assert said[-1].strip() == "trc run: cleanup skipped"


def test_set_sweep_hint_reaches_the_installed_handler() -> None:
    handler, said = _installed(hint=None)
    with handler.installed():
        interrupts.set_sweep_hint(lambda: "trc sweep --run X")
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
        with pytest.raises(CleanupAbandoned):
            signal.raise_signal(signal.SIGINT)
    assert "trc sweep --run X" in said[-1]


def test_the_previous_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    handler, _ = _installed()
    with handler.installed():
        assert signal.getsignal(signal.SIGINT) == handler._handle
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    assert not interrupts.stop_requested()


def test_in_another_thread_it_installs_nothing() -> None:
    seen: list[object] = []

    def work() -> None:
        handler, _ = _installed()
        with handler.installed():
            seen.append(interrupts.stop_requested())
            with interrupts.shielded(), interrupts.cleaning():
                seen.append("ran")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(10)
    assert seen == [False, "ran"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_third_signal_ends_the_process_with_130() -> None:
    code = textwrap.dedent(
        """
        import signal, sys
        from harness import interrupts
        handler = interrupts.Interrupts("trc run", write=lambda text: None)
        with handler.installed(), interrupts.cleaning():
            signal.raise_signal(signal.SIGINT)
            try:
                signal.raise_signal(signal.SIGINT)
            except interrupts.CleanupAbandoned:
                pass
            signal.raise_signal(signal.SIGINT)
            print("still running")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == interrupts.INTERRUPTED_STATUS, done.stderr
    assert "still running" not in done.stdout
