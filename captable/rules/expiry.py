"""The Expiration Date (preamble; §1(a), §1(b)).

The warrant is exercisable "at any time or from time to time up to and
including 5:00 p.m. (Pacific time) on December 15, 2003". The ``expires``
instant carries its offset; comparing instants (not wall-clock texts) makes
17:00:00-08:00 and 01:00:00Z the next day the same moment.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from captable.errors import WarrantExpired
from captable.rules import conventions


def is_open(expires: datetime, instant: datetime) -> bool:
    """On time up to and including the expiry instant itself."""
    return instant <= expires


def require_open(expires: datetime, instant: datetime, tz: tzinfo, *, field: str = "effective") -> None:
    if not is_open(expires, instant):
        raise WarrantExpired(
            f"the election at {instant.astimezone(tz).isoformat()} is after the warrant expired at "
            f"{expires.astimezone(tz).isoformat()} (convention {conventions.EXPIRY_INCLUSIVE.name}); "
            "no exercise can be recorded after expiry",
            field=field,
            value=instant.astimezone(tz).isoformat(),
            section="Preamble; §1(a)",
        )
