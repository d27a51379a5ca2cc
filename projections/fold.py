"""The fold: one visible table from each event type to what it does to the state.

``fold_into`` applies entries in the order given (effective order, filtered
by known-at: see ``timeline``) and does no I/O. It is incremental: the state
after event k, folded with event k+1, is the state after k+1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from captable import events as ev
from projections import cap_table, convertibles, corporate_actions, covenant, market, option_grants, warrant_terms
from projections.state import CompanyState
from projections.timeline import Entry

Handler = Callable[[CompanyState, Entry], None]


def _no_change(state: CompanyState, entry: Entry) -> None:
    """Facts that change neither the terms nor the cap table (their rules read them elsewhere)."""


HANDLERS: dict[type[ev.Event], Handler] = {
    ev.CompanyFormed: cap_table.company_formed,
    ev.ShareClassCreated: cap_table.share_class_created,
    ev.AuthorizedSharesChanged: cap_table.authorized_shares_changed,
    ev.SharesIssued: corporate_actions.shares_issued,  # §4.4
    ev.OptionsIssued: corporate_actions.options_issued,  # §4.4
    ev.OptionsExercised: option_grants.options_exercised,
    ev.OptionsCancelled: option_grants.options_cancelled,
    ev.OptionsTransferred: option_grants.options_transferred,
    ev.ConvertibleIssued: convertibles.convertible_issued,  # shown, not read by §4.4
    ev.ConvertibleEnded: convertibles.convertible_ended,
    ev.SharesCancelled: cap_table.shares_cancelled,
    ev.SharesTransferred: cap_table.shares_transferred,
    ev.SharesConverted: cap_table.shares_converted,
    ev.StockSplit: cap_table.stock_split,  # §4.1
    ev.PreferredConverted: cap_table.preferred_converted,  # §1(a)
    ev.ConversionRatioAdjusted: cap_table.conversion_ratio_adjusted,
    ev.WarrantIssued: warrant_terms.warrant_issued,
    ev.WarrantExercised: warrant_terms.warrant_exercised,  # §1(a), §16
    ev.WarrantNetExercised: warrant_terms.warrant_exercised,  # §1(b), §1(c), §16
    ev.WarrantTransferred: warrant_terms.warrant_transferred,  # §2
    ev.WarrantReplaced: warrant_terms.warrant_replaced,  # §15
    ev.WarrantCancelled: warrant_terms.warrant_cancelled,  # §3
    ev.HolderAddressChanged: warrant_terms.holder_address_changed,
    ev.BoardAdjustment: warrant_terms.board_adjusted,  # §4.7
    ev.MergerAgreed: corporate_actions.merger_agreed,
    ev.MergerCompleted: corporate_actions.merger_completed,  # §4.3
    # Declared on the effective instant; they take effect on the record date (RECORD_DATE below).
    ev.StockDividend: _no_change,
    ev.Distribution: _no_change,
    ev.Reclassification: _no_change,
    # Notices, reports and announcements: read by the rules that need them.
    ev.CashDividend: _no_change,
    ev.SubscriptionOffered: _no_change,
    ev.SuccessorAssumed: _no_change,
    ev.DissolutionApproved: _no_change,
    ev.OtherActionProposed: _no_change,
    ev.PublicOfferingPriced: market.offering_priced,  # §1(c)(ii)
    ev.Listed: market.listed,  # §1(c)(i)
    ev.Delisted: market.delisted,
    ev.MarketQuotes: market.market_quotes,  # §1(c)(i)
    ev.BoardValuation: market.board_valuation,  # §1(c)(iii)
    ev.TransferBooksClosed: market.books_closed,  # §6
    ev.NoticeSent: _no_change,
    ev.ReportDelivered: _no_change,
    ev.ShareholderMaterialsSent: _no_change,
    ev.WaiverSigned: _no_change,
    ev.RecordKept: _no_change,  # kept, not modelled: no answer reads it
}

# The record-date step of §4.2 facts (see ``timeline.entries``).
RECORD_DATE: dict[type[ev.Event], Handler] = {
    ev.StockDividend: corporate_actions.stock_dividend_recorded,  # §4.2(a)
    ev.Distribution: corporate_actions.distribution_recorded,  # §4.2(a)–(c)
    ev.Reclassification: corporate_actions.reclassification_recorded,  # §4.2(c), §4.3
}


def initial_state(entries: Iterable[Entry]) -> CompanyState:
    """An empty state that knows which issuances §4.4(a) and §4.4(b) exclude.

    The exclusions are properties of a sale, named by events that may be
    recorded after it: a ``ConversionRatioAdjusted`` naming the issuance
    (§4.4(b)), or a §4.7 ``BoardAdjustment`` of the warrant at the same
    effective instant (§4.4(a): P adjusted under another section).
    """
    state = CompanyState()
    items = list(entries)
    boards = {e.effective: (e.fact.id, e.fact.warrant) for e in items if isinstance(e.fact, ev.BoardAdjustment)}
    for e in items:
        fact = e.fact
        if isinstance(fact, ev.ConversionRatioAdjusted) and fact.issuance:
            state.exclusions[fact.issuance] = ("§4.4(b)", fact.id or "", "")
        elif isinstance(fact, (ev.SharesIssued, ev.OptionsIssued)) and e.effective in boards:
            board, warrant = boards[e.effective]
            state.exclusions.setdefault(fact.id or "", ("§4.4(a)", board, warrant))
    return state


def apply(state: CompanyState, entry: Entry) -> None:
    kind = type(entry.fact)
    if entry.phase:
        RECORD_DATE[kind](state, entry)
    else:
        HANDLERS[kind](state, entry)
        state.events_applied += 1
        state.last_event = entry.fact.id
    if kind in covenant.TRIGGERS:
        covenant.check(state, entry)  # §3


def fold_into(state: CompanyState, entries: Iterable[Entry]) -> CompanyState:
    for item in entries:
        apply(state, item)
    return state


def fold(entries: Iterable[Entry]) -> CompanyState:
    items = list(entries)
    return fold_into(initial_state(items), items)
