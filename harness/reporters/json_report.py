"""``results.json``: every record, the run metadata and the counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.results.model import CaseRecord, RunMeta, conformant, count_statuses

SCHEMA_VERSION = 1


def results_document(records: list[CaseRecord], meta: RunMeta) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "run": meta.to_dict(),
        "counts": count_statuses(records),
        "conformant": conformant(records),
        "cases": [record.to_dict() for record in records],
    }


def write_json(path: Path, records: list[CaseRecord], meta: RunMeta) -> Path:
    document = results_document(records, meta)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    return path
