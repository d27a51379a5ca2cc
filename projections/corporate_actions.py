"""Fold handlers for issuances (§4.4), dividends and distributions (§4.2),
reclassifications and mergers (§4.3).
"""

from __future__ import annotations

from collections.abc import Collection
from fractions import Fraction

from captable.events import (
    Distribution,
    MergerAgreed,
    MergerCompleted,
    OptionsIssued,
    Reclassification,
    SharesIssued,
    StockDividend,
)
from captable.numbers import format_exact, whole
from captable.rules import dividends
from captable.rules.amounts import Amount, Security, exchange, securities_in
from captable.forms import Form
from captable.rules.adjustment import Adjustment
from captable.rules.dilutive_issuance import full_ratchet, protects, weighted_average
from captable.rules.reorganization import reorganize
from projections.state import Agreement, CompanyState, OptionGrant, Note, Warrant
from projections.timeline import Entry

ZERO = Fraction(0)


# §4.4 ------------------------------------------------------------------------


def common_equivalent(state: CompanyState, class_id: str, shares: Fraction) -> Fraction:
    share_class = state.classes[class_id]
    return shares * share_class.conversion_ratio if share_class.kind == "preferred" else shares  # type: ignore[operator]


def common_outstanding(state: CompanyState) -> Fraction:
    """A of a narrow-based average: the common outstanding alone."""
    return sum((Fraction(c.outstanding) for c in state.classes.values()
                if c.kind == "common" and c.exchanged_by is None), ZERO)


def deemed_outstanding(state: CompanyState, categories: Collection[str]) -> Fraction:
    """A: common outstanding as-converted, with everything the warrant's form deems outstanding (§4.4 of the
    1997 form: preferred as converted, Board-approved plans, dividends and financing warrants)."""
    a = ZERO
    for share_class in state.classes.values():
        if share_class.exchanged_by is not None:
            continue
        if share_class.kind == "common":
            a += share_class.outstanding
        elif not share_class.converted and "preferred_conversion" in categories:
            a += share_class.outstanding * share_class.conversion_ratio  # type: ignore[operator]
    for grant in state.options:
        if grant.category in categories and grant.class_ in state.classes:
            a += common_equivalent(state, grant.class_, grant.shares)
    if "financing_warrant" in categories:
        for warrant in state.warrants.values():
            if warrant.category == "financing_warrant" and warrant.security.issuer == state.name and warrant.units > 0:
                a += common_equivalent(state, warrant.security.class_, warrant.units)
    return a


def dilution_test(state: CompanyState, entry: Entry, class_id: str, shares: Fraction, consideration: Fraction,
                  category: str | None) -> tuple[Fraction, Fraction, list[Warrant]] | None:
    """The first questions, on the state just before the issuance: S, the consideration per common share, and
    the warrants priced above it whose forms let such an issue adjust them; None when the issue's category is
    carved out of every warrant's protection (deemed outstanding already, under the 1997 form's §4.4)."""
    own = [w for w in state.outstanding_warrants(entry.effective) if w.units > 0 and w.security.issuer == state.name]
    if category is not None and all(category in w.terms_of.terms.dilution_carve_outs for w in own):
        return None
    s = common_equivalent(state, class_id, shares)
    per_share = consideration / s
    below = [w for w in own if per_share < w.price and protects(w.terms_of, category)]
    return s, per_share, below


def dilution(state: CompanyState, entry: Entry, class_id: str, shares: Fraction, consideration: Fraction,
             category: str | None) -> None:
    """A cheap issue, for every warrant on the company's stock, against the state just before it, each by its
    own form (§4.4 of the 1997 form)."""
    tested = dilution_test(state, entry, class_id, shares, consideration, category)
    if tested is None or not tested[2]:
        return
    s, _, below = tested
    event = entry.fact.id or ""
    bases: dict[tuple[str, tuple[str, ...]], Fraction] = {}
    excluded = state.exclusions.get(event)
    for warrant in below:
        form = warrant.terms_of
        change = _adjustment(state, warrant, form, consideration, s, bases)
        if change is None:
            continue
        if excluded and excluded[2] in ("", warrant.id):
            section, by, _ = excluded
            state.notes.append(Note(event, "dilution_excluded",
                                    f"no §4.4 adjustment of {warrant.id}: excluded under {section} by {by}"))
            continue
        warrant.adjust(change.for_event(event))
        state.requirement = None


def _adjustment(state: CompanyState, warrant: Warrant, form: Form, c: Fraction, s: Fraction,
                bases: dict[tuple[str, tuple[str, ...]], Fraction]) -> Adjustment | None:
    """The warrant's form's answer to the issue; A is counted once per kind of base."""
    method = form.terms.dilution_method
    if method == "full_ratchet":
        return full_ratchet(warrant.price, warrant.units, c, s, form)
    key = (method, form.terms.deemed_outstanding if method == "broad_based_weighted_average" else ())
    if key not in bases:
        bases[key] = (deemed_outstanding(state, key[1]) if method == "broad_based_weighted_average"
                      else common_outstanding(state))
    return weighted_average(warrant.price, warrant.units, bases[key], c, s, form)


