"""Convertibles (SAFEs, notes) as OCF objects: ``ConvertibleIssued`` as a TX_CONVERTIBLE_ISSUANCE with the terms
the engine holds, ``ConvertibleEnded`` as the transaction that ends one (converted, cancelled, retracted; a
repayment, which OCF has no transaction for, as a cancellation that says so).

An import reads the terms back from the first conversion trigger (``captable.ocf.convertibles``): the SAFE or
note mechanism's valuation cap, discount and first interest rate, a trigger on a date as a note's maturity, and
the trigger's description as the terms text. What OCF requires and the engine does not hold (a SAFE's most
favoured nation clause, a note's interest conventions, the seniority) is written as a placeholder the comments
name.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from captable.events import ConvertibleEnded, ConvertibleIssued, Event
from captable.ocf.export_base import NOT_RECORDED, WriterBase, comment, object_id
from captable.ocf.numeric import exact_note, money, numeric
from projections.state import CompanyState
from projections.timeline import Entry

OCF_TYPES = {"safe": "SAFE", "note": "NOTE", "other": "CONVERTIBLE_SECURITY"}
ENDINGS = {"converted": "TX_CONVERTIBLE_CONVERSION", "cancelled": "TX_CONVERTIBLE_CANCELLATION",
           "repaid": "TX_CONVERTIBLE_CANCELLATION", "retracted": "TX_CONVERTIBLE_RETRACTION"}
NOTE_CONVENTIONS = {"day_count_convention": "ACTUAL_365", "interest_payout": "DEFERRED",
                    "interest_accrual_period": "ANNUAL", "compounding_type": "SIMPLE"}


class ConvertiblesWriter(WriterBase):
    """The handlers for convertibles (mixed into ``export_objects.Writer``)."""

    def convertible_issued(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        assert isinstance(fact, ConvertibleIssued)
        day = self.day(entry)
        notes = [NOT_RECORDED.format(what="a convertible's seniority", value="1")]
        mechanism = self._mechanism(fact, day, notes)
        trigger: dict[str, Any] = {"trigger_id": f"{fact.convertible}.conversion", "type": "UNSPECIFIED",
                                   "conversion_right": {"type": "CONVERTIBLE_CONVERSION_RIGHT",
                                                        "conversion_mechanism": mechanism}}
        if fact.maturity is not None:
            trigger.update(type="AUTOMATIC_ON_DATE", trigger_date=fact.maturity.isoformat())
        if fact.terms:
            trigger["trigger_description"] = fact.terms
        item = {"id": self._fresh(object_id(fact)), "object_type": "TX_CONVERTIBLE_ISSUANCE",
                "security_id": fact.convertible, "custom_id": fact.convertible, "date": day,
                "stakeholder_id": self._mention(fact.holder), "investment_amount": money(fact.investment),
                "convertible_type": OCF_TYPES[fact.kind], "conversion_triggers": [trigger], "seniority": 1,
                "security_law_exemptions": []}
        self.convertibles[fact.convertible] = fact
        self.out.add("transactions", fact, comment(item, *notes, exact_note("investment_amount", fact.investment)))

    def _mechanism(self, fact: ConvertibleIssued, day: str, notes: list[str | None]) -> dict[str, Any]:
        """The conversion mechanism that carries the terms the engine holds."""
        if fact.kind == "other":
            return {"type": "CUSTOM_CONVERSION", "custom_conversion_description": fact.terms or
                    "the engine records no conversion terms for this convertible"}
        found: dict[str, Any] = {"type": "SAFE_CONVERSION", "conversion_mfn": False}
        if fact.kind == "note":
            rate = fact.interest_rate if fact.interest_rate is not None else Fraction(0)
            found = {"type": "CONVERTIBLE_NOTE_CONVERSION", "interest_rates": [
                {"rate": numeric(rate), "accrual_start_date": day}], **NOTE_CONVENTIONS}
            notes.append(NOT_RECORDED.format(what="a note's interest conventions",
                                             value="ACTUAL_365, DEFERRED, ANNUAL and SIMPLE"))
            notes.append(exact_note("interest_rate", rate))
        else:
            notes.append(NOT_RECORDED.format(what="a SAFE's most favoured nation clause", value="false"))
        if fact.valuation_cap is not None:
            found["conversion_valuation_cap"] = money(fact.valuation_cap)
            notes.append(exact_note("conversion_valuation_cap", fact.valuation_cap))
        if fact.discount is not None:
            found["conversion_discount"] = numeric(fact.discount)
            notes.append(exact_note("conversion_discount", fact.discount))
        return found

    def convertible_ended(self, fact: Event, entry: Entry, before: CompanyState) -> None:
        assert isinstance(fact, ConvertibleEnded)
        issued = self.convertibles[fact.convertible]
        kind = ENDINGS[fact.how]
        item: dict[str, Any] = {"id": self._fresh(object_id(fact)), "object_type": kind, "date": self.day(entry),
                                "security_id": fact.convertible}
        notes: list[str | None] = []
        if fact.reason:
            item["reason_text"] = fact.reason
        if kind == "TX_CONVERTIBLE_CONVERSION":
            item.update(trigger_id=f"{fact.convertible}.conversion", resulting_security_ids=[])
            item.setdefault("reason_text", "converted")
            self.conversions.append((item, issued.holder))
        elif kind == "TX_CONVERTIBLE_CANCELLATION":
            item["amount"] = money(issued.investment)
            item.setdefault("reason_text", fact.how)
            if fact.how == "repaid":
                notes.append("repaid: OCF v1.2.0 has no repayment transaction, so it is written as a cancellation")
        self.out.add("transactions", fact, comment(item, *notes))

    def conversion_results(self) -> None:
        """Each conversion names the shares it resulted in: the engine records those as issued by their own
        events, so they are the holder's stock issuances of the conversion's day."""
        items = self.out.files.get("transactions", [])
        results = {r for i in items for r in [*i.get("resulting_security_ids", []), i.get("balance_security_id")]}
        issued = [i for i in items if i["object_type"] == "TX_STOCK_ISSUANCE" and i["security_id"] not in results]
        for item, holder in self.conversions:
            found = [i["security_id"] for i in issued
                     if i["date"] == item["date"] and i["stakeholder_id"] == self._mention(holder)]
            item["resulting_security_ids"] = found
            comment(item, "the engine does not record which shares a conversion resulted in: the holder's stock "
                          "issuances of its day are named" if found else
                          "the engine records no shares issued to the holder on the conversion's day")
