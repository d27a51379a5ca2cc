"""Warrant events (DESIGN §5, second table), with what the engine computes."""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator

from captable import forms
from captable.suggest import valid_ones
from captable.events.base import Event, Frozen, Id, Party, SecurityRef, Text, class_field
from captable.instants import Day, Moment, When, precedes
from captable.numbers import Exact, NonNegative, Positive

Units = Positive | Literal["all"]
TermValue = Annotated[Any, "a form parameter's value"]  # a choice, a count of days, a list of names: checked against the form

_WARRANT = "The warrant, by the id its WarrantIssued gave it."
_DELIVER_TO = ("Register the shares in this name instead of the holder's; the holder then bears any transfer "
               "tax (§5).")
_NEW_CERTIFICATE = ("The number of the new certificate for the balance (§1(a)); by default the surrendered "
                    "one's number without any -B suffix, then -B and the count of exercises (CS-1-B2).")
_COMPUTED = ("Filled in by the engine when it accepts the exercise: shares issued, §16 cash in lieu, deliveries. "
             "Leave it out; an import that carries it must match.")
# An engine's output, not an input: JSON Schema's "readOnly", and the reference says to leave it out.
_ENGINE = {"readOnly": True}


class WarrantIssued(Event):
    """The company issues a warrant: its holder, the class and number of shares it purchases at the Stock
    Purchase Price, and the instant it expires (the warrant's preamble)."""

    type: Literal["WarrantIssued"] = "WarrantIssued"
    warrant: Id = Field(description='The new warrant\'s id, by which later events name it, e.g. "W-1".')
    holder: Party = Field(description="The registered holder.")
    class_: Id = class_field("The class the warrant purchases.")
    shares: Positive = Field(description="The shares purchasable.")
    price: Positive = Field(description="The Stock Purchase Price per share.")
    expires: Moment = Field(description="The instant after which the warrant is void, with its offset.")
    certificate: Id = Field(description="The certificate's number.")
    category: Literal["financing_warrant"] | None = Field(None, description=(
        "financing_warrant when issued with a Board-approved lease or financing: its shares then count as "
        "outstanding in §4.4."))
    form: Id | None = Field(None, description=(
        "The form of warrant whose terms apply, by name (`captable forms` lists them). Absent means "
        "warrant_1997, the 1997 form; written as warrant_1997 it is stored as if absent."))
    terms: dict[str, TermValue] | None = Field(None, description=(
        "This warrant's own values of named parameters of its form, over the form's (`captable forms NAME` "
        'shows them), e.g. {"dilution_method": "full_ratchet"}. An unknown parameter or a bad value is refused.'))

    # v1 had neither form nor terms. A v2 event without them is stored exactly as v1 was (class_version 1),
    # so histories recorded before forms existed keep every byte and hash.
    class_version: ClassVar[int] = 2

    @staticmethod
    def upcast_v1_v2(fact: dict[str, Any]) -> None:
        """A v1 WarrantIssued is on the 1997 form, which is what an absent ``form`` means: nothing to add."""

    def stored_version(self) -> int:
        return 1 if self.form is None and self.terms is None else 2

    @field_validator("form")
    @classmethod
    def _a_known_form(cls, name: str | None) -> str | None:
        if name is None or name == forms.DEFAULT:
            return None
        if name not in forms.names():
            raise ValueError(f"no form of warrant is called {name!r}" + valid_ones(name, forms.names(), "forms"))
        return name

    @field_validator("terms")
    @classmethod
    def _terms_of_the_form(cls, terms: dict[str, Any] | None, info: ValidationInfo) -> dict[str, Any] | None:
        if not terms:
            return None
        if "form" not in info.data:
            return terms  # the form itself was refused; that is the error to report
        problem = forms.terms_error(terms, forms.by_name(info.data["form"] or forms.DEFAULT))
        if problem:
            raise ValueError(problem)
        return terms

    @property
    def form_name(self) -> str:
        return self.form or forms.DEFAULT


class Delivery(Frozen):
    """Securities or cash the company must deliver on an exercise."""

    name: str
    issuer: str | None = None
    class_: str | None = Field(default=None, alias="class")
    shares: Exact | None = None
    cash: Exact | None = None
    reason: str


class ExerciseOutcome(Frozen):
    """What the engine computed when it accepted an exercise (§1(a), §16)."""

    units: Exact
    price: Exact
    payment_due: Exact
    shares_issued: Exact
    fraction: Exact
    cash_in_lieu: Exact
    certificate_cancelled: str
    new_certificate: Id | None = None
    deliveries: list[Delivery]


