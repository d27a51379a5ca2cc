"""Trading days (§1(c)(i)) and business days (§12), from the ``holidays`` package.

Its NYSE calendar knows the exchange's unscheduled closures (11–14 September
2001) as well as its scheduled holidays; the NYSE calendar is used for NASDAQ
listings too (DESIGN §5). Business days are Monday to Friday except United
States federal holidays as observed (1999-12-31 is not one; Good Friday is).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=None)
def _exchange_closed(year: int) -> frozenset[date]:
    return frozenset(holidays.financial_holidays("NYSE", years=year))


@lru_cache(maxsize=None)
def _federal_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.US(years=year, observed=True))


def is_trading_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _exchange_closed(day.year)


def is_federal_holiday(day: date) -> bool:
    """A United States federal holiday, as observed."""
    return day in _federal_holidays(day.year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not is_federal_holiday(day)


def trading_days_before(day: date, count: int) -> list[date]:
    """The ``count`` consecutive trading days before ``day`` (not including it), oldest first."""
    days: list[date] = []
    cursor = day
    while len(days) < count:
        cursor -= timedelta(days=1)
        if is_trading_day(cursor):
            days.append(cursor)
    return days[::-1]


def business_days_after(day: date, count: int) -> date:
    """The ``count``-th business day after ``day`` (counting starts the day after)."""
    cursor = day
    for _ in range(count):
        cursor += timedelta(days=1)
        while not is_business_day(cursor):
            cursor += timedelta(days=1)
    return cursor
