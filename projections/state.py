"""The state a fold produces: the company, its share classes and its warrants.

Mutable for speed inside one fold; ``copy()`` gives an independent state,
which is how checkpoints are taken (state after event k, then k+1 …).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from zoneinfo import ZoneInfo

from captable import forms
from captable.forms import Form
from captable.instants import zone
from captable.rules.adjustment import Adjustment
from captable.rules.amounts import Amount, Security

ZERO = Fraction(0)
__all__ = ["Amount", "Security"]


@dataclass(frozen=True, slots=True)
class Holder:
    name: str
    address: str


@dataclass(frozen=True, slots=True)
class RatioChange:
    """A change of a preferred class's conversion ratio, with its cause."""

    event: str
    section: str
    convention: str | None
    ratio_before: Fraction
    ratio_after: Fraction
    reason: str


@dataclass(frozen=True, slots=True)
class Note:
    """A fact the fold applied as recorded although the rules now say otherwise."""

    event: str
    code: str
    message: str


@dataclass(slots=True)
class ShareClass:
    id: str
    name: str
    kind: str
    authorized: int
    converts_to: str | None = None
    conversion_ratio: Fraction | None = None
    converted: bool = False
    exchanged_by: str | None = None  # the §4.3 event that exchanged every share of the class
    # Issued shares are whole: ints, which add some thirty times faster than Fractions.
    holdings: dict[str, int] = field(default_factory=dict)
    outstanding: int = 0
    ratio_changes: list[RatioChange] = field(default_factory=list)

    def add(self, holder: str, shares: Fraction | int) -> None:
        whole = int(shares)
        self.holdings[holder] = self.holdings.get(holder, 0) + whole
        self.outstanding += whole

    def remove(self, holder: str, shares: Fraction | int) -> None:
        whole = int(shares)
        left = self.holdings.get(holder, 0) - whole
        if left:
            self.holdings[holder] = left
        else:
            self.holdings.pop(holder, None)
        self.outstanding -= whole

    def copy(self) -> ShareClass:
        return replace(self, holdings=dict(self.holdings), ratio_changes=list(self.ratio_changes))


@dataclass(frozen=True, slots=True)
class Exercise:
    event: str
    effective: datetime
    units: Fraction
    shares_issued: Fraction
    cash_in_lieu: Fraction
    payment: Fraction
    certificate_cancelled: str
    new_certificate: str | None


@dataclass(slots=True)
class Warrant:
    id: str
    holder: Holder
    certificate: str
    security: Security
    price: Fraction
    units: Fraction
    expires: datetime
    issued: datetime
    issued_event: str
    basket: tuple[Amount, ...] = ()
    entitlements: tuple[Amount, ...] = ()
    category: str | None = None
    exercised: Fraction = ZERO
    cancelled: Fraction = ZERO
    cancelled_on: datetime | None = None  # when a cancellation took the balance to nothing
    adjustments: list[Adjustment] = field(default_factory=list)
    exercises: list[Exercise] = field(default_factory=list)
    # Last, and left out of a snapshot while None (the 1997 form), so a 1997 warrant's state keeps its bytes.
    form: str | None = None
    terms: dict[str, Any] | None = None

    @property
    def terms_of(self) -> Form:
        """The warrant's form with its own terms applied: where its rules take their numbers from."""
        return forms.resolve(self.form, self.terms)

    def status_at(self, instant: datetime) -> str:
        if self.units == 0 and self.cancelled_on is not None:
            return "cancelled"
        if self.units == 0 and self.exercised > 0:
            return "exercised"
        if instant > self.expires:
            return "expired"
        return "outstanding"

    def adjust(self, change: Adjustment) -> None:
        self.price = change.price_after
        self.units = change.shares_after
        self.adjustments.append(change)

    def copy(self) -> Warrant:
        return replace(self, adjustments=list(self.adjustments), exercises=list(self.exercises))


@dataclass(frozen=True, slots=True)
class OptionGrant:
    """Rights to acquire shares, kept for the §4.4 base (deemed-outstanding categories)."""

    event: str
    class_: str
    holder: str
    shares: Fraction
    kind: str
    category: str | None


@dataclass(frozen=True, slots=True)
class Agreement:
    """A merger, consolidation, asset sale or reorganization agreed (§4.3), until completed."""

    event: str
    kind: str
    counterparty: str
    expected_closing: object
    completed_by: str | None = None


