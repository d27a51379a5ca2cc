"""§4.3 Reorganization, reclassification, consolidation, merger or sale.

"… lawful and adequate provisions shall be made whereby the holder hereof
shall thereafter have the right to purchase and receive (in lieu of the
shares … immediately theretofore purchasable …) such shares of stock,
securities or assets as may be issued or payable with respect to or in
exchange for a number of outstanding shares of such Preferred Stock equal to
the number of shares of such stock immediately theretofore purchasable …"

Read as DESIGN §6 item 6: consideration of q shares of one security only
makes that security the warrant's, N' = N × q at P' = P / q; any other mix
leaves N and P and each unit delivers the consideration for one share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from captable.numbers import format_exact as x
from captable.rules import conventions
from captable.rules.adjustment import Adjustment
from captable.rules.amounts import Amount, Security, exchange, is_single_security


@dataclass(frozen=True, slots=True)
class Reorganized:
    adjustment: Adjustment
    security: Security
    basket: tuple[Amount, ...]


def describe(amounts: Sequence[Amount]) -> str:
    parts = []
    for a in amounts:
        if a.kind == "securities" and a.security is not None:
            parts.append(f"{x(a.quantity)} {a.security.class_} of {a.security.issuer}")
        elif a.kind == "cash":
            parts.append(f"${x(a.quantity)} cash")
        else:
            parts.append(a.description or "property")
    return " + ".join(parts) or "nothing"


def reorganize(
    price: Fraction, units: Fraction, basket: Sequence[Amount], replaced: Security, per_share: Sequence[Amount],
    section: str = "§4.3",
) -> Reorganized:
    """§4.3: replace each share of ``replaced`` that a unit delivers by ``per_share``."""
    single = is_single_security(per_share) and is_single_security(basket) and basket[0].security == replaced
    if single:
        q = per_share[0].quantity * basket[0].quantity
        successor = per_share[0].security
        assert successor is not None
        return Reorganized(
            Adjustment(
                section=section,
                convention=conventions.SINGLE_SECURITY_CONSIDERATION.name,
                price_before=price, price_after=price / q, shares_before=units, shares_after=units * q,
                formula=f"one security only, q = {x(q)} {successor.class_} of {successor.issuer} per share: "
                f"N' = N × q = {x(units)} × {x(q)} = {x(units * q)}; P' = P / q = {x(price)} / {x(q)} = {x(price / q)}",
                inputs={"q": q},
            ),
            successor,
            (Amount("securities", Fraction(1), successor),),
        )
    new_basket = exchange(basket, replaced, per_share)
    lead = next((a.security for a in new_basket if a.security is not None), None)
    return Reorganized(
        Adjustment(
            section=section,
            convention=conventions.MIXED_CONSIDERATION_BASKET.name,
            price_before=price, price_after=price, shares_before=units, shares_after=units,
            formula=f"mixed consideration: N and P unchanged; each unit now delivers {describe(new_basket)}",
        ),
        lead or Security(replaced.issuer, "cash and property"),
        new_basket,
    )
