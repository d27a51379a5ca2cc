"""Fold handlers for what the Per Share Price (§1(c)) and the closing of books (§6) read:
listings, closing quotes, public offerings, Board valuations and closed transfer books.
"""

from __future__ import annotations

from captable import events as ev
from captable.instants import end_of, start_of
from projections.state import ClosedBooks, ClosingQuote, CompanyState, Offering, Valuation
from projections.timeline import Entry


def listed(state: CompanyState, entry: Entry) -> None:
    fact: ev.Listed = entry.fact  # type: ignore[assignment]
    state.listings[fact.class_] = fact.exchange


def delisted(state: CompanyState, entry: Entry) -> None:
    fact: ev.Delisted = entry.fact  # type: ignore[assignment]
    if state.listings.get(fact.class_) == fact.exchange:
        del state.listings[fact.class_]


def market_quotes(state: CompanyState, entry: Entry) -> None:
    """A later report of the same day's quotes replaces the earlier one."""
    fact: ev.MarketQuotes = entry.fact  # type: ignore[assignment]
    days = dict(state.quotes.get(fact.class_, {}))
    for quote in fact.quotes:
        days[quote.date] = ClosingQuote(quote.bid, quote.ask, fact.id or "")
    state.quotes[fact.class_] = days


def offering_priced(state: CompanyState, entry: Entry) -> None:
    fact: ev.PublicOfferingPriced = entry.fact  # type: ignore[assignment]
    state.offerings[fact.id or ""] = Offering(fact.id or "", fact.class_, fact.price_to_public, fact.closing)


def board_valuation(state: CompanyState, entry: Entry) -> None:
    fact: ev.BoardValuation = entry.fact  # type: ignore[assignment]
    state.valuations[fact.class_] = Valuation(fact.id or "", fact.class_, fact.price_per_share, entry.effective)


def books_closed(state: CompanyState, entry: Entry) -> None:
    """§6: from the start of the first day to the end of the last, in the company's zone."""
    fact: ev.TransferBooksClosed = entry.fact  # type: ignore[assignment]
    tz = state.zone
    state.closed_books.append(ClosedBooks(fact.id or "", start_of(fact.from_, tz), end_of(fact.to, tz)))
