"""OCF convertibles (SAFEs, notes) as ``ConvertibleIssued``: shown in the cap table as outstanding with their
terms, and reported as kept without their conversion modelled; a conversion, cancellation or retraction ends
one (``ConvertibleEnded``), and the shares a conversion results in are mapped as issued by their own objects.

The terms read are the first conversion right's SAFE or note mechanism: its valuation cap, discount and (a
note's) first interest rate; a trigger on a date is a note's maturity. Anything else stays in the terms text.
"""

from __future__ import annotations

from typing import Any

from captable.ocf import mapping as m
from captable.ocf.mapping import Inconsistent, Item

KINDS = {"SAFE": "safe", "NOTE": "note", "CONVERTIBLE_SECURITY": "other"}
HANDLING = ("shown in the cap table as outstanding with its terms; its conversion is not modelled, and §4.4 reads "
            "the shares it converts into when they issue")
# Mapped, and reported as kept too: what the engine does not model of them.
PARTLY_MODELLED = {"TX_CONVERTIBLE_ISSUANCE": HANDLING}
ENDS = {"TX_CONVERTIBLE_CONVERSION": "converted", "TX_CONVERTIBLE_CANCELLATION": "cancelled",
        "TX_CONVERTIBLE_RETRACTION": "retracted"}


class Convertibles:
    """The handlers of convertible objects (mixed into ``translate.Translator``)."""

    def convertible_issuance(self, item: Item) -> list[dict[str, Any]]:
        data = item.data
        holder = self.holder(item)
        kind = KINDS.get(str(data.get("convertible_type")))
        if kind is None:
            raise Inconsistent(f"convertible_type {data.get('convertible_type')!r} is none of SAFE, NOTE, "
                               "CONVERTIBLE_SECURITY")
        investment = m.amount(data.get("investment_amount"))
        security = m.security_of(item, "convertible", holder, "", investment)
        self.securities.issue(security)
        event: dict[str, Any] = {"type": "ConvertibleIssued", "id": m.event_id(item.id),
                                 "effective": data.get("date"), "convertible": security.id, "holder": holder,
                                 "kind": kind, "investment": m.format_exact(investment)}
        words = []
        for trigger in m.listed(data, "conversion_triggers"):
            if not isinstance(trigger, dict):
                raise Inconsistent("conversion_triggers holds something other than a trigger")
            if trigger.get("type") == "AUTOMATIC_ON_DATE" and "maturity" not in event and trigger.get("trigger_date"):
                event["maturity"] = m.day(trigger["trigger_date"]).isoformat()
            mechanism = m.member(m.member(trigger, "conversion_right"), "conversion_mechanism")
            if mechanism.get("type") in ("SAFE_CONVERSION", "CONVERTIBLE_NOTE_CONVERSION", "NOTE_CONVERSION") \
                    and "terms_read" not in event:
                event["terms_read"] = True
                if mechanism.get("conversion_valuation_cap") is not None:
                    event["valuation_cap"] = m.format_exact(m.amount(mechanism["conversion_valuation_cap"]))
                if mechanism.get("conversion_discount") is not None:
                    event["discount"] = m.format_exact(m.amount(mechanism["conversion_discount"]))
                rates = m.listed(mechanism, "interest_rates")
                if rates and isinstance(rates[0], dict):
                    event["interest_rate"] = m.format_exact(m.amount(rates[0].get("rate")))
                if mechanism.get("conversion_timing"):
                    words.append(f"{str(mechanism['conversion_timing']).lower().replace('_', '-')} conversion")
            if trigger.get("trigger_description") or trigger.get("nickname"):
                words.append(str(trigger.get("trigger_description") or trigger.get("nickname")))
        event.pop("terms_read", None)
        if words:
            event["terms"] = "; ".join(words)
        return [event]

    def convertible_end(self, item: Item) -> list[dict[str, Any]]:
        taken = self.securities.take(item.data.get("security_id"), "convertible", None, m.day(item.data.get("date")))
        taken.open = False
        reason = str(item.data.get("reason_text") or "").strip()
        event = {"type": "ConvertibleEnded", "id": m.event_id(item.id), "effective": item.data.get("date"),
                 "convertible": taken.id, "how": ENDS[item.object_type]}
        if reason:
            event["reason"] = reason
        return [event]
