"""§1(a) exercise for cash, and §16 fractional shares.

§1(a): exercisable "for all or any portion of the shares … (but not for a
fraction of a share) … for the Stock Purchase Price multiplied by the number
of shares to be purchased"; a purchase of less than all continues on "a new
Warrant … for the balance". §16: "No fractional shares shall be issued upon
exercise … The Company shall, in lieu of issuing any fractional share, pay
the holder … a sum in cash equal to such fraction multiplied by the then
effective Stock Purchase Price."
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from captable.errors import (
    ExceedsSharesPurchasable,
    FractionalCashExercise,
    PaymentMismatch,
    Refused,
    WarrantNotOutstanding,
)
from captable.numbers import decimal_text, format_exact, is_whole, to_cents
from captable.rules import conventions


def units_to_exercise(
    requested: Fraction | Literal["all"], balance: Fraction, fractional: type[Refused] = FractionalCashExercise
) -> Fraction:
    """§1(a), §1(b): a whole number of units up to the balance, or "all" (which may end in a fraction)."""
    if balance <= 0:
        raise WarrantNotOutstanding("the warrant has no shares left to purchase", field="shares", value=requested)
    if requested == "all":
        return balance
    if not is_whole(requested):
        raise fractional(
            f"an exercise is for whole shares, not {format_exact(requested)}; exercise a whole "
            'number, or "all" to include the fractional remainder (paid in cash under §16)',
            field="shares",
            value=requested,
        )
    if requested > balance:
        raise ExceedsSharesPurchasable(
            f"{format_exact(requested)} shares exceed the {format_exact(balance)} purchasable",
            field="shares",
            value=requested,
        )
    return requested


def payment_due(units: Fraction, price: Fraction) -> Fraction:
    """§1(a): "the Stock Purchase Price multiplied by the number of shares to be purchased", to the cent."""
    return to_cents(units * price)


def require_payment(tendered: Fraction, due: Fraction) -> None:
    """§1(a): payment of the aggregate Stock Purchase Price for the shares exercised."""
    if tendered != due:
        raise PaymentMismatch(
            f"the payment due is ${decimal_text(due)} (units × the Stock Purchase Price, rounded to the "
            f"cent: {conventions.MONEY_ROUNDED_TO_CENT.name}); ${decimal_text(tendered)} was tendered",
            field="payment",
            value=tendered,
        )
