"""Company and capital-structure events (DESIGN §5, first table)."""

from __future__ import annotations

import re
from datetime import date, datetime
from fractions import Fraction
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationInfo, field_validator, model_validator

from captable.events.base import ClassQuantity, Event, Frozen, Id, SecurityQuantity, Text, class_field
from captable.instants import Day, When, precedes
from captable.numbers import NonNegative, Positive, WholeShares, format_exact

ClassId = Id
# Area/Location names of the tz database: ASCII letters, digits, "_", "+", "-", at most a few parts.
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,30}(/[A-Za-z0-9_+-]{1,30}){0,2}")
Category = Literal["option_plan", "preferred_conversion", "dividend", "financing_warrant"]

_CATEGORY = ("A §4.4 kind deemed outstanding, which never adjusts the Stock Purchase Price of a warrant on the "
             "1997 form (another form names the kinds it carves out): option_plan (a Board-approved plan), "
             "preferred_conversion, dividend, or financing_warrant (issued with a Board-approved lease or "
             "financing).")
_RECORD_DATE = ("Who holds shares of the class at the end of this day receives it; the §4.6(i) notice is due 20 days "
                "before (the warrant's form's days).")
_VOTE_RECORD_DATE = ("The record date for the shareholders' vote, if one is taken; the §4.6(i) notice is due 20 days "
                     "before (the warrant's form's days).")


class CompanyFormed(Event):
    """The company is formed: its id, legal name, time zone, fiscal year and officers. Every company's history
    begins with it; its time zone reads the warrant's "Pacific time" and every date."""

    type: Literal["CompanyFormed"] = "CompanyFormed"
    company: Id = Field(description="The company's id, by which later events and `--company` name it.")
    name: Text = Field(description="The legal name: on notices, and as the issuer of the company's own shares.")
    timezone: str = Field("America/Los_Angeles", description=(
        "The IANA time zone of the company's dates: a date means the start of that day there."))
    fiscal_year_end: str = Field("12-31", description="The last day of the fiscal year, as MM-DD: it sets the "
                                                       "§18.7 report periods.")
    address: Text = Field(description="The principal office, where the warrant is surrendered (§1(a)).")
    officers: dict[str, str] = Field({}, description='Officers by role, e.g. {"cfo": "Pat Lee"}: the chief '
                                                     "financial officer signs §4.5 notices.")

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
    """The charter creates a class of shares, common or preferred. A preferred class names the common class it
    converts into and at what ratio (§1(a), §18.6)."""

    type: Literal["ShareClassCreated"] = "ShareClassCreated"
    class_: ClassId = class_field('The new class\'s id, by which later events name it, e.g. "common" or "series_c".')
    name: Text = Field(description='The name in the charter, e.g. "Series C Preferred Stock".')
    kind: Literal["common", "preferred"] = Field(description="common, or preferred (which converts into common).")
    authorized: WholeShares = Field(description="The shares of the class the charter authorizes.")
    converts_to: ClassId | None = Field(None, description="Required for a preferred class: the common class it "
                                                          "converts into, by its id.")
    conversion_ratio: Positive | None = Field(None, description="Required for a preferred class: common shares "
                                                                "per preferred share on conversion.")

    @model_validator(mode="after")
    def _preferred_converts(self) -> ShareClassCreated:
        if self.kind == "preferred" and (self.converts_to is None or self.conversion_ratio is None):
            raise ValueError("a preferred class needs converts_to and conversion_ratio")
        if self.kind == "common" and (self.converts_to or self.conversion_ratio):
            raise ValueError("a common class does not convert")
        return self


class AuthorizedSharesChanged(Event):
    """The charter changes the number of shares of a class it authorizes; the §3 reservation is checked against
    it."""

    type: Literal["AuthorizedSharesChanged"] = "AuthorizedSharesChanged"
    class_: ClassId = class_field()
    authorized: NonNegative = Field(description="The new number of authorized shares: a whole number, not below "
                                                "those outstanding.")

    @field_validator("authorized")
    @classmethod
    def _whole(cls, value):  # type: ignore[no-untyped-def]
        if value.denominator != 1:
            raise ValueError("authorized shares are a whole number")
        return value


class SharesIssued(Event):
    """The company issues or sells shares. An issue below the Stock Purchase Price adjusts it (§4.4) unless the
    issue is of a kind deemed outstanding."""

    type: Literal["SharesIssued"] = "SharesIssued"
    class_: ClassId = class_field("The class issued.")
    holder: Text = Field(description="Who receives the shares.")
    shares: WholeShares = Field(description="The number of shares issued.")
    price_per_share: NonNegative = Field(description="The price paid per share.")
    consideration: NonNegative | None = Field(None, description="The total received, when it is not shares × "
                                                                "price_per_share (§4.4's consideration).")
    category: Category | None = Field(None, description=_CATEGORY)
    offering: Id | None = Field(None, description="The PublicOfferingPriced this issue belongs to, by its id.")


