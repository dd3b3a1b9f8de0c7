"""Write a run's report folder (``reports/<run-id>/``) and point ``reports/latest`` at it.

Every artifact of ``ARTIFACTS`` is written from the one typed report
(harness/report/model/): report.json, report.md, report.html, junit.xml and badge.svg.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from harness.report.model import Report
from harness.reporters.badge import write_badge
from harness.reporters.html import write_report_html
from harness.reporters.junit import write_junit_report
from harness.reporters.report_json import write_report_json
from harness.reporters.report_md import write_report_md

ARTIFACTS = ("report.json", "report.md", "report.html", "junit.xml", "badge.svg")


def write_report_folder(parent: Path, report: Report) -> Path:
    """Write every artifact of ``report`` into ``parent/<run-id>/``; point latest at it."""
    run_id = report.run.run_id
    folder = parent / run_id
    folder.mkdir(parents=True, exist_ok=True)
    write_artifacts(folder, report)
    point_latest(parent, run_id)
    return folder


def write_artifacts(folder: Path, report: Report) -> list[Path]:
    """The five artifacts of ``report`` in ``folder`` (which must exist)."""
    return [
        write_report_json(folder / "report.json", report),
        write_report_md(folder / "report.md", report),
        write_report_html(folder / "report.html", report),
        write_junit_report(folder / "junit.xml", report),
        write_badge(folder / "badge.svg", report),
    ]


def point_latest(parent: Path, run_id: str) -> Path:
    """``parent/latest`` -> ``run_id`` (a relative symlink, or a text file naming it)."""
    latest = parent / "latest"
    with contextlib.suppress(FileNotFoundError):
        if latest.is_symlink() or latest.is_file():
            latest.unlink()
    if latest.is_dir() and not latest.is_symlink():
        # A real folder named latest is someone else's; leave it and write nothing.
        return latest
    try:
        tmp = parent / f".latest-{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(run_id, target_is_directory=True)
        tmp.replace(latest)
    except OSError:
        latest.write_text(run_id + "\n", encoding="utf-8")
    return latest
