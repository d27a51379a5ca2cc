"""The OCF securities an import follows, so that a transaction is checked against the holding it names.

OCF identifies a holding by its ``security_id``: an issuance creates it, and a transfer, cancellation,
repurchase or exercise consumes it, naming the securities that result (the transferee's, and the
``balance_security_id`` left to the holder). The engine keeps holdings by holder and class; this ledger keeps
them by OCF security, so a refusal names the OCF object and the security it got wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from captable.numbers import format_exact


class Inconsistent(Exception):
    """An OCF transaction that does not fit the package's own holdings: the reason, for the report."""


@dataclass
class Security:
    """One OCF security: whose, of which class, how much is left, and since when."""

    id: str
    kind: str  # "stock" or "warrant"
    holder: str
    class_: str
    remaining: Fraction
    since: date
    open: bool = True


class Securities:
    """Every security the package has issued so far, in the order of its transactions."""

    def __init__(self) -> None:
        self.by_id: dict[str, Security] = {}

    def issue(self, security: Security) -> None:
        if security.id in self.by_id:
            raise Inconsistent(f"security {security.id!r} is issued twice")
        self.by_id[security.id] = security

    def take(self, security_id: object, kind: str, quantity: Fraction | None, on: date) -> Security:
        """The open security a transaction on ``on`` draws ``quantity`` from; the quantity must be held."""
        security = self.by_id.get(str(security_id)) if isinstance(security_id, str) else None
        if security is None:
            raise Inconsistent(f"security {security_id!r} is not issued by any {kind} issuance in the package")
        if security.kind != kind:
            raise Inconsistent(f"security {security_id!r} is a {security.kind}, not a {kind}")
        if not security.open:
            raise Inconsistent(f"security {security_id!r} was already transferred, cancelled or exercised")
        if on < security.since:
            raise Inconsistent(f"security {security_id!r} is issued on {security.since.isoformat()}, after this "
                               f"transaction's date {on.isoformat()}")
        if quantity is not None and quantity > security.remaining:
            raise Inconsistent(f"quantity {format_exact(quantity)} is beyond the holding: security "
                               f"{security_id!r} holds {format_exact(security.remaining)}")
        return security

    def split(self, class_: str, ratio: Fraction) -> None:
        """A split of a class changes every open holding of it by the ratio (OCF keeps the security ids), and
        the units of a warrant for it (§4.1: N' = N × k)."""
        for security in self.by_id.values():
            if security.open and security.class_ == class_:
                security.remaining *= ratio
