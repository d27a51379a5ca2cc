"""Fold handlers for the warrant events.

Stored facts are applied as recorded (an exercise carries what the engine
computed when it was accepted). Where a back-dated event has since changed
the terms so that a recorded fact no longer fits, the fold still applies it
and adds a ``Note``: a projection never skips an event.
"""

from __future__ import annotations


from captable.events import (
    BoardAdjustment,
    HolderAddressChanged,
    WarrantCancelled,
    WarrantExercised,
    WarrantIssued,
    WarrantNetExercised,
    WarrantReplaced,
    WarrantTransferred,
)
from captable.instants import start_of
from captable.numbers import decimal_text, format_exact
from captable.rules.cash_exercise import payment_due
from captable.rules.amounts import shares_of
from captable.rules.deliveries import left_after
from captable.rules.board_adjustment import board_adjustment
from projections.state import BooksClosedBreach, CompanyState, Exercise, Holder, Note, Security, Warrant
from projections.timeline import Entry


def warrant_issued(state: CompanyState, entry: Entry) -> None:
    fact: WarrantIssued = entry.fact  # type: ignore[assignment]
    security = state.own(fact.class_)
    state.warrants[fact.warrant] = Warrant(
        id=fact.warrant,
        holder=Holder(fact.holder.name, fact.holder.address),
        certificate=fact.certificate,
        security=security,
        basket=(shares_of(security),),  # units_and_baskets: one share of the class per unit
        price=fact.price,
        units=fact.shares,
        expires=start_of(fact.expires, state.zone),
        issued=entry.effective,
        issued_event=fact.id or "",
        category=fact.category,
        form=fact.form,
        terms=dict(fact.terms) if fact.terms else None,
    )


def warrant_exercised(state: CompanyState, entry: Entry) -> None:
    """§1(a), §1(b): the units leave the warrant, the balance moves to a new certificate, shares issue.

    A net exercise surrenders Y units and delivers X of them; the accrued
    amounts of the other Y − X units are given up with them (they are part of
    the value the holder chose not to pay for).
    """
    fact: WarrantExercised | WarrantNetExercised = entry.fact  # type: ignore[assignment]
    outcome = fact.computed
    assert outcome is not None, "an accepted exercise always carries what the engine computed"
    warrant = state.warrants[fact.warrant]
    units = outcome.units
    if units > warrant.units or outcome.price != warrant.price:
        state.notes.append(Note(
            fact.id or "", "exercise_no_longer_fits",
            f"recorded exercise of {format_exact(units)} units at {format_exact(outcome.price)} (payment "
            f"${decimal_text(outcome.payment_due)}) against {format_exact(warrant.units)} units at "
            f"{format_exact(warrant.price)} now computed, for which the payment due would be "
            f"${decimal_text(payment_due(min(units, warrant.units), warrant.price))}",
        ))
        units = min(units, warrant.units)
    warrant.entitlements = left_after(warrant.entitlements, units, warrant.units)  # §4.2: Y/N leaves with Y units
    warrant.units -= units
    warrant.exercised += units
    if outcome.new_certificate:
        warrant.certificate = outcome.new_certificate
    warrant.exercises.append(Exercise(
        event=fact.id or "",
        effective=entry.effective,
        units=outcome.units,
        shares_issued=outcome.shares_issued,
        cash_in_lieu=outcome.cash_in_lieu,
        payment=outcome.payment_due,
        certificate_cancelled=outcome.certificate_cancelled,
        new_certificate=outcome.new_certificate,
    ))
    for delivery in outcome.deliveries:
        if delivery.shares and delivery.issuer == state.name and delivery.class_ in state.classes:
            state.classes[delivery.class_].add(delivery.name, delivery.shares)
    for closure in state.closed_books:
        if closure.start <= entry.effective <= closure.end:  # §6: accepted, and the company is in breach
            state.books_breaches.append(BooksClosedBreach(fact.id or "", fact.warrant, entry.effective, closure.event))


def warrant_transferred(state: CompanyState, entry: Entry) -> None:
    """§2: the transferee becomes the holder; notices go to its address from now on."""
    fact: WarrantTransferred = entry.fact  # type: ignore[assignment]
    state.warrants[fact.warrant].holder = Holder(fact.to.name, fact.to.address)


def warrant_cancelled(state: CompanyState, entry: Entry) -> None:
    """The cancelled units leave the warrant, and the §3 reservation with them; a back-dated change that left
    fewer units than recorded cancels what is left, with a note."""
    fact: WarrantCancelled = entry.fact  # type: ignore[assignment]
    warrant = state.warrants[fact.warrant]
    units = warrant.units if fact.shares == "all" else fact.shares
    if units > warrant.units:
        state.notes.append(Note(fact.id or "", "cancellation_no_longer_fits",
                                f"recorded cancellation of {format_exact(units)} units against "
                                f"{format_exact(warrant.units)} units now computed"))
        units = warrant.units
    warrant.entitlements = left_after(warrant.entitlements, units, warrant.units)
    warrant.units -= units
    warrant.cancelled += units
    if warrant.units == 0:
        warrant.cancelled_on = entry.effective


def warrant_replaced(state: CompanyState, entry: Entry) -> None:
    """§15: a new certificate of like tenor; the terms do not change."""
    fact: WarrantReplaced = entry.fact  # type: ignore[assignment]
    state.warrants[fact.warrant].certificate = fact.certificate


def holder_address_changed(state: CompanyState, entry: Entry) -> None:
    fact: HolderAddressChanged = entry.fact  # type: ignore[assignment]
    warrant = state.warrants[fact.warrant]
    warrant.holder = Holder(warrant.holder.name, fact.address)


def board_adjusted(state: CompanyState, entry: Entry) -> None:
    """§4.7: the Board's adjustment, applied as recorded with its reason."""
    fact: BoardAdjustment = entry.fact  # type: ignore[assignment]
    warrant = state.warrants[fact.warrant]
    form = warrant.terms_of
    fixed = None if form.terms.shares_follow_price else form.cite("shares_follow_price")
    change = board_adjustment(warrant.price, warrant.units, fact.price, fact.shares, fact.reason, fixed)
    warrant.adjust(change.for_event(fact.id or ""))
    if fact.security is not None:
        warrant.security = Security(fact.security.issuer, fact.security.class_)
        warrant.basket = (shares_of(warrant.security),)


