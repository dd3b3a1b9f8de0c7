"""Reporters turn the typed report (harness/report/model/) into files and terminal output, and
show live progress during a run; none sends requests, none re-derives what the report holds."""
