"""Records of other systems kept as facts without being modelled (issue 13: nothing silently dropped)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from captable.events.base import Event, Id, Text


class RecordKept(Event):
    """A record another system holds and the engine does not model yet (an option plan, a vesting schedule, a
    valuation, a convertible note), kept in the history as that system wrote it, with what the engine does
    with it: no answer reads it, and a later version of the engine can."""

    type: Literal["RecordKept"] = "RecordKept"
    system: Text = Field(description='The standard or system the record comes from, e.g. "OCF 1.2.0".')
    record_type: Text = Field(description='The record\'s type in that system, e.g. "STOCK_PLAN".')
    record_id: Id = Field(description="The record's id in that system.")
    handling: Text = Field(description="What the engine does with it, e.g. \"stock plans are not modelled yet\".")
    original: Text = Field(description="The record as that system wrote it: for OCF, the object as canonical JSON "
                                      "(keys sorted; a number written with a point kept as its text).")
