"""§1(b) net exercise: "that number of shares … equal to the quotient of: (i) the
difference between (A) the Per Share Price … less (B) the Stock Purchase Price
then in effect, multiplied by the number of shares … the Holder would otherwise
have been entitled to purchase … (or such lesser number of shares as the
Holder may designate in the case of a partial exercise …); over (ii) the Per
Share Price."
"""

from __future__ import annotations

from fractions import Fraction

from captable.errors import NetExerciseNoValue
from captable.numbers import format_exact


def units_received(surrendered: Fraction, per_share_price: Fraction, price: Fraction) -> Fraction:
    """X = Y × (PSP − P) / PSP; refused when PSP ≤ P, for then no shares would issue."""
    if per_share_price <= price:
        raise NetExerciseNoValue(
            f"the Per Share Price {format_exact(per_share_price)} is not above the Stock Purchase Price "
            f"{format_exact(price)}: no shares would issue",
            field="method", value=format_exact(per_share_price),
        )
    return surrendered * (per_share_price - price) / per_share_price


def formula(surrendered: Fraction, per_share_price: Fraction, price: Fraction, received: Fraction) -> str:
    return (f"X = Y × (PSP − P) / PSP = {format_exact(surrendered)} × ({format_exact(per_share_price)} − "
            f"{format_exact(price)}) / {format_exact(per_share_price)} = {format_exact(received)}")
