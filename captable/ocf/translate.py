"""A package's objects, one by one, as events: the table of what each OCF object type becomes.

| OCF object | event |
| --- | --- |
| issuer (manifest) | CompanyFormed |
| STOCK_CLASS | ShareClassCreated (preferred: its RATIO_CONVERSION right) |
| STAKEHOLDER | the holder's name (and a warrant holder's address) |
| TX_STOCK_ISSUANCE | SharesIssued, unless another transaction results in it (a transfer, cancellation, |
|  | repurchase, exercise); restricted stock under a plan (its stock_plan_id) is a plan grant (OptionsIssued, |
|  | option_plan) exercised the same day (OptionsExercised) |
| TX_STOCK_TRANSFER | SharesTransferred, one per resulting security |
| TX_STOCK_CANCELLATION, TX_STOCK_REPURCHASE | SharesCancelled |
| TX_STOCK_CLASS_SPLIT | StockSplit |
| TX_STOCK_CLASS_CONVERSION_RATIO_ADJUSTMENT | ConversionRatioAdjusted |
| TX_STOCK_CLASS_AUTHORIZED_SHARES_ADJUSTMENT | AuthorizedSharesChanged |
| TX_WARRANT_ISSUANCE | WarrantIssued |
| TX_WARRANT_EXERCISE | WarrantExercised (its shares issue to the holder, as the engine's exercise issues them) |
| TX_WARRANT_CANCELLATION | WarrantCancelled (a balance security stays the same warrant) |

Other stock and warrant transactions are in ``holding_changes``, equity compensation in ``equity_compensation``,
convertibles in ``convertibles``.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from captable.ocf import mapping as m
from captable.ocf.convertibles import PARTLY_MODELLED, Convertibles
from captable.ocf.equity_compensation import EquityCompensation
from captable.ocf.holding_changes import HoldingChanges
from captable.ocf.mapping import Inconsistent, Item, Mapping
from captable.ocf.securities import Securities


class Translator(HoldingChanges, EquityCompensation, Convertibles):
    """Maps one package in order, following its securities (``Securities``)."""

    def __init__(self, out: Mapping, formed: str, issuances: dict[str, Item], stakeholders: dict[str, Item],
                 system: str = "OCF") -> None:
        self.out = out
        self.system = system  # "OCF" and the package's version, as each RecordKept names it
        self.formed = formed  # the issuer's formation day: a class without a board approval day dates from it
        self.zone = ZoneInfo(out.timezone)
        self.issuances = issuances  # every TX_STOCK_ISSUANCE and TX_WARRANT_ISSUANCE by its security_id
        self.stakeholders = stakeholders
        self.names = m.holder_names(stakeholders.values())
        self.classes: dict[str, str] = {}  # class id -> COMMON or PREFERRED
        self.securities = Securities()
        self.consumed: dict[str, str] = {}  # an issuance's security_id -> the transaction that results in it
        self.plans: dict[str, dict[str, Any]] = {}  # STOCK_PLAN objects by id: the class a grant acquires
        self.grants: dict[str, str] = {}  # an option security's id -> the event id of the grant that holds it
        self.ratios: dict[str, tuple[str, Fraction]] = {}  # preferred class -> (its common, the ratio in effect)
        self.table: dict[str, Callable[[Item], list[dict[str, Any]]]] = {
            "STOCK_CLASS": self.stock_class,
            "TX_STOCK_ISSUANCE": self.stock_issuance,
            "TX_STOCK_TRANSFER": self.stock_transfer,
            "TX_STOCK_CANCELLATION": self.stock_cancellation,
            "TX_STOCK_REPURCHASE": self.stock_cancellation,
            "TX_STOCK_CLASS_SPLIT": self.split,
            "TX_STOCK_CLASS_CONVERSION_RATIO_ADJUSTMENT": self.ratio_adjustment,
            "TX_STOCK_CLASS_AUTHORIZED_SHARES_ADJUSTMENT": self.authorized_adjustment,
            "TX_WARRANT_ISSUANCE": self.warrant_issuance,
            "TX_WARRANT_EXERCISE": self.warrant_exercise,
            "TX_WARRANT_CANCELLATION": self.warrant_cancellation,
            "TX_STOCK_RETRACTION": self.stock_retraction,
            "TX_STOCK_CONVERSION": self.stock_conversion,
            "TX_STOCK_REISSUANCE": self.stock_reissuance,
            "TX_STOCK_CONSOLIDATION": self.stock_consolidation,
            "TX_STOCK_ACCEPTANCE": self.acceptance,
            "TX_WARRANT_ACCEPTANCE": self.acceptance,
            "TX_WARRANT_TRANSFER": self.warrant_transfer,
            "TX_WARRANT_RETRACTION": self.warrant_retraction,
            "TX_EQUITY_COMPENSATION_ISSUANCE": self.option_grant,
            "TX_EQUITY_COMPENSATION_EXERCISE": self.option_exercise,
            "TX_EQUITY_COMPENSATION_RELEASE": self.option_exercise,
            "TX_EQUITY_COMPENSATION_CANCELLATION": self.option_cancellation,
            "TX_EQUITY_COMPENSATION_RETRACTION": self.option_cancellation,
            "TX_EQUITY_COMPENSATION_TRANSFER": self.option_transfer,
            "TX_EQUITY_COMPENSATION_ACCEPTANCE": self.acceptance,
            "TX_CONVERTIBLE_ISSUANCE": self.convertible_issuance,
            "TX_CONVERTIBLE_CONVERSION": self.convertible_end,
            "TX_CONVERTIBLE_CANCELLATION": self.convertible_end,
            "TX_CONVERTIBLE_RETRACTION": self.convertible_end,
        }
        self.warrants: dict[str, str] = {}  # a warrant security's id -> the engine's warrant (its first security)

    def map(self, item: Item) -> None:
        """One object into events, or into the report as kept or refused."""
        kind = item.object_type
        if kind == "STOCK_PLAN":  # kept, and read for the class its grants acquire
            self.plans[item.id] = item.data
        handler = self.table.get(kind)
        if handler is None:
            self._unmapped(item)
            return
        try:
            bodies = handler(item)
            events = [m.parsed(item, body) for body in bodies]
        except Inconsistent as problem:
            self.out.refused.append(m.Problem(item.file, kind, item.id, str(problem)))
            return
        self.out.events.extend(events)
        self.out.origins.extend(item for _ in events)
        self.out.mapped.setdefault(kind, []).append(item.id)
        if kind in PARTLY_MODELLED:
            self.out.kept.append(m.Problem(item.file, kind, item.id, PARTLY_MODELLED[kind]))

    def _noted(self, item: Item, text: str) -> list[dict[str, Any]]:
        """A mapped object that changes no answer: kept in the history as written, with what it did."""
        return [{"type": "RecordKept", "id": m.event_id(item.id), "effective": m.kept_on(item, self.formed),
                 "system": self.system, "record_type": item.object_type, "record_id": item.id, "handling": text,
                 "original": m.original(item.written or item.data)}]

    def _unmapped(self, item: Item) -> None:
        kind = item.object_type
        text = m.kept_text(kind) or "an OCF object type this import does not know"
        try:
            event = m.parsed(item, {"type": "RecordKept", "id": m.event_id(item.id),
                                    "effective": m.kept_on(item, self.formed), "system": self.system,
                                    "record_type": kind, "record_id": item.id, "handling": text,
                                    "original": m.original(item.written or item.data)})
        except Inconsistent as problem:
            self.out.refused.append(m.Problem(item.file, kind, item.id, str(problem)))
            return
        self.out.events.append(event)
        self.out.origins.append(item)
        self.out.kept.append(m.Problem(item.file, kind, item.id, f"kept as a RecordKept fact: {text}"))

    # Classes and holders ----------------------------------------------------------------------------

    def stock_class(self, item: Item) -> list[dict[str, Any]]:
        data = item.data
        kind = data.get("class_type")
        if kind not in ("COMMON", "PREFERRED"):
            raise Inconsistent(f"class_type {kind!r} is neither COMMON nor PREFERRED")
        authorized = data.get("initial_shares_authorized")
        if not isinstance(authorized, str) or not authorized[:1].isdigit():
            raise Inconsistent(f"initial_shares_authorized {authorized!r}: the engine needs a number of shares")
        event: dict[str, Any] = {
            "type": "ShareClassCreated", "id": m.event_id(item.id), "class": item.id, "name": data.get("name"),
            "kind": kind.lower(), "authorized": m.format_exact(m.amount(authorized)),
            "effective": data.get("board_approval_date") or self.formed,
        }
        if kind == "PREFERRED":
            target, conversion = self._ratio_conversion(m.listed(data, "conversion_rights"))
            event.update(converts_to=target, conversion_ratio=m.format_exact(conversion))
            self.ratios[item.id] = (target, conversion)
        self.classes[item.id] = kind
        return [event]

    def _ratio_conversion(self, rights: list[Any]) -> tuple[str, Fraction]:
        """The preferred's conversion into common: OCF 1.2's RATIO_CONVERSION mechanism (1.0 and 1.1 put
        ``ratio`` and ``conversion_mechanism`` beside the class id)."""
        for right in rights:
            mechanism = right.get("conversion_mechanism") if isinstance(right, dict) else None
            if isinstance(mechanism, dict) and mechanism.get("type") == "RATIO_CONVERSION":
                target = right.get("converts_to_stock_class_id")
                if self.classes.get(str(target)) != "COMMON":
                    raise Inconsistent(f"converts_to_stock_class_id {target!r} is not a common class of the package")
                return str(target), m.ratio(mechanism.get("ratio"))
            if isinstance(right, dict) and right.get("conversion_mechanism") == "RATIO_CONVERSION":
                return str(right.get("converts_to_stock_class_id")), m.ratio(right.get("ratio"))
        raise Inconsistent("a preferred class needs a RATIO_CONVERSION right into a common class")

    def holder(self, item: Item) -> str:
        stakeholder = item.data.get("stakeholder_id")
        if not isinstance(stakeholder, str) or stakeholder not in self.names:
            raise Inconsistent(f"stakeholder_id {stakeholder!r} is not a stakeholder of the package")
        return self.names[stakeholder]

    def known_class(self, class_id: Any) -> str:
        if not isinstance(class_id, str) or class_id not in self.classes:
            raise Inconsistent(f"stock_class_id {class_id!r} is not a stock class of the package")
        return str(class_id)

    # Stock ------------------------------------------------------------------------------------------

    def stock_issuance(self, item: Item) -> list[dict[str, Any]]:
        security_id = str(item.data.get("security_id"))
        class_ = self.known_class(item.data.get("stock_class_id"))
        holder = self.holder(item)
        quantity = m.amount(item.data.get("quantity"))
        if security_id in self.consumed:  # its shares come from the transaction that results in it
            return []
        self.securities.issue(m.security_of(item, "stock", holder, class_, quantity))
        price = m.format_exact(m.amount(item.data.get("share_price") or "0"))
        if item.data.get("stock_plan_id"):
            # Restricted stock under a plan: a plan grant exercised the day it is made, so §4.4 deems it
            # outstanding (option_plan) and it draws on no other holder's grant.
            grant = m.event_id(item.id, "grant")
            return [{"type": "OptionsIssued", "id": grant, "effective": item.data.get("date"), "class": class_,
                     "holder": holder, "shares": m.format_exact(quantity), "exercise_price": price, "kind": "option",
                     "category": "option_plan"},
                    {"type": "OptionsExercised", "id": m.event_id(item.id), "effective": item.data.get("date"),
                     "grant": grant, "shares": m.format_exact(quantity)}]
        return [{"type": "SharesIssued", "id": m.event_id(item.id), "effective": item.data.get("date"),
                 "class": class_, "holder": holder, "shares": m.format_exact(quantity), "price_per_share": price}]

    def _resulting(self, item: Item, ids: list[Any], kind: str = "TX_STOCK_ISSUANCE") -> list[Item]:
        found = []
        for security_id in ids:
            issued = self.issuances.get(str(security_id))
            if issued is None or issued.object_type != kind:
                raise Inconsistent(f"resulting security {security_id!r} is issued by no {kind} in the package")
            found.append(issued)
        return found

    def _balance(self, item: Item, taken: m.Security, quantity: Fraction) -> None:
        """The holder's remainder: on the balance security the transaction names, else on the same one."""
        left = taken.remaining - quantity
        balance_id = item.data.get("balance_security_id")
        taken.open = balance_id is None and left > 0
        taken.remaining = left
        if balance_id is None:
            return
        balance = self._resulting(item, [balance_id])[0]
        if m.amount(balance.data.get("quantity")) != left or self.holder(balance) != taken.holder:
            raise Inconsistent(f"balance security {balance_id!r} must hold the remaining {m.format_exact(left)} "
                               f"shares for {taken.holder}")
        self.securities.issue(m.security_of(balance, "stock", taken.holder, taken.class_, left))

    def stock_transfer(self, item: Item) -> list[dict[str, Any]]:
        quantity = m.amount(item.data.get("quantity"))
        taken = self.securities.take(item.data.get("security_id"), "stock", quantity, m.day(item.data.get("date")))
        results = self._resulting(item, m.listed(item.data, "resulting_security_ids"))
        if not results:
            raise Inconsistent("a transfer needs resulting_security_ids: the transferee's securities")
        if sum(m.amount(r.data.get("quantity")) for r in results) != quantity:
            raise Inconsistent(f"the resulting securities do not add up to the {m.format_exact(quantity)} "
                               "shares transferred")
        events = []
        for part, result in enumerate(results, start=1):
            shares = m.amount(result.data.get("quantity"))
            to = self.holder(result)
            events.append({"type": "SharesTransferred", "id": m.event_id(item.id, part if len(results) > 1 else None),
                           "effective": item.data.get("date"), "class": taken.class_, "from": taken.holder,
                           "to": to, "shares": m.format_exact(shares)})
            self.securities.issue(m.security_of(result, "stock", to, taken.class_, shares))
        self._balance(item, taken, quantity)
        return events

    def stock_cancellation(self, item: Item) -> list[dict[str, Any]]:
        quantity = m.amount(item.data.get("quantity"))
        taken = self.securities.take(item.data.get("security_id"), "stock", quantity, m.day(item.data.get("date")))
        self._balance(item, taken, quantity)
        return [{"type": "SharesCancelled", "id": m.event_id(item.id), "effective": item.data.get("date"),
                 "class": taken.class_, "holder": taken.holder, "shares": m.format_exact(quantity)}]

    def split(self, item: Item) -> list[dict[str, Any]]:
        class_ = self.known_class(item.data.get("stock_class_id"))
        split_ratio = m.ratio(item.data.get("split_ratio"))
        self.securities.split(class_, split_ratio)
        for preferred, (target, conversion) in list(self.ratios.items()):  # the charter's ratio effects (§6 item 3)
            if target == class_:
                self.ratios[preferred] = (target, conversion * split_ratio)
            elif preferred == class_:
                self.ratios[preferred] = (target, conversion / split_ratio)
        return [{"type": "StockSplit", "id": m.event_id(item.id), "effective": item.data.get("date"),
                 "class": class_, "ratio": m.format_exact(split_ratio)}]

    def ratio_adjustment(self, item: Item) -> list[dict[str, Any]]:
        class_ = self.known_class(item.data.get("stock_class_id"))
        if self.classes[class_] != "PREFERRED":
            raise Inconsistent(f"stock class {class_!r} is common: only a preferred class has a conversion ratio")
        mechanism = m.member(item.data, "new_ratio_conversion_mechanism")
        self.ratios[class_] = (self.ratios[class_][0], m.ratio(mechanism.get("ratio")))
        comments = [str(c) for c in m.listed(item.data, "comments")]
        return [{"type": "ConversionRatioAdjusted", "id": m.event_id(item.id), "effective": item.data.get("date"),
                 "class": class_, "conversion_ratio": m.format_exact(m.ratio(mechanism.get("ratio"))),
                 "reason": " ".join(comments) or "OCF conversion ratio adjustment"}]

    def authorized_adjustment(self, item: Item) -> list[dict[str, Any]]:
        class_ = self.known_class(item.data.get("stock_class_id"))
        return [{"type": "AuthorizedSharesChanged", "id": m.event_id(item.id), "effective": item.data.get("date"),
                 "class": class_, "authorized": m.format_exact(m.amount(item.data.get("new_shares_authorized")))}]

    # Warrants ---------------------------------------------------------------------------------------

    def warrant_issuance(self, item: Item) -> list[dict[str, Any]]:
        data = item.data
        holder = self.holder(item)
        if str(data.get("security_id")) in self.consumed:  # a balance: the same warrant on a new certificate
            return []
        class_, fixed = self._warrant_class(m.listed(data, "exercise_triggers"))
        quantity = m.amount(data["quantity"]) if data.get("quantity") is not None else fixed
        if quantity is None:
            raise Inconsistent("the warrant states no quantity (nor a FIXED_AMOUNT_CONVERSION): the engine needs "
                               "the shares purchasable")
        if data.get("exercise_price") is None:
            raise Inconsistent("the warrant states no exercise_price: the engine needs the Stock Purchase Price")
        if data.get("warrant_expiration_date") is None:
            raise Inconsistent("the warrant states no warrant_expiration_date: the engine needs its expiry")
        address = m.stakeholder_address(self.stakeholders[data["stakeholder_id"]])
        if address is None:
            raise Inconsistent(f"stakeholder {data['stakeholder_id']!r} has no address: notices to a warrant "
                               "holder need one (§12)")
        self.securities.issue(m.security_of(item, "warrant", holder, class_, quantity))
        self.warrants[str(data.get("security_id"))] = str(data.get("security_id"))
        return [{"type": "WarrantIssued", "id": m.event_id(item.id), "effective": data.get("date"),
                 "warrant": str(data.get("security_id")), "holder": {"name": holder, "address": address},
                 "class": class_, "shares": m.format_exact(quantity),
                 "price": m.format_exact(m.amount(data["exercise_price"])),
                 "expires": m.expiry_instant(m.day(data["warrant_expiration_date"]), self.zone),
                 "certificate": str(data.get("custom_id") or data.get("security_id"))}]

    def _warrant_class(self, triggers: list[Any]) -> tuple[str, Fraction | None]:
        """The class the warrant's conversion right delivers, and its fixed quantity if it states one."""
        for trigger in triggers:
            right = trigger.get("conversion_right") if isinstance(trigger, dict) else None
            if isinstance(right, dict) and right.get("converts_to_stock_class_id"):
                mechanism = m.member(right, "conversion_mechanism")
                fixed = mechanism.get("converts_to_quantity") if mechanism.get("type") == "FIXED_AMOUNT_CONVERSION" \
                    else None
                return self.known_class(right["converts_to_stock_class_id"]), (
                    m.amount(fixed) if fixed is not None else None)
        raise Inconsistent("no exercise trigger names the stock class the warrant converts to")

    def warrant_exercise(self, item: Item) -> list[dict[str, Any]]:
        on = m.day(item.data.get("date"))
        warrant = self.securities.take(item.data.get("security_id"), "warrant", None, on)
        results = self._resulting(item, m.listed(item.data, "resulting_security_ids"))
        if not results:
            raise Inconsistent("an exercise needs resulting_security_ids: the shares it issued")
        units = sum((m.amount(r.data.get("quantity")) for r in results), Fraction(0))
        for result in results:
            if result.data.get("stock_class_id") != warrant.class_ or self.holder(result) != warrant.holder:
                raise Inconsistent(f"resulting security {result.data.get('security_id')!r} must be "
                                   f"{warrant.class_} shares issued to {warrant.holder}")
        taken = self.securities.take(warrant.id, "warrant", units, on)
        taken.remaining -= units
        taken.open = taken.remaining > 0
        for result in results:
            self.securities.issue(m.security_of(result, "stock", warrant.holder, warrant.class_,
                                                m.amount(result.data.get("quantity"))))
        # The payment is units × the price in effect then, which the engine knows: filled in by ``exercises``.
        return [{"type": "WarrantExercised", "id": m.event_id(item.id), "effective": item.data.get("date"),
                 "warrant": self.warrants[warrant.id], "shares": m.format_exact(units) if taken.open else "all",
                 "payment": "0"}]

    def warrant_cancellation(self, item: Item) -> list[dict[str, Any]]:
        quantity = m.amount(item.data.get("quantity"))
        on = m.day(item.data.get("date"))
        taken = self.securities.take(item.data.get("security_id"), "warrant", quantity, on)
        warrant = self.warrants[taken.id]
        left = taken.remaining - quantity
        balance_id = item.data.get("balance_security_id")
        taken.remaining, taken.open = left, balance_id is None and left > 0
        if balance_id is not None:
            balance = self._resulting(item, [balance_id], "TX_WARRANT_ISSUANCE")[0]
            if m.amount(balance.data.get("quantity")) != left or self.holder(balance) != taken.holder:
                raise Inconsistent(f"balance security {balance_id!r} must be a warrant for the remaining "
                                   f"{m.format_exact(left)} shares held by {taken.holder}")
            self.securities.issue(m.security_of(balance, "warrant", taken.holder, taken.class_, left))
            self.warrants[str(balance_id)] = warrant
        return [{"type": "WarrantCancelled", "id": m.event_id(item.id), "effective": item.data.get("date"),
                 "warrant": warrant, "shares": "all" if left == 0 else m.format_exact(quantity),
                 "reason": str(item.data.get("reason_text") or "OCF warrant cancellation")}]
