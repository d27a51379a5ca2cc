"""What the OCF writer (``export_objects``) is built on: ids, addresses, the objects written so far, and the
OCF securities it follows, first issued first drawn.

Every id comes from an engine id: an object made from an event is named by the event's id (less the
``ocf:`` an OCF import put before it), the securities it creates by that id and a suffix (``/to``,
``/balance``, ``/2``), a stock class by the class id, a warrant's security by the warrant id and a
stakeholder by the holder's name. So two exports of the same store are the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from captable.events import Event
from captable.ocf.numeric import exact_note, money, numeric
from captable.ocf.zones import US_STATES
from projections.state import CompanyState
from projections.timeline import Entry

_STATE_POSTAL = re.compile(r"^(?P<street>.+), (?P<state>[A-Z]{2}) (?P<postal>\d{5}(?:-\d{4})?)$")
NOT_RECORDED = ("the engine does not record {what}; OCF requires the field, so {value} is written")


def object_id(event: Event) -> str:
    """The OCF id of the object an event becomes: its id, less the ``ocf:`` an OCF import gave it."""
    event_id = str(event.id)
    return event_id[4:] if event_id.startswith("ocf:") else event_id


def stakeholder_id(holder: str) -> str:
    return f"holder:{holder}"


def without_comments(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != "comments"}


def address(text: str) -> dict[str, str]:
    """The engine keeps an address as one line; OCF needs its country: a line ending in a two-letter code
    (as an OCF import writes it) gives it, else the United States is assumed, as the engine's calendars do."""
    street, _, last = text.rpartition(", ")
    found = {"address_type": "CONTACT", "street_suite": street, "country": last}
    if not (street and len(last) == 2 and last.isalpha() and last.isupper()):
        found = {"address_type": "CONTACT", "street_suite": text, "country": "US"}
    # "…, CA 94107" as an OCF import writes a state and postal code: the state gives a reader the issuer's zone.
    state = _STATE_POSTAL.match(found["street_suite"])
    if state and found["country"] == "US" and state["state"] in US_STATES:
        found.update(street_suite=state["street"], country_subdivision=state["state"], postal_code=state["postal"])
    return found


@dataclass
class Security:
    id: str
    remaining: Fraction


@dataclass
class Objects:
    """What the writer made: the package's objects by file, and what each event became."""

    zone: ZoneInfo
    issuer: dict[str, Any] | None = None
    files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    made: dict[str, list[str]] = field(default_factory=dict)  # event id -> the ids of the objects it made
    types: dict[str, str] = field(default_factory=dict)  # object id -> its object_type
    not_written: list[dict[str, str]] = field(default_factory=list)  # events whose holdings OCF does not get
    holders: dict[str, str | None] = field(default_factory=dict)  # name -> address, in order of first mention

    def add(self, file: str, event: Event, item: dict[str, Any]) -> dict[str, Any]:
        self.files.setdefault(file, []).append(item)
        self.made.setdefault(str(event.id), []).append(item["id"])
        self.types[item["id"]] = item["object_type"]
        return item

    def count(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for items in self.files.values():
            for item in items:
                counts[item["object_type"]] = counts.get(item["object_type"], 0) + 1
        return dict(sorted(counts.items()))


def comment(item: dict[str, Any], *notes: str | None) -> dict[str, Any]:
    texts = [n for n in notes if n]
    if texts:
        item["comments"] = [*item.get("comments", []), *texts]
    return item


class WriterBase:
    """The writer's books: the engine's fold beside it, the OCF securities and warrants it follows."""

    def __init__(self, zone: ZoneInfo, state: CompanyState) -> None:
        self.out = Objects(zone)
        self.state = state  # the engine's fold, advanced entry by entry beside the writer
        self.securities: dict[tuple[str, str], list[Security]] = {}  # (holder, class) -> open securities
        self.warrants: dict[str, Security] = {}  # warrant id -> its current OCF security
        self.grants: dict[str, Any] = {}  # grant (an OptionsIssued's or OptionsTransferred's id) -> its Grant
        self.convertibles: dict[str, Any] = {}  # convertible id -> its ConvertibleIssued
        self.conversions: list[tuple[dict[str, Any], str]] = []  # each conversion written, and whose it was
        self.plans: list[str] = []  # the OCF stock plans an import kept, by id

    def day(self, entry: Entry) -> str:
        return entry.effective.astimezone(self.out.zone).date().isoformat()

    @staticmethod
    def _holdings(state: CompanyState) -> dict[tuple[str, str], int]:
        return {(h, c.id): q for c in state.classes.values() for h, q in c.holdings.items()}

    def _fresh(self, candidate: str) -> str:
        """``candidate``, or it with the first free ``~n`` after it: one event can draw on several holders'
        securities (a class's conversion), and each object needs an id of its own."""
        taken = self.out.types
        n, found = 1, candidate
        while found in taken:
            n += 1
            found = f"{candidate}~{n}"
        return found

    def _mention(self, holder: str, address_text: str | None = None) -> str:
        if address_text is not None or holder not in self.out.holders:
            self.out.holders[holder] = address_text or self.out.holders.get(holder)
        return stakeholder_id(holder)

    def _issue(self, fact: Event, entry: Entry, item_id: str, holder: str, class_: str, quantity: Fraction,
               price: Fraction, *notes: str | None) -> str:
        item_id = self._fresh(item_id)
        item = {"id": item_id, "object_type": "TX_STOCK_ISSUANCE", "security_id": item_id, "custom_id": item_id,
                "date": self.day(entry), "stakeholder_id": self._mention(holder), "stock_class_id": class_,
                "share_price": money(price), "quantity": numeric(quantity), "security_law_exemptions": [],
                "stock_legend_ids": []}
        self.out.add("transactions", fact, comment(item, exact_note("quantity", quantity),
                                                   exact_note("share_price", price), *notes))
        self.securities.setdefault((holder, class_), []).append(Security(item_id, quantity))
        return item_id


def made_after(objects: list[dict[str, Any]], item: dict[str, Any]) -> int:
    """How many objects at the end of the list the transaction ``item`` resulted in (written before it)."""
    results = set(item.get("resulting_security_ids", [])) | {item.get("balance_security_id")}
    count = 0
    for written in reversed(objects[:-1]):
        if written.get("security_id") not in results:
            break
        count += 1
    return count
