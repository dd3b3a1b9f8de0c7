"""The end of a run on one target: the final cleanup, and the counts the report shows.

After the phases (completed or interrupted), ``finish_target`` asks the target what the run
left (``harness.targets.settle``): ``left`` in the report comes from that final listing. A
second Ctrl-C skips it; the report then says the count could not be verified and names the
``trc sweep`` command.
"""

from __future__ import annotations

import shlex

from harness import interrupts
from harness.phases import Cleanup
from harness.results.model import RunMeta
from harness.targets.choice import TargetChoice
from harness.targets.probe import client_for
from harness.targets.ready import ReadyTarget
from harness.targets.settle import settle

#: SIDs named in a warning at most.
NAMED_SIDS = 10


def finish_target(
    ready: ReadyTarget,
    meta: RunMeta,
    cleanup: Cleanup,
    untagged: list[tuple[str, str]],
    choice: TargetChoice,
    run_tags: list[str] | None = None,
) -> None:
    """Settle the run on ``ready`` and write ``meta.cleanup`` (and warnings)."""
    counts = cleanup.as_dict()
    if interrupts.abandoned():
        meta.warnings.append(
            f"{choice.label}: the cleanup was skipped at the second interrupt; "
            f"{sweep_command(choice, meta.run_id) or 'nothing to sweep'}"
        )
        meta.cleanup = counts
        return
    try:
        with client_for(ready) as client:
            settled = settle(
                client, ready.profile.workspace_sids(), [meta.run_tag, *(run_tags or [])], untagged
            )
    except interrupts.CleanupAbandoned:
        meta.warnings.append(
            f"{choice.label}: the final cleanup was skipped at the second interrupt; "
            f"{sweep_command(choice, meta.run_id) or 'nothing to sweep'}"
        )
        meta.cleanup = counts
        return
    meta.warnings += [f"{choice.label}: cleanup: {w}" for w in settled.warnings]
    counts["deleted"] += settled.deleted
    if settled.verified:
        counts["left"] = settled.left
        if settled.left:
            shown = ", ".join(settled.left_sids[:NAMED_SIDS])
            more = len(settled.left_sids) - NAMED_SIDS
            meta.warnings.append(
                f"{choice.label}: {settled.left} task(s) of this run are still on the target "
                f"after the cleanup ({shown}{f' and {more} more' if more > 0 else ''})"
            )
    meta.cleanup = counts


def sweep_command(choice: TargetChoice, run_id: str) -> str | None:
    """The command that deletes what run ``run_id`` left on ``choice`` (None: nothing can be
    left there: the embedded reference and a cassette end with the run)."""
    if choice.kind != "url" or not choice.url:
        return None
    words = ["trc", "sweep", "--target", choice.url]
    if choice.profile:
        words += ["--profile", choice.profile]
    words += ["--run", run_id]
    return shlex.join(words)
