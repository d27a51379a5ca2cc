"""What every letter to the holder is made of, and how it names the warrant and its stock.

A ``Letter`` is plain text in blocks: the pages (``letter_page``) lay it out
as Markdown or HTML. A ``Drafting`` is what the drafters read: the obligation,
the books at the letter's date (the holder's name and address there, §4.5,
§4.6: "at the address of such holder as shown on the books of the Company"),
and the event behind the obligation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from typing import Any

from captable import prose
from captable.events import Event, WarrantIssued
from projections.fold import apply, initial_state
from projections.obligations import Obligation
from projections.state import CompanyState, Security, Warrant
from projections.timeline import Entry

# §4.5 and §4.6 say "by first class mail, postage prepaid"; §12 counts a mailed notice as given three
# business days after deposit only when it is "certified or registered": certified first class mail is both.
DELIVERY = "By certified first class mail, postage prepaid"

# A paragraph, or the items of a list.
Block = str | tuple[str, ...]
# A line of the Calculation, or a line with the lines that make it up.
Item = str | tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Calculation:
    """The appendix of a §4.5 notice: "the method of calculation and the facts upon which such
    calculation is based", with the exact values."""

    title: str
    basis: str
    rows: list[tuple[str, str, str]]  # what, before, after
    facts: list[Item]
    working: list[Item]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Letter:
    dated: date
    company: str
    company_address: str
    delivery: str
    to_name: str
    to_address: str
    regarding: str
    subject: str
    blocks: list[Block]
    signer: str
    signer_title: str
    calculation: Calculation | None = None

    def to_json(self) -> dict[str, Any]:
        """The letter's parts, for a program that lays out its own page."""
        calculation = self.calculation
        return {
            "dated": self.dated.isoformat(), "company": self.company, "company_address": self.company_address,
            "delivery": self.delivery, "to": {"name": self.to_name, "address": self.to_address},
            "regarding": self.regarding, "subject": self.subject,
            "paragraphs": [b if isinstance(b, str) else list(b) for b in self.blocks],
            "signer": self.signer, "signer_title": self.signer_title,
            "calculation": None if calculation is None else {
                "title": calculation.title, "basis": calculation.basis,
                "rows": [{"item": r[0], "before": r[1], "after": r[2]} for r in calculation.rows],
                "facts": [_item_json(i) for i in calculation.facts],
                "working": [_item_json(i) for i in calculation.working], "notes": calculation.notes},
        }


def _item_json(item: Item) -> Any:
    return item if isinstance(item, str) else {"line": item[0], "parts": list(item[1])}


@dataclass(frozen=True)
class Drafting:
    """What a drafter reads: the obligation, the books on the letter's date, and the facts behind it."""

    obligation: Obligation
    state: CompanyState  # at the end of the letter's date
    entries: Sequence[Entry]  # the books as known now, in effective order
    dated: date

    @property
    def warrant(self) -> Warrant:
        return self.state.warrants[self.obligation.warrant]

    @property
    def trigger(self) -> Event:
        return next(e.fact for e in self.entries if e.fact.id == self.obligation.trigger)

    @property
    def issued(self) -> WarrantIssued:
        return next(e.fact for e in self.entries  # type: ignore[return-value]
                    if e.fact.id == self.warrant.issued_event and isinstance(e.fact, WarrantIssued))

    def on(self, when: Any) -> str:
        """The company's calendar day of an instant, in words."""
        return prose.day(self.state.local_day(when))

    def stock(self, security: Security, state: CompanyState | None = None) -> str:
        return stock_name(state or self.state, security)

    def class_name(self, class_id: str) -> str:
        return stock_name(self.state, self.state.own(class_id))

    def regarding(self) -> str:
        """The warrant as its certificate describes it: "Warrant to purchase 20,381 shares of …"."""
        issued = self.issued
        return (f"Warrant to purchase {prose.shares(issued.shares).text} shares of "
                f"{self.class_name(issued.class_)} of {self.state.name}, issued "
                f"{self.on(issued.effective)}, Certificate No.\u00a0{self.warrant.certificate}")

    def around(self) -> tuple[CompanyState, CompanyState, date]:
        """The books just before and just after the step of the obligation's event, and its day: for a §4.5
        notice the step that made the adjustment (a reclassification's is on its record date), else the event."""
        return self._around

    @cached_property
    def _around(self) -> tuple[CompanyState, CompanyState, date]:
        state = initial_state(self.entries)
        trigger, warrant = self.obligation.trigger, self.obligation.warrant
        adjusted = self.obligation.section == "\u00a74.5"
        for entry in self.entries:
            if entry.fact.id != trigger:
                apply(state, entry)
                continue
            before = state.copy()
            apply(state, entry)
            if not adjusted or (warrant in state.warrants
                                and any(a.event == trigger for a in state.warrants[warrant].adjustments)):
                return before, state, state.local_day(entry.effective)
        raise LookupError(f"no step of {trigger} concerns {warrant}")  # the obligation says there is one


def stock_name(state: CompanyState, security: Security, issuer: bool = True) -> str:
    """The company's own class by its name ("Series C Preferred Stock"); another issuer's (a successor's,
    §4.3) from its class id, which carries no name: "common stock of Bigco Holdings, Inc." (without
    ``issuer``: "common stock", where the sentence has named the issuer)."""
    if security.issuer == state.name and security.class_ in state.classes:
        return state.classes[security.class_].name
    words = [w for w in re.split(r"[_\-\s]+", security.class_) if w]
    lead = security.issuer.split()[0].strip(",.").lower() if security.issuer.split() else ""
    if len(words) > 1 and words[0].lower() == lead:
        words = words[1:]  # "bigco_common" of Bigco, Inc.: its common stock
    if words and words[-1].lower() in ("common", "preferred"):
        name = " ".join(w.lower() for w in words) + " stock"
    else:
        name = " ".join(w[:1].upper() + w[1:] for w in words) or security.class_
    return f"{name} of {security.issuer}" if issuer else name


def address_lines(address: str) -> list[str]:
    """An address on the books as an envelope writes it: the street parts, then city with state and code."""
    parts = [p.strip() for p in address.split(",") if p.strip()]
    if len(parts) < 3:
        return [", ".join(parts)] if parts else []
    return [*parts[:-2], f"{parts[-2]}, {parts[-1]}"]


def opening(drafting: Drafting, section: str, what: str) -> str:
    """The first paragraph: who gives notice of what, under which section of which warrant."""
    return (f"{drafting.state.name} (the \u201cCompany\u201d) gives you notice under Section {section} of the "
            f"warrant to purchase {prose.shares(drafting.issued.shares).text} shares of "
            f"{drafting.class_name(drafting.issued.class_)} of the Company issued on "
            f"{drafting.on(drafting.issued.effective)}, Certificate No.\u00a0{drafting.warrant.certificate} (the "
            f"\u201cWarrant\u201d), {what}. Capitalized terms used in this notice and not defined in it have the "
            "meanings given to them in the Warrant.")


def closing() -> str:
    return ("If you have any question about this notice, please write to the undersigned at the Company\u2019s "
            "principal office shown above.")
