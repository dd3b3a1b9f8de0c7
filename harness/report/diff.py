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

from collections.abc import Mapping
from typing import Any

PROBLEMS = ("fail", "error")


def pair_targets(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[tuple[str | None, str | None]]:
    labels_a = [t["label"] for t in a.get("targets") or []]
    labels_b = [t["label"] for t in b.get("targets") or []]
    if len(labels_a) == 1 and len(labels_b) == 1:
        return [(labels_a[0], labels_b[0])]
    pairs: list[tuple[str | None, str | None]] = [
        (label, label if label in labels_b else None) for label in labels_a
    ]
    pairs += [(None, label) for label in labels_b if label not in labels_a]
    return pairs


def _cases(document: Mapping[str, Any], label: str | None) -> dict[tuple[str, str], Any]:
    if label is None:
        return {}
    return {
        (c.get("phase", ""), c["id"]): c
        for c in document.get("cases") or []
        if c.get("target") == label
    }


def _target(document: Mapping[str, Any], label: str | None) -> Mapping[str, Any] | None:
    return next((t for t in document.get("targets") or [] if t["label"] == label), None)


def _entry(case: Mapping[str, Any], before: str | None) -> dict[str, Any]:
    failure = case.get("failure") or {}
    return {
        "id": case["id"],
        "phase": case.get("phase", ""),
        "before": before,
        "after": case["status"],
        "message": failure.get("message") or case.get("reason") or "",
    }


def diff_target(
    a: Mapping[str, Any], b: Mapping[str, Any], label_a: str | None, label_b: str | None
) -> dict[str, Any]:
    before, after = _cases(a, label_a), _cases(b, label_b)
    new_failures, regressions, fixes, changed, added = [], [], [], [], []
    for key, case in after.items():
        old = before.get(key)
        old_status = old["status"] if old else None
        status = case["status"]
        if old is None:
            added.append(_entry(case, None))
        if status in PROBLEMS and old_status not in PROBLEMS:
            if case.get("expected_deviation"):
                continue
            new_failures.append(_entry(case, old_status))
            if old_status == "pass":
                regressions.append(_entry(case, old_status))
        elif old_status in PROBLEMS and status == "pass":
            fixes.append(_entry(case, old_status))
        elif old is not None and old_status != status:
            changed.append(_entry(case, old_status))
    removed = [
        {"id": c["id"], "phase": c.get("phase", ""), "before": c["status"], "after": None}
        for key, c in before.items()
        if key not in after
    ]
    score_a = ((_target(a, label_a) or {}).get("score") or {}).get("value")
    score_b = ((_target(b, label_b) or {}).get("score") or {}).get("value")
    delta = round(score_b - score_a, 2) if score_a is not None and score_b is not None else None
    return {
        "target": label_b if label_b is not None else label_a,
        "target_before": label_a,
        "target_after": label_b,
        "score_before": score_a,
        "score_after": score_b,
        "score_delta": delta,
        "new_failures": new_failures,
        "regressions": regressions,
        "fixes": fixes,
        "changed": changed,
        "added": added,
        "removed": removed,
    }


def diff_reports(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    targets = [diff_target(a, b, la, lb) for la, lb in pair_targets(a, b)]
    return {
        "before": (a.get("run") or {}).get("run_id"),
        "after": (b.get("run") or {}).get("run_id"),
        "targets": targets,
        "regressions": sum(len(t["regressions"]) for t in targets),
        "new_failures": sum(len(t["new_failures"]) for t in targets),
        "fixes": sum(len(t["fixes"]) for t in targets),
    }


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}"


def diff_text(diff: Mapping[str, Any], markdown: bool = False) -> str:
    """A human summary (plain text, or Markdown for a PR comment)."""
    lines: list[str] = []
    head = f"{diff['before']} → {diff['after']}"
    lines.append(f"## trc report diff: {head}" if markdown else f"trc report diff: {head}")
    for target in diff["targets"]:
        label = target["target"]
        if target["target_before"] is None:
            lines.append(f"\n{'### ' if markdown else ''}{label}: only in the second report")
        elif target["target_after"] is None:
            lines.append(f"\n{'### ' if markdown else ''}{label}: only in the first report")
        else:
            delta = target["score_delta"]
            change = "" if delta is None else f" ({'+' if delta >= 0 else ''}{delta:g})"
            lines.append(
                f"\n{'### ' if markdown else ''}{label}: score {_score(target['score_before'])}"
                f" → {_score(target['score_after'])}{change}"
            )
        for title, key in (
            ("new failures", "new_failures"),
            ("fixes", "fixes"),
            ("other status changes", "changed"),
            ("added cases", "added"),
            ("removed cases", "removed"),
        ):
            items = target[key]
            if not items:
                continue
            lines.append(
                f"{'**' if markdown else ''}{title} ({len(items)}){'**' if markdown else ''}"
            )
            for item in items:
                before = item["before"] or "absent"
                after = item["after"] or "absent"
                flag = " REGRESSION" if key == "new_failures" and before == "pass" else ""
                message = f": {item['message']}" if item.get("message") else ""
                bullet = "- " if markdown else "  "
                ident = f"`{item['id']}`" if markdown else item["id"]
                lines.append(f"{bullet}{ident} {before} → {after}{flag}{message[:200]}")
        if not any(target[k] for k in ("new_failures", "fixes", "changed", "added", "removed")):
            lines.append("no case changed status")
    lines.append(
        f"\n{diff['new_failures']} new failure(s), {diff['regressions']} regression(s), "
        f"{diff['fixes']} fix(es)"
    )
    return "\n".join(lines).strip() + "\n"
