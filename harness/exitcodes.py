"""The exit codes every ``trc`` command uses, defined once."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a ``trc`` command's exit status means."""

    #: the run passed its gate (conformant, or every failure an expected deviation)
    OK = 0
    #: the target is not conformant (the gate failed, or tasks were left behind)
    FAIL = 1
    #: bad usage or configuration: nothing ran
    USAGE = 2
    #: the target did not answer the first request
    UNREACHABLE = 3
    #: interrupted (Ctrl-C or SIGTERM), after cleaning up and writing the partial report
    INTERRUPTED = 130
