"""Effective and recorded instants (DESIGN §3).

An ``effective`` is a date, meaning the start of that day in the company's
zone, or a date-time with a UTC offset. A query's ``--as-of``/``--known-at``
date means the *end* of that day, so it includes the day's events. All
arithmetic is zone-aware through ``zoneinfo``; instants are compared in UTC.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import PlainSerializer, PlainValidator

PACIFIC = "America/Los_Angeles"
UTC = timezone.utc
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ONE_MICROSECOND = timedelta(microseconds=1)


def parse_when(value: Any) -> date | datetime:
    """A date, or a date-time that carries its offset; naive date-times are refused."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    elif isinstance(value, str):
        text = value.strip()
        if _DATE.fullmatch(text):
            return date.fromisoformat(text)
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"{value!r} is neither a date (1999-06-25) nor a date-time "
                "with an offset (2003-12-15T17:00:00-08:00)"
            ) from None
    else:
        raise ValueError(f"expected a date or date-time string, got {type(value).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"{value!s} has no UTC offset; write it with one, e.g. {moment.isoformat()}-08:00"
        )
    return moment


def parse_date(value: Any) -> date:
    when = parse_when(value)
    if isinstance(when, datetime):
        raise ValueError(f"{value!r} must be a date (YYYY-MM-DD)")
    return when


def parse_aware(value: Any) -> datetime:
    when = parse_when(value)
    if not isinstance(when, datetime):
        raise ValueError(f"{value!r} must be a date-time with an offset")
    return when


def _iso(value: date | datetime) -> str:
    return value.isoformat()


_OUT = PlainSerializer(_iso, return_type=str)

When = Annotated[date | datetime, PlainValidator(parse_when), _OUT]
Day = Annotated[date, PlainValidator(parse_date), _OUT]
Moment = Annotated[datetime, PlainValidator(parse_aware), _OUT]


def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name or PACIFIC)


def start_of(when: date | datetime, tz: ZoneInfo) -> datetime:
    """The instant an ``effective`` names, in UTC: a date is the start of that day."""
    if isinstance(when, datetime):
        return when.astimezone(UTC)
    return datetime.combine(when, time.min, tz).astimezone(UTC)


def end_of(when: date | datetime, tz: ZoneInfo) -> datetime:
    """The last instant a query's ``--as-of``/``--known-at`` includes, in UTC."""
    if isinstance(when, datetime):
        return when.astimezone(UTC)
    next_day = datetime.combine(when + timedelta(days=1), time.min, tz)
    return next_day.astimezone(UTC) - _ONE_MICROSECOND


def now() -> datetime:
    return datetime.now(UTC)


def local_text(instant: datetime, tz: ZoneInfo) -> str:
    """An instant shown in the company's zone with its offset."""
    return instant.astimezone(tz).isoformat()
