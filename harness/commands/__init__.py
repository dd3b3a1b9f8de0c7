"""The ``trc`` subcommands, one module each."""
