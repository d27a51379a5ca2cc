"""What a unit delivers (its basket) and what the warrant has accrued (entitlements).

Both are lists of ``Amount``: so many shares of a security, so much cash, or
a description of property. A basket holds amounts per unit (DESIGN §6 item
1); entitlements hold absolute amounts accrued under §4.2 (item 4). The same
few operations move both through splits, conversions and exchanges, which is
how accrued shares are "treated like any holder's shares".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

ZERO = Fraction(0)


@dataclass(frozen=True, slots=True)
class Security:
    issuer: str
    class_: str


@dataclass(frozen=True, slots=True)
class Amount:
    kind: str  # "securities", "cash" or "property"
    quantity: Fraction  # shares, dollars, or the shares a property distribution was made on
    security: Security | None = None
    description: str | None = None
    event: str = ""  # for an entitlement: the event that accrued it
    section: str = ""

    def times(self, k: Fraction) -> Amount:
        return replace(self, quantity=self.quantity * k)


Amounts = tuple[Amount, ...]


def shares_of(security: Security, quantity: Fraction = Fraction(1)) -> Amount:
    return Amount("securities", quantity, security)


def quantity_of(amounts: Iterable[Amount], security: Security) -> Fraction:
    return sum((a.quantity for a in amounts if a.security == security), ZERO)


def securities_in(amounts: Iterable[Amount]) -> set[Security]:
    return {a.security for a in amounts if a.security is not None}


def scale(amounts: Sequence[Amount], security: Security, k: Fraction) -> Amounts:
    """A split of ``security`` by k reaches every amount of it."""
    return tuple(a.times(k) if a.security == security else a for a in amounts)


def convert(amounts: Sequence[Amount], security: Security, into: Security, ratio: Fraction) -> Amounts:
    """A conversion of ``security`` into ``ratio`` shares of ``into`` each."""
    return tuple(replace(a, security=into, quantity=a.quantity * ratio) if a.security == security else a
                 for a in amounts)


def exchange(amounts: Sequence[Amount], security: Security, per_share: Sequence[Amount]) -> Amounts:
    """Each share of ``security`` is replaced by ``per_share`` (a merger's or reclassification's consideration)."""
    out: list[Amount] = []
    for a in amounts:
        if a.security != security:
            out.append(a)
            continue
        for c in per_share:
            section = f"{a.section}, {c.section}" if a.section and c.section else a.section or c.section
            out.append(replace(c, quantity=c.quantity * a.quantity, event=a.event or c.event, section=section))
    return tuple(out)


def portion(amounts: Sequence[Amount], share: Fraction) -> Amounts:
    """``share`` of every amount: what an exercise of part of the units takes with it."""
    return tuple(a.times(share) for a in amounts)


def is_single_security(basket: Sequence[Amount]) -> bool:
    return len(basket) == 1 and basket[0].kind == "securities"
