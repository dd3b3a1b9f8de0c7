"""Write a run's report folder (``reports/<run-id>/``) and point ``reports/latest`` at it."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from harness.reporters.json_report import write_json
from harness.reporters.junit import write_junit
from harness.reporters.markdown import write_summary
from harness.results.model import CaseRecord, RunMeta

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REPORT_DIR = REPO_ROOT / "reports"


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
