"""What happens to rights an ``OptionsIssued`` granted: exercised, cancelled, transferred.

§4.4 reads an option, warrant or convertible once, when it is granted (its consideration is the price paid for
the right plus the exercise price); these facts move the grant afterwards without a second §4.4 reading. A
grant is named by the id of the ``OptionsIssued`` that made it, or of the ``OptionsTransferred`` that gave part
of it to another holder.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from captable.events.base import Event, Id, Text
from captable.numbers import WholeShares

_GRANT = "The grant, by the id of the OptionsIssued that made it (or of the OptionsTransferred that moved it)."


class OptionsExercised(Event):
    """Rights of a grant are exercised: the shares issue to the grant's holder, and leave the grant. §4.4 counted
    them when granted, so their issue adjusts no warrant again; under a plan they stay deemed outstanding."""

    type: Literal["OptionsExercised"] = "OptionsExercised"
    grant: Id = Field(description=_GRANT)
    shares: WholeShares = Field(description="The shares issued; no more than the grant still holds.")


class OptionsCancelled(Event):
    """Rights of a grant end unexercised (forfeited, expired, cancelled by agreement, or granted in error): they
    leave the grant, and with it what §4.4 deems outstanding."""

    type: Literal["OptionsCancelled"] = "OptionsCancelled"
    grant: Id = Field(description=_GRANT)
    shares: WholeShares = Field(description="The shares the cancelled rights would have acquired; no more than "
                                            "the grant still holds.")
    reason: Text = Field(description="Why, as the cancelling document says.")


class OptionsTransferred(Event):
    """Rights of a grant pass to another holder on the same terms (a transfer to a trust, a domestic relations
    order): a new grant, named by this event's id, holds them."""

    type: Literal["OptionsTransferred"] = "OptionsTransferred"
    grant: Id = Field(description=_GRANT)
    to: Text = Field(description="The new holder.")
    shares: WholeShares = Field(description="The shares the rights transferred acquire; no more than the grant "
                                            "still holds.")
