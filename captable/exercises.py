"""What an exercise delivers and costs, read from the state at its election instant.

Shared by the deciders, which store the outcome with the exercise, and by the
quotes, which show the same outcome without storing anything: §1(a) for
cash, §1(b) and §1(c) net of the price, §16 for fractions, §5 for the issue
tax when the shares go to another name.
"""

from __future__ import annotations

import re
from datetime import datetime
from fractions import Fraction
from typing import Any, Literal

from captable import errors
from captable import events as ev
from captable.numbers import format_exact
from captable.suggest import valid_ones
from captable.rules import expiry, net_exercise
from captable.rules import per_share_price as psp
from captable.rules.cash_exercise import payment_due, units_to_exercise
from captable.rules.deliveries import deliver
from projections.state import CompanyState, Warrant

Requested = Fraction | Literal["all"]


def warrant_of(state: CompanyState, warrant_id: str) -> Warrant:
    warrant = state.warrants.get(warrant_id)
    if warrant is None:
        raise errors.UnknownWarrant(f"no warrant {warrant_id!r} exists at this instant"
                                    + valid_ones(warrant_id, state.warrants, "warrants at this instant"),
                                    field="warrant", value=warrant_id)
    return warrant


def _open_units(state: CompanyState, warrant_id: str, at: datetime, requested: Requested,
                fractional: type[errors.Refused], method: str) -> tuple[Warrant, Fraction]:
    warrant = warrant_of(state, warrant_id)
    expiry.require_open(warrant.expires, at, state.zone)
    _require_method(warrant, method)
    return warrant, units_to_exercise(requested, warrant.units, fractional)


def _require_method(warrant: Warrant, method: str) -> None:
    """The warrant's form allows this way of exercising (cash, §1(a); net, §1(b) of the 1997 form: both)."""
    form = warrant.terms_of
    if method not in form.terms.exercise_methods:
        allowed = " or ".join(form.terms.exercise_methods)
        raise errors.MethodNotAvailable(
            f"warrant {warrant.id} is on the form {form.name}, which allows exercise by {allowed} only "
            f"({form.cite('exercise_methods')}); a {method} exercise is not available",
            field="type", value=method, section=form.cite("exercise_methods"))


def _delivery(state: CompanyState, warrant: Warrant, surrendered: Fraction, delivered_units: Fraction,
              deliver_to: str | None, reason: str, new_certificate: str | None,
              per_share_price: Fraction | None = None) -> dict[str, Any]:
    """§1(a), §16, §5: what the units deliver, registered to the holder or the named person, and the
    certificates cancelled and issued: the fields every exercise outcome shares. A fraction is paid as the
    warrant's form says: at the Stock Purchase Price (§16 of the 1997 form), at the Per Share Price (a net
    exercise; a cash one has none and pays at P), or not at all (rounded down)."""
    form = warrant.terms_of
    rule = form.terms.fractions
    at_psp = rule == "cash_at_per_share_price" and per_share_price is not None
    fraction_price = per_share_price if at_psp and per_share_price is not None else warrant.price
    delivered = deliver(delivered_units, warrant.units, fraction_price, warrant.security, warrant.basket,
                        warrant.entitlements, reason, pay_fractions=rule != "round_down")
    holder = warrant.holder.name
    recipient = deliver_to or holder
    tax = f"; registered in another name: §5 issue tax borne by {holder}" if recipient != holder else ""
    deliveries = []
    for item in delivered.items:
        if item.kind == "securities":
            deliveries.append(ev.Delivery(name=recipient, issuer=item.security.issuer, class_=item.security.class_,  # type: ignore[union-attr]
                                          shares=item.quantity, reason=item.reason + tax))
        elif item.kind == "cash":
            deliveries.append(ev.Delivery(name=holder, cash=item.quantity, reason=item.reason))
        else:
            deliveries.append(ev.Delivery(name=recipient, reason=f"{item.reason}: {format_exact(item.quantity)} × "
                                                                 f"{item.description}"))
    if delivered.cash_in_lieu:
        at = "the Per Share Price" if at_psp else "the Stock Purchase Price"
        reason = (f"§16 cash in lieu of fractional shares, at {at}" if form.speaks_as_1997("fractions")
                  else f"cash in lieu of fractional shares, at {at} ({form.cite('fractions')})")
        deliveries.append(ev.Delivery(name=holder, cash=delivered.cash_in_lieu, reason=reason))
    return {
        "units": surrendered,
        "price": warrant.price,
        "shares_issued": delivered.primary_shares,
        "fraction": delivered.primary_fraction,
        "cash_in_lieu": delivered.cash_in_lieu,
        "certificate_cancelled": warrant.certificate,
        "new_certificate": _balance_certificate(warrant, surrendered, new_certificate),
        "deliveries": deliveries,
    }