class QuoteUsed(Frozen):
    """One trading day's closing quotes in a §1(c)(i) average, and the event that reported them."""

    date: Day
    bid: Exact
    ask: Exact
    mean: Exact
    event: str


class PerSharePrice(Frozen):
    """§1(c): the method, every input it read, and the price per share of the warrant's security.

    A common price (market, offering or board) is multiplied by the conversion
    ratio while the warrant is for preferred (DESIGN §6 item 10: as-converted).
    """

    method: Literal["market", "public_offering", "board"]
    common_price: Exact
    conversion_ratio: Exact | None = None
    price: Exact
    exchange: str | None = None
    quotes: list[QuoteUsed] = []
    offering: Id | None = None
    valuation: str | None = None


class NetExerciseOutcome(ExerciseOutcome):
    """What the engine computed when it accepted a net exercise (§1(b), §1(c), §16).

    ``units`` are surrendered; ``units_received`` = units × (PSP − P) / PSP are delivered.
    """

    payment_due: Exact = Fraction(0)
    per_share_price: PerSharePrice
    units_received: Exact
    formula: str


class WarrantExercised(Event):
    """The holder exercises the warrant for cash (§1(a)); the engine adds what it delivers, with §16 cash in lieu
    of a fraction, and the balance continues on a new certificate."""

    type: Literal["WarrantExercised"] = "WarrantExercised"
    warrant: Id = Field(description=_WARRANT)
    shares: Units = Field(description='The units exercised: a whole number, or "all" (a fractional remainder is '
                                      "paid in cash, §16).")
    payment: NonNegative = Field(description="The cash tendered: units × Stock Purchase Price, to the cent.")
    deliver_to: Text | None = Field(None, description=_DELIVER_TO)
    new_certificate: Id | None = Field(None, description=_NEW_CERTIFICATE)
    computed: ExerciseOutcome | None = Field(None, description=_COMPUTED, json_schema_extra=_ENGINE)


class WarrantNetExercised(Event):
    """The holder surrenders units for shares worth their value over the Stock Purchase Price, without paying
    cash (§1(b)), at the Per Share Price of §1(c); the engine adds what it computed."""

    type: Literal["WarrantNetExercised"] = "WarrantNetExercised"
    warrant: Id = Field(description=_WARRANT)
    shares: Units = Field(description='The units surrendered: a whole number, or "all".')
    method: Literal["market", "public_offering", "board"] = Field(description=(
        "The Per Share Price: market (the closing quotes, §1(c)(i)), public_offering (the price to the public, "
        "§1(c)(ii)) or board (the board's valuation, §1(c)(iii))."))
    offering: Id | None = Field(None, description="For public_offering: the PublicOfferingPriced, by its id.")
    deliver_to: Text | None = Field(None, description=_DELIVER_TO)
    new_certificate: Id | None = Field(None, description=_NEW_CERTIFICATE)
    computed: NetExerciseOutcome | None = Field(None, description=_COMPUTED, json_schema_extra=_ENGINE)


class WarrantTransferred(Event):
    """The warrant passes to a new holder; §2 requires a legal basis and the transferee's agreement to hold it
    subject to §2."""

    type: Literal["WarrantTransferred"] = "WarrantTransferred"
    warrant: Id = Field(description=_WARRANT)
    to: Party = Field(description="The new holder.")
    basis: Literal["registration", "rule_144", "opinion_of_counsel"] | None = Field(None, description=(
        "The §2(c) basis of the transfer; one without a basis is refused (transfer_without_basis)."))
    transferee_agreed: bool = Field(False, description="Whether the transferee agreed to hold the warrant subject "
                                                       "to §2 (§2(a)); a transfer without it is refused.")


class WarrantReplaced(Event):
    """A lost, stolen, destroyed or mutilated certificate is replaced by a new one (§15)."""

    type: Literal["WarrantReplaced"] = "WarrantReplaced"
    warrant: Id = Field(description=_WARRANT)
    reason: Literal["lost", "stolen", "destroyed", "mutilated"] = Field(
        description="lost, stolen, destroyed or mutilated.")
    evidence: Text = Field(description="The evidence of the loss, theft, destruction or mutilation.")
    indemnity: Text | None = Field(None, description="The indemnity given; required unless mutilated.")
    surrendered: bool | None = Field(None, description="Must be true if mutilated: the certificate was "
                                                       "surrendered and cancelled.")
    certificate: Id = Field(description="The new certificate's number.")


