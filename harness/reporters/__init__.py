"""Reporters turn records and run metadata into files and terminal output; none sends requests."""
