"""Numbers and dates as a letter to a holder writes them.

Presentation only: the exact values stay in the domain, and a letter shows
them the way counsel would. Dollars and cents, share counts with thousands
separators, dates in words. A value that cannot be written exactly in that
form is rounded and says so (DESIGN §4: a rounded figure is always labelled);
its exact value then appears in the letter's Calculation, written by
``exact_text``.

How a fractional share count is shown (the warrant's N may be fractional,
DESIGN §4): as an exact decimal when it has one of at most four places
(30,571.5); as a whole number and a fraction in words when the fraction has a
small denominator (13,587 and one-third); otherwise rounded to four places
and labelled as rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from captable.numbers import round_half_up

CENT = Fraction(1, 100)
PLACES = 4  # the most decimal places a price or share count is written with in a letter
SHOWN = 6  # decimal places shown beside an exact fraction in the Calculation

_SMALL = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve")
_PARTS = {2: "half", 3: "third", 4: "quarter", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth", 9: "ninth",
          10: "tenth", 11: "eleventh", 12: "twelfth"}


@dataclass(frozen=True)
class Figure:
    """A number as a letter writes it, and whether that text is rounded."""

    text: str
    rounded: bool = False

    @property
    def note(self) -> str:
        """What a sentence adds after a rounded figure."""
        return " (rounded)" if self.rounded else ""


def day(d: date) -> str:
    """July 1, 1999."""
    return f"{d:%B} {d.day}, {d.year}"


def grouped(n: int) -> str:
    return f"{n:,}"


def _decimal_places(q: Fraction) -> int | None:
    """The places of ``q``'s exact decimal, or None when it has none (a denominator with a factor but 2 and 5)."""
    d, twos, fives = q.denominator, 0, 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    return max(twos, fives) if d == 1 else None


def _fixed(q: Fraction, places: int) -> str:
    """``q`` (already a multiple of 10**-places) with separators and exactly ``places`` decimals."""
    sign = "-" if q < 0 else ""
    scaled = abs(q) * 10**places
    whole, frac = divmod(int(scaled), 10**places)
    return f"{sign}{whole:,}" + (f".{frac:0{places}d}" if places else "")


def decimal(q: Fraction, most: int = PLACES) -> Figure:
    """The exact decimal of ``q`` if it has at most ``most`` places, else ``q`` rounded to ``most`` places."""
    places = _decimal_places(q)
    if places is not None and places <= most:
        return Figure(_fixed(q, places))
    return Figure(_fixed(round_half_up(q, Fraction(1, 10**most)), most).rstrip("0").rstrip("."), True)


def dollars(q: Fraction) -> Figure:
    """An amount of money: $181,999.33, exact or rounded to the cent."""
    cents = round_half_up(q, CENT)
    return Figure(f"${_fixed(cents, 2)}", cents != q)


def price(q: Fraction) -> Figure:
    """A price per share: dollars and cents, or up to four places when that is exact ($0.4465)."""
    places = _decimal_places(q)
    if places is not None and places <= PLACES:
        return Figure(f"${_fixed(q, max(places, 2))}")
    return dollars(q)


def fraction_words(q: Fraction) -> str | None:
    """A proper fraction with a small denominator in words (one-third, five-sevenths), else None."""
    if not 0 < q < 1 or q.denominator not in _PARTS:
        return None
    part = _PARTS[q.denominator]
    if q.numerator == 1:
        return f"one-{part}"
    plural = "halves" if part == "half" else f"{part}s"
    return f"{_SMALL[q.numerator]}-{plural}"


def shares(q: Fraction) -> Figure:
    """A share count: 20,381; 30,571.5; 13,587 and one-third; else rounded to four places."""
    exact = decimal(q)
    if not exact.rounded:
        return exact
    whole = q.numerator // q.denominator
    words = fraction_words(q - whole)
    if words is not None:
        return Figure(f"{grouped(whole)} and {words}" if whole else words)
    return exact


def per_share(q: Fraction) -> str:
    """A quantity received for each share: "one share", "1.5 shares", "two-thirds of a share"."""
    if q == 1:
        return "one share"
    figure = shares(q)
    if q < 1 and fraction_words(q) is not None and figure.text == fraction_words(q):
        return f"{figure.text} of a share"
    return f"{figure.text}{figure.note} shares"


def count(n: Fraction | int) -> str:
    """A small whole number in words (three), a larger one in figures (1,000)."""
    value = Fraction(n)
    if value.denominator == 1 and 0 <= value <= 12:
        return _SMALL[int(value)]
    return shares(value).text


def exact_text(q: Fraction, money: bool = False) -> str:
    """For the Calculation: the exact value. An exact decimal when it has one of at most six places
    (``30,571.5``), else the fraction in lowest terms with its first decimals: ``893/150 = 5.953333…``
    (the ellipsis: the decimal goes on beyond the digits shown, which are exact, not rounded).
    """
    mark = "$" if money else ""
    places = _decimal_places(q)
    if places is not None and places <= SHOWN:
        return f"{mark}{_fixed(q, max(places, 2) if money else places)}"  # the decimal is exact
    truncated = Fraction(int(abs(q) * 10**SHOWN), 10**SHOWN) * (1 if q >= 0 else -1)
    return f"{mark}{grouped(q.numerator)}/{grouped(q.denominator)} = {mark}{_fixed(truncated, SHOWN)}…"


def operand(q: Fraction, money: bool = False) -> str:
    """An exact value inside a formula: its exact decimal, or its fraction in parentheses, ``($893/150)``."""
    mark = "$" if money else ""
    places = _decimal_places(q)
    if places is not None and places <= SHOWN:
        return f"{mark}{_fixed(q, max(places, 2) if money else places)}"
    return f"({mark}{grouped(q.numerator)}/{grouped(q.denominator)})"


def sentence(text: str) -> str:
    """Text a user recorded (a reason, a description), ending as a sentence does."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
