"""Readings the warrant leaves open, in one place, each with its reason.

The audit trail and the adjustments name the convention they used.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Convention:
    name: str
    section: str
    reading: str
    reason: str


UNITS_AND_BASKETS = Convention(
    "units_and_baskets", "§1(a)",
    "The warrant is N units at P per unit; a unit delivers a basket, at issue one share "
    "of Series C Preferred; shares purchasable = N.",
    "Lets §4.2 and §4.3 add securities, cash and property to what each unit delivers "
    "without changing P or N.",
)
AGGREGATE_PRICE_PRESERVED = Convention(
    "aggregate_price_preserved", "§4",
    "When P changes, N' = P × N / P'.",
    "The §4 preamble: the holder buys, at the new price, the shares that the old price "
    "times the old number buys.",
)
COMMON_SPLIT_SCALES_CONVERSION_RATIO = Convention(
    "common_split_scales_conversion_ratio", "§4.1",
    "A split of the common by k while the warrant is for preferred leaves P and N alone "
    "and multiplies the preferred's conversion ratio by k.",
    "The standard charter adjustment of the preferred's conversion price; §4.1 reaches "
    "only splits of the Preferred Stock itself.",
)
PREFERRED_SPLIT_DIVIDES_CONVERSION_RATIO = Convention(
    "preferred_split_divides_conversion_ratio", "§4.1",
    "A split of a preferred class by k divides its conversion ratio by k.",
    "The as-converted total of the class is unchanged by a split of the class.",
)
CONVERSION_AT_RATIO_IN_EFFECT = Convention(
    "conversion_at_ratio_in_effect", "§1(a)",
    "On automatic conversion the warrant becomes N × r common units at P / r, r the "
    "conversion ratio in effect.",
    "§1(a): exercisable for the common into which the unpurchased preferred would have "
    "been converted; the aggregate price is unchanged.",
)
ALL_INCLUDES_FRACTION = Convention(
    "all_includes_fraction", "§1(a), §16",
    "A cash exercise of \"all\" exercises every unit including a fractional remainder; "
    "the fraction is paid back in cash at P (§16).",
    "§1(a) permits exercise for all the shares purchasable, and §16 settles fractions in cash.",
)
MONEY_ROUNDED_TO_CENT = Convention(
    "money_rounded_to_cent", "§1(a), §16",
    "Money that changes hands is rounded to the cent, half up, when it is paid.",
    "Payments are made in cash or by check; exact rationals are kept until that moment.",
)
EXPIRY_INCLUSIVE = Convention(
    "expiry_inclusive", "Preamble; §1(a)",
    "An election is on time up to and including 17:00:00 Pacific on the Expiration Date, "
    "whatever offset the instant is written in.",
    "\"up to and including 5:00 p.m. (Pacific time) on December 15, 2003\".",
)
HOLDER_FRACTIONS_DROPPED = Convention(
    "holder_fractions_dropped", "charter",
    "A split, combination or conversion of a holder's shares issues whole shares only; "
    "the fraction is settled in cash under the charter and leaves the cap table.",
    "Only whole shares are ever issued (DESIGN §4).",
)

SINGLE_SECURITY_CONSIDERATION = Convention(
    "single_security_consideration", "§4.3",
    "Consideration of q shares of one security only: that security becomes the warrant's, "
    "N' = N × q at P' = P / q.",
    "The holder receives what the shares purchasable would have received, for the same aggregate price.",
)
MIXED_CONSIDERATION_BASKET = Convention(
    "mixed_consideration_basket", "§4.3",
    "Any other consideration (shares and cash, several securities, cash only): N and P stay, and "
    "each unit delivers the consideration for one share.",
    "A single price per unit cannot be split across unlike assets without a valuation the warrant "
    "does not provide.",
)
CONSIDERATION_PER_COMMON_SHARE = Convention(
    "consideration_per_common_share", "§4.4",
    "The consideration per share is C / S, per share of common as-converted; for options and "
    "convertibles C is the price paid for the right plus the exercise or conversion price.",
    "A and S are counted in common as-converted, so the test against P uses the same unit, and "
    "P' can then never rise.",
)
RECORD_DATE_ACCRUAL = Convention(
    "record_date_accrual", "§4.2",
    "Entitlements accrue on the record date (the start of that day, or the effective instant if "
    "later), for the units and accrued shares then held; an exercise of Y of N units takes Y/N of "
    "each.",
    "\"had he been the holder of record … as of the date on which holders … became entitled\".",
)
FRACTIONS_AT_UNIT_PRICE = Convention(
    "fractions_at_unit_price", "§16",
    "A fractional share of a security a unit delivers q of is paid at P / q; a fractional unit at P.",
    "§16 pays fractions at the Stock Purchase Price, which is the price of one unit.",
)
NET_EXERCISE_UNITS = Convention(
    "net_exercise_units", "§1(b), §16",
    "Surrendering Y units delivers X = Y × (PSP − P) / PSP units' baskets; whole shares issue and "
    "the fraction is paid at P; accrued §4.2 amounts are delivered for the X units received.",
    "§1(b) gives the quotient in shares of the warrant's security; a unit is one such share, and "
    "§16 settles the fraction at the Stock Purchase Price.",
)
MARKET_PRICE_MEAN_OF_MIDPOINTS = Convention(
    "market_price_mean_of_midpoints", "§1(c)(i)",
    "The mean, over the 10 consecutive trading days before the election date (not including it), "
    "of (closing bid + closing asked) / 2; every one of those days needs its quotes.",
    "\"the average of the closing bid and asked prices … for the ten (10) consecutive trading days "
    "prior to the date of the Holder's election\"; trading days follow the NYSE calendar.",
)
PER_SHARE_PRICE_AS_CONVERTED = Convention(
    "per_share_price_as_converted", "§1(c)",
    "While the warrant is for preferred, a common price is multiplied by the conversion ratio in "
    "effect; a price of the warrant's own class is used as it is.",
    "§1(b) needs the Per Share Price \"of the Preferred stock\"; one preferred share is worth the "
    "common it converts into.",
)

ALL = (
    UNITS_AND_BASKETS,
    AGGREGATE_PRICE_PRESERVED,
    COMMON_SPLIT_SCALES_CONVERSION_RATIO,
    PREFERRED_SPLIT_DIVIDES_CONVERSION_RATIO,
    CONVERSION_AT_RATIO_IN_EFFECT,
    ALL_INCLUDES_FRACTION,
    MONEY_ROUNDED_TO_CENT,
    EXPIRY_INCLUSIVE,
    HOLDER_FRACTIONS_DROPPED,
    SINGLE_SECURITY_CONSIDERATION,
    MIXED_CONSIDERATION_BASKET,
    CONSIDERATION_PER_COMMON_SHARE,
    RECORD_DATE_ACCRUAL,
    FRACTIONS_AT_UNIT_PRICE,
    NET_EXERCISE_UNITS,
    MARKET_PRICE_MEAN_OF_MIDPOINTS,
    PER_SHARE_PRICE_AS_CONVERTED,
)
