"""The parameters a form of warrant sets: the places where real forms differ and the engine computes.

Each field is one parameter; a form file gives its value with the clause it encodes, and a warrant's
``terms`` may override it by name. Exact types only: days are integers, choices are named, no floats.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

Category = Literal["option_plan", "preferred_conversion", "dividend", "financing_warrant"]
DilutionMethod = Literal["broad_based_weighted_average", "narrow_based_weighted_average", "full_ratchet", "none"]
Days = Annotated[int, Field(ge=0, le=3660)]
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")


class Terms(BaseModel):
    """Every parameter of a form (see docs/forms.md for what each means)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    # Issuance below the price (§4.4 of the 1997 form).
    dilution_method: DilutionMethod
    deemed_outstanding: tuple[Category, ...]  # counted in A by the broad-based average
    dilution_carve_outs: tuple[Category, ...]  # issuances of these categories adjust nothing
    # Whether N moves when P does (the §4 preamble) or stays fixed.
    shares_follow_price: bool
    # Exercise.
    exercise_methods: tuple[Literal["cash", "net"], ...] = Field(min_length=1)
    per_share_price_methods: tuple[Literal["market", "public_offering", "board"], ...]
    per_share_price_trading_days: Annotated[int, Field(ge=1, le=250)]
    per_share_price_market: Literal["mean_of_bid_ask_midpoints", "mean_of_closing_bids"]
    converts_with_preferred: bool
    # Notices.
    prior_notice_days: Days
    adjustment_notice: bool
    adjustment_notice_signer: Literal["cfo", "ceo", "secretary", "any_officer"]
    mail_deemed_days: Days
    mail_day_kind: Literal["business", "calendar"]
    # Reports.
    reports: tuple[Literal["annual", "quarterly", "shareholder_materials"], ...]
    annual_report_days: Days
    quarterly_report_days: Days
    # Fractions on exercise.
    fractions: Literal["cash_at_price", "cash_at_per_share_price", "round_down"]
    # Expiry.
    expiry_time: str
    expiry_zone: str
    # Transfer.
    transfer_bases: tuple[Literal["registration", "rule_144", "opinion_of_counsel"], ...] = Field(min_length=1)
    transfer_needs_transferee_agreement: bool

    @field_validator("expiry_time")
    @classmethod
    def _a_time_of_day(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError("a time of day as HH:MM:SS, e.g. 17:00:00")
        return value

    @field_validator("expiry_zone")
    @classmethod
    def _a_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as "Pacific"
            raise ValueError(f"{value!r} is not an IANA time zone such as America/Los_Angeles") from None
        return value

    @field_validator("deemed_outstanding", "dilution_carve_outs", "exercise_methods", "per_share_price_methods",
                     "reports", "transfer_bases")
    @classmethod
    def _no_repeats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a name given twice")
        return value
