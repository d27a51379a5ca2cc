"""The engine's events as OCF v1.2.0 objects: what each event type becomes (docs/ocf.md has the table).

The writer folds the history in effective order beside the engine's own fold (``projections.fold``), so it
knows each holding before and after each event. OCF names a holding by its ``security_id`` and changes it
only by consuming it: a transfer, cancellation or conversion names the securities that result, and the
holder's remainder (``balance_security_id``). The engine keeps holdings by holder and class, so the writer
keeps them as OCF securities, first issued first drawn.

Every id comes from an engine id: an object made from an event is named by the event's id (less the
``ocf:`` an OCF import put before it), the securities it creates by that id and a suffix (``/to``,
``/balance``, ``/2``), a stock class by the class id, a warrant's security by the warrant id and a
stakeholder by the holder's name. So two exports of the same store are the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from captable.events import (
    AuthorizedSharesChanged, BoardValuation, CompanyFormed, ConversionRatioAdjusted, Event, OptionsIssued, RecordKept,
    ShareClassCreated, SharesCancelled, SharesIssued, SharesTransferred, StockSplit, WarrantCancelled,
    WarrantExercised, WarrantIssued, WarrantNetExercised, WarrantTransferred,
)
from captable.instants import start_of
from captable.ocf.numeric import exact_note, money, numeric, ratio
from captable.ocf.zones import US_STATES
from projections.fold import apply
from projections.state import CompanyState
from projections.timeline import Entry

# The package file each kept OCF object type goes back into (a kept transaction goes to the transactions).
KEPT_FILES = {
    "STOCK_PLAN": "stock_plans", "VALUATION": "valuations", "VESTING_TERMS": "vesting_terms",
    "STOCK_LEGEND_TEMPLATE": "stock_legend_templates", "FINANCING": "financings", "DOCUMENT": "documents",
    "STOCK_CLASS": "stock_classes", "STAKEHOLDER": "stakeholders",
}
_STATE_POSTAL = re.compile(r"^(?P<street>.+), (?P<state>[A-Z]{2}) (?P<postal>\d{5}(?:-\d{4})?)$")
READS_BEFORE = (WarrantExercised, WarrantNetExercised, WarrantTransferred, WarrantCancelled)
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


def _comment(item: dict[str, Any], *notes: str | None) -> dict[str, Any]:
    texts = [n for n in notes if n]
    if texts:
        item["comments"] = [*item.get("comments", []), *texts]
    return item


class Writer:
    """Writes each entry of the fold as OCF objects, following the holdings as OCF securities."""

    def __init__(self, zone: ZoneInfo, state: CompanyState) -> None:
        self.out = Objects(zone)
        self.state = state  # the engine's fold, advanced entry by entry beside the writer
        self.securities: dict[tuple[str, str], list[Security]] = {}  # (holder, class) -> open securities
        self.warrants: dict[str, Security] = {}  # warrant id -> its current OCF security
        self.plans: list[str] = []  # the OCF stock plans an import kept, by id
        self.table: dict[type[Event], Callable[[Event, Entry, CompanyState], None]] = {
            CompanyFormed: self.company_formed, ShareClassCreated: self.share_class,
            AuthorizedSharesChanged: self.authorized, SharesIssued: self.shares_issued,
            SharesTransferred: self.shares_transferred, SharesCancelled: self.shares_cancelled,
            StockSplit: self.split, ConversionRatioAdjusted: self.ratio_adjusted, WarrantIssued: self.warrant_issued,
            WarrantExercised: self.warrant_exercised, WarrantNetExercised: self.warrant_exercised,
            WarrantTransferred: self.warrant_transferred, WarrantCancelled: self.warrant_cancelled,
            BoardValuation: self.valuation, RecordKept: self.kept, OptionsIssued: self.options_issued,
        }

    def day(self, entry: Entry) -> str:
        return entry.effective.astimezone(self.out.zone).date().isoformat()

    def write(self, entry: Entry) -> None:
        """One entry: the engine's fold applies it; its OCF objects are written from the holdings before and
        after. An event this writer has no object for, and that changes holdings, is listed as not written."""
        handler = self.table.get(type(entry.fact)) if entry.phase == "" else None
        if handler is not None:  # the state before is copied only for the handlers that read it
            snapshot = self.state.copy() if isinstance(entry.fact, READS_BEFORE) else self.state
            apply(self.state, entry)
            handler(entry.fact, entry, snapshot)
            return
        before = self._holdings(self.state)
        apply(self.state, entry)
        if self._holdings(self.state) != before and not self._conversion(entry, before) \
                and not self._dividend(entry, before):
            self.out.not_written.append({
                "event": str(entry.fact.id), "type": entry.fact.type_name,
                "reason": "it changes holdings in a way OCF v1.2.0 has no transaction for here; the OCF holdings "
                          "differ from the engine's from then on (the event itself travels in the manifest)"})

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

    # Issuer and classes ----------------------------------------------------------------------------

    def company_formed(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        assert isinstance(fact, CompanyFormed)
        issuer: dict[str, Any] = {"id": object_id(fact), "object_type": "ISSUER", "legal_name": fact.name,
                                  "formation_date": self.day(entry), "country_of_formation": "US"}
        if fact.address:
            issuer["address"] = {**address(fact.address), "address_type": "LEGAL"}
        self.out.issuer = _comment(issuer, NOT_RECORDED.format(what="the country of formation",
                                                               value="US (the engine's calendars are the "
                                                                     "United States')"),
                                   f"time zone {fact.timezone}: every OCF date here is a day in it")
        self.out.made.setdefault(str(fact.id), []).append(issuer["id"])
        self.out.types[issuer["id"]] = "ISSUER"

    def share_class(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        assert isinstance(fact, ShareClassCreated)
        item: dict[str, Any] = {
            "id": fact.class_, "object_type": "STOCK_CLASS", "name": fact.name, "class_type": fact.kind.upper(),
            "default_id_prefix": f"{fact.class_}-", "initial_shares_authorized": numeric(Fraction(fact.authorized)),
            "board_approval_date": self.day(entry), "votes_per_share": "1", "seniority": "1",
            "conversion_rights": []}
        notes = [NOT_RECORDED.format(what="votes per share or seniority", value="1")]
        if fact.kind == "preferred" and fact.converts_to and fact.conversion_ratio is not None:
            item["conversion_rights"] = [_conversion_right(fact.converts_to, fact.conversion_ratio)]
            notes.append(NOT_RECORDED.format(what="a conversion price (only the ratio)", value="0"))
        self.out.add("stock_classes", fact, _comment(item, *notes))

    def authorized(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        assert isinstance(fact, AuthorizedSharesChanged)
        self.out.add("transactions", fact, {
            "id": object_id(fact), "object_type": "TX_STOCK_CLASS_AUTHORIZED_SHARES_ADJUSTMENT",
            "date": self.day(entry), "stock_class_id": fact.class_,
            "new_shares_authorized": numeric(Fraction(fact.authorized))})

    def split(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        assert isinstance(fact, StockSplit)
        for (holder, class_), held in self.securities.items():
            if class_ == fact.class_:
                for security in held:
                    security.remaining *= fact.ratio
        self.out.add("transactions", fact, {
            "id": object_id(fact), "object_type": "TX_STOCK_CLASS_SPLIT", "date": self.day(entry),
            "stock_class_id": fact.class_, "split_ratio": ratio(fact.ratio)})

    def ratio_adjusted(self, fact: Event, entry: Entry, before: CompanyState) -> None:
        assert isinstance(fact, ConversionRatioAdjusted)
        item = {"id": object_id(fact), "object_type": "TX_STOCK_CLASS_CONVERSION_RATIO_ADJUSTMENT",
                "date": self.day(entry), "stock_class_id": fact.class_,
                "new_ratio_conversion_mechanism": _conversion_right("", fact.conversion_ratio)["conversion_mechanism"]}
        self.out.add("transactions", fact, _comment(item, fact.reason))

    # Stock -----------------------------------------------------------------------------------------

    def _issue(self, fact: Event, entry: Entry, item_id: str, holder: str, class_: str, quantity: Fraction,
               price: Fraction, *notes: str | None) -> str:
        item_id = self._fresh(item_id)
        item = {"id": item_id, "object_type": "TX_STOCK_ISSUANCE", "security_id": item_id, "custom_id": item_id,
                "date": self.day(entry), "stakeholder_id": self._mention(holder), "stock_class_id": class_,
                "share_price": money(price), "quantity": numeric(quantity), "security_law_exemptions": [],
                "stock_legend_ids": []}
        self.out.add("transactions", fact, _comment(item, exact_note("quantity", quantity),
                                                    exact_note("share_price", price), *notes))
        self.securities.setdefault((holder, class_), []).append(Security(item_id, quantity))
        return item_id

    def shares_issued(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        assert isinstance(fact, SharesIssued)
        notes = []
        if fact.consideration is not None:
            notes.append(f"total consideration {fact.consideration} (not shares × share_price)")
        if fact.category is not None:
            notes.append(f"§4.4 category {fact.category}")
        if fact.offering is not None:
            notes.append(f"issued in the public offering {fact.offering}")
        self._issue(fact, entry, object_id(fact), fact.holder, fact.class_, Fraction(fact.shares),
                    fact.price_per_share, *notes)
        if fact.category == "option_plan" and self.plans:  # §4.4: an import reads a plan's issuance as one
            self.out.files["transactions"][-1]["stock_plan_id"] = self.plans[0]

    def _draw(self, fact: Event, entry: Entry, holder: str, class_: str, quantity: Fraction,
              make: Callable[[str, Security, Fraction], dict[str, Any]]) -> None:
        """Draw ``quantity`` from the holder's securities of the class, first issued first: one transaction
        per security drawn on (``make``), a balance security for what is left of the last."""
        held = self.securities.get((holder, class_), [])
        left, part, base = quantity, 0, object_id(fact)
        while left > 0 and held:
            security = held.pop(0)
            take = min(security.remaining, left)
            part += 1
            item_id = self._fresh(base if part == 1 else f"{base}/{part}")
            item = make(item_id, security, take)
            if security.remaining > take:
                balance = self._issue(fact, entry, f"{item_id}/balance", holder, class_, security.remaining - take,
                                      Fraction(0), "the holder's balance after the transaction that names it")
                moved = self.securities[(holder, class_)].pop()
                held.insert(0, moved)
                item["balance_security_id"] = balance
            self.out.add("transactions", fact, _comment(item, exact_note("quantity", take)))
            # The transaction comes before the securities it results in, as OCF exporters write them.
            objects = self.out.files["transactions"]
            objects.insert(len(objects) - 1 - _made_after(objects, item), objects.pop())
            left -= take
        if left > 0:
            self.out.not_written.append({"event": str(fact.id), "type": fact.type_name,
                                         "reason": f"the OCF securities of {holder} in {class_} hold less than it "
                                                   "draws"})

    def shares_transferred(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        assert isinstance(fact, SharesTransferred)

        def transfer(item_id: str, security: Security, take: Fraction) -> dict[str, Any]:
            to = self._issue(fact, entry, f"{item_id}/to", fact.to, fact.class_, take, Fraction(0),
                             NOT_RECORDED.format(what="the price of a transfer", value="0"))
            return {"id": item_id, "object_type": "TX_STOCK_TRANSFER", "date": self.day(entry),
                    "security_id": security.id, "quantity": numeric(take), "resulting_security_ids": [to]}
        self._draw(fact, entry, fact.from_, fact.class_, Fraction(fact.shares), transfer)

    def shares_cancelled(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        assert isinstance(fact, SharesCancelled)

        def cancel(item_id: str, security: Security, take: Fraction) -> dict[str, Any]:
            return {"id": item_id, "object_type": "TX_STOCK_CANCELLATION", "date": self.day(entry),
                    "security_id": security.id, "quantity": numeric(take),
                    "reason_text": "repurchased or cancelled (the engine records which only in the source)"}
        self._draw(fact, entry, fact.holder, fact.class_, Fraction(fact.shares), cancel)

    def _dividend(self, entry: Entry, before: dict[tuple[str, str], int]) -> bool:
        """A stock dividend's shares, issued to each holder on the record date (§4.2(a)): a TX_STOCK_ISSUANCE
        each, at no price. False when the change is not one."""
        after = self._holdings(self.state)
        if entry.fact.type_name != "StockDividend" or any(after.get(k, 0) < q for k, q in before.items()):
            return False
        for n, ((holder, class_), quantity) in enumerate(sorted(after.items())):
            if quantity > before.get((holder, class_), 0):
                self._issue(entry.fact, entry, f"{object_id(entry.fact)}/{n + 1}", holder, class_,
                            Fraction(quantity - before.get((holder, class_), 0)), Fraction(0),
                            f"stock dividend {entry.fact.id} (§4.2(a)), paid on its record date")
        return True

    def _conversion(self, entry: Entry, before: dict[tuple[str, str], int]) -> bool:
        """A conversion of preferred (a holder's, or a class's under the charter): each holder's preferred that
        went is a TX_STOCK_CONVERSION resulting in the common that came. False when the change is not one."""
        after = self._holdings(self.state)
        gone = {k: before[k] - after.get(k, 0) for k in before if before[k] > after.get(k, 0)}
        came = {k: after[k] - before.get(k, 0) for k in after if after[k] > before.get(k, 0)}
        holders = {h for h, _ in gone}
        if entry.fact.type_name not in ("SharesConverted", "PreferredConverted") or not gone \
                or {h for h, _ in came} - holders:
            return False
        fact = entry.fact
        for (holder, class_), quantity in sorted(gone.items()):
            into = [(c, q) for (h, c), q in sorted(came.items()) if h == holder]

            def convert(item_id: str, security: Security, take: Fraction) -> dict[str, Any]:
                results = [self._issue(fact, entry, f"{item_id}/{c}", holder, c, q * take / quantity, Fraction(0),
                                       "the shares a conversion resulted in")
                           for c, q in into]
                return {"id": item_id, "object_type": "TX_STOCK_CONVERSION", "date": self.day(entry),
                        "security_id": security.id, "quantity_converted": numeric(take),
                        "resulting_security_ids": results}
            self._draw(fact, entry, holder, class_, Fraction(quantity), convert)
        return True

    def options_issued(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        """Rights to acquire shares (§4.4's options and convertible securities): an option is an equity
        compensation issuance, a warrant a warrant issuance; a convertible's terms (OCF's conversion triggers,
        investment amount) the engine does not hold, so it travels in the manifest's comments only."""
        assert isinstance(fact, OptionsIssued)
        notes = [f"§4.4 category {fact.category}" if fact.category else None,
                 f"price paid for the right {fact.price_per_share} per share" if fact.price_per_share else None,
                 NOT_RECORDED.format(what="an expiration date for these rights", value="none")]
        item_id = self._fresh(object_id(fact))
        if fact.kind == "option":
            item: dict[str, Any] = {
                "id": item_id, "object_type": "TX_EQUITY_COMPENSATION_ISSUANCE", "security_id": item_id,
                "custom_id": item_id, "date": self.day(entry), "stakeholder_id": self._mention(fact.holder),
                "stock_class_id": fact.class_, "compensation_type": "OPTION",
                "quantity": numeric(Fraction(fact.shares)), "exercise_price": money(fact.exercise_price),
                "expiration_date": None, "termination_exercise_windows": [], "security_law_exemptions": []}
            if fact.category == "option_plan" and self.plans:
                item["stock_plan_id"] = self.plans[0]
        elif fact.kind == "warrant":
            item = self._warrant(item_id, item_id, item_id, self.day(entry), self._mention(fact.holder), fact.class_,
                                 Fraction(fact.shares), fact.exercise_price, None)
            del item["warrant_expiration_date"]
            item["purchase_price"] = money(fact.price_per_share * fact.shares)
        else:
            return
        self.out.add("transactions", fact, _comment(item, *notes, exact_note("exercise_price", fact.exercise_price)))

    # Warrants --------------------------------------------------------------------------------------

    def warrant_issued(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        assert isinstance(fact, WarrantIssued)
        self.warrants[fact.warrant] = Security(fact.warrant, fact.shares)
        self.out.add("transactions", fact, self._warrant(
            object_id(fact), fact.warrant, fact.certificate, self.day(entry),
            self._mention(fact.holder.name, fact.holder.address), fact.class_, fact.shares, fact.price,
            fact.expires.astimezone(self.out.zone).date().isoformat(),
            f"void after {fact.expires.isoformat()}" + (f"; §4.4 category {fact.category}" if fact.category else "")))

    def _warrant(self, item_id: str, security_id: str, certificate: str, day: str, holder_id: str, class_: str,
                 shares: Fraction, price: Fraction, expires: str | None, *notes: str | None) -> dict[str, Any]:
        item = {"id": item_id, "object_type": "TX_WARRANT_ISSUANCE", "security_id": security_id,
                "custom_id": certificate, "date": day, "stakeholder_id": holder_id, "quantity": numeric(shares),
                "quantity_source": "INSTRUMENT_FIXED", "exercise_price": money(price),
                "purchase_price": money(Fraction(0)), "warrant_expiration_date": expires,
                "security_law_exemptions": [],
                "exercise_triggers": [{
                    "trigger_id": f"{security_id}.exercise", "nickname": "Holder's election",
                    "type": "ELECTIVE_AT_WILL",
                    "conversion_right": {"type": "WARRANT_CONVERSION_RIGHT", "conversion_mechanism": {
                        "type": "FIXED_AMOUNT_CONVERSION", "converts_to_quantity": numeric(shares)},
                        "converts_to_stock_class_id": class_}}]}
        return _comment(item, exact_note("quantity", shares), exact_note("exercise_price", price), *notes)

    def warrant_exercised(self, fact: Event, entry: Entry, before: CompanyState) -> None:
        assert isinstance(fact, (WarrantExercised, WarrantNetExercised))
        warrant = before.warrants[fact.warrant]
        security = self.warrants[fact.warrant]
        held = self._holdings(before)
        came = {k: q - held.get(k, 0) for k, q in self._holdings(self.state).items() if q > held.get(k, 0)}
        price = fact.computed.price if fact.computed is not None else Fraction(0)
        results = [self._issue(fact, entry, f"{object_id(fact)}/{class_}", holder, class_, Fraction(q), price,
                               "the shares the exercise issued")
                   for (holder, class_), q in sorted(came.items())]
        units = warrant.units - self.state.warrants[fact.warrant].units
        payment = f"cash payment {fact.payment}" if isinstance(fact, WarrantExercised) else "net exercise (§1(b))"
        item = {"id": object_id(fact), "object_type": "TX_WARRANT_EXERCISE", "date": self.day(entry),
                "security_id": security.id, "trigger_id": f"{security.id}.exercise",
                "resulting_security_ids": results, "consideration_text": f"{payment} for {units} units"}
        objects = self.out.files["transactions"]
        self.out.add("transactions", fact, _comment(item, f"warrant {warrant.id}: {units} units exercised"))
        objects.insert(len(objects) - 1 - len(results), objects.pop())

    def warrant_transferred(self, fact: Event, entry: Entry, before: CompanyState) -> None:
        assert isinstance(fact, WarrantTransferred)
        warrant = before.warrants[fact.warrant]
        security = self.warrants[fact.warrant]
        new_id = f"{object_id(fact)}/to"
        self.out.add("transactions", fact, {
            "id": object_id(fact), "object_type": "TX_WARRANT_TRANSFER", "date": self.day(entry),
            "security_id": security.id, "quantity": numeric(warrant.units), "resulting_security_ids": [new_id]})
        self.out.add("transactions", fact, self._warrant(
            new_id, new_id, warrant.certificate, self.day(entry), self._mention(fact.to.name, fact.to.address),
            warrant.security.class_, warrant.units, warrant.price,
            warrant.expires.astimezone(self.out.zone).date().isoformat(),
            f"warrant {warrant.id} as transferred: its terms in effect then"))
        self.warrants[fact.warrant] = Security(new_id, warrant.units)

    def warrant_cancelled(self, fact: Event, entry: Entry, before: CompanyState) -> None:
        assert isinstance(fact, WarrantCancelled)
        security = self.warrants[fact.warrant]
        units = before.warrants[fact.warrant].units - self.state.warrants[fact.warrant].units
        self.out.add("transactions", fact, _comment({
            "id": object_id(fact), "object_type": "TX_WARRANT_CANCELLATION", "date": self.day(entry),
            "security_id": security.id, "quantity": numeric(units), "reason_text": fact.reason},
            exact_note("quantity", units)))

    # Valuations and kept records -------------------------------------------------------------------

    def valuation(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        assert isinstance(fact, BoardValuation)
        self.out.add("valuations", fact, _comment({
            "id": object_id(fact), "object_type": "VALUATION", "stock_class_id": fact.class_,
            "price_per_share": money(fact.price_per_share), "effective_date": self.day(entry),
            "board_approval_date": self.day(entry), "valuation_type": "409A"},
            "the board's good-faith determination of the price per share (§1(c)(iii)); OCF v1.2.0 names only "
            "409A valuations", exact_note("price_per_share", fact.price_per_share)))

    def kept(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        """A record an OCF import kept is written back as the object it was."""
        assert isinstance(fact, RecordKept)
        kind = fact.record_type
        file = KEPT_FILES.get(kind, "transactions" if kind.startswith(("TX_", "CE_")) else "")
        if not fact.system.startswith("OCF") or not file:
            return  # another system's record: it travels in the manifest's comments only
        item = json.loads(fact.original, parse_float=str)
        if kind == "STOCK_PLAN":
            self.plans.append(str(item.get("id")))
        self.out.add(file, fact, item)

    def stakeholders(self) -> None:
        for name, where in self.out.holders.items():
            item: dict[str, Any] = {"id": stakeholder_id(name), "object_type": "STAKEHOLDER",
                                    "name": {"legal_name": name}, "stakeholder_type": "INSTITUTION"}
            if where:
                item["addresses"] = [address(where)]
            self.out.files.setdefault("stakeholders", []).append(_comment(item, NOT_RECORDED.format(
                what="whether a holder is a person or an institution", value="INSTITUTION")))


def _made_after(objects: list[dict[str, Any]], item: dict[str, Any]) -> int:
    """How many objects at the end of the list the transaction ``item`` resulted in (written before it)."""
    results = set(item.get("resulting_security_ids", [])) | {item.get("balance_security_id")}
    count = 0
    for written in reversed(objects[:-1]):
        if written.get("security_id") not in results:
            break
        count += 1
    return count


def _conversion_right(into: str, conversion_ratio: Fraction) -> dict[str, Any]:
    right: dict[str, Any] = {"type": "STOCK_CLASS_CONVERSION_RIGHT", "conversion_mechanism": {
        "type": "RATIO_CONVERSION", "conversion_price": money(Fraction(0)), "ratio": ratio(conversion_ratio),
        "rounding_type": "NORMAL"}}
    if into:
        right["converts_to_stock_class_id"] = into
    return right


__all__ = ["Objects", "Writer", "object_id", "stakeholder_id", "start_of", "without_comments"]
