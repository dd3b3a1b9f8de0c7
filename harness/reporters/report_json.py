"""``report.json``: the whole report document (schema: docs/report-schema.json)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def report_json_text(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, default=str, ensure_ascii=False) + "\n"


def write_report_json(path: Path, document: Mapping[str, Any]) -> Path:
    path.write_text(report_json_text(document), encoding="utf-8")
    return path
