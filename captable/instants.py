"""Effective and recorded instants (DESIGN §3).

An ``effective`` is a date, meaning the start of that day in the company's
zone, or a date-time with a UTC offset. A query's ``--as-of``/``--known-at``
date means the *end* of that day, so it includes the day's events. All
arithmetic is zone-aware through ``zoneinfo``; instants are compared in UTC.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

PACIFIC = "America/Los_Angeles"
UTC = timezone.utc
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# More than six digits after the seconds' decimal point: finer than a microsecond.
_SUB_MICROSECOND = re.compile(r"[.,][0-9]{7,}")
_ONE_MICROSECOND = timedelta(microseconds=1)
FIRST_YEAR, LAST_YEAR = 1900, 2200

D = TypeVar("D", date, datetime)


def parse_when(value: Any, tz: ZoneInfo | None = None) -> date | datetime:
    """A date, or a date-time that carries its offset, within the years 1900–2200 (DESIGN §3, §7).

    A date-time without an offset is refused with the offset of ``tz`` (the company's zone; by default
    the design's, Los Angeles) on that date as the suggestion: -07:00 in July, -08:00 in January.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return within_range(value)
    elif isinstance(value, str):
        text = value.strip()
        _require_iso_text(text, value)
        if _DATE.fullmatch(text):
            return within_range(_read(date.fromisoformat, text, value))
        moment = _read(datetime.fromisoformat, text.replace("Z", "+00:00"), value)
    else:
        raise ValueError(f"expected a date or date-time string, got {type(value).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{value!s} has no UTC offset; write it with one, e.g. {_suggested(moment, tz)}")
    return within_range(moment)


def _suggested(naive: datetime, tz: ZoneInfo | None) -> str:
    """The naive date-time with the offset ``tz`` has then, named: what the writer most likely meant."""
    where = tz or ZoneInfo(PACIFIC)
    try:
        return f"{naive.replace(tzinfo=where).isoformat()} (the offset in {where.key} on that date)"
    except (OverflowError, ValueError):  # a date-time at the very edge of the calendar
        return f"{naive.isoformat()}+00:00"


def _require_iso_text(text: str, value: str) -> None:
    """ASCII digits only, and no finer than a microsecond: nothing is silently truncated."""
    if not text.isascii():
        # \d would read "１９９９" or Arabic-Indic digits as a year.
        raise ValueError(f"{value!r} must be written with ASCII digits, e.g. 1999-06-25")
    if _SUB_MICROSECOND.search(text):
        raise ValueError(f"{value!r} is finer than a microsecond; write at most six digits after the seconds")


def _read(parse: Any, text: str, value: str) -> Any:
    try:
        return parse(text)
    except ValueError:
        raise ValueError(
            f"{value!r} is neither a date (1999-06-25) nor a date-time "
            "with an offset (2003-12-15T17:00:00-08:00)"
        ) from None


def within_range(when: D) -> D:
    """The one range check for every instant (DESIGN §7): the years 1900–2200, as written.

    Far dates are typing errors, and near year 1 or 9999 the start or end of
    a day in another zone would overflow ``datetime``.
    """
    if not FIRST_YEAR <= when.year <= LAST_YEAR:
        raise ValueError(f"{when.isoformat()} lies outside the years {FIRST_YEAR}–{LAST_YEAR}")
    return when


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

# JSON Schema's "date-time" (RFC 3339) requires the offset, as the engine does.
_DATE_SCHEMA = {"type": "string", "format": "date"}
_MOMENT_SCHEMA = {"type": "string", "format": "date-time"}

When = Annotated[date | datetime, PlainValidator(parse_when), _OUT,
                 WithJsonSchema({"anyOf": [_DATE_SCHEMA, _MOMENT_SCHEMA]}, mode="validation")]
Day = Annotated[date, PlainValidator(parse_date), _OUT, WithJsonSchema(_DATE_SCHEMA, mode="validation")]
Moment = Annotated[datetime, PlainValidator(parse_aware), _OUT, WithJsonSchema(_MOMENT_SCHEMA, mode="validation")]


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


def precedes(first: date | datetime, second: date | datetime) -> bool:
    """Whether ``first`` certainly lies before ``second``, without the company's zone.

    Two date-times compare as instants; otherwise by calendar day, a
    date-time's day being the one in its own offset, so a same-day pair of a
    date and a date-time is never refused.
    """
    if isinstance(first, datetime) and isinstance(second, datetime):
        return first < second
    return _day(first) < _day(second)


def _day(when: date | datetime) -> date:
    return when.date() if isinstance(when, datetime) else when
