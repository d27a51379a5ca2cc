"""§12 when a notice is given, §4.6 how early it must be, and the latest day to mail it.

§12: "deemed to have been given (1) upon receipt if delivered personally or
by courier (ii) upon confirmation of receipt if by telecopy or (iii) three
business days after deposit in the United States mail". §4.6: "at least 20
day's prior written notice" of the record date and of the day the action
takes place.
"""

from __future__ import annotations

from datetime import date, timedelta

from captable.calendars import business_days_after, is_federal_holiday

PRIOR_NOTICE_DAYS = 20
MAIL_BUSINESS_DAYS = 3


def prior_notice_deadline(target: date) -> date:
    """§4.6: given on or before this day is "at least 20 days" before ``target`` (exactly 20 is on time)."""
    return target - timedelta(days=PRIOR_NOTICE_DAYS)


def deemed_given(method: str, sent: date, received: date | None, confirmed: date | None) -> date | None:
    """§12: the day a notice counts as given, or None while the method's proof is missing."""
    if method == "mail":
        return business_days_after(sent, MAIL_BUSINESS_DAYS)
    if method == "telecopy":
        return confirmed
    return received  # personal delivery or courier


def is_post_office_day(day: date) -> bool:
    """Certified or registered mail (§12) is deposited over a counter: Monday to Saturday, not on holidays."""
    return day.weekday() < 6 and not is_federal_holiday(day)


def latest_mailing(deadline: date) -> date:
    """The last day certified mail can be deposited and still be given on or before ``deadline``."""
    day = deadline
    while business_days_after(day, MAIL_BUSINESS_DAYS) > deadline or not is_post_office_day(day):
        day -= timedelta(days=1)
    return day