class WarrantCancelled(Event):
    """The company and the holder cancel some or all of the warrant's units without an exercise (a surrender by
    agreement, a cap table's correction of its own records): those units purchase nothing from then on, and the
    shares §3 reserved for them are released. No term of the rest changes, so no §4.5 notice arises."""

    type: Literal["WarrantCancelled"] = "WarrantCancelled"
    warrant: Id = Field(description=_WARRANT)
    shares: Units = Field(description='The units cancelled: a number up to those purchasable, or "all".')
    reason: Text = Field(description="Why the units are cancelled, as the cancelling document says.")


class HolderAddressChanged(Event):
    """The holder's address on the company's books changes; notices go there from then on (§4.5, §12)."""

    type: Literal["HolderAddressChanged"] = "HolderAddressChanged"
    warrant: Id = Field(description=_WARRANT)
    address: Text = Field(description="The new address for notices.")


class BoardAdjustment(Event):
    """The board adjusts the warrant's price, shares or security where the rest of §4 does not fairly apply
    (§4.7); it names at least one of them."""

    type: Literal["BoardAdjustment"] = "BoardAdjustment"
    warrant: Id = Field(description=_WARRANT)
    price: Positive | None = Field(None, description="The new Stock Purchase Price.")
    shares: Positive | None = Field(None, description="The new shares purchasable; without it, a new price keeps "
                                                      "price × shares unchanged (§4).")
    security: SecurityRef | None = Field(None, description="The new security the warrant purchases.")
    reason: Text = Field(description="The board's reason.")


class NoticeSent(Event):
    """The company sends the holder a notice it owes (§4.3, §4.5, §4.6, §18.7); §12 says when it counts as
    given."""

    type: Literal["NoticeSent"] = "NoticeSent"
    obligations: list[Id] = Field(min_length=1, description="The obligations the notice meets, by the ids "
                                                            "`captable notices` lists.")
    method: Literal["personal", "courier", "telecopy", "mail"] = Field(
        description="personal, courier, telecopy or mail (§12).")
    sent: When = Field(description="When it was handed over, sent, or deposited in the mail.")
    received: When | None = Field(None, description="When it was received: for personal or courier delivery.")
    confirmed: When | None = Field(None, description="When its receipt was confirmed: for telecopy.")
    signed_by: Text = Field(description="Who signed it; a §4.5 notice counts only when signed by the chief "
                                        "financial officer named in CompanyFormed's officers.")
    to: Text = Field(description="The address it went to; it counts only when that is the registered holder's "
                                 "address then.")

    @field_validator("received", "confirmed")
    @classmethod
    def _not_before_sent(cls, when: date | datetime | None, info: ValidationInfo) -> date | datetime | None:
        """§12: a notice is received or confirmed after it is sent, never before."""
        sent = info.data.get("sent")
        if when is not None and sent is not None and precedes(when, sent):
            raise ValueError(f"{info.field_name} {when.isoformat()} precedes sent {sent.isoformat()}; "
                             "a notice is received or confirmed after it is sent (§12)")
        return when


class ReportDelivered(Event):
    """The company delivers to the holder a report §18.7 requires: annual or quarterly statements, or materials
    sent to shareholders."""

    type: Literal["ReportDelivered"] = "ReportDelivered"
    kind: Literal["annual", "quarterly", "shareholder_materials"] = Field(
        description="annual, quarterly or shareholder_materials.")
    period: Text = Field(description='The fiscal year ("1998") or quarter ("1998-Q1"), or for shareholder '
                                     "materials the id of their ShareholderMaterialsSent.")
    delivered: When = Field(description="When the holder received it.")


class ShareholderMaterialsSent(Event):
    """The company sends its shareholders reports, proxy statements or filings; the holder is owed a copy
    promptly (§18.7(iii))."""

    type: Literal["ShareholderMaterialsSent"] = "ShareholderMaterialsSent"
    description: Text = Field(description="What was sent.")


class WaiverSigned(Event):
    """A written waiver of obligations (§11); only one the holder signs releases the company."""

    type: Literal["WaiverSigned"] = "WaiverSigned"
    by: Literal["holder", "company"] = Field(description="Who signed it: holder or company.")
    obligations: list[Id] = Field(min_length=1, description="The obligations waived, by the ids `captable "
                                                            "notices` lists.")
    text: Text = Field(description="The waiver's words.")


class EventRetracted(Event):
    """A correction: the named event stops counting from the instant this one is recorded, while answers as known
    before still include it. Facts that rest on it are retracted with it, or the retraction is refused."""

    type: Literal["EventRetracted"] = "EventRetracted"
    event: Id = Field(description="The event retracted, by its id.")
    reason: Text = Field(description="Why it is corrected.")
