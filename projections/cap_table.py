"""Fold handlers for the company and its capital structure.

The cap table by class and holder (authorized, outstanding), and what the
capital events do to the warrants: §4.1 splits of the warrant's security,
the conversion-ratio effects of splits (DESIGN §6 item 3), and the §1(a)
automatic conversion of the preferred. A split or conversion reaches every
amount of the security a warrant holds: its units, the shares in a mixed
basket, and accrued shares.
"""

from __future__ import annotations

from fractions import Fraction

from captable.events import (
    AuthorizedSharesChanged,
    CompanyFormed,
    ConversionRatioAdjusted,
    PreferredConverted,
    ShareClassCreated,
    SharesCancelled,
    SharesConverted,
    SharesTransferred,
    StockSplit,
)
from captable.numbers import format_exact as x
from captable.rules import conventions
from captable.rules.adjustment import Adjustment
from captable.rules.amounts import Security, convert, is_single_security, scale, securities_in, shares_of
from captable.rules.automatic_conversion import convert_warrant, converted_holding
from captable.rules.reorganization import describe
from captable.rules.splits import (
    conversion_ratio_after_common_split,
    conversion_ratio_after_preferred_split,
    subdivide_or_combine,
)
from projections.option_grants import split_grants
from projections.state import CompanyState, RatioChange, ShareClass
from projections.timeline import Entry


def company_formed(state: CompanyState, entry: Entry) -> None:
    fact: CompanyFormed = entry.fact  # type: ignore[assignment]
    state.company = fact.company
    state.name = fact.name
    state.timezone = fact.timezone
    state.fiscal_year_end = fact.fiscal_year_end
    state.address = fact.address
    state.officers = dict(fact.officers)


def share_class_created(state: CompanyState, entry: Entry) -> None:
    fact: ShareClassCreated = entry.fact  # type: ignore[assignment]
    state.classes[fact.class_] = ShareClass(
        id=fact.class_,
        name=fact.name,
        kind=fact.kind,
        authorized=int(fact.authorized),
        converts_to=fact.converts_to,
        conversion_ratio=fact.conversion_ratio,
    )


def authorized_shares_changed(state: CompanyState, entry: Entry) -> None:
    fact: AuthorizedSharesChanged = entry.fact  # type: ignore[assignment]
    state.classes[fact.class_].authorized = int(fact.authorized)


def shares_cancelled(state: CompanyState, entry: Entry) -> None:
    fact: SharesCancelled = entry.fact  # type: ignore[assignment]
    state.classes[fact.class_].remove(fact.holder, fact.shares)


def shares_transferred(state: CompanyState, entry: Entry) -> None:
    fact: SharesTransferred = entry.fact  # type: ignore[assignment]
    share_class = state.classes[fact.class_]
    share_class.remove(fact.from_, fact.shares)
    share_class.add(fact.to, fact.shares)


def shares_converted(state: CompanyState, entry: Entry) -> None:
    """A holder's voluntary conversion at the ratio in effect (whole shares: holder_fractions_dropped)."""
    fact: SharesConverted = entry.fact  # type: ignore[assignment]
    preferred = state.classes[fact.class_]
    preferred.remove(fact.holder, fact.shares)
    whole, _ = converted_holding(fact.shares, preferred.conversion_ratio)  # type: ignore[arg-type]
    state.classes[preferred.converts_to].add(fact.holder, whole)  # type: ignore[index]


def split_security(state: CompanyState, fact: StockSplit) -> Security:
    """The security a split names: the company's class, or the successor's once the class was exchanged (§4.3)."""
    share_class = state.classes.get(fact.class_)
    if share_class is not None and share_class.exchanged_by is None:
        return state.own(fact.class_)
    return state.successors[fact.class_]


def stock_split(state: CompanyState, entry: Entry) -> None:
    """§4.1 for warrants on the split security; the charter's ratio effects otherwise (DESIGN §6 item 3)."""
    fact: StockSplit = entry.fact  # type: ignore[assignment]
    k = fact.ratio
    security = split_security(state, fact)
    share_class = state.classes.get(fact.class_) if security == state.own(fact.class_) else None
    if share_class is not None:
        _split_holdings(share_class, k)
        split_grants(state, share_class.id, k)
        _split_conversion_ratios(state, share_class, k, entry)

    event = fact.id or ""
    for warrant in state.warrants.values():
        if security not in securities_in((*warrant.basket, *warrant.entitlements)):
            continue
        warrant.entitlements = scale(warrant.entitlements, security, k)
        if warrant.units <= 0:
            continue
        if warrant.security == security and is_single_security(warrant.basket):
            warrant.adjust(subdivide_or_combine(warrant.price, warrant.units, k).for_event(event))
        elif security in securities_in(warrant.basket):
            warrant.basket = scale(warrant.basket, security, k)
            warrant.adjustments.append(_basket_change("§4.1", warrant.price, warrant.units, warrant.basket, event))


