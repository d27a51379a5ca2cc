"""OCF equity compensation (options, RSUs, SARs) as grants of the catalogue (``OptionsIssued`` and the facts that
move a grant): in the cap table by holder, and in §4.4's base by their plan.

| OCF object | event |
| --- | --- |
| TX_EQUITY_COMPENSATION_ISSUANCE | OptionsIssued (kind option, its OCF terms kept; under a plan in §4.4's option_plan) |
| TX_EQUITY_COMPENSATION_EXERCISE, _RELEASE | OptionsExercised (the shares it results in issue to the holder) |
| TX_EQUITY_COMPENSATION_CANCELLATION, _RETRACTION | OptionsCancelled |
| TX_EQUITY_COMPENSATION_TRANSFER | OptionsTransferred, one per resulting security |
| TX_EQUITY_COMPENSATION_ACCEPTANCE | checked against the grant; kept as a RecordKept fact, nothing changes |

An RSU's or a SAR's grant is read as an option at its base price (a SAR) or at nothing (an RSU): what §4.4
reads of it is the shares it may issue and what the holder pays for them.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from captable.ocf import mapping as m
from captable.ocf.mapping import Inconsistent, Item

OPTIONS = ("OPTION", "OPTION_ISO", "OPTION_NSO")
# OCF's compensation_type as OptionsIssued's grant_type, and back (export_rights).
GRANT_TYPES = {"OPTION_ISO": "iso", "OPTION_NSO": "nso", "OPTION": "option", "RSU": "rsu", "CSAR": "cash_sar",
               "SSAR": "stock_sar"}
# A termination window's reason and period type as the catalogue writes them: OCF's enum in lower case.
WINDOW_REASONS = ("VOLUNTARY_OTHER", "VOLUNTARY_GOOD_CAUSE", "VOLUNTARY_RETIREMENT", "INVOLUNTARY_OTHER",
                  "INVOLUNTARY_DEATH", "INVOLUNTARY_DISABILITY", "INVOLUNTARY_WITH_CAUSE")
PERIOD_TYPES = ("DAYS", "MONTHS", "YEARS")
GRANT = "TX_EQUITY_COMPENSATION_ISSUANCE"


class EquityCompensation:
    """The handlers of equity compensation objects (mixed into ``translate.Translator``)."""

    def _plan_class(self, data: dict[str, Any]) -> str:
        if data.get("stock_class_id"):
            return self.known_class(data.get("stock_class_id"))
        plan = self.plans.get(str(data.get("stock_plan_id")))
        if plan is None:
            raise Inconsistent(f"stock_plan_id {data.get('stock_plan_id')!r} is not a stock plan of the package, and "
                               "the grant names no stock_class_id")
        classes = m.listed(plan, "stock_class_ids") or [plan.get("stock_class_id")]
        if len(classes) != 1:
            raise Inconsistent(f"plan {plan.get('id')!r} holds several classes: the grant must name its stock_class_id")
        return self.known_class(classes[0])

    def option_grant(self, item: Item) -> list[dict[str, Any]]:
        data = item.data
        security_id = str(data.get("security_id"))
        holder = self.holder(item)
        if security_id in self.consumed:  # a transfer's or cancellation's result: the same grant, moved
            return []
        class_ = self._plan_class(data)
        kind = data.get("compensation_type")
        price = data.get("exercise_price") or data.get("base_price")
        if price is None and kind in OPTIONS:
            raise Inconsistent("an option states no exercise_price: §4.4 reads the price paid on exercise")
        quantity = m.amount(data.get("quantity"))
        event_id = m.event_id(item.id)
        self.securities.issue(m.security_of(item, "option", holder, class_, quantity))
        self.grants[security_id] = event_id
        event = {"type": "OptionsIssued", "id": event_id, "effective": data.get("date"), "class": class_,
                 "holder": holder, "shares": m.format_exact(quantity), "kind": "option",
                 "exercise_price": m.format_exact(m.amount(price) if price is not None else Fraction(0))}
        if data.get("stock_plan_id"):
            event["category"] = "option_plan"  # §4.4: under a Board-approved plan, deemed outstanding
        return [{**event, **option_terms(data)}]

    def option_exercise(self, item: Item) -> list[dict[str, Any]]:
        """An exercise (or an RSU's release): the shares it results in, issued to the grant's holder."""
        results = self._resulting(item, m.listed(item.data, "resulting_security_ids"))
        if not results:
            raise Inconsistent("an exercise needs resulting_security_ids: the shares it issued")
        issued = sum((m.amount(r.data.get("quantity")) for r in results), Fraction(0))
        written = item.data.get("quantity")
        quantity = m.amount(written) if m.given(written) else issued
        taken = self.securities.take(item.data.get("security_id"), "option", quantity, m.day(item.data.get("date")))
        if issued != quantity:
            raise Inconsistent(f"the resulting securities hold {m.format_exact(issued)} shares, not the "
                               f"{m.format_exact(quantity)} exercised")
        for result in results:
            if result.data.get("stock_class_id") != taken.class_ or self.holder(result) != taken.holder:
                raise Inconsistent(f"resulting security {result.data.get('security_id')!r} must be {taken.class_} "
                                   f"shares issued to {taken.holder}")
            self.securities.issue(m.security_of(result, "stock", taken.holder, taken.class_,
                                                m.amount(result.data.get("quantity"))))
        self._draw_option(taken, quantity)
        return [{"type": "OptionsExercised", "id": m.event_id(item.id), "effective": item.data.get("date"),
                 "grant": self.grants[taken.id], "shares": m.format_exact(quantity)}]

    def option_cancellation(self, item: Item) -> list[dict[str, Any]]:
        retraction = item.object_type.endswith("RETRACTION")
        on = m.day(item.data.get("date"))
        quantity = None if retraction else m.amount(item.data.get("quantity"))
        taken = self.securities.take(item.data.get("security_id"), "option", quantity, on)
        quantity = taken.remaining if quantity is None else quantity
        self._draw_option(taken, quantity, item.data.get("balance_security_id"))
        reason = str(item.data.get("reason_text") or "").strip()
        why = ("OCF equity compensation retraction" if retraction else "OCF equity compensation cancellation")
        return [{"type": "OptionsCancelled", "id": m.event_id(item.id), "effective": item.data.get("date"),
                 "grant": self.grants[taken.id], "shares": m.format_exact(quantity),
                 "reason": f"{why}: {reason}" if reason else why}]

    def option_transfer(self, item: Item) -> list[dict[str, Any]]:
        quantity = m.amount(item.data.get("quantity"))
        taken = self.securities.take(item.data.get("security_id"), "option", quantity, m.day(item.data.get("date")))
        results = self._resulting(item, m.listed(item.data, "resulting_security_ids"), GRANT)
        if not results or sum(m.amount(r.data.get("quantity")) for r in results) != quantity:
            raise Inconsistent(f"a transfer's resulting_security_ids must hold the {m.format_exact(quantity)} "
                               "shares transferred")
        grant = self.grants[taken.id]
        self._draw_option(taken, quantity, item.data.get("balance_security_id"))
        events = []
        for part, result in enumerate(results, start=1):
            shares = m.amount(result.data.get("quantity"))
            to = self.holder(result)
            event_id = m.event_id(item.id, part if len(results) > 1 else None)
            self.securities.issue(m.security_of(result, "option", to, taken.class_, shares))
            self.grants[str(result.data.get("security_id"))] = event_id
            events.append({"type": "OptionsTransferred", "id": event_id, "effective": item.data.get("date"),
                           "grant": grant, "to": to, "shares": m.format_exact(shares)})
        return events

    def _draw_option(self, taken: m.Security, quantity: Fraction, balance_id: Any = None) -> None:
        """What is left of the grant: on the balance security the transaction names, else on the same one."""
        left = taken.remaining - quantity
        taken.remaining, taken.open = left, balance_id is None and left > 0
        if balance_id is None:
            return
        balance = self._resulting(Item("", 0, {}), [balance_id], GRANT)[0]
        if m.amount(balance.data.get("quantity")) != left or self.holder(balance) != taken.holder:
            raise Inconsistent(f"balance security {balance_id!r} must hold the remaining {m.format_exact(left)} "
                               f"options for {taken.holder}")
        self.securities.issue(m.security_of(balance, "option", taken.holder, taken.class_, left))
        self.grants[str(balance_id)] = self.grants[taken.id]


def option_terms(data: dict[str, Any]) -> dict[str, Any]:
    """The grant's terms the engine keeps though §4.4 does not read them: what kind of grant it is, when it
    expires and how long it may be exercised after service ends. An exporter's placeholder (null, blank, an
    empty list) states nothing."""
    terms: dict[str, Any] = {}
    kind = data.get("compensation_type")
    if m.given(kind):
        if not isinstance(kind, str) or kind not in GRANT_TYPES:
            raise Inconsistent(f"compensation_type {kind!r} is not one of {', '.join(GRANT_TYPES)}")
        terms["grant_type"] = GRANT_TYPES[kind]
    if m.given(data.get("expiration_date")):
        terms["expiration_date"] = m.day(data["expiration_date"]).isoformat()
    windows = [termination_window(w) for w in m.listed(data, "termination_exercise_windows")]
    if windows:
        terms["termination_windows"] = windows
    return terms


def termination_window(window: Any) -> dict[str, Any]:
    """An OCF termination exercise window as OptionsIssued's: its enums in lower case, its period whole."""
    if not isinstance(window, dict):
        raise Inconsistent("a termination exercise window must be an object of reason, period and period_type")
    reason, period, unit = window.get("reason"), window.get("period"), window.get("period_type")
    if reason not in WINDOW_REASONS:
        raise Inconsistent(f"termination exercise window reason {reason!r} is not one of {', '.join(WINDOW_REASONS)}")
    if type(period) is not int or period < 0:
        raise Inconsistent(f"termination exercise window period {period!r} must be a whole number ≥ 0")
    if unit not in PERIOD_TYPES:
        raise Inconsistent(f"termination exercise window period_type {unit!r} is not one of {', '.join(PERIOD_TYPES)}")
    return {"reason": reason.lower(), "period": period, "unit": unit.lower()}
