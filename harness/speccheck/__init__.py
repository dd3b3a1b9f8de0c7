"""Checking answers against the spec: ``SpecChecker`` validates any response against
``spec/taskrouter-tasks.yaml`` (or another OpenAPI file), and ``operation_name`` names the
operation a request is. Used by every runner (scenarios, fuzz, replay, record) and below all
of them."""

from __future__ import annotations

from pathlib import Path

from harness.speccheck.openapi import SpecChecker


def default_spec_path() -> Path:
    """The shipped Task spec (``spec/taskrouter-tasks.yaml``, inside the wheel when installed)."""
    from harness.resources import spec_file

    return spec_file()


def load_spec(path: Path | None = None) -> SpecChecker | None:
    """The spec checker for ``path`` (default: the shipped spec), or None when the file does not
    exist."""
    path = path or default_spec_path()
    return SpecChecker.from_path(path) if path.is_file() else None


__all__ = ["SpecChecker", "default_spec_path", "load_spec"]