@dataclass(frozen=True, slots=True)
class Breach:
    """§3: a warrant's requirement of a class exceeds its authorized and unissued shares."""

    class_: str
    event: str
    since: datetime
    required: Fraction
    authorized_unissued: Fraction
    cured_by: str | None = None
    cured_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ClosingQuote:
    """A trading day's closing bid and asked prices (§1(c)(i)), and the event that reported them."""

    bid: Fraction
    ask: Fraction
    event: str


@dataclass(frozen=True, slots=True)
class Offering:
    """A public offering priced (§1(c)(ii)): the price to the public per share."""

    event: str
    class_: str
    price_to_public: Fraction
    closing: date


@dataclass(frozen=True, slots=True)
class Convertible:
    """A SAFE or note outstanding, with its terms (its conversion is not modelled)."""

    event: str
    id: str
    holder: str
    kind: str
    investment: Fraction
    valuation_cap: Fraction | None
    discount: Fraction | None
    interest_rate: Fraction | None
    maturity: date | None
    terms: str | None
    issued: datetime


@dataclass(frozen=True, slots=True)
class Valuation:
    """The Board's good-faith price per share (§1(c)(iii))."""

    event: str
    class_: str
    price: Fraction
    effective: datetime


@dataclass(frozen=True, slots=True)
class ClosedBooks:
    """§6: a period in which the transfer books were closed."""

    event: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class BooksClosedBreach:
    """§6: an exercise effective while the transfer books were closed against it."""

    event: str
    warrant: str
    at: datetime
    closure: str


@dataclass(slots=True)
class CompanyState:
    company: str | None = None
    name: str | None = None
    timezone: str = "America/Los_Angeles"
    fiscal_year_end: str = "12-31"
    address: str | None = None
    officers: dict[str, str] = field(default_factory=dict)
    classes: dict[str, ShareClass] = field(default_factory=dict)
    warrants: dict[str, Warrant] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    options: list[OptionGrant] = field(default_factory=list)
    agreements: dict[str, Agreement] = field(default_factory=dict)
    successors: dict[str, Security] = field(default_factory=dict)  # class id → the successor's security
    exclusions: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # issuance → (section, event, warrant)
    breaches: dict[str, Breach] = field(default_factory=dict)  # open, by class
    breach_log: list[Breach] = field(default_factory=list)  # every breach, cured ones included
    books_breaches: list[BooksClosedBreach] = field(default_factory=list)  # §6
    listings: dict[str, str] = field(default_factory=dict)  # class id → exchange
    # Per class, by trading day. Each MarketQuotes replaces the inner dict, so copies may share it.
    quotes: dict[str, dict[date, ClosingQuote]] = field(default_factory=dict)
    offerings: dict[str, Offering] = field(default_factory=dict)
    valuations: dict[str, Valuation] = field(default_factory=dict)  # the latest, by class
    closed_books: list[ClosedBooks] = field(default_factory=list)
    # §3: what the warrants require of each class, until the next expiry (None: to be recomputed).
    requirement: dict[str, int] | None = None
    requirement_until: datetime | None = None
    events_applied: int = 0
    last_event: str | None = None
    # Last, and left out of a snapshot while empty, so a history without convertibles keeps its checkpoint bytes.
    convertibles: dict[str, Convertible] = field(default_factory=dict)  # outstanding, by id

    def copy(self) -> CompanyState:
        return replace(
            self,
            officers=dict(self.officers),
            classes={k: c.copy() for k, c in self.classes.items()},
            warrants={k: w.copy() for k, w in self.warrants.items()},
            notes=list(self.notes),
            options=list(self.options),
            convertibles=dict(self.convertibles),
            agreements=dict(self.agreements),
            successors=dict(self.successors),
            breaches=dict(self.breaches),
            breach_log=list(self.breach_log),
            books_breaches=list(self.books_breaches),
            listings=dict(self.listings),
            quotes=dict(self.quotes),
            offerings=dict(self.offerings),
            valuations=dict(self.valuations),
            closed_books=list(self.closed_books),
        )

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.timezone)

    def outstanding_warrants(self, instant: datetime) -> list[Warrant]:
        return [w for w in self.warrants.values() if w.status_at(instant) == "outstanding"]

    def local_day(self, when: date | datetime) -> date:
        """The company's calendar day of an instant (a date is its own day)."""
        return when.astimezone(self.zone).date() if isinstance(when, datetime) else when

    def own(self, class_id: str) -> Security:
        """The company's own security of a class."""
        return Security(self.name or "", class_id)
