"""OCF stock and warrant transactions beyond issuance, transfer, cancellation and exercise.

| OCF object | event |
| --- | --- |
| TX_STOCK_RETRACTION | SharesCancelled of what the security still holds (the issuance is undone from its date) |
| TX_STOCK_CONVERSION | SharesConverted (preferred into common at the ratio then in effect) |
| TX_STOCK_REISSUANCE, TX_STOCK_CONSOLIDATION | the same shares on new certificates: no holding changes; the |
|  | resulting securities carry the holding, and the object is kept as a RecordKept fact |
| TX_STOCK_ACCEPTANCE, TX_WARRANT_ACCEPTANCE | checked against the security; kept as a RecordKept fact that |
|  | names the holding accepted |
| TX_WARRANT_TRANSFER | WarrantTransferred (the whole warrant; §2's basis and the transferee's agreement from its comments) |
| TX_WARRANT_RETRACTION | WarrantCancelled of every unit left |
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from captable.numbers import whole
from captable.ocf import mapping as m
from captable.ocf.mapping import Inconsistent, Item

# §2: a transfer needs a basis, which OCF has no field for; an exporter writes it in the comments.
# A registered holder is not a registered transfer: registration means a registration statement or the Act's.
BASES = {"registration": r"\bregistration statement\b|\bregistered under the securities act\b",
         "rule_144": r"\brule\s*144\b",
         "opinion_of_counsel": r"\bopinion of counsel\b"}
AGREED = r"\btransferee\b.*\bagree"
# A kept acceptance names the holding it accepted in the engine's terms (a holder's shares of a class, a warrant,
# an option grant), as OCF's security ids are not kept: an export names its own security of that holding.
ACCEPTED = "the holder accepted the security ({what}): no holding changes"
ACCEPTED_PATTERN = re.compile(r"^the holder accepted the security \((?:(?P<class_>\S+) shares of (?P<holder>.+)|"
                              r"warrant (?P<warrant>\S+)|option grant (?P<grant>\S+))\): no holding changes$")


class HoldingChanges:
    """The handlers of these objects (mixed into ``translate.Translator``)."""

    def stock_retraction(self, item: Item) -> list[dict[str, Any]]:
        taken = self.securities.take(item.data.get("security_id"), "stock", None, m.day(item.data.get("date")))
        shares, taken.remaining, taken.open = taken.remaining, Fraction(0), False
        return [{"type": "SharesCancelled", "id": m.event_id(item.id), "effective": item.data.get("date"),
                 "class": taken.class_, "holder": taken.holder, "shares": m.format_exact(shares)}]

    def stock_conversion(self, item: Item) -> list[dict[str, Any]]:
        quantity = m.amount(item.data.get("quantity_converted"))
        taken = self.securities.take(item.data.get("security_id"), "stock", quantity, m.day(item.data.get("date")))
        if taken.class_ not in self.ratios:
            raise Inconsistent(f"security {taken.id!r} is {taken.class_}, a class that converts into nothing")
        target, ratio = self.ratios[taken.class_]
        results = self._resulting(item, m.listed(item.data, "resulting_security_ids"))
        issued = sum((m.amount(r.data.get("quantity")) for r in results), Fraction(0))
        if issued != Fraction(whole(quantity * ratio)):
            raise Inconsistent(f"{m.format_exact(quantity)} {taken.class_} at the ratio {m.format_exact(ratio)} "
                               f"convert into {whole(quantity * ratio)} {target}, but the resulting "
                               f"securities hold {m.format_exact(issued)}")
        for result in results:
            if result.data.get("stock_class_id") != target or self.holder(result) != taken.holder:
                raise Inconsistent(f"resulting security {result.data.get('security_id')!r} must be {target} "
                                   f"shares held by {taken.holder}")
            self.securities.issue(m.security_of(result, "stock", taken.holder, target,
                                                m.amount(result.data.get("quantity"))))
        self._balance(item, taken, quantity)
        return [{"type": "SharesConverted", "id": m.event_id(item.id), "effective": item.data.get("date"),
                 "class": taken.class_, "holder": taken.holder, "shares": m.format_exact(quantity)}]

    def stock_reissuance(self, item: Item) -> list[dict[str, Any]]:
        taken = self.securities.take(item.data.get("security_id"), "stock", None, m.day(item.data.get("date")))
        self._carry_over(item, [taken], m.listed(item.data, "resulting_security_ids"))
        return self._noted(item, "the same shares on new certificates: no holding changes")

    def stock_consolidation(self, item: Item) -> list[dict[str, Any]]:
        on = m.day(item.data.get("date"))
        taken = [self.securities.take(s, "stock", None, on) for s in m.listed(item.data, "security_ids")]
        if not taken or len({(t.holder, t.class_) for t in taken}) != 1:
            raise Inconsistent("a consolidation joins securities of one holder and one class")
        self._carry_over(item, taken, [item.data.get("resulting_security_id")])
        return self._noted(item, "the same shares on one certificate: no holding changes")

    def _carry_over(self, item: Item, taken: list[m.Security], result_ids: list[Any]) -> None:
        """The resulting securities hold what the taken ones held, for the same holder and class."""
        results = self._resulting(item, result_ids)
        held = sum((t.remaining for t in taken), Fraction(0))
        if not results or sum(m.amount(r.data.get("quantity")) for r in results) != held:
            raise Inconsistent(f"the resulting securities must hold the {m.format_exact(held)} shares of the ones "
                               "they replace")
        for security in taken:
            security.remaining, security.open = Fraction(0), False
        for result in results:
            if result.data.get("stock_class_id") != taken[0].class_ or self.holder(result) != taken[0].holder:
                raise Inconsistent(f"resulting security {result.data.get('security_id')!r} must be "
                                   f"{taken[0].class_} shares held by {taken[0].holder}")
            self.securities.issue(m.security_of(result, "stock", taken[0].holder, taken[0].class_,
                                                m.amount(result.data.get("quantity"))))

    def acceptance(self, item: Item) -> list[dict[str, Any]]:
        kind = "warrant" if item.object_type == "TX_WARRANT_ACCEPTANCE" else (
            "option" if item.object_type == "TX_EQUITY_COMPENSATION_ACCEPTANCE" else "stock")
        taken = self.securities.take(item.data.get("security_id"), kind, None, m.day(item.data.get("date")))
        what = {"stock": f"{taken.class_} shares of {taken.holder}",
                "warrant": f"warrant {self.warrants.get(taken.id)}",
                "option": f"option grant {self.grants.get(taken.id)}"}[kind]
        return self._noted(item, ACCEPTED.format(what=what))

    def warrant_transfer(self, item: Item) -> list[dict[str, Any]]:
        quantity = m.amount(item.data.get("quantity"))
        taken = self.securities.take(item.data.get("security_id"), "warrant", quantity, m.day(item.data.get("date")))
        if quantity != taken.remaining:
            raise Inconsistent(f"a transfer of {m.format_exact(quantity)} of the warrant's "
                               f"{m.format_exact(taken.remaining)} units: the engine transfers a warrant whole (§2)")
        results = self._resulting(item, m.listed(item.data, "resulting_security_ids"), "TX_WARRANT_ISSUANCE")
        if len(results) != 1 or m.amount(results[0].data.get("quantity") or quantity) != quantity:
            raise Inconsistent("a warrant transfer needs one resulting warrant for the units transferred")
        comments = " ".join(str(c) for c in m.listed(item.data, "comments")).lower()
        basis = next((b for b, pattern in BASES.items() if re.search(pattern, comments)), None)
        if basis is None or not re.search(AGREED, comments):
            raise Inconsistent("§2: a warrant transfer needs its basis (registration, Rule 144 or an opinion of "
                               "counsel) and the transferee's agreement, which OCF has no field for: the "
                               "transaction's comments must state both")
        result = results[0]
        to = self.holder(result)
        address = m.stakeholder_address(self.stakeholders[result.data["stakeholder_id"]])
        if address is None:
            raise Inconsistent(f"stakeholder {result.data['stakeholder_id']!r} has no address: notices to a warrant "
                               "holder need one (§12)")
        taken.remaining, taken.open = Fraction(0), False
        self.securities.issue(m.security_of(result, "warrant", to, taken.class_, quantity))
        warrant = self.warrants[taken.id]
        self.warrants[str(result.data.get("security_id"))] = warrant
        return [{"type": "WarrantTransferred", "id": m.event_id(item.id), "effective": item.data.get("date"),
                 "warrant": warrant, "to": {"name": to, "address": address}, "basis": basis,
                 "transferee_agreed": True}]

    def warrant_retraction(self, item: Item) -> list[dict[str, Any]]:
        taken = self.securities.take(item.data.get("security_id"), "warrant", None, m.day(item.data.get("date")))
        taken.remaining, taken.open = Fraction(0), False
        reason = str(item.data.get("reason_text") or "").strip()
        return [{"type": "WarrantCancelled", "id": m.event_id(item.id), "effective": item.data.get("date"),
                 "warrant": self.warrants[taken.id], "shares": "all",
                 "reason": f"OCF warrant retraction: {reason}" if reason else "OCF warrant retraction"}]
