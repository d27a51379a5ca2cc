"""§4.2 Dividends in Preferred Stock, other stock, property; reclassification.

"If at any time … the holders of Preferred Stock (or any shares of stock or
other securities at the time receivable upon the exercise of this Warrant)
shall have received or become entitled to receive, without payment therefor,
(a) … stock or other securities … by way of dividend or other distribution,
or (b) any cash paid or payable otherwise than as a cash dividend, or (c) …
other securities or property (including cash) by way of spinoff, split-up,
reclassification … then … the Holder hereof shall, upon the exercise of this
Warrant, be entitled to receive … the amount of stock and other securities
and property … which such Holder would hold on the date of such exercise had
he been the holder of record of such Preferred Stock as of the date on which
holders of Preferred Stock received or became entitled to receive [them]."

Read as DESIGN §6 item 4: on the record date the warrant accrues, as absolute
amounts, what a record holder of the shares then purchasable would have
received; P and N do not change.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from captable.rules.amounts import Amount, Security, quantity_of


def record_holding(units: Fraction, basket: Sequence[Amount], entitlements: Sequence[Amount], security: Security) -> Fraction:
    """The shares of ``security`` a record holder of everything then purchasable holds.

    The units' baskets and the shares already accrued both count: accrued
    shares are reached by later dividends like any holder's shares.
    """
    return units * quantity_of(basket, security) + quantity_of(entitlements, security)


def stock_dividend(holding: Fraction, paid: Security, per_share: Fraction, event: str) -> list[Amount]:
    """§4.2(a): shares paid as a dividend on the shares held of record."""
    return [Amount("securities", holding * per_share, paid, event=event, section="§4.2(a)")] if holding else []


def distribution(
    holding: Fraction,
    cash_per_share: Fraction | None,
    securities: Sequence[tuple[Security, Fraction]],
    property_text: str | None,
    event: str,
) -> list[Amount]:
    """§4.2(a)–(c): other securities, cash other than an ordinary dividend, and property."""
    if not holding:
        return []
    accrued = [Amount("securities", holding * q, security, event=event, section="§4.2(a)") for security, q in securities]
    if cash_per_share:
        accrued.append(Amount("cash", holding * cash_per_share, event=event, section="§4.2(b)"))
    if property_text:
        accrued.append(Amount("property", holding, description=f"{property_text} (per share held of record)",
                              event=event, section="§4.2(c)"))
    return accrued


def reclassification_extras(holding: Fraction, extras: Sequence[tuple[Security, Fraction]], event: str) -> list[Amount]:
    """§4.2(c): other securities a reclassification delivers beside the share itself."""
    return [Amount("securities", holding * q, security, event=event, section="§4.2(c)")
            for security, q in extras if holding]
