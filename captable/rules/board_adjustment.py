"""§4.7 Certain events: the Board's adjustment.

"If any change in the outstanding Preferred Stock … or any other event occurs
as to which the other provisions of this Section 4 are not strictly
applicable or if strictly applicable would not fairly protect the purchase
rights of the Holder …, then the Board of Directors … shall make an
adjustment in the number and class of shares available under the Warrant,
the Stock Purchase Price and/or the application of such provisions."
"""

from __future__ import annotations

from fractions import Fraction

from captable.numbers import format_exact as x
from captable.rules import conventions
from captable.rules.adjustment import Adjustment
from captable.rules.preamble import shares_after_price_change


def board_adjustment(
    price: Fraction, shares: Fraction, new_price: Fraction | None, new_shares: Fraction | None, reason: str,
    shares_fixed_by: str | None = None,
) -> Adjustment:
    """§4.7: applied as recorded; a price alone moves N by the §4 preamble, a share count is used as given.

    ``shares_fixed_by`` names the clause of a form whose number of shares does not follow its price.
    """
    price_after = price if new_price is None else new_price
    if new_shares is None and shares_fixed_by is not None:
        shares_after = shares
        formula = (f"P' = {x(price_after)} as recorded by the Board; N' = N = {x(shares)} (the number of shares "
                   f"is fixed: {shares_fixed_by})")
        convention = None
    elif new_shares is not None:
        shares_after = new_shares
        formula = f"as recorded by the Board: P' = {x(price_after)}, N' = {x(shares_after)}"
        convention = None
    else:
        shares_after = shares_after_price_change(price, shares, price_after)
        formula = (f"P' = {x(price_after)} as recorded by the Board; N' = P × N / P' = "
                   f"{x(price)} × {x(shares)} / {x(price_after)} = {x(shares_after)}")
        convention = conventions.AGGREGATE_PRICE_PRESERVED.name
    return Adjustment(
        section="§4.7",
        convention=convention,
        price_before=price,
        price_after=price_after,
        shares_before=shares,
        shares_after=shares_after,
        formula=formula,
        inputs={"reason": reason},
    )
