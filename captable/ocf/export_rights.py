"""Rights to shares as OCF objects: the engine's warrants (issued, exercised, transferred, cancelled), the
options and warrants §4.4 counts (``OptionsIssued``), and what moves a grant of options afterwards (exercised,
cancelled, transferred), as the OCF equity compensation transactions an import reads them from."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from captable.events import (
    Event, OptionsCancelled, OptionsExercised, OptionsIssued, OptionsTransferred, WarrantCancelled, WarrantExercised,
    WarrantIssued, WarrantNetExercised, WarrantTransferred,
)
from captable.ocf.equity_compensation import GRANT_TYPES
from captable.ocf.export_base import NOT_RECORDED, Security, WriterBase, comment, object_id
from captable.ocf.numeric import exact_note, money, numeric
from projections.state import CompanyState
from projections.timeline import Entry


# OptionsIssued's grant_type as OCF's compensation_type (the inverse of the import's ``GRANT_TYPES``).
COMPENSATION_TYPES = {kept: ocf for ocf, kept in GRANT_TYPES.items()}


def grant_price(grant_type: str | None, price: Fraction) -> dict[str, Any]:
    """What the holder pays per share, as OCF writes it for the kind of grant: an option's exercise price, a
    SAR's base price, an RSU's nothing (the import reads an RSU without one as a grant at 0)."""
    if grant_type in ("cash_sar", "stock_sar"):
        return {"base_price": money(price)}
    if grant_type == "rsu" and price == 0:
        return {}
    return {"exercise_price": money(price)}


# What an import writes before a cancellation's own reason (``equity_compensation``): not written back twice.
CANCELLED_PREFIXES = ("OCF equity compensation cancellation: ", "OCF equity compensation retraction: ")


@dataclass
class Grant:
    """A grant of options as the OCF security that holds it: whose, of which class, how many shares are left
    and at what exercise price (a split of the class scales both, as it scales the grant), and what kind of grant
    it is (OptionsIssued's grant_type), which decides how OCF writes that price."""

    security_id: str
    holder: str
    class_: str
    remaining: Fraction
    price: Fraction
    grant_type: str | None = None


class RightsWriter(WriterBase):
    """The handlers for rights to shares; ``export_objects.Writer`` adds the rest."""

    def options_issued(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        """Rights to acquire shares (§4.4's options and convertible securities): an option is an equity
        compensation issuance, a warrant a warrant issuance; a convertible's terms (OCF's conversion triggers,
        investment amount) the engine does not hold, so it travels in the manifest's comments only."""
        assert isinstance(fact, OptionsIssued)
        notes = [f"§4.4 category {fact.category}" if fact.category else None,
                 f"price paid for the right {fact.price_per_share} per share" if fact.price_per_share else None,
                 None if fact.expiration_date else NOT_RECORDED.format(what="an expiration date for these rights",
                                                                       value="none")]
        item_id = self._fresh(object_id(fact))
        if fact.kind == "option":
            item: dict[str, Any] = {
                "id": item_id, "object_type": "TX_EQUITY_COMPENSATION_ISSUANCE", "security_id": item_id,
                "custom_id": item_id, "date": self.day(entry), "stakeholder_id": self._mention(fact.holder),
                "stock_class_id": fact.class_, "compensation_type": COMPENSATION_TYPES[fact.grant_type or "option"],
                "quantity": numeric(Fraction(fact.shares)), **grant_price(fact.grant_type, fact.exercise_price),
                "expiration_date": fact.expiration_date.isoformat() if fact.expiration_date else None,
                "termination_exercise_windows": [
                    {"reason": w.reason.upper(), "period": w.period, "period_type": w.unit.upper()}
                    for w in fact.termination_windows or []],
                "security_law_exemptions": []}
            if fact.category == "option_plan" and self.plans:
                item["stock_plan_id"] = self.plans[0]
            self.grants[str(fact.id)] = Grant(item_id, fact.holder, fact.class_, Fraction(fact.shares),
                                              fact.exercise_price, fact.grant_type)
        elif fact.kind == "warrant":
            item = self._warrant(item_id, item_id, item_id, self.day(entry), self._mention(fact.holder), fact.class_,
                                 Fraction(fact.shares), fact.exercise_price, None)
            if fact.expiration_date:
                item["warrant_expiration_date"] = fact.expiration_date.isoformat()
            else:
                del item["warrant_expiration_date"]
            item["purchase_price"] = money(fact.price_per_share * fact.shares)
        else:
            return
        self.out.add("transactions", fact, comment(item, *notes, exact_note("exercise_price", fact.exercise_price)))

    # Grants of options after they are issued -------------------------------------------------------

    def options_exercised(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        """The exercise consumes the grant's security for the shares it issues (what is left stays on it, as
        an OCF exercise without a balance security says) and results in a stock issuance at the exercise price."""
        assert isinstance(fact, OptionsExercised)
        grant = self.grants[fact.grant]
        shares = Fraction(fact.shares)
        result = self._issue(fact, entry, f"{object_id(fact)}/shares", grant.holder, grant.class_, shares,
                             grant.price, "the shares the exercise issued")
        grant.remaining -= shares
        item = {"id": self._fresh(object_id(fact)), "object_type": "TX_EQUITY_COMPENSATION_EXERCISE",
                "date": self.day(entry), "security_id": grant.security_id, "quantity": numeric(shares),
                "resulting_security_ids": [result]}
        objects = self.out.files["transactions"]
        self.out.add("transactions", fact, comment(item, exact_note("quantity", shares)))
        objects.insert(len(objects) - 2, objects.pop())  # the exercise before the shares it results in

    def options_cancelled(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        assert isinstance(fact, OptionsCancelled)
        grant = self.grants[fact.grant]
        shares = Fraction(fact.shares)
        grant.remaining -= shares
        reason = next((fact.reason[len(p):] for p in CANCELLED_PREFIXES if fact.reason.startswith(p)), fact.reason)
        self.out.add("transactions", fact, comment({
            "id": self._fresh(object_id(fact)), "object_type": "TX_EQUITY_COMPENSATION_CANCELLATION",
            "date": self.day(entry), "security_id": grant.security_id, "quantity": numeric(shares),
            "reason_text": reason}, exact_note("quantity", shares)))

    def options_transferred(self, fact: Event, entry: Entry, _: CompanyState) -> None:
        """The transfer results in a grant of the same terms for the new holder: an equity compensation issuance
        that an import reads as the transfer's result, not as a new grant."""
        assert isinstance(fact, OptionsTransferred)
        grant = self.grants[fact.grant]
        shares = Fraction(fact.shares)
        grant.remaining -= shares
        base = self._fresh(object_id(fact))
        issued = next(i for i in self.out.files["transactions"] if i["id"] == grant.security_id)
        new_id = self._fresh(f"{base}/to")
        result = {**{k: v for k, v in issued.items() if k != "comments"}, "id": new_id, "security_id": new_id,
                  "custom_id": new_id, "date": self.day(entry), "stakeholder_id": self._mention(fact.to),
                  "quantity": numeric(shares), **grant_price(grant.grant_type, grant.price)}
        self.out.add("transactions", fact, comment({
            "id": base, "object_type": "TX_EQUITY_COMPENSATION_TRANSFER", "date": self.day(entry),
            "security_id": grant.security_id, "quantity": numeric(shares), "resulting_security_ids": [new_id]},
            exact_note("quantity", shares)))
        self.out.add("transactions", fact, comment(result, f"grant {fact.grant} as transferred: its terms then",
                                                   exact_note("quantity", shares),
                                                   exact_note("exercise_price", grant.price)))
        self.grants[str(fact.id)] = Grant(new_id, fact.to, grant.class_, shares, grant.price, grant.grant_type)

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
        return comment(item, exact_note("quantity", shares), exact_note("exercise_price", price), *notes)

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
        self.out.add("transactions", fact, comment(item, f"warrant {warrant.id}: {units} units exercised"))
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
        self.out.add("transactions", fact, comment({
            "id": object_id(fact), "object_type": "TX_WARRANT_CANCELLATION", "date": self.day(entry),
            "security_id": security.id, "quantity": numeric(units), "reason_text": fact.reason},
            exact_note("quantity", units)))
