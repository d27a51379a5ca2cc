"""Typed answers for the library (``captable.open``): exact ``Fraction``s, aware datetimes, dates.

Each answer keeps the JSON the command line prints (DESIGN §7): ``to_json()``
gives it back exactly and ``json_text()`` as ``--json`` writes it, so the
library, the command line and the HTTP service cannot disagree about a
number. Its typed parts (frozen dataclasses: a ``Warrant``, a ``ShareClass``,
an ``Obligation``) are read from that JSON when first asked for. The parts
whose shape depends on what an event delivered (a basket, the entitlements,
an audit step) stay the JSON's own mappings, documented in DESIGN §7.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime
from fractions import Fraction
from typing import Any, Generic, TypeVar, overload

from captable.numbers import exact


def _q(text: str | None) -> Fraction | None:
    return None if text is None else exact(text)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


T = TypeVar("T")
_REQUIRED = object()


class _Read(Generic[T]):
    """A member of an answer read from its JSON body under the member's own name, converted as it is read
    (``exact`` to a ``Fraction``, ``tuple`` to a tuple); ``default`` where the JSON may leave the key out."""

    def __init__(self, convert: Callable[[Any], T] | None = None, default: Any = _REQUIRED,
                 doc: str | None = None) -> None:
        self.convert, self.default, self.__doc__ = convert, default, doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = name

    @overload
    def __get__(self, answer: None, owner: type) -> _Read[T]: ...
    @overload
    def __get__(self, answer: Answer, owner: type) -> T: ...

    def __get__(self, answer: Answer | None, owner: type) -> Any:
        if answer is None:
            return self
        value = answer.body[self.key] if self.default is _REQUIRED else answer.body.get(self.key, self.default)
        return value if self.convert is None else self.convert(value)


class Answer:
    """An answer and the JSON it was read from. The typed parts are read from it when first asked for, so an
    answer that is only passed on as JSON (the HTTP service's) costs nothing more than the JSON."""

    __slots__ = ("body", "__dict__")

    def __init__(self, body: Mapping[str, Any]) -> None:
        self.body = body

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> Any:
        return cls(body)

    def to_json(self) -> dict[str, Any]:
        """The command line's ``--json`` for the same question, as Python values (a copy: yours to change)."""
        return copy.deepcopy(dict(self.body))

    def json_text(self) -> str:
        """The command line's ``--json`` output for the same question, byte for byte."""
        from captable.answers import json_text

        return json_text(self.body)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={self.body[k]!r}' for k in list(self.body)[:4])}, …)"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.body == self.body  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Adjustment:
    """One change of P or N (§4 preamble): the event, the section and convention applied, before and after."""

    event: str
    section: str
    price_before: Fraction
    price_after: Fraction
    shares_before: Fraction
    shares_after: Fraction
    formula: str | None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Adjustment:
        return cls(row["event"], row["section"], exact(row["price_before"]), exact(row["price_after"]),
                   exact(row["shares_before"]), exact(row["shares_after"]), row.get("formula"))


@dataclass(frozen=True)
class Warrant:
    """A warrant's terms at the instant asked: the Stock Purchase Price P, the units N and what each delivers."""

    warrant: str
    holder: str
    holder_address: str | None
    certificate: str
    status: str  # outstanding, exercised, expired or cancelled
    issuer: str
    security: str  # the class a unit delivers
    stock_purchase_price: Fraction
    shares_purchasable: Fraction
    aggregate_purchase_price: Fraction
    conversion_ratio: Fraction | None
    common_equivalent: Fraction
    exercised: Fraction
    expires: datetime
    adjustments: tuple[Adjustment, ...]
    basket: Mapping[str, Any]  # what one unit delivers (§4.2, §4.3): the JSON's securities, cash, property
    entitlements: tuple[Mapping[str, Any], ...]  # accrued §4.2 amounts
    form: str | None = None  # the form of warrant, when not the 1997 form's own terms (`captable forms`)
    terms: Mapping[str, Any] | None = None  # the form's parameters this warrant overrides

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Warrant:
        return cls(row["warrant"], row["holder"]["name"], row["holder"].get("address"), row["certificate"],
                   row["status"], row["security"]["issuer"], row["security"]["class"],
                   exact(row["stock_purchase_price"]), exact(row["shares_purchasable"]),
                   exact(row["aggregate_purchase_price"]), _q(row["conversion_ratio"]),
                   exact(row["common_equivalent"]), exact(row["exercised"]), datetime.fromisoformat(row["expires"]),
                   tuple(Adjustment.of(a) for a in row["adjustments"]), row["basket"], tuple(row["entitlements"]),
                   row.get("form"), row.get("terms"))


@dataclass(frozen=True)
class ShareClass:
    """A class of the cap table: authorized, outstanding, reserved (§3) and what is left, by holder."""

    class_: str
    name: str
    kind: str
    authorized: Fraction
    outstanding: Fraction
    reserved: Fraction
    available: Fraction
    conversion_ratio: Fraction | None
    holders: Mapping[str, Fraction]

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> ShareClass:
        return cls(row["class"], row["name"], row["kind"], exact(row["authorized"]), exact(row["outstanding"]),
                   exact(row["reserved"]), exact(row["available"]), _q(row["conversion_ratio"]),
                   {h["holder"]: exact(h["shares"]) for h in row.get("holders", [])})


@dataclass(frozen=True)
class OptionGrant:
    """Rights granted by an OptionsIssued (or moved by an OptionsTransferred) and still outstanding."""

    grant: str  # the id of the event that made or moved it
    class_: str
    holder: str
    shares: Fraction
    kind: str  # option, warrant or convertible
    category: str | None  # its §4.4 deemed-outstanding category, if any

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> OptionGrant:
        return cls(row["grant"], row["class"], row["holder"], exact(row["shares"]), row["kind"], row["category"])


@dataclass(frozen=True)
class Convertible:
    """A SAFE or note outstanding, with its terms (its conversion is not modelled)."""

    convertible: str
    holder: str
    kind: str  # safe, note or other
    investment: Fraction
    valuation_cap: Fraction | None
    discount: Fraction | None
    interest_rate: Fraction | None
    maturity: date | None
    terms: str | None
    issued: date
    status: str

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Convertible:
        return cls(row["convertible"], row["holder"], row["kind"], exact(row["investment"]),
                   _q(row["valuation_cap"]), _q(row["discount"]), _q(row["interest_rate"]), _day(row["maturity"]),
                   row["terms"], date.fromisoformat(row["issued"]), row["status"])


class State(Answer):
    """The warrant terms and the cap table as of ``as_of``, as the books stood at ``known_at`` (None: now)."""

    company: _Read[str] = _Read()
    name: _Read[str | None] = _Read(default=None)
    as_of: _Read[str] = _Read(doc="As asked (a date means the end of that day in the company's zone), or now in "
                                  "that zone.")
    known_at: _Read[str | None] = _Read()

    @cached_property
    def warrants(self) -> tuple[Warrant, ...]:
        return tuple(Warrant.of(w) for w in self.body["warrants"])

    @cached_property
    def classes(self) -> tuple[ShareClass, ...]:
        return tuple(ShareClass.of(c) for c in self.body["classes"])

    @cached_property
    def options(self) -> tuple[OptionGrant, ...]:
        """Grants outstanding; empty when the history has none (the JSON then has no "options")."""
        return tuple(OptionGrant.of(g) for g in self.body.get("options", []))

    @cached_property
    def convertibles(self) -> tuple[Convertible, ...]:
        """SAFEs and notes outstanding; empty when there are none (the JSON then has no "convertibles")."""
        return tuple(Convertible.of(c) for c in self.body.get("convertibles", []))

    def warrant(self, warrant_id: str) -> Warrant:
        """One warrant's terms; a ``KeyError`` names the id when there is none."""
        for w in self.warrants:
            if w.warrant == warrant_id:
                return w
        raise KeyError(warrant_id)


class Quote(Answer):
    """What an exercise at ``at`` would deliver and cost (§1(a) cash, §1(b) net), recording nothing."""

    warrant: _Read[str] = _Read()
    at: _Read[str] = _Read()
    method: _Read[str] = _Read(doc="cash, or the §1(c) method of a net exercise.")
    units: _Read[Fraction] = _Read(exact)
    stock_purchase_price: _Read[Fraction] = _Read(exact)
    balance_after: _Read[Fraction] = _Read(exact)
    payment_due: _Read[Fraction] = _Read(exact, "0",
                                         doc="The cash to tender, rounded to the cent (0 for a net exercise).")
    shares_issued: _Read[Fraction] = _Read(exact, "0")
    cash_in_lieu: _Read[Fraction] = _Read(exact, "0", doc="§16: the fraction of a share paid in cash.")
    deliveries: _Read[tuple[Mapping[str, Any], ...]] = _Read(tuple, ())


@dataclass(frozen=True)
class Obligation:
    """A notice or report owed to the holder (§4.3, §4.5, §4.6, §18.7) and its status at the instant asked."""

    id: str
    section: str
    kind: str
    warrant: str | None
    trigger: str | None
    description: str
    arose: date | None
    deadline: date | None  # None: the warrant sets none (§4.5, "promptly")
    latest_mailing: date | None  # §12: the last day to mail it and still be on time
    status: str  # open, met, late, overdue, waived or lapsed
    given: str | None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Obligation:
        return cls(row["id"], row["section"], row["kind"], row.get("warrant"), row["trigger"],
                   row.get("description", ""), _day(row.get("arose")), _day(row["deadline"]),
                   _day(row["latest_mailing"]), row["status"], row["given"])


class Notices(Answer):
    """Every obligation arisen by ``as_of``, as the books stood at ``known_at``."""

    company: _Read[str] = _Read()
    as_of: _Read[str] = _Read()
    known_at: _Read[str | None] = _Read()

    @cached_property
    def obligations(self) -> tuple[Obligation, ...]:
        return tuple(Obligation.of(o) for o in self.body["obligations"])

    def ics(self, stamp: datetime | None = None, remind_days: int = 7) -> bytes:
        """The iCalendar file ``notices --ics`` writes: each open or overdue deadline and latest mailing day,
        each notice owed promptly as a to-do; ``stamp`` (default now) is its DTSTAMP (RFC 5545 §3.8.7.2)."""
        from captable.calendar_file import calendar_file
        from captable.instants import now

        return calendar_file(dict(self.body), stamp or now(), remind_days)


class Audit(Answer):
    """The history replayed step by step, each step with its inputs, formula, result and clause."""

    company: _Read[str] = _Read()
    as_of: _Read[str] = _Read()
    known_at: _Read[str | None] = _Read()
    stored_events: _Read[int] = _Read()
    head: _Read[str | None] = _Read(doc="The chain head the replay covers.")
    steps: _Read[tuple[Mapping[str, Any], ...]] = _Read(tuple)
    final: _Read[tuple[Mapping[str, Any], ...]] = _Read(tuple)

    def text(self) -> str:
        """``audit --format text``."""
        from captable.audit_report import text
        return text(dict(self.body))

    def markdown(self) -> str:
        """``audit --format markdown``."""
        from captable.audit_report import markdown
        return markdown(dict(self.body))

    def html(self) -> str:
        """``audit --format html``: one printable page with the P and N chart."""
        from captable.audit_html import page
        return page(dict(self.body))


@dataclass(frozen=True)
class LogEntry:
    """A stored event: its place in the stream and in the hash chain, who recorded it and when."""

    seq: int
    id: str
    type: str
    effective: str  # as written: a date (the start of that day in the company's zone) or a date-time
    recorded: datetime
    actor: str | None
    source: str | None
    prev_hash: str
    hash: str
    event: Mapping[str, Any]
    body: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> LogEntry:
        return cls(row["seq"], row["id"], row["type"], row["effective"], datetime.fromisoformat(row["recorded"]),
                   row["actor"], row["source"], row["prev_hash"], row["hash"], row["event"], row)

    def to_json(self) -> dict[str, Any]:
        """The event as ``log --json`` lists it (with its ``company``, when asked for by id)."""
        return copy.deepcopy(dict(self.body))

    def json_text(self) -> str:
        from captable.answers import json_text

        return json_text(self.body)


class Log(Answer):
    """A company's stored events in stream order."""

    company: _Read[str] = _Read()

    @cached_property
    def events(self) -> tuple[LogEntry, ...]:
        return tuple(LogEntry.of(e) for e in self.body["events"])


class Verified(Answer):
    """An intact store: what was checked, each company's event count and head, and what an anchor proved."""

    @property
    def companies(self) -> dict[str, int]:
        """Company → events checked."""
        return {c["company"]: c["events"] for c in self.body["companies"]}

    @property
    def heads(self) -> dict[str, str]:
        return {c["company"]: c["head"] for c in self.body["companies"]}

    anchor: _Read[str | None] = _Read()


class Stored(Answer):
    """What a write stored: events per company, how many were already stored (same id and content), the ids."""

    stored: _Read[dict[str, int]] = _Read(dict)
    already_stored: _Read[int] = _Read()
    ids: _Read[tuple[str, ...]] = _Read(tuple, (), doc="The ids stored, in stream order (``record`` only).")
