"""pytest plugin (entry point ``trc``): YAML scenarios as pytest items.

``pytest --trc-target URL|embedded [--trc-profile FILE] [--trc-scenarios DIR]`` collects one
item per scenario (named by its id, marked with its tags, its category and ``trc_scenario``),
so ``-k``, ``-m`` and ``-n`` (xdist) work. Each process (each xdist worker) opens the target
once: the embedded reference is one server per worker, stopped at the end of the session after
the cleanup.

The entry point loads this module into every pytest run of an environment where the tool is
installed, so it costs nothing until asked: it only registers its options. The scenario
engine, the target layer and the collection hooks (``harness.pytest_plugin.items``) are
imported and registered only when ``--trc-target`` is given.

Errors are one line and never an INTERNALERROR, with or without ``-n`` (xdist). The main
process checks everything in ``pytest_configure``, before xdist starts any worker
(``harness.pytest_plugin.preflight``):

* a bad ``--trc-*`` option, a missing or malformed ``--trc-profile``, or missing credentials
  for a URL target (``TWILIO_ACCOUNT_SID``/``TWILIO_AUTH_TOKEN`` or ``--trc-account-sid``/
  ``--trc-auth-token``): ``ERROR: trc: ...`` and exit 4 (pytest's usage error, via
  ``pytest.UsageError``; the same cases are exit 2 in ``trc run``);
* a URL target that does not answer one probe request: ``Exit: trc: target URL is
  unreachable: ... (check --trc-target)`` and exit 3, the code ``trc run`` uses.

A target that stops answering after that check fails the scenarios that need it with the same
one line (inside an xdist worker) or ends the run with exit 3 (without xdist).
"""

from __future__ import annotations

import pytest

MARKER = "trc_scenario"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("trc", "TaskRouter conformance scenarios (trc)")
    group.addoption(
        "--trc-target",
        metavar="URL|embedded",
        help="Collect the trc scenarios and run them against this target.",
    )
    group.addoption("--trc-profile", metavar="FILE|reference", help="Target profile YAML.")
    group.addoption("--trc-scenarios", metavar="DIR", help="Scenario folder (default: scenarios/).")
    group.addoption("--trc-account-sid", metavar="AC...", help="Default: $TWILIO_ACCOUNT_SID.")
    group.addoption("--trc-auth-token", metavar="TOKEN", help="Default: $TWILIO_AUTH_TOKEN.")
    group.addoption("--trc-allow-live", action="store_true", help="Allow *.twilio.com targets.")
    group.addoption(
        "--trc-fault", action="append", default=[], metavar="NAME", help="Embedded only."
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: a TaskRouter conformance scenario (trc)")
    target = config.getoption("trc_target", None)
    if not target:
        return
    from harness.pytest_plugin import items

    items.configure(config, target)
    config.pluginmanager.register(items, "trc-items")
