"""The result of a rule that changes the Stock Purchase Price or the shares purchasable."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One change of P or N, with the clause, convention and numbers behind it."""

    section: str
    price_before: Fraction
    price_after: Fraction
    shares_before: Fraction
    shares_after: Fraction
    formula: str
    convention: str | None = None
    inputs: dict[str, Fraction | str] = field(default_factory=dict)
    event: str = ""

    def for_event(self, event_id: str) -> Adjustment:
        return replace(self, event=event_id)
