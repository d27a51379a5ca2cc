"""Trading days (§1(c)(i)) and business days (§12), from the ``holidays`` package.

Its NYSE calendar knows the exchange's unscheduled closures (11–14 September
2001) as well as its scheduled holidays; the NYSE calendar is used for NASDAQ
listings too (DESIGN §5). Business days are Monday to Friday except United
States federal holidays as observed (1999-12-31 is not one; Good Friday is).
Both calendars cover every year an instant may lie in (see ``LAST_YEAR``).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from typing import Any

# Instants lie in 1900–2200 (DESIGN §7), and §12 counts a few days past the last of them. The
# package stops at 2100 and is silent after it (no holidays at all); the rules it states (5 U.S.C.
# §6103, the exchange's rules) carry on unchanged, as the law stands today.
LAST_YEAR = 2201


@lru_cache(maxsize=None)
def _calendars() -> tuple[Any, Any]:
    """The federal and exchange calendars, loaded on first use: the package loads every country's
    calendar (a tenth of a second), which a command that counts no day should not pay."""
    from holidays.countries import UnitedStates
    from holidays.financial import NewYorkStockExchange

    class Federal(UnitedStates):  # type: ignore[misc, valid-type]
        end_year = LAST_YEAR

    class Exchange(NewYorkStockExchange):  # type: ignore[misc, valid-type]
        end_year = LAST_YEAR

    return Federal, Exchange


@lru_cache(maxsize=None)
def _exchange_closed(year: int) -> frozenset[date]:
    return frozenset(_calendars()[1](years=year))


@lru_cache(maxsize=None)
def _federal_holidays(year: int) -> frozenset[date]:
    return frozenset(_calendars()[0](years=year, observed=True))


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
