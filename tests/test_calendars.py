"""The calendars' days kept in ``captable/calendar_days.json`` are the ``holidays`` package's own.

A newer package that moves a day (a new federal holiday, an exchange closure) fails here: write the file
again with ``python -m captable.calendars``.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from captable import calendars

KINDS = ("federal", "exchange")


@pytest.mark.parametrize("kind", KINDS)
def test_the_kept_days_are_the_packages_for_every_year_an_instant_may_touch(kind):
    kept = calendars._kept()[kind]
    assert sorted(kept) == list(range(calendars.FIRST_YEAR, calendars.LAST_YEAR + 2))
    moved = [year for year in kept if kept[year] != calendars.computed(kind, year)]
    assert moved == [], f"the holidays package now gives other {kind} days in {moved[:5]}: run python -m " \
                        "captable.calendars"


def test_days_outside_the_file_come_from_the_package(monkeypatch):
    monkeypatch.setattr(calendars, "DAYS_FILE", calendars.DAYS_FILE.with_name("absent.json"))
    calendars._kept.cache_clear()
    calendars._days.cache_clear()
    try:
        assert calendars._kept() == {}
        assert calendars.is_federal_holiday(date(2001, 11, 12)) and not calendars.is_trading_day(date(2001, 9, 11))
        assert calendars.is_business_day(date(2001, 11, 13))
    finally:
        calendars._kept.cache_clear()
        calendars._days.cache_clear()


def test_a_notices_answer_loads_no_country_calendar():
    """What the file is for: counting business days does not import the package's 250 countries."""
    import subprocess
    import sys

    code = ("import sys; from datetime import date; from captable import calendars; "
            "calendars.business_days_after(date(2001, 11, 9), 3); calendars.trading_days_before(date(2001, 9, 17), 5); "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('holidays'))))")
    found = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True)
    assert json.loads(found.stdout) == []
