"""``report.json``: the whole report (schema: docs/report-schema.json)."""

from __future__ import annotations

import json
from pathlib import Path

from harness.report.model import Report, report_data


def report_json_text(report: Report) -> str:
    return json.dumps(report_data(report), indent=2, default=str, ensure_ascii=False) + "\n"


def write_report_json(path: Path, report: Report) -> Path:
    path.write_text(report_json_text(report), encoding="utf-8")
    return path