# A count of days, months or years, as OCF writes a period: a JSON whole number.
Period = Annotated[int, Field(ge=0)]
GrantType = Literal["iso", "nso", "option", "rsu", "cash_sar", "stock_sar"]


class TerminationWindow(Frozen):
    """How long a holder may exercise options after service ends for a reason (OCF's termination exercise
    window)."""

    reason: Literal["voluntary_other", "voluntary_good_cause", "voluntary_retirement", "involuntary_other",
                    "involuntary_death", "involuntary_disability", "involuntary_with_cause"] = Field(
        description="Why service ended.")
    period: Period = Field(description="How many units of time the holder may still exercise.")
    unit: Literal["days", "months", "years"] = Field(description="The unit of period.")


class OptionsIssued(Event):
    """The company grants options, warrants or convertible securities. For §4.4 their price per share is what
    was paid for the right plus the exercise or conversion price."""

    type: Literal["OptionsIssued"] = "OptionsIssued"
    class_: ClassId = class_field("The class the rights acquire.")
    holder: Text = Field(description="Who receives the rights.")
    shares: WholeShares = Field(description="The shares of the class the rights acquire.")
    price_per_share: NonNegative = Field(0, description="The price paid per share for the right itself.")  # type: ignore[assignment]
    exercise_price: NonNegative = Field(description="The price per share to exercise or convert.")
    kind: Literal["option", "warrant", "convertible"] = Field(description="option, warrant or convertible.")
    category: Category | None = Field(None, description=_CATEGORY)
    grant_type: GrantType | None = Field(None, description=(
        "For options, what was granted, as its OCF equity compensation type says: iso (an incentive stock "
        "option), nso (a non-qualified one), option (either, unstated), rsu, cash_sar or stock_sar."))
    expiration_date: Day | None = Field(None, description="The last day the rights may be exercised.")
    termination_windows: list[TerminationWindow] | None = Field(None, description=(
        "For options, how long the holder may still exercise after service ends, by the reason it ends."))

    # v1 had none of grant_type, expiration_date, termination_windows. A v2 event without them is stored
    # exactly as v1 was (class_version 1), so histories recorded before them keep every byte and hash.
    class_version: ClassVar[int] = 2

    @staticmethod
    def upcast_v1_v2(fact: dict[str, Any]) -> None:
        """A v1 OptionsIssued states no option terms, which is what their absence means: nothing to add."""

    def stored_version(self) -> int:
        terms = (self.grant_type, self.expiration_date, self.termination_windows)
        return 1 if all(t is None for t in terms) else 2

    @model_validator(mode="after")
    def _option_terms_for_options(self) -> OptionsIssued:
        if self.kind != "option" and (self.grant_type is not None or self.termination_windows is not None):
            raise ValueError(f"grant_type and termination_windows are terms of options, not of a {self.kind}")
        return self


class SharesCancelled(Event):
    """A holder's shares are repurchased or cancelled."""

    type: Literal["SharesCancelled"] = "SharesCancelled"
    class_: ClassId = class_field()
    holder: Text = Field(description="Whose shares.")
    shares: WholeShares = Field(description="The number of shares cancelled; no more than the holder holds.")


class SharesTransferred(Event):
    """A holder transfers shares to another; the shares outstanding do not change."""

    type: Literal["SharesTransferred"] = "SharesTransferred"
    class_: ClassId = class_field()
    from_: Text = Field(alias="from", description="The holder who gives the shares.")
    to: Text = Field(description="The holder who receives them.")
    shares: WholeShares = Field(description="The number of shares; no more than the giver holds.")


class SharesConverted(Event):
    """A holder converts preferred shares into common at the conversion ratio then in effect, by choice."""

    type: Literal["SharesConverted"] = "SharesConverted"
    class_: ClassId = class_field("The preferred class converted.")
    holder: Text = Field(description="Whose shares.")
    shares: WholeShares = Field(description="The preferred shares converted.")


class StockSplit(Event):
    """The shares of a class are subdivided or combined (§4.1)."""

    type: Literal["StockSplit"] = "StockSplit"
    class_: ClassId = class_field("The class split: the company's, or a successor's after a merger (§4.3).")
    ratio: Positive = Field(description='New shares per old share: "3/1" subdivides, "1/4" combines.')


class StockDividend(Event):
    """A dividend paid in shares to the holders of a class (§4.2(a)), noticed under §4.6(b)."""

    type: Literal["StockDividend"] = "StockDividend"
    class_: ClassId = class_field("The class whose holders receive the dividend.")
    record_date: Day = Field(description=_RECORD_DATE)
    paid_class: ClassId = Field(description="The class the dividend is paid in, by its id.")
    shares_per_share: Positive = Field(description="Shares of paid_class per share held.")


