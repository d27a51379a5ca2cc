"""Typed answers for the library (``captable.open``): exact ``Fraction``s, aware datetimes, dates.

Each answer is a frozen dataclass read from the JSON the command line prints
(DESIGN §7), and keeps that JSON: ``to_json()`` gives it back exactly, so the
library, the command line and the HTTP service cannot disagree about a
number. The typed fields are for programs; the parts whose shape depends on
what an event delivered (a basket, the entitlements, an audit step) stay
the JSON's own mappings, documented in DESIGN §7.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from captable.numbers import exact


def _q(text: str | None) -> Fraction | None:
    return None if text is None else exact(text)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


@dataclass(frozen=True)
class Answer:
    """An answer and the JSON it was read from."""

    body: Mapping[str, Any] = field(repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The command line's ``--json`` for the same question, as Python values (a copy: yours to change)."""
        return copy.deepcopy(dict(self.body))


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
    status: str  # outstanding, exercised or expired
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

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Warrant:
        return cls(row["warrant"], row["holder"]["name"], row["holder"].get("address"), row["certificate"],
                   row["status"], row["security"]["issuer"], row["security"]["class"],
                   exact(row["stock_purchase_price"]), exact(row["shares_purchasable"]),
                   exact(row["aggregate_purchase_price"]), _q(row["conversion_ratio"]),
                   exact(row["common_equivalent"]), exact(row["exercised"]), datetime.fromisoformat(row["expires"]),
                   tuple(Adjustment.of(a) for a in row["adjustments"]), row["basket"], tuple(row["entitlements"]))


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
class State(Answer):
    """The warrant terms and the cap table as of ``as_of``, as the books stood at ``known_at`` (None: now)."""

    company: str = ""
    name: str | None = None
    as_of: str = ""  # as asked (a date means the end of that day in the company's zone), or now there
    known_at: str | None = None
    warrants: tuple[Warrant, ...] = ()
    classes: tuple[ShareClass, ...] = ()

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> State:
        return cls(body, body["company"], body.get("name"), body["as_of"], body["known_at"],
                   tuple(Warrant.of(w) for w in body["warrants"]), tuple(ShareClass.of(c) for c in body["classes"]))

    def warrant(self, warrant_id: str) -> Warrant:
        """One warrant's terms; a ``KeyError`` names the id when there is none."""
        for w in self.warrants:
            if w.warrant == warrant_id:
                return w
        raise KeyError(warrant_id)


@dataclass(frozen=True)
class Quote(Answer):
    """What an exercise at ``at`` would deliver and cost (§1(a) cash, §1(b) net), recording nothing."""

    warrant: str = ""
    at: str = ""
    method: str = "cash"
    units: Fraction = Fraction(0)
    stock_purchase_price: Fraction = Fraction(0)
    balance_after: Fraction = Fraction(0)
    payment_due: Fraction = Fraction(0)  # cash, rounded to the cent when paid
    shares_issued: Fraction = Fraction(0)
    cash_in_lieu: Fraction = Fraction(0)  # §16
    deliveries: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> Quote:
        return cls(body, body["warrant"], body["at"], body["method"], exact(body["units"]),
                   exact(body["stock_purchase_price"]), exact(body["balance_after"]),
                   exact(body.get("payment_due", "0")), exact(body.get("shares_issued", "0")),
                   exact(body.get("cash_in_lieu", "0")), tuple(body.get("deliveries", ())))


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


@dataclass(frozen=True)
class Notices(Answer):
    """Every obligation arisen by ``as_of``, as the books stood at ``known_at``."""

    company: str = ""
    name: str | None = None
    as_of: str = ""
    known_at: str | None = None
    obligations: tuple[Obligation, ...] = ()

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> Notices:
        return cls(body, body["company"], body.get("name"), body["as_of"], body["known_at"],
                   tuple(Obligation.of(o) for o in body["obligations"]))

    def ics(self, stamp: datetime | None = None, remind_days: int = 7) -> bytes:
        """The iCalendar file ``notices --ics`` writes: each open or overdue deadline and latest mailing day,
        each notice owed promptly as a to-do; ``stamp`` (default now) is its DTSTAMP (RFC 5545 §3.8.7.2)."""
        from captable.calendar_file import calendar_file
        from captable.instants import now

        return calendar_file(self.to_json(), stamp or now(), remind_days)


@dataclass(frozen=True)
class Audit(Answer):
    """The history replayed step by step, each step with its inputs, formula, result and clause."""

    company: str = ""
    as_of: str = ""
    known_at: str | None = None
    stored_events: int = 0
    head: str | None = None  # the chain head the replay covers
    steps: tuple[Mapping[str, Any], ...] = ()
    final: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> Audit:
        return cls(body, body["company"], body["as_of"], body["known_at"], body["stored_events"], body["head"],
                   tuple(body["steps"]), tuple(body["final"]))

    def text(self) -> str:
        """``audit --format text``."""
        from captable.audit_report import text
        return text(self.to_json())

    def markdown(self) -> str:
        """``audit --format markdown``."""
        from captable.audit_report import markdown
        return markdown(self.to_json())

    def html(self) -> str:
        """``audit --format html``: one printable page with the P and N chart."""
        from captable.audit_html import page
        return page(self.to_json())


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


@dataclass(frozen=True)
class Log(Answer):
    """A company's stored events in stream order."""

    company: str = ""
    events: tuple[LogEntry, ...] = ()

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> Log:
        return cls(body, body["company"], tuple(LogEntry.of(e) for e in body["events"]))


@dataclass(frozen=True)
class Verified(Answer):
    """An intact store: what was checked, each company's event count and head, and what an anchor proved."""

    companies: Mapping[str, int] = field(default_factory=dict)  # company → events checked
    heads: Mapping[str, str] = field(default_factory=dict)
    anchor: str | None = None

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> Verified:
        return cls(body, {c["company"]: c["events"] for c in body["companies"]},
                   {c["company"]: c["head"] for c in body["companies"]}, body["anchor"])


@dataclass(frozen=True)
class Stored(Answer):
    """What a write stored: events per company, how many were already stored (same id and content), the ids."""

    stored: Mapping[str, int] = field(default_factory=dict)
    already_stored: int = 0
    ids: tuple[str, ...] = ()

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> Stored:
        return cls(body, body["stored"], body["already_stored"], tuple(body.get("ids", ())))
