"""The engine's events as OCF v1.2.0 objects: what each event type becomes (docs/ocf.md has the table).

The writer folds the history in effective order beside the engine's own fold (``projections.fold``), so it
knows each holding before and after each event. OCF names a holding by its ``security_id`` and changes it
only by consuming it: a transfer, cancellation or conversion names the securities that result, and the
holder's remainder (``balance_security_id``). The engine keeps holdings by holder and class, so the writer
keeps them as OCF securities, first issued first drawn.

The writer is built in four parts: ``export_base`` (ids, addresses, the securities followed),
``export_rights`` (warrants and options), ``export_convertibles`` (SAFEs and notes) and this module (the
issuer, classes, stock, valuations, kept records, and which handler each event type has).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from captable.events import (
    AuthorizedSharesChanged, BoardValuation, CompanyFormed, ConversionRatioAdjusted, ConvertibleEnded,
    ConvertibleIssued, Event, OptionsCancelled, OptionsExercised, OptionsIssued, OptionsTransferred, RecordKept,
    ShareClassCreated, SharesCancelled, SharesIssued, SharesTransferred, StockSplit, WarrantCancelled,
    WarrantExercised, WarrantIssued, WarrantNetExercised, WarrantTransferred,
)
from captable.ocf.export_base import (
    NOT_RECORDED, Objects, Security, address, comment, made_after, object_id, stakeholder_id, without_comments,
)
from captable.ocf.export_convertibles import ConvertiblesWriter
from captable.ocf.export_rights import RightsWriter
from captable.ocf.holding_changes import ACCEPTED_PATTERN
from captable.ocf.numeric import exact_note, money, numeric, ratio
from projections.fold import apply
from projections.state import CompanyState
from projections.timeline import Entry

# The package file each kept OCF object type goes back into (a kept transaction goes to the transactions).
KEPT_FILES = {
    "STOCK_PLAN": "stock_plans", "VALUATION": "valuations", "VESTING_TERMS": "vesting_terms",
    "STOCK_LEGEND_TEMPLATE": "stock_legend_templates", "FINANCING": "financings", "DOCUMENT": "documents",
    "STOCK_CLASS": "stock_classes", "STAKEHOLDER": "stakeholders",
}
READS_BEFORE = (WarrantExercised, WarrantNetExercised, WarrantTransferred, WarrantCancelled)


class Writer(RightsWriter, ConvertiblesWriter):
    """Writes each entry of the fold as OCF objects, following the holdings as OCF securities."""

    def __init__(self, zone: ZoneInfo, state: CompanyState) -> None:
        super().__init__(zone, state)
        self.table: dict[type[Event], Callable[[Event, Entry, CompanyState], None]] = {
            CompanyFormed: self.company_formed, ShareClassCreated: self.share_class,
            AuthorizedSharesChanged: self.authorized, SharesIssued: self.shares_issued,
            SharesTransferred: self.shares_transferred, SharesCancelled: self.shares_cancelled,
            StockSplit: self.split, ConversionRatioAdjusted: self.ratio_adjusted, WarrantIssued: self.warrant_issued,
            WarrantExercised: self.warrant_exercised, WarrantNetExercised: self.warrant_exercised,
            WarrantTransferred: self.warrant_transferred, WarrantCancelled: self.warrant_cancelled,
            BoardValuation: self.valuation, RecordKept: self.kept, OptionsIssued: self.options_issued,
            OptionsExercised: self.options_exercised, OptionsCancelled: self.options_cancelled,
            OptionsTransferred: self.options_transferred, ConvertibleIssued: self.convertible_issued,
            ConvertibleEnded: self.convertible_ended,
        }

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
    # Issuer and classes ----------------------------------------------------------------------------

    def company_formed(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        assert isinstance(fact, CompanyFormed)
        issuer: dict[str, Any] = {"id": object_id(fact), "object_type": "ISSUER", "legal_name": fact.name,
                                  "formation_date": self.day(entry), "country_of_formation": "US"}
        if fact.address:
            issuer["address"] = {**address(fact.address), "address_type": "LEGAL"}
        self.out.issuer = comment(issuer, NOT_RECORDED.format(what="the country of formation",
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
        self.out.add("stock_classes", fact, comment(item, *notes))

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
        for grant in self.grants.values():  # a grant is scaled as the holdings are (projections.option_grants)
            if grant.class_ == fact.class_:
                grant.remaining, grant.price = grant.remaining * fact.ratio, grant.price / fact.ratio
        self.out.add("transactions", fact, {
            "id": object_id(fact), "object_type": "TX_STOCK_CLASS_SPLIT", "date": self.day(entry),
            "stock_class_id": fact.class_, "split_ratio": ratio(fact.ratio)})

    def ratio_adjusted(self, fact: Event, entry: Entry, before: CompanyState) -> None:
        assert isinstance(fact, ConversionRatioAdjusted)
        item = {"id": object_id(fact), "object_type": "TX_STOCK_CLASS_CONVERSION_RATIO_ADJUSTMENT",
                "date": self.day(entry), "stock_class_id": fact.class_,
                "new_ratio_conversion_mechanism": _conversion_right("", fact.conversion_ratio)["conversion_mechanism"]}
        self.out.add("transactions", fact, comment(item, fact.reason))

    # Stock -----------------------------------------------------------------------------------------

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
            self.out.add("transactions", fact, comment(item, exact_note("quantity", take)))
            # The transaction comes before the securities it results in, as OCF exporters write them.
            objects = self.out.files["transactions"]
            objects.insert(len(objects) - 1 - made_after(objects, item), objects.pop())
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
    # Valuations and kept records -------------------------------------------------------------------

    def valuation(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        assert isinstance(fact, BoardValuation)
        self.out.add("valuations", fact, comment({
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
        accepted = ACCEPTED_PATTERN.match(fact.handling) if kind.endswith("_ACCEPTANCE") else None
        if accepted:
            item["security_id"] = self._accepted(accepted, item.get("security_id"))
        if kind == "STOCK_PLAN":
            self.plans.append(str(item.get("id")))
        self.out.add(file, fact, item)

    def _accepted(self, accepted: re.Match[str], written: Any) -> Any:
        """The security this export issued for the holding an acceptance names (its first open one of a holder's
        shares of a class); the package's own id when the export holds none (an import then refuses it)."""
        if accepted["warrant"]:
            found = self.warrants.get(accepted["warrant"])
            return found.id if found else written
        if accepted["grant"]:
            grant = self.grants.get(accepted["grant"])
            return grant.security_id if grant else written
        held = self.securities.get((accepted["holder"], accepted["class_"]))
        return held[0].id if held else written

    def stakeholders(self) -> None:
        for name, where in self.out.holders.items():
            item: dict[str, Any] = {"id": stakeholder_id(name), "object_type": "STAKEHOLDER",
                                    "name": {"legal_name": name}, "stakeholder_type": "INSTITUTION"}
            if where:
                item["addresses"] = [address(where)]
            self.out.files.setdefault("stakeholders", []).append(comment(item, NOT_RECORDED.format(
                what="whether a holder is a person or an institution", value="INSTITUTION")))

def _conversion_right(into: str, conversion_ratio: Fraction) -> dict[str, Any]:
    right: dict[str, Any] = {"type": "STOCK_CLASS_CONVERSION_RIGHT", "conversion_mechanism": {
        "type": "RATIO_CONVERSION", "conversion_price": money(Fraction(0)), "ratio": ratio(conversion_ratio),
        "rounding_type": "NORMAL"}}
    if into:
        right["converts_to_stock_class_id"] = into
    return right

__all__ = ["Objects", "Writer", "object_id", "stakeholder_id", "without_comments"]
