"""§4 preamble: the aggregate purchase price survives a change of price.

"Upon each adjustment of the Stock Purchase Price, the Holder … shall
thereafter be entitled to purchase, at the Stock Purchase Price resulting
from such adjustment, the number of shares obtained by multiplying the Stock
Purchase Price in effect immediately prior to such adjustment by the number
of shares purchasable … immediately prior … and dividing the product thereof
by the Stock Purchase Price resulting from such adjustment."
"""

from __future__ import annotations

from fractions import Fraction


def shares_after_price_change(price_before: Fraction, shares_before: Fraction, price_after: Fraction) -> Fraction:
    """§4: N' = P × N / P'."""
    return price_before * shares_before / price_after
