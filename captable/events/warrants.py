"""Warrant events (DESIGN §5, second table), with what the engine computes."""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from captable.events.base import Event, Frozen, Id, Party, SecurityRef, Text
from captable.instants import Day, Moment, When, precedes
from captable.numbers import Exact, NonNegative, Positive

Units = Positive | Literal["all"]


class WarrantIssued(Event):
    type: Literal["WarrantIssued"] = "WarrantIssued"
    warrant: Id
    holder: Party
    class_: Id = Field(alias="class")
    shares: Positive
    price: Positive
    expires: Moment
    certificate: Id
    category: Literal["financing_warrant"] | None = None


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
    type: Literal["WarrantExercised"] = "WarrantExercised"
    warrant: Id
    shares: Units
    payment: NonNegative
    deliver_to: Text | None = None
    new_certificate: Id | None = None
    computed: ExerciseOutcome | None = None


class WarrantNetExercised(Event):
    type: Literal["WarrantNetExercised"] = "WarrantNetExercised"
    warrant: Id
    shares: Units
    method: Literal["market", "public_offering", "board"]
    offering: Id | None = None
    deliver_to: Text | None = None
    new_certificate: Id | None = None
    computed: NetExerciseOutcome | None = None


class WarrantTransferred(Event):
    type: Literal["WarrantTransferred"] = "WarrantTransferred"
    warrant: Id
    to: Party
    basis: Literal["registration", "rule_144", "opinion_of_counsel"] | None = None
    transferee_agreed: bool = False


class WarrantReplaced(Event):
    type: Literal["WarrantReplaced"] = "WarrantReplaced"
    warrant: Id
    reason: Literal["lost", "stolen", "destroyed", "mutilated"]
    evidence: Text
    indemnity: Text | None = None
    surrendered: bool | None = None
    certificate: Id


class HolderAddressChanged(Event):
    type: Literal["HolderAddressChanged"] = "HolderAddressChanged"
    warrant: Id
    address: Text


class BoardAdjustment(Event):
    type: Literal["BoardAdjustment"] = "BoardAdjustment"
    warrant: Id
    price: Positive | None = None
    shares: Positive | None = None
    security: SecurityRef | None = None
    reason: Text


class NoticeSent(Event):
    type: Literal["NoticeSent"] = "NoticeSent"
    obligations: list[Id] = Field(min_length=1)
    method: Literal["personal", "courier", "telecopy", "mail"]
    sent: When
    received: When | None = None
    confirmed: When | None = None
    signed_by: Text
    to: Text

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
    type: Literal["ReportDelivered"] = "ReportDelivered"
    kind: Literal["annual", "quarterly", "shareholder_materials"]
    period: Text
    delivered: When


class ShareholderMaterialsSent(Event):
    type: Literal["ShareholderMaterialsSent"] = "ShareholderMaterialsSent"
    description: Text


class WaiverSigned(Event):
    type: Literal["WaiverSigned"] = "WaiverSigned"
    by: Literal["holder", "company"]
    obligations: list[Id] = Field(min_length=1)
    text: Text


class EventRetracted(Event):
    type: Literal["EventRetracted"] = "EventRetracted"
    event: Id
    reason: Text
