"""Targets: where a run sends its requests, with which credentials, and what the target offers."""
