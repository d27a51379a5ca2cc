"""Company and capital-structure events (DESIGN §5, first table)."""

from __future__ import annotations

import re
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from captable.events.base import ClassQuantity, Event, Frozen, SecurityQuantity
from captable.instants import Day, When
from captable.numbers import NonNegative, Positive, WholeShares

ClassId = str
Category = Literal["option_plan", "preferred_conversion", "dividend", "financing_warrant"]


class CompanyFormed(Event):
    type: Literal["CompanyFormed"] = "CompanyFormed"
    company: str = Field(min_length=1)
    name: str = Field(min_length=1)
    timezone: str = "America/Los_Angeles"
    fiscal_year_end: str = "12-31"
    address: str = Field(min_length=1)
    officers: dict[str, str] = {}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. America/Los_Angeles)") from None
        return value

    @field_validator("fiscal_year_end")
    @classmethod
    def _month_day(cls, value: str) -> str:
        match = re.fullmatch(r"(\d{2})-(\d{2})", value)
        days = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
        if not match or not 1 <= int(match[1]) <= 12 or not 1 <= int(match[2]) <= days[int(match[1])]:
            raise ValueError(f"{value!r} is not a month-day such as \"12-31\"")
        return value


class ShareClassCreated(Event):
    type: Literal["ShareClassCreated"] = "ShareClassCreated"
    class_: ClassId = Field(alias="class", min_length=1)
    name: str = Field(min_length=1)
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
    class_: ClassId = Field(alias="class", min_length=1)
    authorized: NonNegative

    @field_validator("authorized")
    @classmethod
    def _whole(cls, value):  # type: ignore[no-untyped-def]
        if value.denominator != 1:
            raise ValueError("authorized shares are a whole number")
        return value


class SharesIssued(Event):
    type: Literal["SharesIssued"] = "SharesIssued"
    class_: ClassId = Field(alias="class", min_length=1)
    holder: str = Field(min_length=1)
    shares: WholeShares
    price_per_share: NonNegative
    consideration: NonNegative | None = None
    category: Category | None = None
    offering: str | None = None


class OptionsIssued(Event):
    type: Literal["OptionsIssued"] = "OptionsIssued"
    class_: ClassId = Field(alias="class", min_length=1)
    holder: str = Field(min_length=1)
    shares: WholeShares
    price_per_share: NonNegative = 0  # type: ignore[assignment]
    exercise_price: NonNegative
    kind: Literal["option", "warrant", "convertible"]
    category: Category | None = None


class SharesCancelled(Event):
    type: Literal["SharesCancelled"] = "SharesCancelled"
    class_: ClassId = Field(alias="class", min_length=1)
    holder: str = Field(min_length=1)
    shares: WholeShares


class SharesTransferred(Event):
    type: Literal["SharesTransferred"] = "SharesTransferred"
    class_: ClassId = Field(alias="class", min_length=1)
    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)
    shares: WholeShares


class SharesConverted(Event):
    type: Literal["SharesConverted"] = "SharesConverted"
    class_: ClassId = Field(alias="class", min_length=1)
    holder: str = Field(min_length=1)
    shares: WholeShares


class StockSplit(Event):
    type: Literal["StockSplit"] = "StockSplit"
    class_: ClassId = Field(alias="class", min_length=1)
    ratio: Positive


class StockDividend(Event):
    type: Literal["StockDividend"] = "StockDividend"
    class_: ClassId = Field(alias="class", min_length=1)
    record_date: Day
    paid_class: ClassId = Field(min_length=1)
    shares_per_share: Positive


class CashDividend(Event):
    type: Literal["CashDividend"] = "CashDividend"
    class_: ClassId = Field(alias="class", min_length=1)
    record_date: Day
    amount_per_share: Positive


