"""§18.7 financial reports: "up to the earlier of the Expiration Date or the complete
exercise of this Warrant, the Company shall furnish to Holder (i) within 120 days
after the close of each fiscal year … audited [statements] …; (ii) within 45
days after the close of each fiscal quarter … unaudited [statements] …; and
(iii) promptly after sending … copies of all reports … to its shareholders".

Periods ending on or after the issue date count; a report is owed only if it
falls due on or before the warrant ends, and is ``lapsed`` otherwise;
deadlines are calendar days, not moved off weekends (DESIGN §6 item 17).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

ANNUAL_DAYS = 120
QUARTERLY_DAYS = 45


@dataclass(frozen=True, slots=True)
class Period:
    kind: str  # annual or quarterly
    label: str  # "1998" (the fiscal year by the calendar year it ends in) or "1998-Q1"
    end: date
    due: date
    owed: bool  # False: it falls due after the warrant ends (lapsed)


def _month_end_like(year: int, month: int, fye_month: int, fye_day: int) -> date:
    """A quarter's last day: the fiscal year end's day, or the month's last day when that is a month end."""
    last = calendar.monthrange(year, month)[1]
    month_end = fye_day >= calendar.monthrange(2001, fye_month)[1]  # Feb 28 is February's end (29 in leap years)
    return date(year, month, last if month_end else min(fye_day, last))


def fiscal_quarter_ends(fiscal_year_end: str, fiscal_year: int) -> list[date]:
    """The four quarter ends of the fiscal year that ends in calendar year ``fiscal_year``, in order."""
    month, day = (int(part) for part in fiscal_year_end.split("-"))
    ends = []
    for back in (9, 6, 3, 0):
        m = month - back
        y = fiscal_year if m > 0 else fiscal_year - 1
        ends.append(_month_end_like(y, m if m > 0 else m + 12, month, day))
    return ends


def report_periods(fiscal_year_end: str, issued: date, warrant_ends: date) -> list[Period]:
    """Every §18.7 period ending between the issue date and the end of the warrant, in order of due date."""
    periods = []
    for year in range(issued.year, warrant_ends.year + 2):
        quarters = fiscal_quarter_ends(fiscal_year_end, year)
        for n, end in enumerate(quarters, start=1):
            if issued <= end <= warrant_ends:
                due = end + timedelta(days=QUARTERLY_DAYS)
                periods.append(Period("quarterly", f"{year}-Q{n}", end, due, due <= warrant_ends))
        year_end = quarters[-1]
        if issued <= year_end <= warrant_ends:
            due = year_end + timedelta(days=ANNUAL_DAYS)
            periods.append(Period("annual", str(year), year_end, due, due <= warrant_ends))
    return sorted(periods, key=lambda p: (p.due, p.kind))
