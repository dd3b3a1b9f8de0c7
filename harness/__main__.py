"""``python -m harness`` is ``trc``."""

from harness.cli import main

main()