def why_no_dilution(state: CompanyState, entry: Entry) -> str | None:
    """In words, for the audit: why an issuance adjusts no warrant under §4.4 (None when it may)."""
    class_id, shares, consideration, category = issuance_terms(entry.fact)  # type: ignore[arg-type]
    tested = dilution_test(state, entry, class_id, shares, consideration, category)
    if tested is None:
        return f"no §4.4 adjustment: {category} shares are deemed outstanding already"
    s, per_share, below = tested
    if below:
        return None
    return (f"no §4.4 adjustment: consideration per common share C / S = {format_exact(consideration)} / "
            f"{format_exact(s)} = {format_exact(per_share)}, not below any Stock Purchase Price in effect"
            + _unprotected(state, entry, per_share, category))


def unprotected(state: CompanyState, entry: Entry) -> str | None:
    """For the audit of an issue that adjusts some warrant: the warrants priced above it that their forms do
    not protect (a form without price protection, or one that carves the issue's kind out), or None."""
    class_id, shares, consideration, category = issuance_terms(entry.fact)  # type: ignore[arg-type]
    tested = dilution_test(state, entry, class_id, shares, consideration, category)
    if tested is None or not tested[2]:
        return None
    text = _unprotected(state, entry, tested[1], category)
    return text.removeprefix(" that its form protects; ") or None


def _unprotected(state: CompanyState, entry: Entry, per_share: Fraction, category: str | None) -> str:
    """The warrants priced above the issue that their forms do not protect, each with its clause."""
    found = [w for w in state.outstanding_warrants(entry.effective)
             if w.units > 0 and w.security.issuer == state.name and per_share < w.price
             and not protects(w.terms_of, category)]
    if not found:
        return ""
    return " that its form protects; " + "; ".join(_not_protected(w.terms_of, w.id) for w in found)


def _not_protected(form: Form, warrant: str) -> str:
    """Why a warrant priced above an issue is not adjusted, with the words of its form's clause."""
    parameter = "dilution_method" if form.terms.dilution_method == "none" else "dilution_carve_outs"
    clause = form.clauses[parameter]
    words = f": \u201c{clause.quote}\u201d" if clause.quote and parameter not in form.overridden else ""
    value = getattr(form.terms, parameter)
    shown = ", ".join(value) if isinstance(value, tuple) else value
    return f"{warrant} is not adjusted: {parameter} = {shown} under {form.cite(parameter)}{words}"


def issuance_terms(fact: SharesIssued | OptionsIssued) -> tuple[str, Fraction, Fraction, str | None]:
    """Class, shares, C and category of a sale; for options C is the price of the right plus the exercise price."""
    if isinstance(fact, OptionsIssued):
        return fact.class_, fact.shares, fact.shares * (fact.price_per_share + fact.exercise_price), fact.category
    consideration = fact.consideration if fact.consideration is not None else fact.shares * fact.price_per_share
    return fact.class_, fact.shares, consideration, fact.category


def shares_issued(state: CompanyState, entry: Entry) -> None:
    fact: SharesIssued = entry.fact  # type: ignore[assignment]
    dilution(state, entry, *issuance_terms(fact))
    state.classes[fact.class_].add(fact.holder, fact.shares)
    if fact.category in ("option_plan", "financing_warrant"):
        _draw_down_grants(state, fact.class_, fact.category, fact.shares)


def _draw_down_grants(state: CompanyState, class_id: str, category: str, shares: Fraction) -> None:
    """Shares issued under a plan or financing warrant leave the grants they came from (no double count in A)."""
    remaining = shares
    grants = []
    for grant in state.options:
        if remaining and grant.class_ == class_id and grant.category == category:
            used = min(grant.shares, remaining)
            remaining -= used
            if grant.shares > used:
                grants.append(OptionGrant(grant.event, grant.class_, grant.holder, grant.shares - used, grant.kind,
                                          grant.category))
        else:
            grants.append(grant)
    state.options = grants


def options_issued(state: CompanyState, entry: Entry) -> None:
    """§4.4 for options, warrants and convertibles: C is the price of the right plus the exercise price."""
    fact: OptionsIssued = entry.fact  # type: ignore[assignment]
    dilution(state, entry, *issuance_terms(fact))
    state.options.append(OptionGrant(fact.id or "", fact.class_, fact.holder, fact.shares, fact.kind, fact.category))


# §4.2 ------------------------------------------------------------------------


def _pay_holders(state: CompanyState, class_id: str, paid_class: str, per_share: Fraction) -> None:
    """Holders of record receive whole shares (holder_fractions_dropped)."""
    target = state.classes[paid_class]
    for holder, shares in list(state.classes[class_id].holdings.items()):
        paid = whole(shares * per_share)
        if paid:
            target.add(holder, paid)


