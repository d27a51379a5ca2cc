"""Trading days (§1(c)(i)) and business days (§12), from the ``holidays`` package.

Its NYSE calendar knows the exchange's unscheduled closures (11–14 September
2001) as well as its scheduled holidays; the NYSE calendar is used for NASDAQ
listings too (DESIGN §5). Business days are Monday to Friday except United
States federal holidays as observed (1999-12-31 is not one; Good Friday is).
Both calendars cover every year an instant may lie in (see ``LAST_YEAR``).

The package loads every country's calendar when it is imported (a sixth of a second, more than the rest
of a ``notices`` command), so the days it gives for the years an instant may touch are kept in
``calendar_days.json``, written from it by ``python -m captable.calendars`` and checked against it by the
tests; a year outside that file is asked of the package itself.
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

# Instants lie in 1900–2200 (DESIGN §7), and §12 counts a few days past the last of them. The
# package stops at 2100 and is silent after it (no holidays at all); the rules it states (5 U.S.C.
# §6103, the exchange's rules) carry on unchanged, as the law stands today.
LAST_YEAR = 2201
FIRST_YEAR = 1899  # a trading-day window before an instant early in 1900 reaches back into 1899
DAYS_FILE = Path(__file__).with_name("calendar_days.json")


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


def computed(kind: str, year: int) -> frozenset[date]:
    """The package's days of one calendar ("federal" holidays as observed, or "exchange" closures) in ``year``."""
    federal, exchange = _calendars()
    return frozenset(federal(years=year, observed=True) if kind == "federal" else exchange(years=year))


@lru_cache(maxsize=None)
def _kept() -> dict[str, dict[int, frozenset[date]]]:
    """The days kept in ``DAYS_FILE``, by calendar and year (empty if the file is missing or unreadable)."""
    try:
        document = json.loads(DAYS_FILE.read_text(encoding="utf-8"))
        return {kind: {int(year): frozenset(date.fromisoformat(d) for d in days) for year, days in years.items()}
                for kind, years in document["days"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


@lru_cache(maxsize=None)
def _days(kind: str, year: int) -> frozenset[date]:
    found = _kept().get(kind, {}).get(year)
    return found if found is not None else computed(kind, year)


def _exchange_closed(year: int) -> frozenset[date]:
    return _days("exchange", year)


def _federal_holidays(year: int) -> frozenset[date]:
    return _days("federal", year)


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


def write_days() -> None:
    """``DAYS_FILE`` from the package, for every year an instant may touch."""
    from importlib.metadata import version

    days = {kind: {str(year): sorted(d.isoformat() for d in computed(kind, year))
                   for year in range(FIRST_YEAR, LAST_YEAR + 2)} for kind in ("federal", "exchange")}
    DAYS_FILE.write_text(json.dumps({"holidays": version("holidays"), "days": days}, separators=(",", ":")) + "\n",
                         encoding="utf-8")


if __name__ == "__main__":
    write_days()
    sys.stdout.write(f"wrote {DAYS_FILE}\n")
