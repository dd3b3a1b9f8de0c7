"""The reference as a child process of a ``trc`` run (the embedded target's default).

``python -m harness.reference.child '{"retention_seconds": 2, "faults": [], "test_clock":
true}'`` starts the reference on a free loopback port, prints one JSON line
``{"base_url": ..., "account_sid": ...}`` on stdout, and serves until its standard input
closes: the parent closes it to stop the server, and a parent that dies (even by ``kill -9``)
closes it too, so the child never outlives the run. It ignores SIGINT: a Ctrl-C in the terminal
is the run's to handle, and the run still needs the server to delete its tasks afterwards.

In its own interpreter the reference does not share the harness's interpreter lock, so on a
machine with two cores the server and the harness work at the same time.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

from harness.reference.config import ServerConfig
from harness.reference.server import start_in_thread


def config_from(arguments: dict[str, Any]) -> ServerConfig:
    return ServerConfig(
        retention_seconds=float(arguments.get("retention_seconds", 2.0)),
        faults=frozenset(str(f) for f in arguments.get("faults", ())),
        test_clock=bool(arguments.get("test_clock", True)),
    )


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        arguments = json.loads(argv[0]) if argv else {}
        config = config_from(arguments)
        server = start_in_thread(config)
    except Exception as exc:  # reported to the parent as one line, never a traceback
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        return 1
    print(
        json.dumps({"base_url": server.base_url, "account_sid": config.fixture.account_sid}),
        flush=True,
    )
    try:
        while sys.stdin.buffer.read(65536):  # until EOF: the parent closed it, or died
            pass
    except OSError:
        pass
    # Nothing is left to keep: the embedded reference holds its tasks in memory, and its run
    # has ended. Leaving at once spares the parent uvicorn's graceful shutdown.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
