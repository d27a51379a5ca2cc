"""The cash an OCF warrant exercise paid: OCF records none, the engine's exercise states it (§1(a)).

The payment is the units exercised × the Stock Purchase Price in effect on the exercise day, which the
engine's own rules compute from the events before it (splits, §4.4 adjustments): so each exercise is priced
by deciding and folding the mapped events that precede it, as the import itself will.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

from captable import errors
from captable.events import WarrantExercised
from captable.exercises import cash_outcome
from captable.intake import Incoming
from captable.ocf.mapping import Mapping, Problem
from projections.fold import fold_into, initial_state
from projections.timeline import Timeline, entries, in_effective_order, known_at

_RECORDED = datetime(2000, 1, 1, tzinfo=timezone.utc)  # any one instant: the batch is one recording
_END = datetime(9999, 1, 1, tzinfo=timezone.utc)


def price_exercises(out: Mapping) -> None:
    """Fill in each exercise's payment; an exercise the engine would refuse is reported refused."""
    zone = ZoneInfo(out.timezone)
    for index, incoming in enumerate(out.events):
        fact = incoming.fact
        if not isinstance(fact, WarrantExercised):
            continue
        try:
            payment = _payment_due(out.events[:index], fact, zone)
        except errors.Refused as refusal:
            # The line is the refused event's place among those before the exercise: its own object.
            at = refusal.line - 1 if refusal.line and refusal.line <= index else index
            origin = out.origins[at]
            out.refused.append(Problem(origin.file, origin.object_type, origin.id,
                                       f"{refusal.code}: {refusal.message}"))
            return
        out.events[index] = replace(incoming, fact=fact.model_copy(update={"payment": payment}))


def _payment_due(before: list[Incoming], fact: WarrantExercised, zone: ZoneInfo) -> Fraction:
    from captable.batch import decide_batch  # the write rules: loaded only when an exercise needs pricing

    new = [e for seq, item in enumerate(before, start=1) for e in entries(item.fact, _RECORDED, seq, zone)]
    decided = decide_batch([], new, {seq: seq for seq in range(1, len(before) + 1)})
    facts = [decided.get(e.seq, e.fact) for e in new]
    folded = [replace(e, fact=f) for e, f in zip(new, facts)]
    timeline = Timeline(known_at(in_effective_order(folded), _END), fold_into, initial_state)
    at = entries(fact, _RECORDED, len(before) + 1, zone)[0].effective
    outcome = cash_outcome(timeline.state_at(at), at, fact.warrant, fact.shares, None)
    return outcome.payment_due

