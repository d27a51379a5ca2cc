"""Exact numbers (DESIGN §4).

Prices, share counts, ratios and baskets are ``fractions.Fraction`` from
input to output. Inputs are decimal strings (``"8.93"``), ratios (``"3/2"``)
or integers for whole shares; a JSON number with a fraction or exponent is
refused, because a binary float cannot say 8.93 exactly. Money that changes
hands is rounded to the cent, half up, only when it is paid.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

# ASCII digits only: \d also matches "１２" and Arabic-Indic digits, which Fraction would read.
_DECIMAL = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_RATIO = re.compile(r"[+-]?[0-9]+/[0-9]+")

CENT = Fraction(1, 100)


class JsonFloat:
    """A JSON number written with a decimal point or exponent.

    ``json.loads(..., parse_float=JsonFloat)`` keeps the text so that the
    validators can refuse it with the field's name instead of silently
    turning it into a binary float.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JsonFloat) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def exact(value: Any) -> Fraction:
    """The one constructor for exact quantities."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a number, not true/false")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, JsonFloat):
        raise ValueError(
            f"the JSON number {value.text} would be read as a binary float; "
            f'write it as a string: "{value.text}"'
        )
    if isinstance(value, float):
        raise ValueError(f"floats are not exact; write {value!r} as a string")
    if isinstance(value, str):
        known = _READ.get(value)
        if known is not None:
            return known
        text = value.strip()
        if _DECIMAL.fullmatch(text) or _RATIO.fullmatch(text):
            try:
                q = Fraction(text)
            except ZeroDivisionError:
                raise ValueError(f"{value!r} divides by zero") from None
            if len(_READ) < _READ_MAX:
                _READ[value] = q
            return q
        raise ValueError(f'{value!r} is not an exact number (write "8.93" or "3/2")')
    raise ValueError(f"expected an exact number as a string, got {type(value).__name__}")


# Texts already read: a history repeats its prices ("75.00") thousands of times, and a Fraction is immutable.
_READ: dict[str, Fraction] = {}
_READ_MAX = 10_000


def format_exact(q: Fraction) -> str:
    """``"20381"`` or ``"2679/450"``: reduced, positive denominator."""
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def round_half_up(q: Fraction, step: Fraction = CENT) -> Fraction:
    """Round to a multiple of ``step``, halves away from zero (money, §16)."""
    units, rest = divmod(abs(q), step)
    if rest * 2 >= step:
        units += 1
    return (units * step) if q >= 0 else -(units * step)


def to_cents(q: Fraction) -> Fraction:
    return round_half_up(q, CENT)


def decimal_text(q: Fraction, places: int = 2) -> str:
    """A rounded decimal for people (always labelled as rounded where shown)."""
    r = round_half_up(q, Fraction(1, 10**places))
    sign = "-" if r < 0 else ""
    whole, frac = divmod(abs(r) * 10**places, 10**places)
    if places == 0:
        return f"{sign}{int(whole):,}"
    return f"{sign}{int(whole):,}.{int(frac):0{places}d}"


def whole(q: Fraction) -> int:
    """The whole shares in ``q``, rounded down: only whole shares issue, and ints add fast."""
    return q.numerator // q.denominator


def is_whole(q: Fraction) -> bool:
    return q.denominator == 1


MAX_DIGITS = 40
_TOO_LONG = 10**MAX_DIGITS


def given(value: Any) -> Fraction:
    """A quantity as an input gives it: exact, and written in at most ``MAX_DIGITS`` digits.

    No share count, price or ratio needs more; a longer one is a slip of the
    keyboard, and the arithmetic of adjustments would grow it past what a
    ``str`` of an int may hold (4,300 digits).
    """
    if isinstance(value, str) and len(value) > MAX_DIGITS and sum(c in "0123456789" for c in value) > MAX_DIGITS:
        raise ValueError(f"{value[:20]}… has more than {MAX_DIGITS} digits")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _TOO_LONG:
        raise ValueError(f"the integer has more than {MAX_DIGITS} digits")
    return exact(value)


# A Fraction's denominator is positive: the sign is the numerator's (comparing with 0 costs five times more).
def _positive(q: Fraction) -> Fraction:
    if q.numerator <= 0:
        raise ValueError(f"must be greater than zero, got {format_exact(q)}")
    return q


def _non_negative(q: Fraction) -> Fraction:
    if q.numerator < 0:
        raise ValueError(f"must not be negative, got {format_exact(q)}")
    return q


def _whole_positive(q: Fraction) -> Fraction:
    _positive(q)
    if not is_whole(q):
        raise ValueError(f"must be a whole number of shares, got {format_exact(q)}")
    return q


def _serialize(q: Fraction) -> str:
    return format_exact(q)


_OUT = PlainSerializer(_serialize, return_type=str)


def _schema(minimum: int | None = None) -> WithJsonSchema:
    """What JSON Schema says an input may be: a decimal or ratio string, or a JSON integer; never a float."""
    text = {"type": "string", "pattern": f"^(?:{_DECIMAL.pattern}|{_RATIO.pattern})$", "examples": ["8.93", "3/2"]}
    integer: dict[str, Any] = {"type": "integer"} | ({} if minimum is None else {"minimum": minimum})
    return WithJsonSchema({"anyOf": [text, integer]}, mode="validation")


Exact = Annotated[Fraction, PlainValidator(exact), _OUT, _schema()]
# What a user writes (the catalogue's fields); ``Exact`` also reads what the engine computed.
Positive = Annotated[Fraction, PlainValidator(lambda v: _positive(given(v))), _OUT, _schema(1)]
NonNegative = Annotated[Fraction, PlainValidator(lambda v: _non_negative(given(v))), _OUT, _schema(0)]
WholeShares = Annotated[Fraction, PlainValidator(lambda v: _whole_positive(given(v))), _OUT, _schema(1)]
