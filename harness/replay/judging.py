"""Judging one replayed exchange for the candidate: unsupported features, meanings, causes.

``JudgingMixin`` is the part of ``Replayer`` that turns an exchange's field rows into the
record's verdict:

* a difference on an exchange whose request uses a feature the candidate's profile declares
  unsupported, or on a field that shows one (``task_queue_sid``: routing), is kept as a row
  (its detail says so) but not counted; a record whose only differences are such is
  ``unsupported``; a wrong status on such an exchange ends the scenario as ``unsupported``;
* a request that names a recorded profile SID the candidate's profile does not map ends the
  scenario as ``not-configured`` (naming the profile key), or ``unsupported`` when the key
  serves an unsupported feature (a queue role: routing);
* a difference that shows an unmapped profile SID says what it is (``<queue:single.sales> =
  the recording's Sales Queue (workspaces.single.queues.sales), which your profile does not
  map: routing``);
* the record's ``cause`` is the signature of its most severe difference (``judge.cause_of``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.cassette.format import Interaction
from harness.replay.bindings import Bindings
from harness.replay.compare import FieldRow
from harness.replay.judge import (
    cause_of,
    exchange_features,
    field_feature,
    profile_feature,
    unsupported_in,
    worst,
)
from harness.replay.pieces import FieldRows, difference_message, poll_span
from harness.replay.records import ReplayRecord
from harness.results.model import Exchange, Failure, FieldVerdict, Status

if TYPE_CHECKING:
    from harness.targets.ready import ReadyTarget


@dataclass
class Judged:
    """What one recorded scenario's exchanges have given so far."""

    fields: FieldRows = field(default_factory=FieldRows)
    kept: list[Exchange] = field(default_factory=list)
    failing: Exchange | None = None
    #: unsupported features that excused a difference
    excused: set[str] = field(default_factory=set)


def _joined(detail: str, more: str) -> str:
    return f"{detail}; {more}" if detail else more


def _row_features(row: FieldRow, bindings: Bindings) -> list[str]:
    """The features a differing row shows: its field's, or an unmapped profile SID's."""
    found = []
    feature = field_feature(row.field)
    if feature is not None:
        found.append(str(feature))
    for value in (row.recorded, row.candidate):
        sid = bindings.unmapped_label(value) if isinstance(value, str) else None
        path = bindings.unmapped_profile.get(sid or str(value)) if value is not None else None
        if path and (unmapped := profile_feature(path)) is not None:
            found.append(str(unmapped))
    return found


class JudgingMixin:
    bindings: Bindings
    target: ReadyTarget

    def _row(self, interaction: Interaction, row: FieldRow) -> FieldVerdict:
        raise NotImplementedError

    def _excuses(self, interaction: Interaction, row: FieldRow) -> list[str]:
        """The unsupported features that excuse a differing ``row`` of ``interaction``."""
        unsupported = self.target.profile.unsupported
        return unsupported_in(exchange_features(interaction), unsupported) or unsupported_in(
            _row_features(row, self.bindings), unsupported
        )

    def _not_mappable(self, interaction: Interaction, record: ReplayRecord) -> bool:
        """A request naming recorded profile SIDs the candidate's profile does not map: the
        rest of the scenario cannot run (``not-configured``, naming the keys to add, or
        ``unsupported`` when they serve a feature the profile declares unsupported)."""
        missing = self.bindings.unmapped_in(interaction.uri + (interaction.request_body or ""))
        if not missing:
            return False
        features = sorted({str(f) for m in missing if (f := profile_feature(m)) is not None})
        lacking = [f for f in features if f in self.target.profile.unsupported]
        if lacking:
            record.status = Status.UNSUPPORTED
            record.reason = (
                f"exchange #{interaction.index} needs {', '.join(missing)}, for "
                f"{', '.join(lacking)}, which the target profile declares unsupported"
            )
        else:
            record.status = Status.NOT_CONFIGURED
            record.reason = (
                f"exchange #{interaction.index}: the target profile has no counterpart for "
                f"{', '.join(missing)} (add it to the profile to replay this scenario)"
            )
        return True

    def _judge(
        self,
        record: ReplayRecord,
        judged: Judged,
        last: Interaction,
        poll: list[Interaction],
        sent: Any,
        exchange: Exchange,
        rows: list[FieldRow],
    ) -> bool:
        """Fold one exchange's rows into the record; False: the scenario cannot go on."""
        unsupported = self.target.profile.unsupported
        needs = unsupported_in(exchange_features(last), unsupported)
        real: list[FieldRow] = []
        for row in rows:
            if not row.matches:
                row = self._explain(row)
                lacking = self._excuses(last, row)
                if lacking:
                    judged.excused.update(lacking)
                    row = dataclasses.replace(
                        row,
                        detail=_joined(
                            row.detail,
                            f"needs {', '.join(lacking)}, which the target profile declares "
                            "unsupported: not counted",
                        ),
                    )
                else:
                    real.append(row)
            judged.fields.add(self._row(last, row))
        if needs and any(row.field == "status" and not row.matches for row in rows):
            # The rest of the scenario builds on an answer the candidate could not give.
            if record.status is Status.PASS:
                record.status = Status.UNSUPPORTED
                record.reason = (
                    f"exchange #{last.index} {last.operation} uses {', '.join(needs)}, which "
                    "the target profile declares unsupported; the rest was not replayed"
                )
            return False
        if real and len(poll) > 1:
            record.warnings.append(
                f"exchange #{last.index}: polled {sent.attempts} time(s) until the deadline "
                f"(recorded {len(poll)} polls over {poll_span(poll):.1f}s)"
            )
        if real:
            judged.kept.append(exchange)
            if record.failure is None:
                first = worst(real)
                record.status = Status.FAIL
                record.cause = cause_of(last.operation, first)
                record.failure = Failure(
                    exchange.step,
                    f"{last.operation} {first.field}",
                    first.recorded,
                    first.candidate,
                    difference_message(last, first, len(real)),
                )
                judged.failing = exchange
        return True

    def _explain(self, row: FieldRow) -> FieldRow:
        """A difference that shows an unmapped profile SID says what that SID is."""
        meanings = []
        for value in (row.recorded, row.candidate):
            sid = self.bindings.unmapped_label(value) if isinstance(value, str) else None
            if sid is None and isinstance(value, str) and value in self.bindings.unmapped_profile:
                sid = value
            meaning = self.bindings.meaning(sid) if sid else None
            if meaning:
                path = self.bindings.unmapped_profile[sid]  # type: ignore[index]
                feature = profile_feature(path)
                label = self.bindings.sids.label(sid)  # type: ignore[arg-type]
                meanings.append(f"{label} = {meaning}" + (f": {feature}" if feature else ""))
        if not meanings:
            return row
        return dataclasses.replace(row, detail=_joined(row.detail, "; ".join(meanings)))
