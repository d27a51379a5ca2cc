"""Company and capital-structure events (DESIGN §5, first table)."""

from __future__ import annotations

import re
from datetime import date, datetime
from fractions import Fraction
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationInfo, field_validator, model_validator

from captable.events.base import ClassQuantity, Event, Frozen, Id, SecurityQuantity, Text
from captable.instants import Day, When, precedes
from captable.numbers import NonNegative, Positive, WholeShares, format_exact

ClassId = Id
# Area/Location names of the tz database: ASCII letters, digits, "_", "+", "-", at most a few parts.
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,30}(/[A-Za-z0-9_+-]{1,30}){0,2}")
Category = Literal["option_plan", "preferred_conversion", "dividend", "financing_warrant"]


class CompanyFormed(Event):
    type: Literal["CompanyFormed"] = "CompanyFormed"
    company: Id
    name: Text
    timezone: str = "America/Los_Angeles"
    fiscal_year_end: str = "12-31"
    address: Text
    officers: dict[str, str] = {}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        # Checked by shape first: ZoneInfo reads a file, and a long or odd name fails with OSError.
        if not _ZONE_NAME.fullmatch(value):
            raise ValueError(f"{value[:80]!r} is not an IANA time zone name (e.g. America/Los_Angeles)")
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. America/Los_Angeles)") from None
        return value

    @field_validator("fiscal_year_end")
    @classmethod
    def _month_day(cls, value: str) -> str:
        match = re.fullmatch(r"([0-9]{2})-([0-9]{2})", value)
        days = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
        if not match or not 1 <= int(match[1]) <= 12 or not 1 <= int(match[2]) <= days[int(match[1])]:
            raise ValueError(f"{value!r} is not a month-day such as \"12-31\"")
        return value


class ShareClassCreated(Event):
    type: Literal["ShareClassCreated"] = "ShareClassCreated"
    class_: ClassId = Field(alias="class")
    name: Text
    kind: Literal["common", "preferred"]
    authorized: WholeShares
    converts_to: ClassId | None = None
    conversion_ratio: Positive | None = None

    @model_validator(mode="after")
    def _preferred_converts(self) -> ShareClassCreated:
        if self.kind == "preferred" and (self.converts_to is None or self.conversion_ratio is None):
            raise ValueError("a preferred class needs converts_to and conversion_ratio")
        if self.kind == "common" and (self.converts_to or self.conversion_ratio):
            raise ValueError("a common class does not convert")
        return self


class AuthorizedSharesChanged(Event):
    type: Literal["AuthorizedSharesChanged"] = "AuthorizedSharesChanged"
    class_: ClassId = Field(alias="class")
    authorized: NonNegative

    @field_validator("authorized")
    @classmethod
    def _whole(cls, value):  # type: ignore[no-untyped-def]
        if value.denominator != 1:
            raise ValueError("authorized shares are a whole number")
        return value


class SharesIssued(Event):
    type: Literal["SharesIssued"] = "SharesIssued"
    class_: ClassId = Field(alias="class")
    holder: Text
    shares: WholeShares
    price_per_share: NonNegative
    consideration: NonNegative | None = None
    category: Category | None = None
    offering: Id | None = None


class OptionsIssued(Event):
    type: Literal["OptionsIssued"] = "OptionsIssued"
    class_: ClassId = Field(alias="class")
    holder: Text
    shares: WholeShares
    price_per_share: NonNegative = 0  # type: ignore[assignment]
    exercise_price: NonNegative
    kind: Literal["option", "warrant", "convertible"]
    category: Category | None = None


class SharesCancelled(Event):
    type: Literal["SharesCancelled"] = "SharesCancelled"
    class_: ClassId = Field(alias="class")
    holder: Text
    shares: WholeShares


class SharesTransferred(Event):
    type: Literal["SharesTransferred"] = "SharesTransferred"
    class_: ClassId = Field(alias="class")
    from_: Text = Field(alias="from")
    to: Text
    shares: WholeShares


class SharesConverted(Event):
    type: Literal["SharesConverted"] = "SharesConverted"
    class_: ClassId = Field(alias="class")
    holder: Text
    shares: WholeShares


class StockSplit(Event):
    type: Literal["StockSplit"] = "StockSplit"
    class_: ClassId = Field(alias="class")
    ratio: Positive


class StockDividend(Event):
    type: Literal["StockDividend"] = "StockDividend"
    class_: ClassId = Field(alias="class")
    record_date: Day
    paid_class: ClassId
    shares_per_share: Positive


class CashDividend(Event):
    type: Literal["CashDividend"] = "CashDividend"
    class_: ClassId = Field(alias="class")
    record_date: Day
    amount_per_share: Positive


