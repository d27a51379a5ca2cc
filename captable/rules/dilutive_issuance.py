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
preamble. Other forms price a cheap issue otherwise; the warrant's form says
how (``dilution_method``: the broad-based average above, a narrow-based one
whose A is the common outstanding alone, a full ratchet to the issue's price
per share, or none), which categories are deemed outstanding and which are
carved out, and whether N follows P (``shares_follow_price``).
"""

from __future__ import annotations

from fractions import Fraction

from captable.forms import Form
from captable.numbers import format_exact as x
from captable.rules import conventions
from captable.rules.adjustment import Adjustment
from captable.rules.preamble import shares_after_price_change


def consideration_per_share(consideration: Fraction, common_equivalent: Fraction) -> Fraction:
    """Per share of common as-converted: the unit in which A and S are counted."""
    return consideration / common_equivalent


def protects(form: Form, category: str | None) -> bool:
    """Whether an issuance of ``category`` can adjust a warrant on ``form`` at all."""
    return form.terms.dilution_method != "none" and category not in form.terms.dilution_carve_outs


def weighted_average(price: Fraction, units: Fraction, a: Fraction, c: Fraction, s: Fraction,
                     form: Form | None = None) -> Adjustment | None:
    """§4.4: the adjustment for an issuance of S common (as-converted) for C, or None at or above P.

    ``form`` (the 1997 one when None) says whether N follows P and which clause to cite.
    """
    if c / s >= price:
        return None
    price_after = (a * price + c) / (a + s)
    return _adjusted(price, units, price_after, form,
                     f"P' = (A × P + C) / (A + S) = ({x(a)} × {x(price)} + {x(c)}) / ({x(a)} + {x(s)}) = "
                     f"{x(price_after)}", {"A": a, "C": c, "S": s})


def full_ratchet(price: Fraction, units: Fraction, c: Fraction, s: Fraction, form: Form) -> Adjustment | None:
    """A full ratchet: P' = C / S, the issue's consideration per common share, when that is below P."""
    price_after = c / s
    if price_after >= price:
        return None
    return _adjusted(price, units, price_after, form, f"full ratchet: P' = C / S = {x(c)} / {x(s)} = {x(price_after)}",
                     {"C": c, "S": s})


def _adjusted(price: Fraction, units: Fraction, price_after: Fraction, form: Form | None, price_formula: str,
              inputs: dict[str, Fraction]) -> Adjustment:
    """The adjustment to ``price_after`` (worked as ``price_formula`` from ``inputs``), N' by the form."""
    shares_after, shares_formula = _shares(price, units, price_after, form)
    return Adjustment(
        section=_section(form),
        convention=conventions.CONSIDERATION_PER_COMMON_SHARE.name,
        price_before=price,
        price_after=price_after,
        shares_before=units,
        shares_after=shares_after,
        formula=f"{price_formula}; {shares_formula}",
        inputs={**inputs, "P": price, "P'": price_after},
    )


def _shares(price: Fraction, units: Fraction, price_after: Fraction, form: Form | None) -> tuple[Fraction, str]:
    """N' by the §4 preamble, or N unchanged where the form fixes the number of shares."""
    if form is not None and not form.terms.shares_follow_price:
        return units, f"N' = N = {x(units)} (the number of shares is fixed: {form.cite('shares_follow_price')})"
    shares_after = shares_after_price_change(price, units, price_after)
    return shares_after, f"N' = P × N / P' = {x(shares_after)}"


def _section(form: Form | None) -> str:
    """``§4.4`` for the 1997 form's own method; else the clause of the warrant's form, naming it."""
    return "§4.4" if form is None else form.section_for("dilution_method", "§4.4")
