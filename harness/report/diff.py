"""What changed between two reports: per target, score change, new failures, fixes, and more.

Targets are paired by label; when each report has exactly one target they are paired whatever
their labels (the same clone on another port is still the same clone). A case is identified
by its phase and id.

- ``new_failures``: failing (fail/error) in B, not failing in A (passing, other, or absent);
- ``regressions``: the subset of new failures that *passed* in A (what ``--baseline`` gates
  on); expected deviations in B are left out of both;
- ``fixes``: failing in A, passing in B;
- ``changed``: any other status change (e.g. pass -> unsupported, pass -> skipped);
- ``added`` / ``removed``: cases only in B / only in A.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.report.model import Case, Change, Removal, Report, TargetDiff
from harness.results.vocab import Status


@dataclass
class ReportDiff:
    """What ``trc report diff A B`` prints (``--format json``: this, as JSON)."""

    before: str | None
    after: str | None
    targets: list[TargetDiff] = field(default_factory=list)
    regressions: int = 0
    new_failures: int = 0
    fixes: int = 0


def pair_targets(a: Report, b: Report) -> list[tuple[str | None, str | None]]:
    labels_a = [t.label for t in a.targets]
    labels_b = [t.label for t in b.targets]
    if len(labels_a) == 1 and len(labels_b) == 1:
        return [(labels_a[0], labels_b[0])]
    pairs: list[tuple[str | None, str | None]] = [
        (label, label if label in labels_b else None) for label in labels_a
    ]
    pairs += [(None, label) for label in labels_b if label not in labels_a]
    return pairs


def _cases(report: Report, label: str | None) -> dict[tuple[str, str], Case]:
    if label is None:
        return {}
    return {c.key: c for c in report.cases_of(label)}


def _change(case: Case, before: Status | None) -> Change:
    message = (case.failure.message if case.failure else "") or case.reason or ""
    return Change(case.id, case.phase, before, case.status, message)


def _score(report: Report, label: str | None) -> float | None:
    target = report.target(label)
    return target.score.value if target is not None else None


def diff_target(a: Report, b: Report, label_a: str | None, label_b: str | None) -> TargetDiff:
    before, after = _cases(a, label_a), _cases(b, label_b)
    score_a, score_b = _score(a, label_a), _score(b, label_b)
    delta = round(score_b - score_a, 2) if score_a is not None and score_b is not None else None
    diff = TargetDiff(
        target=label_b if label_b is not None else label_a,
        target_before=label_a,
        target_after=label_b,
        score_before=score_a,
        score_after=score_b,
        score_delta=delta,
    )
    for key, case in after.items():
        old = before.get(key)
        old_status = old.status if old else None
        if old is None:
            diff.added.append(_change(case, None))
        was_problem = old_status is not None and old_status.is_problem
        if case.status.is_problem and not was_problem:
            if case.expected_deviation is not None:
                continue
            diff.new_failures.append(_change(case, old_status))
            if old_status is Status.PASS:
                diff.regressions.append(_change(case, old_status))
        elif was_problem and case.status is Status.PASS:
            diff.fixes.append(_change(case, old_status))
        elif old is not None and old_status != case.status:
            diff.changed.append(_change(case, old_status))
    diff.removed = [
        Removal(c.id, c.phase, c.status, None) for k, c in before.items() if k not in after
    ]
    return diff


def diff_reports(a: Report, b: Report) -> ReportDiff:
    targets = [diff_target(a, b, la, lb) for la, lb in pair_targets(a, b)]
    return ReportDiff(
        before=a.run.run_id,
        after=b.run.run_id,
        targets=targets,
        regressions=sum(len(t.regressions) for t in targets),
        new_failures=sum(len(t.new_failures) for t in targets),
        fixes=sum(len(t.fixes) for t in targets),
    )


def _score_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}"


SECTIONS = (
    ("new failures", "new_failures"),
    ("fixes", "fixes"),
    ("other status changes", "changed"),
    ("added cases", "added"),
    ("removed cases", "removed"),
)


def diff_text(diff: ReportDiff, markdown: bool = False) -> str:
    """A human summary (plain text, or Markdown for a PR comment)."""
    lines: list[str] = []
    head = f"{diff.before} → {diff.after}"
    lines.append(f"## trc report diff: {head}" if markdown else f"trc report diff: {head}")
    hashes = "### " if markdown else ""
    for target in diff.targets:
        label = target.target
        if target.target_before is None:
            lines.append(f"\n{hashes}{label}: only in the second report")
        elif target.target_after is None:
            lines.append(f"\n{hashes}{label}: only in the first report")
        else:
            delta = target.score_delta
            change = "" if delta is None else f" ({'+' if delta >= 0 else ''}{delta:g})"
            lines.append(
                f"\n{hashes}{label}: score {_score_text(target.score_before)}"
                f" → {_score_text(target.score_after)}{change}"
            )
        for title, key in SECTIONS:
            items: list[Removal] = getattr(target, key)
            if not items:
                continue
            bold = "**" if markdown else ""
            lines.append(f"{bold}{title} ({len(items)}){bold}")
            for item in items:
                before = item.before or "absent"
                after = item.after or "absent"
                flag = " REGRESSION" if key == "new_failures" and before == Status.PASS else ""
                text = getattr(item, "message", "")
                message = f": {text}" if text else ""
                bullet = "- " if markdown else "  "
                ident = f"`{item.id}`" if markdown else item.id
                lines.append(f"{bullet}{ident} {before} → {after}{flag}{message[:200]}")
        if not any(getattr(target, key) for _, key in SECTIONS):
            lines.append("no case changed status")
    lines.append(
        f"\n{diff.new_failures} new failure(s), {diff.regressions} regression(s), "
        f"{diff.fixes} fix(es)"
    )
    return "\n".join(lines).strip() + "\n"