class CashDividend(Event):
    """An ordinary cash dividend on a class: it changes no term of the warrant, but is noticed under §4.6(a)."""

    type: Literal["CashDividend"] = "CashDividend"
    class_: ClassId = class_field("The class whose holders receive the dividend.")
    record_date: Day = Field(description=_RECORD_DATE)
    amount_per_share: Positive = Field(description="Cash per share held.")


class Distribution(Event):
    """Anything other than an ordinary cash dividend paid to the holders of a class: cash, other securities or
    property, at least one of them (§4.2(b), (c)). The warrant accrues its share; noticed under §4.6(b)."""

    type: Literal["Distribution"] = "Distribution"
    class_: ClassId = class_field("The class whose holders receive it.")
    record_date: Day = Field(description=_RECORD_DATE)
    cash_per_share: Positive | None = Field(None, description="Cash per share held.")
    securities_per_share: list[SecurityQuantity] | None = Field(None, description="Securities per share held.")
    property: Text | None = Field(None, description="Any other property, described.")

    @model_validator(mode="after")
    def _distributes_something(self) -> Distribution:
        if self.cash_per_share is None and not self.securities_per_share and not self.property:
            raise ValueError("a distribution needs cash_per_share, securities_per_share or property")
        return self


class SubscriptionOffered(Event):
    """The company offers the holders of a class, pro rata, to subscribe for shares or other rights (§4.6(c))."""

    type: Literal["SubscriptionOffered"] = "SubscriptionOffered"
    class_: ClassId = class_field("The class whose holders may subscribe.")
    record_date: Day = Field(description=_RECORD_DATE)
    description: Text = Field(description="What is offered, and on what terms.")


class Reclassification(Event):
    """Each share of a class becomes shares of other classes (§4.3), noticed under §4.6(d)."""

    type: Literal["Reclassification"] = "Reclassification"
    class_: ClassId = class_field("The class reclassified.")
    into: list[ClassQuantity] = Field(min_length=1, description="What each old share becomes.")
    record_date: Day | None = Field(None, description=_VOTE_RECORD_DATE)


class MergerAgreed(Event):
    """The company agrees to a merger, consolidation, sale of its assets or reorganization (§4.3), noticed under
    §4.6(d)."""

    type: Literal["MergerAgreed"] = "MergerAgreed"
    kind: Literal["merger", "consolidation", "asset_sale", "reorganization"] = Field(
        description="merger, consolidation, asset_sale or reorganization.")
    counterparty: Text = Field(description="The other corporation: the successor or the buyer.")
    record_date: Day | None = Field(None, description=_VOTE_RECORD_DATE)
    expected_closing: Day = Field(description="The day it is expected to close; the §4.6(ii) notice is due 20 "
                                              "days before.")


class Consideration(Frozen):
    """What one share of a class receives (§4.3): securities, cash, or both. Zero cash means none, so shares
    alone stay "one security only"."""

    securities: list[SecurityQuantity] = Field([], description="Securities per share.")
    cash: NonNegative | None = Field(None, description="Cash per share.")

    @model_validator(mode="after")
    def _something(self) -> Consideration:
        if not self.securities and not self.cash:
            raise ValueError("consideration needs securities or cash greater than zero")
        return self


class MergerCompleted(Event):
    """The merger, consolidation, sale or reorganization agreed earlier takes place: the warrant then delivers
    what one share of its class receives (§4.3)."""

    type: Literal["MergerCompleted"] = "MergerCompleted"
    agreement: Id = Field(description="The MergerAgreed that takes place, by its id.")
    consideration: dict[ClassId, Consideration] = Field(min_length=1, description=(
        "What one share of each class receives, by class id; every class a warrant delivers needs an entry."))


class SuccessorAssumed(Event):
    """The successor's written assumption of the warrant reached the holder, as §4.3 requires before the
    closing."""

    type: Literal["SuccessorAssumed"] = "SuccessorAssumed"
    agreement: Id = Field(description="The MergerAgreed, by its id.")
    delivered: When = Field(description="When the written assumption reached the holder.")


class DissolutionApproved(Event):
    """The company's dissolution, liquidation or winding-up is approved or ordered (§4.6(e))."""

    type: Literal["DissolutionApproved"] = "DissolutionApproved"
    voluntary: bool = Field(description="true for a voluntary dissolution, false for an involuntary one.")
    record_date: Day | None = Field(None, description=_VOTE_RECORD_DATE)
    expected_effective: Day = Field(description="The day it is expected to take effect; the §4.6(ii) notice is "
                                                "due 20 days before (the warrant's form's days).")