_BALANCE = re.compile(r"-B[0-9]+$")


def _balance_certificate(warrant: Warrant, units: Fraction, chosen: str | None) -> str | None:
    """§1(a): a new warrant of like tenor for the balance, numbered after the one surrendered: CS-1, then
    CS-1-B1, CS-1-B2, … by the count of exercises, not a suffix added to the last number at each one,
    which would lengthen with every partial exercise."""
    if warrant.units - units <= 0:
        return None
    return chosen or f"{_BALANCE.sub('', warrant.certificate)}-B{len(warrant.exercises) + 1}"


def cash_outcome(state: CompanyState, at: datetime, warrant_id: str, requested: Requested,
                 deliver_to: str | None = None, new_certificate: str | None = None) -> ev.ExerciseOutcome:
    """§1(a), §16: what a cash exercise of ``requested`` units at ``at`` delivers and costs."""
    warrant, units = _open_units(state, warrant_id, at, requested, errors.FractionalCashExercise, "cash")
    return ev.ExerciseOutcome(
        payment_due=payment_due(units, warrant.price),
        **_delivery(state, warrant, units, units, deliver_to, "§1(a) shares purchased", new_certificate),
    )


def per_share_price(state: CompanyState, warrant: Warrant, at: datetime, method: str,
                    offering: str | None) -> ev.PerSharePrice:
    """§1(c) on the election date, as-converted while the warrant is for unconverted preferred; by a method
    the warrant's form allows, over its number of trading days."""
    form = warrant.terms_of
    if method not in form.terms.per_share_price_methods:
        raise errors.MethodNotAvailable(
            f"warrant {warrant.id} is on the form {form.name}, whose Per Share Price is by "
            f"{' or '.join(form.terms.per_share_price_methods)} only ({form.cite('per_share_price_methods')})",
            field="method", value=method, section=form.cite("per_share_price_methods"))
    day = state.local_day(at)
    own = warrant.security.class_
    share_class = state.classes.get(own) if warrant.security.issuer == state.name else None
    convertible = share_class is not None and share_class.kind == "preferred" and not share_class.converted
    ratio = share_class.conversion_ratio if convertible else None  # type: ignore[union-attr]
    common = share_class.converts_to if convertible else own  # type: ignore[union-attr]
    exchange = state.listings.get(common)  # type: ignore[arg-type]
    if method == "market":
        return psp.market(day, exchange, state.quotes.get(common, {}), ratio, form.terms)  # type: ignore[arg-type]
    if method == "public_offering":
        return psp.public_offering(day, offering, state.offerings.get(offering or ""), common, own, ratio,
                                    list(state.offerings))  # type: ignore[arg-type]
    # The latest determination, of the warrant's own class or of the common (as-converted).
    found = [v for v in (state.valuations.get(own), state.valuations.get(common)) if v]  # type: ignore[arg-type]
    valuation = max(found, key=lambda v: v.effective, default=None)
    return psp.board(day, exchange, valuation, own, ratio)


def net_outcome(state: CompanyState, at: datetime, warrant_id: str, requested: Requested, method: str,
                offering: str | None = None, deliver_to: str | None = None,
                new_certificate: str | None = None) -> ev.NetExerciseOutcome:
    """§1(b), §1(c), §16: what surrendering ``requested`` units at ``at`` delivers, nothing paid."""
    warrant, units = _open_units(state, warrant_id, at, requested, errors.FractionalExercise, "net")
    price = per_share_price(state, warrant, at, method, offering)
    received = net_exercise.units_received(units, price.price, warrant.price)
    return ev.NetExerciseOutcome(
        per_share_price=price,
        units_received=received,
        formula=net_exercise.formula(units, price.price, warrant.price, received),
        **_delivery(state, warrant, units, received, deliver_to, "§1(b) shares issued on net exercise",
                    new_certificate, price.price),
    )
