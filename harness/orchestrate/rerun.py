"""What ``trc rerun --failed`` changes in a run: which records it keeps and where it writes.

A rerun asks every phase for the failed ids of the report it came from (``RunRequest.only``).
The scenarios and replay phases run exactly those cases; the fuzz phase can only rerun whole
operations, so it also returns the checks of those operations that did not fail before.
``RerunFilter`` keeps, of every phase, the records of the failed cases (a fuzz check's later
findings ``fuzz.Op.check.2`` go with ``fuzz.Op.check``) and any new problem the rerun found;
the passes and not-applicable verdicts of cases that were not rerun are dropped, so the rerun's
report and score are about the failed cases only.

The rerun's report goes to ``<report-dir>/<new-run-id>-rerun/`` (``RERUN_SUFFIX``), and
``<report-dir>/latest`` is left alone: it still names the run the failures came from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from harness.report.model import Report
from harness.reporters.files import write_artifacts
from harness.results.model import CaseRecord

RERUN_SUFFIX = "-rerun"


def base_id(case_id: str) -> str:
    """``fuzz.Op.check.2`` -> ``fuzz.Op.check``; every other id is its own base."""
    if case_id.startswith("fuzz."):
        parts = case_id.split(".")
        if len(parts) > 3 and parts[-1].isdigit():
            return ".".join(parts[:-1])
    return case_id


@dataclass(frozen=True)
class RerunFilter:
    """The records a rerun keeps: those of its ids, and new problems."""

    ids: frozenset[str]

    @classmethod
    def of(cls, ids: Iterable[str] | None) -> RerunFilter | None:
        return None if ids is None else cls(frozenset(base_id(i) for i in ids))

    def keeps(self, record: CaseRecord) -> bool:
        return base_id(record.id) in self.ids or record.status.is_problem

    def records(self, records: Iterable[CaseRecord]) -> list[CaseRecord]:
        return [r for r in records if self.keeps(r)]

    def wrap(
        self, on_record: Callable[[CaseRecord], None] | None
    ) -> Callable[[CaseRecord], None] | None:
        if on_record is None:
            return None

        def forward(record: CaseRecord) -> None:
            if self.keeps(record):
                on_record(record)

        return forward


def write_rerun_folder(parent: Path, report: Report) -> Path:
    """``parent/<run-id>-rerun/`` with every artifact of ``report``; ``latest`` untouched."""
    folder = parent / f"{report.run.run_id}{RERUN_SUFFIX}"
    folder.mkdir(parents=True, exist_ok=True)
    write_artifacts(folder, report)
    return folder
