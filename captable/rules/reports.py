"""§18.7 financial reports (the 1997 form; a form sets its own days, or none): "up to the earlier of the
Expiration Date or the complete
exercise of this Warrant, the Company shall furnish to Holder (i) within 120 days
after the close of each fiscal year … audited [statements] …; (ii) within 45
days after the close of each fiscal quarter … unaudited [statements] …; and
(iii) promptly after sending … copies of all reports … to its shareholders".

The periods of the warrant's life count: those ending on or after the issue
date and beginning on or before the day the warrant ends. A report is owed
only if it falls due on or before that day, and is ``lapsed`` otherwise;
deadlines are calendar days, not moved off weekends (DESIGN §6 item 17). A
report arises on the first day of its period (or the issue date, if later),
so that its deadline can be seen coming (DESIGN §6, obligation statuses).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from captable.forms import Terms, default_terms


@dataclass(frozen=True, slots=True)
class Period:
    kind: str  # annual or quarterly
    label: str  # "1998" (the fiscal year by the calendar year it ends in) or "1998-Q1"
    start: date
    end: date
    due: date
    owed: bool  # False: it falls due after the warrant ends (lapsed)

    def arises(self, issued: date) -> date:
        """§18.7 runs from the issue date: a period already under way then arises on that day."""
        return max(self.start, issued)


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


def report_periods(fiscal_year_end: str, issued: date, warrant_ends: date,
                   terms: Terms | None = None) -> list[Period]:
    """Every §18.7 period of the warrant's life (issue date to its end, overlapping), in order of due date;
    only the kinds its form owes (``reports``), due the form's days after the period ends."""
    terms = terms or default_terms()
    days = {"annual": terms.annual_report_days, "quarterly": terms.quarterly_report_days}
    periods = []
    for year in range(issued.year, warrant_ends.year + 2):
        # The day after the previous fiscal year's last quarter end opens this year's first quarter.
        starts = [fiscal_quarter_ends(fiscal_year_end, year - 1)[-1] + timedelta(days=1)]
        quarters = fiscal_quarter_ends(fiscal_year_end, year)
        starts += [end + timedelta(days=1) for end in quarters[:-1]]
        candidates = [("quarterly", f"{year}-Q{n}", start, end)
                      for n, (start, end) in enumerate(zip(starts, quarters), start=1)]
        candidates.append(("annual", str(year), starts[0], quarters[-1]))
        for kind, label, start, end in candidates:
            if kind in terms.reports and end >= issued and start <= warrant_ends:
                due = end + timedelta(days=days[kind])
                periods.append(Period(kind, label, start, end, due, due <= warrant_ends))
    return sorted(periods, key=lambda p: (p.due, p.kind))
