"""§3 reservation covenant, checked after every event that can move it.

What each outstanding warrant requires of each of the company's classes:
its whole units times the shares a unit delivers, its accrued shares, and
the common that the preferred among them converts into.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from fractions import Fraction

from captable import events as ev
from captable.numbers import whole
from captable.rules.reservation import shortfalls
from projections.state import Breach, CompanyState
from projections.timeline import Entry

ZERO = Fraction(0)

# Events that change what the warrants require (a §4.4 issuance clears the cache where it adjusts).
CHANGES_REQUIREMENT = frozenset({
    ev.StockSplit, ev.StockDividend, ev.Distribution, ev.Reclassification, ev.PreferredConverted,
    ev.ConversionRatioAdjusted, ev.MergerCompleted, ev.WarrantIssued, ev.WarrantExercised, ev.WarrantNetExercised,
    ev.BoardAdjustment,
})
# Events after which the covenant is checked: those, and those that move authorized or outstanding.
TRIGGERS = CHANGES_REQUIREMENT | {ev.AuthorizedSharesChanged, ev.SharesIssued, ev.SharesCancelled,
                                  ev.SharesConverted, ev.OptionsIssued, ev.OptionsExercised}


def required_by_class(state: CompanyState, instant: datetime) -> dict[str, int]:
    required: dict[str, Fraction] = {}
    for warrant in state.outstanding_warrants(instant):
        units = whole(warrant.units)
        amounts = [(a.security, a.quantity * units) for a in warrant.basket]
        amounts += [(a.security, a.quantity) for a in warrant.entitlements]
        for security, quantity in amounts:
            if security is None or security.issuer != state.name or security.class_ not in state.classes:
                continue
            share_class = state.classes[security.class_]
            required[share_class.id] = required.get(share_class.id, ZERO) + quantity
            if share_class.kind == "preferred" and share_class.converts_to and not share_class.converted:
                common = quantity * share_class.conversion_ratio  # type: ignore[operator]
                required[share_class.converts_to] = required.get(share_class.converts_to, ZERO) + common
    return {class_id: whole(q) for class_id, q in required.items()}


def _requirement(state: CompanyState, instant: datetime) -> dict[str, int]:
    """The cached requirement, recomputed when cleared or when a warrant has expired since."""
    if state.requirement is None or (state.requirement_until is not None and instant > state.requirement_until):
        state.requirement = required_by_class(state, instant)
        open_expiries = [w.expires for w in state.outstanding_warrants(instant)]
        state.requirement_until = min(open_expiries, default=None)
    return state.requirement


def check(state: CompanyState, entry: Entry) -> None:
    """Open a breach on the event that caused it; close it on the event that cures it."""
    if type(entry.fact) in CHANGES_REQUIREMENT:
        state.requirement = None
    required = _requirement(state, entry.effective)
    if not required and not state.breaches:
        return
    classes = [state.classes[c] for c in {*required, *state.breaches} if c in state.classes]
    short = shortfalls(required, {c.id: c.authorized for c in classes}, {c.id: c.outstanding for c in classes})
    event = entry.fact.id or ""
    for class_id, headroom in short.items():
        if class_id not in state.breaches:
            breach = Breach(class_id, event, entry.effective, required[class_id], headroom)
            state.breaches[class_id] = breach
            state.breach_log.append(breach)
    for class_id in [c for c in state.breaches if c not in short]:
        opened = state.breaches.pop(class_id)
        index = state.breach_log.index(opened)
        state.breach_log[index] = replace(opened, cured_by=event, cured_at=entry.effective)