def stock_dividend_recorded(state: CompanyState, entry: Entry) -> None:
    fact: StockDividend = entry.fact  # type: ignore[assignment]
    security, paid = state.own(fact.class_), state.own(fact.paid_class)
    for warrant in state.outstanding_warrants(entry.effective):
        holding = dividends.record_holding(warrant.units, warrant.basket, warrant.entitlements, security)
        warrant.entitlements += tuple(dividends.stock_dividend(holding, paid, fact.shares_per_share, fact.id or ""))
    _pay_holders(state, fact.class_, fact.paid_class, fact.shares_per_share)


def distribution_recorded(state: CompanyState, entry: Entry) -> None:
    fact: Distribution = entry.fact  # type: ignore[assignment]
    security = state.own(fact.class_)
    securities = [(Security(s.issuer, s.class_), s.quantity) for s in fact.securities_per_share or ()]
    for warrant in state.outstanding_warrants(entry.effective):
        holding = dividends.record_holding(warrant.units, warrant.basket, warrant.entitlements, security)
        warrant.entitlements += tuple(
            dividends.distribution(holding, fact.cash_per_share, securities, fact.property, fact.id or ""))
    for paid, q in securities:
        if paid.issuer == state.name and paid.class_ in state.classes:
            _pay_holders(state, fact.class_, paid.class_, q)


# §4.2(c) and §4.3 ------------------------------------------------------------


def reclassification_recorded(state: CompanyState, entry: Entry) -> None:
    """Extra securities beside the share accrue (§4.2(c)); otherwise the share is exchanged (§4.3)."""
    fact: Reclassification = entry.fact  # type: ignore[assignment]
    security = state.own(fact.class_)
    into = [(state.own(c.class_), c.quantity) for c in fact.into]
    keeps_share = any(s == security and q == 1 for s, q in into)
    event = fact.id or ""
    if keeps_share:
        extras = [(s, q) for s, q in into if s != security]
        for warrant in state.outstanding_warrants(entry.effective):
            holding = dividends.record_holding(warrant.units, warrant.basket, warrant.entitlements, security)
            warrant.entitlements += tuple(dividends.reclassification_extras(holding, extras, event))
        for s, q in extras:
            _pay_holders(state, fact.class_, s.class_, q)
        return
    per_share = tuple(Amount("securities", q, s, section="§4.3") for s, q in into)
    _exchange_warrants(state, entry, security, per_share, "§4.3")
    old = state.classes[fact.class_]
    holdings = dict(old.holdings)
    old.holdings, old.outstanding = {}, 0
    for holder, shares in holdings.items():
        for s, q in into:
            paid = whole(shares * q)
            if paid:
                state.classes[s.class_].add(holder, paid)
    if all(s != security for s, _ in into):
        old.exchanged_by = event


def _exchange_warrants(state: CompanyState, entry: Entry, security: Security, per_share: tuple[Amount, ...],
                       section: str) -> None:
    event = entry.fact.id or ""
    for warrant in state.warrants.values():
        if security in securities_in(warrant.entitlements):
            warrant.entitlements = exchange(warrant.entitlements, security, per_share)
        if security not in securities_in(warrant.basket) or warrant.units <= 0:
            continue
        result = reorganize(warrant.price, warrant.units, warrant.basket, security, per_share, section)
        warrant.adjust(result.adjustment.for_event(event))
        warrant.security = result.security
        warrant.basket = result.basket


def merger_agreed(state: CompanyState, entry: Entry) -> None:
    fact: MergerAgreed = entry.fact  # type: ignore[assignment]
    state.agreements[fact.id or ""] = Agreement(fact.id or "", fact.kind, fact.counterparty, fact.expected_closing)


def merger_completed(state: CompanyState, entry: Entry) -> None:
    """§4.3: what each share receives replaces it in every unit and every accrued amount."""
    fact: MergerCompleted = entry.fact  # type: ignore[assignment]
    for class_id, consideration in fact.consideration.items():
        per_share = tuple(Amount("securities", s.quantity, Security(s.issuer, s.class_), section="§4.3")
                          for s in consideration.securities)
        if consideration.cash:
            per_share += (Amount("cash", consideration.cash, section="§4.3"),)
        _exchange_warrants(state, entry, state.own(class_id), per_share, "§4.3")
        for amount in per_share:
            if amount.security is not None:
                state.successors[amount.security.class_] = amount.security
        share_class = state.classes[class_id]
        share_class.holdings, share_class.outstanding = {}, 0
        share_class.exchanged_by = fact.id
    agreement = state.agreements[fact.agreement]
    state.agreements[fact.agreement] = Agreement(agreement.event, agreement.kind, agreement.counterparty,
                                                 agreement.expected_closing, fact.id)
