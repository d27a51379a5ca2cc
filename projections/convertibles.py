"""Fold handlers for convertibles (``captable.events.convertibles``): outstanding with their terms until they
end; no answer about the warrant reads them (their conversion is not modelled)."""

from __future__ import annotations

from captable.events import ConvertibleEnded, ConvertibleIssued
from projections.state import CompanyState, Convertible
from projections.timeline import Entry


def convertible_issued(state: CompanyState, entry: Entry) -> None:
    fact: ConvertibleIssued = entry.fact  # type: ignore[assignment]
    state.convertibles[fact.convertible] = Convertible(
        fact.id or "", fact.convertible, fact.holder, fact.kind, fact.investment, fact.valuation_cap, fact.discount,
        fact.interest_rate, fact.maturity, fact.terms, entry.effective)


def convertible_ended(state: CompanyState, entry: Entry) -> None:
    fact: ConvertibleEnded = entry.fact  # type: ignore[assignment]
    del state.convertibles[fact.convertible]
