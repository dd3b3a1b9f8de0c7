"""Write a run's report folder (``reports/<run-id>/``) and point ``reports/latest`` at it.

``trc run`` writes the five artifacts of ``ARTIFACTS`` from the report document, plus
``results.json`` (the flat record list of the first target, kept for tools written against
harness 0.1; ``report.json`` holds everything it holds). ``summary.md`` is folded into
``report.md``; ``write_reports`` still writes the 0.1 trio for callers that have no report.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.reporters.badge import write_badge
from harness.reporters.html import write_report_html
from harness.reporters.json_report import write_json
from harness.reporters.junit import write_junit, write_junit_report
from harness.reporters.markdown import write_summary
from harness.reporters.report_json import write_report_json
from harness.reporters.report_md import write_report_md
from harness.results.model import CaseRecord, RunMeta

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REPORT_DIR = REPO_ROOT / "reports"
ARTIFACTS = ("report.json", "report.md", "report.html", "junit.xml", "badge.svg")
LEGACY = "results.json"


def write_report_folder(
    parent: Path,
    document: Mapping[str, Any],
    legacy: tuple[list[CaseRecord], RunMeta] | None = None,
) -> Path:
    """Write every artifact of ``document`` into ``parent/<run-id>/``; point latest at it."""
    run_id = document["run"]["run_id"]
    folder = parent / run_id
    folder.mkdir(parents=True, exist_ok=True)
    write_artifacts(folder, document)
    if legacy is not None:
        write_json(folder / LEGACY, *legacy)
    point_latest(parent, run_id)
    return folder


def write_artifacts(folder: Path, document: Mapping[str, Any]) -> list[Path]:
    """The five artifacts of ``document`` in ``folder`` (which must exist)."""
    return [
        write_report_json(folder / "report.json", document),
        write_report_md(folder / "report.md", document),
        write_report_html(folder / "report.html", document),
        write_junit_report(folder / "junit.xml", document),
        write_badge(folder / "badge.svg", document),
    ]


def write_reports(parent: Path, records: list[CaseRecord], meta: RunMeta) -> Path:
    """Write results.json, summary.md and junit.xml; return the run's folder."""
    folder = parent / meta.run_id
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / "results.json", records, meta)
    write_summary(folder / "summary.md", records, meta)
    write_junit(folder / "junit.xml", records, meta)
    point_latest(parent, meta.run_id)
    return folder


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