class Distribution(Event):
    type: Literal["Distribution"] = "Distribution"
    class_: ClassId = Field(alias="class", min_length=1)
    record_date: Day
    cash_per_share: Positive | None = None
    securities_per_share: list[SecurityQuantity] | None = None
    property: str | None = None

    @model_validator(mode="after")
    def _distributes_something(self) -> Distribution:
        if self.cash_per_share is None and not self.securities_per_share and not self.property:
            raise ValueError("a distribution needs cash_per_share, securities_per_share or property")
        return self


class SubscriptionOffered(Event):
    type: Literal["SubscriptionOffered"] = "SubscriptionOffered"
    class_: ClassId = Field(alias="class", min_length=1)
    record_date: Day
    description: str = Field(min_length=1)


class Reclassification(Event):
    type: Literal["Reclassification"] = "Reclassification"
    class_: ClassId = Field(alias="class", min_length=1)
    into: list[ClassQuantity] = Field(min_length=1)
    record_date: Day | None = None


class MergerAgreed(Event):
    type: Literal["MergerAgreed"] = "MergerAgreed"
    kind: Literal["merger", "consolidation", "asset_sale", "reorganization"]
    counterparty: str = Field(min_length=1)
    record_date: Day | None = None
    expected_closing: Day


class Consideration(Frozen):
    securities: list[SecurityQuantity] = []
    cash: Positive | None = None

    @model_validator(mode="after")
    def _something(self) -> Consideration:
        if not self.securities and self.cash is None:
            raise ValueError("consideration needs securities or cash")
        return self


class MergerCompleted(Event):
    type: Literal["MergerCompleted"] = "MergerCompleted"
    agreement: str = Field(min_length=1)
    consideration: dict[ClassId, Consideration] = Field(min_length=1)


class SuccessorAssumed(Event):
    type: Literal["SuccessorAssumed"] = "SuccessorAssumed"
    agreement: str = Field(min_length=1)
    delivered: When


class DissolutionApproved(Event):
    type: Literal["DissolutionApproved"] = "DissolutionApproved"
    voluntary: bool
    record_date: Day | None = None
    expected_effective: Day


class OtherActionProposed(Event):
    type: Literal["OtherActionProposed"] = "OtherActionProposed"
    description: str = Field(min_length=1)
    record_date: Day | None = None
    expected_effective: Day | None = None


class PreferredConverted(Event):
    type: Literal["PreferredConverted"] = "PreferredConverted"
    class_: ClassId = Field(alias="class", min_length=1)


class ConversionRatioAdjusted(Event):
    type: Literal["ConversionRatioAdjusted"] = "ConversionRatioAdjusted"
    class_: ClassId = Field(alias="class", min_length=1)
    conversion_ratio: Positive
    reason: str = Field(min_length=1)
    issuance: str | None = None


class PublicOfferingPriced(Event):
    type: Literal["PublicOfferingPriced"] = "PublicOfferingPriced"
    class_: ClassId = Field(alias="class", min_length=1)
    price_to_public: Positive
    shares: WholeShares
    closing: Day


class Listed(Event):
    type: Literal["Listed"] = "Listed"
    class_: ClassId = Field(alias="class", min_length=1)
    exchange: str = Field(min_length=1)


class Delisted(Event):
    type: Literal["Delisted"] = "Delisted"
    class_: ClassId = Field(alias="class", min_length=1)
    exchange: str = Field(min_length=1)


class Quote(Frozen):
    date: Day
    bid: Positive
    ask: Positive


class MarketQuotes(Event):
    type: Literal["MarketQuotes"] = "MarketQuotes"
    class_: ClassId = Field(alias="class", min_length=1)
    quotes: list[Quote] = Field(min_length=1)


class BoardValuation(Event):
    type: Literal["BoardValuation"] = "BoardValuation"
    class_: ClassId = Field(alias="class", min_length=1)
    price_per_share: Positive


class TransferBooksClosed(Event):
    type: Literal["TransferBooksClosed"] = "TransferBooksClosed"
    from_: When = Field(alias="from")
    to: When
