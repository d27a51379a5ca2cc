"""Convertible securities whose number of shares is not fixed when issued (SAFEs, convertible notes).

The engine does not model their conversion yet: a SAFE's or a note's price per share is set by the financing it
converts in, so §4.4 has no consideration per share to read when it is issued (the shares it converts into are
read when they issue). They are shown in the cap table as outstanding, with their terms, until they end.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from captable.events.base import Event, Id, Text
from captable.instants import Day
from captable.numbers import NonNegative, Positive

_CONVERTIBLE = "The convertible, by the id its ConvertibleIssued gave it."


class ConvertibleIssued(Event):
    """The company issues a convertible security for cash (a SAFE, a convertible note): outstanding, with its
    terms, until it converts or ends. Its conversion is not computed by the engine."""

    type: Literal["ConvertibleIssued"] = "ConvertibleIssued"
    convertible: Id = Field(description="The convertible's id, by which later events name it.")
    holder: Text = Field(description="Who holds it.")
    kind: Literal["safe", "note", "other"] = Field(description="safe, note, or other.")
    investment: Positive = Field(description="The amount invested (a note's principal).")
    valuation_cap: Positive | None = Field(None, description="The valuation cap, if any.")
    discount: NonNegative | None = Field(None, description='The discount on the financing\'s price, as a fraction: '
                                                           '"1/5" for 20%.')
    interest_rate: NonNegative | None = Field(None, description='A note\'s yearly interest rate, as a fraction: '
                                                                '"3/50" for 6%.')
    maturity: Day | None = Field(None, description="A note's maturity date.")
    terms: Text | None = Field(None, description="How it converts, in words, as the instrument says.")


class ConvertibleEnded(Event):
    """A convertible is no longer outstanding: converted (the shares it converted into are issued by their own
    events), repaid, cancelled, or retracted as issued in error."""

    type: Literal["ConvertibleEnded"] = "ConvertibleEnded"
    convertible: Id = Field(description=_CONVERTIBLE)
    how: Literal["converted", "repaid", "cancelled", "retracted"] = Field(
        description="converted, repaid, cancelled, or retracted.")
    reason: Text | None = Field(None, description="What the ending document says, if anything.")
