"""What an exercise delivers: §1(a) "certificates for the shares … so purchased,
together with any other securities or property to which the Holder hereof is
entitled upon such exercise", whole shares only with cash in lieu (§16), and
Y/N of every amount accrued under §4.2 for Y of N units (DESIGN §6 item 4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from captable.numbers import to_cents
from captable.numbers import whole as whole_shares  # 'whole' names the local counts below
from captable.rules.amounts import Amount, Security, quantity_of

ZERO = Fraction(0)


@dataclass(frozen=True, slots=True)
class Item:
    """One thing to deliver: whole shares of a security, cash, or property."""

    kind: str
    quantity: Fraction
    reason: str
    security: Security | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    items: tuple[Item, ...]
    primary_shares: Fraction  # whole shares of the warrant's own security from the units
    primary_fraction: Fraction
    cash_in_lieu: Fraction  # §16, rounded to the cent


def deliver(
    units: Fraction, balance: Fraction, price: Fraction, security: Security,
    basket: Sequence[Amount], entitlements: Sequence[Amount], reason: str = "§1(a) shares purchased",
    pay_fractions: bool = True,
) -> Delivery:
    """The units' baskets and their share of the accrued entitlements, fractions settled in cash at ``price``
    (or dropped, where the warrant's form rounds down and pays nothing)."""
    items: list[Item] = []
    fractional_value = ZERO
    primary = (ZERO, ZERO)
    for amount in basket:
        total = amount.quantity * units
        if amount.kind == "securities":
            whole = whole_shares(total)
            fractional_value += (total - whole) * price / amount.quantity  # fractions_at_unit_price
            if amount.security == security:
                primary = (whole, total - whole)
            if whole:
                items.append(Item("securities", whole, reason, amount.security))
        elif amount.kind == "cash":
            items.append(Item("cash", to_cents(total), "§4.3 cash each unit delivers"))
        else:
            items.append(Item("property", total, "§4.3 property each unit delivers", description=amount.description))

    share = units / balance if balance else ZERO
    for amount in entitlements:
        part = amount.quantity * share
        reason = f"{amount.section} accrued by {amount.event}"
        if amount.kind == "securities":
            whole = whole_shares(part)
            per_share = quantity_of(basket, amount.security) or Fraction(1)  # type: ignore[arg-type]
            fractional_value += (part - whole) * price / per_share
            if whole:
                items.append(Item("securities", whole, reason, amount.security))
        elif amount.kind == "cash":
            items.append(Item("cash", to_cents(part), reason))
        elif part:
            items.append(Item("property", part, reason, description=amount.description))
    return Delivery(tuple(items), primary[0], primary[1], to_cents(fractional_value) if pay_fractions else ZERO)


def left_after(entitlements: Sequence[Amount], units: Fraction, balance: Fraction) -> tuple[Amount, ...]:
    """What stays accrued after ``units`` of ``balance`` are exercised: (1 − Y/N) of each amount,
    except cash, which keeps exactly what was not paid (the payment was rounded to the cent), so that
    the parts paid add up to the amount accrued."""
    share = units / balance if balance else Fraction(1)
    left = []
    for amount in entitlements:
        if amount.kind == "cash":
            rest = amount.quantity - to_cents(amount.quantity * share)
        else:
            rest = amount.quantity * (1 - share)
        if rest:
            left.append(amount.times(rest / amount.quantity))
    return tuple(left)
