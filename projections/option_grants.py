"""Fold handlers for what happens to a grant of options after §4.4 read it (``captable.events.options``).

A grant keeps its class, kind and §4.4 category whoever holds it; the shares an exercise issues join the
class's holdings, and what is exercised or cancelled leaves the grant (and so what §4.4 deems outstanding).
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from captable.events import OptionsCancelled, OptionsExercised, OptionsTransferred
from projections.state import CompanyState, OptionGrant
from projections.timeline import Entry


def _draw(state: CompanyState, grant: str, shares: Fraction) -> OptionGrant:
    """Take ``shares`` from the grant (decided: it holds them); a grant drawn to nothing leaves the list."""
    found = next(g for g in state.options if g.event == grant)
    left = found.shares - shares
    state.options = [g if g is not found else replace(g, shares=left) for g in state.options if g is not found
                     or left > 0]
    return found


def options_exercised(state: CompanyState, entry: Entry) -> None:
    fact: OptionsExercised = entry.fact  # type: ignore[assignment]
    grant = _draw(state, fact.grant, fact.shares)
    state.classes[grant.class_].add(grant.holder, fact.shares)


def options_cancelled(state: CompanyState, entry: Entry) -> None:
    fact: OptionsCancelled = entry.fact  # type: ignore[assignment]
    _draw(state, fact.grant, fact.shares)


def options_transferred(state: CompanyState, entry: Entry) -> None:
    fact: OptionsTransferred = entry.fact  # type: ignore[assignment]
    grant = _draw(state, fact.grant, fact.shares)
    state.options.append(replace(grant, event=fact.id or "", holder=fact.to, shares=fact.shares))


def split_grants(state: CompanyState, class_id: str, ratio: Fraction) -> None:
    """A split of the class the grants acquire scales them as it scales the holdings (a plan's own adjustment
    clause; §4.4 then deems the split number outstanding)."""
    state.options = [replace(g, shares=g.shares * ratio) if g.class_ == class_id else g for g in state.options]
