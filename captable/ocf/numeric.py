"""The engine's exact numbers as OCF numbers (OCF v1.2.0 ``Numeric``, ``Monetary``, ``Ratio``).

OCF's Numeric is a decimal string with at most ten places. A Fraction that is a terminating decimal within
ten places is written exactly; any other (893/150, a price after a split by three) is written rounded half
to even at the tenth place, and the object's ``comments`` say which exact value the rounded figure stands
for, so nothing is lost: ``exact_note``. The engine records no currency: money is written in USD, the
currency of every amount the warrant names.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from typing import Any

from captable.numbers import format_exact

PLACES = 10
CURRENCY = "USD"


def _terminates(value: Fraction) -> bool:
    denominator = value.denominator
    for factor in (2, 5):
        while denominator % factor == 0:
            denominator //= factor
    return denominator == 1


def numeric(value: Fraction) -> str:
    """The decimal string OCF writes: exact when it can be, else rounded half to even at ten places."""
    with localcontext() as context:
        context.prec = 200
        quotient = Decimal(value.numerator) / Decimal(value.denominator)
        if _terminates(value) and -quotient.as_tuple().exponent <= PLACES:  # type: ignore[operator]
            text = format(quotient, "f")
        else:
            text = format(quotient.quantize(Decimal(1).scaleb(-PLACES), rounding=ROUND_HALF_EVEN), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def is_exact(value: Fraction) -> bool:
    return Fraction(numeric(value)) == value


def exact_note(field: str, value: Fraction) -> str | None:
    """The comment a rounded figure needs: which exact value it stands for; None when it is exact."""
    if is_exact(value):
        return None
    return f"{field} {numeric(value)} stands for exactly {format_exact(value)} (OCF Numeric keeps ten places)"


def money(value: Fraction) -> dict[str, Any]:
    return {"amount": numeric(value), "currency": CURRENCY}


def ratio(value: Fraction) -> dict[str, str]:
    """An exact ratio: OCF's Ratio holds a numerator and a denominator, so no rounding is needed."""
    return {"numerator": str(value.numerator), "denominator": str(value.denominator)}
