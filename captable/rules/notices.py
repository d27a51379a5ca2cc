"""When a notice is given (§12 of the 1997 form), how early it must be (§4.6), and the latest day to mail it.

§12: "deemed to have been given (1) upon receipt if delivered personally or
by courier (ii) upon confirmation of receipt if by telecopy or (iii) three
business days after deposit in the United States mail". §4.6: "at least 20
day's prior written notice" of the record date and of the day the action
takes place. The numbers are the warrant's form's (``prior_notice_days``,
``mail_deemed_days``, ``mail_day_kind``), not this module's.
"""

from __future__ import annotations

from datetime import date, timedelta

from captable.calendars import business_days_after, is_federal_holiday
from captable.forms import Terms, default_terms


def prior_notice_deadline(target: date, terms: Terms | None = None) -> date:
    """§4.6: given on or before this day is "at least N days" before ``target`` (exactly N is on time)."""
    return target - timedelta(days=(terms or default_terms()).prior_notice_days)


def mail_arrives(sent: date, terms: Terms | None = None) -> date:
    """§12 (iii): the day a notice deposited in the mail on ``sent`` is deemed given."""
    terms = terms or default_terms()
    if terms.mail_day_kind == "calendar":
        return sent + timedelta(days=terms.mail_deemed_days)
    return business_days_after(sent, terms.mail_deemed_days)


def deemed_given(method: str, sent: date, received: date | None, confirmed: date | None,
                 terms: Terms | None = None) -> date | None:
    """§12: the day a notice counts as given, or None while the method's proof is missing."""
    if method == "mail":
        return mail_arrives(sent, terms)
    if method == "telecopy":
        return confirmed
    return received  # personal delivery or courier


def is_post_office_day(day: date) -> bool:
    """Certified or registered mail (§12) is deposited over a counter: Monday to Saturday, not on holidays."""
    return day.weekday() < 6 and not is_federal_holiday(day)


def latest_mailing(deadline: date, terms: Terms | None = None) -> date:
    """The last day certified mail can be deposited and still be given on or before ``deadline``."""
    day = deadline
    while mail_arrives(day, terms) > deadline or not is_post_office_day(day):
        day -= timedelta(days=1)
    return day