class Distribution(Event):
    type: Literal["Distribution"] = "Distribution"
    class_: ClassId = Field(alias="class")
    record_date: Day
    cash_per_share: Positive | None = None
    securities_per_share: list[SecurityQuantity] | None = None
    property: Text | None = None

    @model_validator(mode="after")
    def _distributes_something(self) -> Distribution:
        if self.cash_per_share is None and not self.securities_per_share and not self.property:
            raise ValueError("a distribution needs cash_per_share, securities_per_share or property")
        return self


class SubscriptionOffered(Event):
    type: Literal["SubscriptionOffered"] = "SubscriptionOffered"
    class_: ClassId = Field(alias="class")
    record_date: Day
    description: Text


class Reclassification(Event):
    type: Literal["Reclassification"] = "Reclassification"
    class_: ClassId = Field(alias="class")
    into: list[ClassQuantity] = Field(min_length=1)
    record_date: Day | None = None


class MergerAgreed(Event):
    type: Literal["MergerAgreed"] = "MergerAgreed"
    kind: Literal["merger", "consolidation", "asset_sale", "reorganization"]
    counterparty: Text
    record_date: Day | None = None
    expected_closing: Day


class Consideration(Frozen):
    """What one share receives; zero cash means none (DESIGN §7), so shares alone stay "one security only"."""

    securities: list[SecurityQuantity] = []
    cash: NonNegative | None = None

    @model_validator(mode="after")
    def _something(self) -> Consideration:
        if not self.securities and not self.cash:
            raise ValueError("consideration needs securities or cash greater than zero")
        return self


class MergerCompleted(Event):
    type: Literal["MergerCompleted"] = "MergerCompleted"
    agreement: Id
    consideration: dict[ClassId, Consideration] = Field(min_length=1)


class SuccessorAssumed(Event):
    type: Literal["SuccessorAssumed"] = "SuccessorAssumed"
    agreement: Id
    delivered: When


class DissolutionApproved(Event):
    type: Literal["DissolutionApproved"] = "DissolutionApproved"
    voluntary: bool
    record_date: Day | None = None
    expected_effective: Day


class OtherActionProposed(Event):
    type: Literal["OtherActionProposed"] = "OtherActionProposed"
    description: Text
    record_date: Day | None = None
    expected_effective: Day | None = None


class PreferredConverted(Event):
    type: Literal["PreferredConverted"] = "PreferredConverted"
    class_: ClassId = Field(alias="class")


class ConversionRatioAdjusted(Event):
    type: Literal["ConversionRatioAdjusted"] = "ConversionRatioAdjusted"
    class_: ClassId = Field(alias="class")
    conversion_ratio: Positive
    reason: Text
    issuance: Id | None = None


class PublicOfferingPriced(Event):
    type: Literal["PublicOfferingPriced"] = "PublicOfferingPriced"
    class_: ClassId = Field(alias="class")
    price_to_public: Positive
    shares: WholeShares
    closing: Day


class Listed(Event):
    type: Literal["Listed"] = "Listed"
    class_: ClassId = Field(alias="class")
    exchange: Id


class Delisted(Event):
    type: Literal["Delisted"] = "Delisted"
    class_: ClassId = Field(alias="class")
    exchange: Id


class Quote(Frozen):
    date: Day
    bid: Positive
    ask: Positive

    @field_validator("ask")
    @classmethod
    def _not_below_bid(cls, ask: Fraction, info: ValidationInfo) -> Fraction:
        """§1(c)(i) averages closing bid and asked prices; an ask below the bid is a swapped column."""
        bid = info.data.get("bid")
        if bid is not None and ask < bid:
            raise ValueError(f"the asked price {format_exact(ask)} is below the bid {format_exact(bid)}")
        return ask


class MarketQuotes(Event):
    type: Literal["MarketQuotes"] = "MarketQuotes"
    class_: ClassId = Field(alias="class")
    quotes: list[Quote] = Field(min_length=1)


class BoardValuation(Event):
    type: Literal["BoardValuation"] = "BoardValuation"
    class_: ClassId = Field(alias="class")
    price_per_share: Positive


class TransferBooksClosed(Event):
    type: Literal["TransferBooksClosed"] = "TransferBooksClosed"
    from_: When = Field(alias="from")
    to: When

    @field_validator("to")
    @classmethod
    def _not_before_from(cls, to: date | datetime, info: ValidationInfo) -> date | datetime:
        """§6: the books are closed from the first day to the last; a period cannot end before it starts."""
        start = info.data.get("from_")
        if start is not None and precedes(to, start):
            raise ValueError(f"the books cannot reopen ({to.isoformat()}) before they close ({start.isoformat()})")
        return to
