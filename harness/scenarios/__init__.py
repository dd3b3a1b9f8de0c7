"""YAML scenarios: loading, matching, running against a target, and run isolation."""
