"""§4.1 Subdivision or combination of stock.

"In case the Company shall at any time subdivide its outstanding shares of
Preferred Stock into a greater number of shares, the Stock Purchase Price …
shall be proportionately reduced, and conversely, in case [they] shall be
combined into a smaller number of shares, the Stock Purchase Price … shall be
proportionately increased." The §4 preamble then moves N.
"""

from __future__ import annotations

from fractions import Fraction

from captable.numbers import format_exact as x
from captable.rules import conventions
from captable.rules.adjustment import Adjustment
from captable.rules.preamble import shares_after_price_change


def subdivide_or_combine(price: Fraction, shares: Fraction, ratio: Fraction) -> Adjustment:
    """§4.1: a split of the warrant's security by k gives P' = P / k, N' = P × N / P' = N × k."""
    price_after = price / ratio
    shares_after = shares_after_price_change(price, shares, price_after)
    return Adjustment(
        section="§4.1",
        convention=conventions.AGGREGATE_PRICE_PRESERVED.name,
        price_before=price,
        price_after=price_after,
        shares_before=shares,
        shares_after=shares_after,
        formula=f"P' = P / k = {x(price)} / {x(ratio)} = {x(price_after)}; "
        f"N' = P × N / P' = {x(price)} × {x(shares)} / {x(price_after)} = {x(shares_after)}",
        inputs={"k": ratio},
    )


def conversion_ratio_after_common_split(conversion_ratio: Fraction, ratio: Fraction) -> Fraction:
    """A split of the common by k multiplies a preferred's conversion ratio by k (charter)."""
    return conversion_ratio * ratio


def conversion_ratio_after_preferred_split(conversion_ratio: Fraction, ratio: Fraction) -> Fraction:
    """A split of a preferred class by k divides its conversion ratio by k (as-converted total kept)."""
    return conversion_ratio / ratio