def _split_holdings(share_class: ShareClass, k: Fraction) -> None:
    up, down = k.numerator, k.denominator
    holdings = {}
    for holder, shares in share_class.holdings.items():
        whole = shares * up // down  # holder_fractions_dropped
        if whole:
            holdings[holder] = whole
    share_class.holdings = holdings
    share_class.outstanding = sum(holdings.values())


def _split_conversion_ratios(state: CompanyState, share_class: ShareClass, k: Fraction, entry: Entry) -> None:
    reason = f"split of {share_class.id} by {x(k)}"
    if share_class.kind == "common":
        for preferred in state.classes.values():
            if preferred.converts_to == share_class.id and not preferred.converted:
                ratio = conversion_ratio_after_common_split(preferred.conversion_ratio, k)  # type: ignore[arg-type]
                _change_ratio(preferred, ratio, entry, conventions.COMMON_SPLIT_SCALES_CONVERSION_RATIO.name, reason)
    elif not share_class.converted:
        ratio = conversion_ratio_after_preferred_split(share_class.conversion_ratio, k)  # type: ignore[arg-type]
        _change_ratio(share_class, ratio, entry, conventions.PREFERRED_SPLIT_DIVIDES_CONVERSION_RATIO.name, reason)


def _basket_change(section: str, price: Fraction, units: Fraction, basket, event: str) -> Adjustment:  # type: ignore[no-untyped-def]
    return Adjustment(section=section, price_before=price, price_after=price, shares_before=units,
                      shares_after=units, formula=f"N and P unchanged; each unit now delivers {describe(basket)}",
                      event=event)


def preferred_converted(state: CompanyState, entry: Entry) -> None:
    """§1(a): every share of the class converts; warrants on it become warrants on the common."""
    fact: PreferredConverted = entry.fact  # type: ignore[assignment]
    preferred = state.classes[fact.class_]
    common = state.classes[preferred.converts_to]  # type: ignore[index]
    ratio: Fraction = preferred.conversion_ratio  # type: ignore[assignment]
    for holder, shares in preferred.holdings.items():
        whole, _ = converted_holding(shares, ratio)
        common.add(holder, whole)
    preferred.holdings = {}
    preferred.outstanding = 0
    preferred.converted = True

    old, new = state.own(preferred.id), state.own(common.id)
    event = fact.id or ""
    for warrant in state.warrants.values():
        warrant.entitlements = convert(warrant.entitlements, old, new, ratio)
        if old not in securities_in(warrant.basket):
            continue
        form = warrant.terms_of
        # A form whose warrant does not convert with the preferred keeps its units and price: each unit then
        # delivers the common its preferred share became.
        if warrant.security == old and is_single_security(warrant.basket) and form.terms.converts_with_preferred:
            warrant.adjust(convert_warrant(warrant.price, warrant.units, ratio).for_event(event))
            warrant.security = new
            warrant.basket = (shares_of(new),)
        else:
            warrant.basket = convert(warrant.basket, old, new, ratio)
            warrant.adjustments.append(_basket_change(form.section_for("converts_with_preferred", "§1(a)"),
                                                      warrant.price, warrant.units, warrant.basket, event))


def conversion_ratio_adjusted(state: CompanyState, entry: Entry) -> None:
    fact: ConversionRatioAdjusted = entry.fact  # type: ignore[assignment]
    _change_ratio(state.classes[fact.class_], fact.conversion_ratio, entry, None, fact.reason)


def _change_ratio(share_class: ShareClass, ratio: Fraction, entry: Entry, convention: str | None, reason: str) -> None:
    share_class.ratio_changes.append(
        RatioChange(
            event=entry.fact.id or "",
            section="§4.1" if convention else "charter",
            convention=convention,
            ratio_before=share_class.conversion_ratio,  # type: ignore[arg-type]
            ratio_after=ratio,
            reason=reason,
        )
    )
    share_class.conversion_ratio = ratio