class OtherActionProposed(Event):
    """Any other action the company takes or proposes of which the holders of its preferred are notified
    (§4.6(f))."""

    type: Literal["OtherActionProposed"] = "OtherActionProposed"
    description: Text = Field(description="The action.")
    record_date: Day | None = Field(None, description=_VOTE_RECORD_DATE)
    expected_effective: Day | None = Field(None, description="The day it is expected to take place; the "
                                                             "§4.6(ii) notice is due 20 days before (the "
                                                             "warrant's form's days).")


class PreferredConverted(Event):
    """Every share of a preferred class converts into common under the charter; a warrant for that class is then
    exercisable for the common (§1(a))."""

    type: Literal["PreferredConverted"] = "PreferredConverted"
    class_: ClassId = class_field("The preferred class that converts.")


class ConversionRatioAdjusted(Event):
    """The conversion ratio of a preferred class changes under the charter's own terms. Naming the issuance that
    caused it spares that issuance a §4.4 adjustment (§4.4(b))."""

    type: Literal["ConversionRatioAdjusted"] = "ConversionRatioAdjusted"
    class_: ClassId = class_field("The preferred class.")
    conversion_ratio: Positive = Field(description="The new ratio: common shares per preferred share.")
    reason: Text = Field(description="Why the charter changes it.")
    issuance: Id | None = Field(None, description="The SharesIssued or OptionsIssued that caused it, by its id.")


class PublicOfferingPriced(Event):
    """A public offering is priced; its price to the public is the Per Share Price of a net exercise made in
    conjunction with it (§1(c)(ii))."""

    type: Literal["PublicOfferingPriced"] = "PublicOfferingPriced"
    class_: ClassId = class_field("The class offered.")
    price_to_public: Positive = Field(description="The price to the public per share.")
    shares: WholeShares = Field(description="The shares offered in all.")
    closing: Day = Field(description="The closing day.")


_EXCHANGE = "The exchange or market system, e.g. NYSE or NASDAQ (both follow the NYSE's trading days)."


class Listed(Event):
    """A class is listed on an exchange or market system: its closing quotes then set the Per Share Price
    (§1(c)(i))."""

    type: Literal["Listed"] = "Listed"
    class_: ClassId = class_field()
    exchange: Id = Field(description=_EXCHANGE)


class Delisted(Event):
    """A class leaves an exchange or market system (§1(c)(i), (iii))."""

    type: Literal["Delisted"] = "Delisted"
    class_: ClassId = class_field()
    exchange: Id = Field(description=_EXCHANGE)


class Quote(Frozen):
    """One trading day's closing bid and asked prices (§1(c)(i))."""

    date: Day = Field(description="The trading day.")
    bid: Positive = Field(description="The closing bid price.")
    ask: Positive = Field(description="The closing asked price; not below the bid.")

    @field_validator("ask")
    @classmethod
    def _not_below_bid(cls, ask: Fraction, info: ValidationInfo) -> Fraction:
        """§1(c)(i) averages closing bid and asked prices; an ask below the bid is a swapped column."""
        bid = info.data.get("bid")
        if bid is not None and ask < bid:
            raise ValueError(f"the asked price {format_exact(ask)} is below the bid {format_exact(bid)}")
        return ask


class MarketQuotes(Event):
    """Closing bid and asked prices of a listed class, by trading day: the ten days before an election are
    averaged for the Per Share Price (§1(c)(i))."""

    type: Literal["MarketQuotes"] = "MarketQuotes"
    class_: ClassId = class_field("The class quoted.")
    quotes: list[Quote] = Field(min_length=1, description="One entry per trading day.")


class BoardValuation(Event):
    """The board determines in good faith the price a willing buyer would pay for newly issued shares: the Per
    Share Price while the common is not listed (§1(c)(iii))."""

    type: Literal["BoardValuation"] = "BoardValuation"
    class_: ClassId = class_field()
    price_per_share: Positive = Field(description="The price per share the board determined.")


class TransferBooksClosed(Event):
    """The company closes its transfer books for a period (§6)."""

    type: Literal["TransferBooksClosed"] = "TransferBooksClosed"
    from_: When = Field(alias="from", description="When the books close.")
    to: When = Field(description="When they reopen; not before they close.")

    @field_validator("to")
    @classmethod
    def _not_before_from(cls, to: date | datetime, info: ValidationInfo) -> date | datetime:
        """§6: the books are closed from the first day to the last; a period cannot end before it starts."""
        start = info.data.get("from_")
        if start is not None and precedes(to, start):
            raise ValueError(f"the books cannot reopen ({to.isoformat()}) before they close ({start.isoformat()})")
        return to
