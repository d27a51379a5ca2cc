"""§4.4 Sale or issuance below the Stock Purchase Price (weighted average).

"If the Company shall … issue or sell any of its Common Stock, Preferred
Stock, options … or any other securities convertible into or exercisable for
Common Stock, for a consideration per share less than the Stock Purchase
Price in effect immediately prior …, the Stock Purchase Price … shall be
adjusted to a price determined by dividing (i) … (x) the number of shares of
Common Stock outstanding immediately prior to such issue or sale multiplied
by the Stock Purchase Price then in effect and (y) the consideration, if
any, received … by (ii) the total number of shares of Common Stock
outstanding immediately after such issue or sale." Shares issuable on
conversion of the preferred, under Board-approved plans, as dividends, and
on exercise of financing warrants are deemed outstanding. "… no adjustment
shall be made … to the extent that (a) the Stock Purchase Price is adjusted
pursuant to any other section … or (b) the conversion price of the Preferred
Stock is decreased pursuant to the terms thereof."

Read as DESIGN §6 item 7: P' = (A × P + C) / (A + S), then N' by the §4
preamble.
"""

from __future__ import annotations

from fractions import Fraction

from captable.numbers import format_exact as x
from captable.rules import conventions
from captable.rules.adjustment import Adjustment
from captable.rules.preamble import shares_after_price_change

DEEMED_OUTSTANDING = ("option_plan", "preferred_conversion", "dividend", "financing_warrant")


def consideration_per_share(consideration: Fraction, common_equivalent: Fraction) -> Fraction:
    """Per share of common as-converted: the unit in which A and S are counted."""
    return consideration / common_equivalent


def weighted_average(price: Fraction, units: Fraction, a: Fraction, c: Fraction, s: Fraction) -> Adjustment | None:
    """§4.4: the adjustment for an issuance of S common (as-converted) for C, or None at or above P."""
    if c / s >= price:
        return None
    price_after = (a * price + c) / (a + s)
    shares_after = shares_after_price_change(price, units, price_after)
    return Adjustment(
        section="§4.4",
        convention=conventions.CONSIDERATION_PER_COMMON_SHARE.name,
        price_before=price,
        price_after=price_after,
        shares_before=units,
        shares_after=shares_after,
        formula=f"P' = (A × P + C) / (A + S) = ({x(a)} × {x(price)} + {x(c)}) / ({x(a)} + {x(s)}) = {x(price_after)}; "
        f"N' = P × N / P' = {x(shares_after)}",
        inputs={"A": a, "C": c, "S": s, "P": price, "P'": price_after},
    )
