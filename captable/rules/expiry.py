"""The Expiration Date (preamble; §1(a), §1(b)).

The warrant is exercisable "at any time or from time to time up to and
including 5:00 p.m. (Pacific time) on December 15, 2003". The ``expires``
instant carries its offset; comparing instants (not wall-clock texts) makes
17:00:00-08:00 and 01:00:00Z the next day the same moment.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from captable.errors import InvalidEvent, WarrantExpired
from captable.forms import Form
from captable.rules import conventions


def require_form_time(expires: datetime, form: Form) -> None:
    """A warrant that names its form expires at that form's time of day in its zone (5:00 p.m. Pacific for the
    1997 form). A warrant recorded without a form keeps the instant it was given, as it always did."""
    local = expires.astimezone(ZoneInfo(form.terms.expiry_zone))
    if local.time().isoformat() != form.terms.expiry_time:
        raise InvalidEvent(
            f"the form {form.name} expires at {form.terms.expiry_time} {form.terms.expiry_zone} "
            f"({form.cite('expiry_time')}); {expires.isoformat()} is {local.time().isoformat()} there: "
            f"write the expiry date at that time, e.g. {local.replace(hour=int(form.terms.expiry_time[:2]), minute=int(form.terms.expiry_time[3:5]), second=int(form.terms.expiry_time[6:])).isoformat()}",
            field="expires", value=expires.isoformat(), section=form.cite("expiry_time"))


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
