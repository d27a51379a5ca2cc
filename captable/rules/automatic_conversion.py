"""§1(a) automatic conversion of the Preferred Stock.

"In the event … that … an event causing automatic conversion of the
Company's Preferred Stock shall have occurred prior to the exercise of this
Warrant, in whole or in part, then this Warrant shall be exercisable for the
number of shares of Common Stock … into which the Preferred Stock not
purchased upon any prior exercise of the Warrant would have been so
converted."
"""

from __future__ import annotations

from fractions import Fraction

from captable.numbers import format_exact as x
from captable.numbers import whole
from captable.rules import conventions
from captable.rules.adjustment import Adjustment


def convert_warrant(price: Fraction, shares: Fraction, conversion_ratio: Fraction) -> Adjustment:
    """§1(a): N' = N × r common units at P' = P / r; the aggregate price is unchanged."""
    shares_after = shares * conversion_ratio
    price_after = price / conversion_ratio
    return Adjustment(
        section="§1(a)",
        convention=conventions.CONVERSION_AT_RATIO_IN_EFFECT.name,
        price_before=price,
        price_after=price_after,
        shares_before=shares,
        shares_after=shares_after,
        formula=f"N' = N × r = {x(shares)} × {x(conversion_ratio)} = {x(shares_after)}; "
        f"P' = P / r = {x(price)} / {x(conversion_ratio)} = {x(price_after)}",
        inputs={"r": conversion_ratio},
    )


def converted_holding(shares: Fraction, conversion_ratio: Fraction) -> tuple[Fraction, Fraction]:
    """A holder's preferred into whole common shares and the fraction settled in cash."""
    common = shares * conversion_ratio
    shares_whole = whole(common)
    return Fraction(shares_whole), common - shares_whole
