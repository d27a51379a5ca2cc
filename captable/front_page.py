"""The page for people at ``/`` (issue 12, item 5): pick a company and a date, read the warrant terms, the cap
table and the open obligations, step the date event by event, open the audit report.

Server-rendered from a Jinja2 template (``templates/page.html``, escaped by default) with plain forms and links:
no script, nothing loaded from elsewhere, print-ready like the letters (``letter_page``). It asks the library the
same questions the JSON routes answer (``Books.state``, ``Books.notices``), so the page cannot show a figure the
JSON does not; it only writes each figure as the letters do (``prose``): dollars and cents, share counts with
separators, and the exact fraction beside any figure that had to be rounded.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from functools import cache
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from captable import prose
from captable.api import Books
from captable.instants import parse_when, zone
from captable.numbers import exact
from captable.queries import instant
from captable.results import Notices, State

OWED = ("open", "overdue")  # obligations still to be met: what a person must act on


@cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("captable", "templates"), autoescape=select_autoescape(default=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def money(text: str | None) -> str:
    """A price or amount as the letters write it; a rounded one also shows its exact value (§ the Calculation)."""
    return _with_exact(text, prose.price, money=True)


def count(text: str | None) -> str:
    """A share count with separators (30,571.5; 13,587 and one-third), or its exact fraction when neither fits."""
    return _with_exact(text, prose.shares)


def _with_exact(text: str | None, figure: Callable[[Fraction], Any], money: bool = False) -> str:
    if text is None:
        return "\u2014"
    q = exact(text)
    shown = figure(q)
    return f"{shown.text} (exactly {prose.exact_text(q, money=money)})" if shown.rounded else shown.text


def ratio(text: str | None) -> str:
    """A conversion ratio: shares of the class converted into per share (3/2 is 1.5)."""
    if text is None:
        return "\u2014"
    q = exact(text)
    figure = prose.decimal(q)
    return figure.text if not figure.rounded else prose.exact_text(q)


def day(text: str | None) -> str:
    """A day as the letters date them: July 1, 1999."""
    return "\u2014" if not text else prose.day(date.fromisoformat(text[:10]))


def moment(text: str) -> str:
    """An instant with its offset as recorded (the Expiration Date, the preamble: 5:00 p.m. Pacific time):
    December 15, 2003, 17:00 (UTC-08:00)."""
    when = datetime.fromisoformat(text)
    offset = when.strftime("%z")
    return f"{prose.day(when.date())}, {when:%H:%M} (UTC{offset[:3]}:{offset[3:]})" if offset else text


@dataclass(frozen=True)
class Steps:
    """The effective days of the company's events just before and after the page's day: the page steps event
    by event (each link is a date, and a date means the end of that day in the company's zone)."""

    previous: date | None
    next: date | None


def steps(books: Books, company: str, shown: date, known_at: str | None = None) -> Steps:
    """The nearest event days around ``shown`` among the events recorded by ``known_at`` (default: all), each
    day read in the company's zone: from the catalog's index of effective instants (two reads), or, where the
    store has no catalog to ask (a read-only store never cached), from the company's whole stream."""
    ledger = books._read()
    head = ledger.latest(company)
    if head is not None:
        tz = zone(head.zone)
        known = None if known_at is None else instant(known_at, tz, "known_at").at
        start = datetime.combine(shown, time(0), tz)
        end = datetime.combine(shown + timedelta(days=1), time(0), tz)
        found = ledger.from_checkpoints(company, head, lambda cache, head: cache.neighbours(company, head, start,
                                                                                           end, known))
        if found is not None:
            return Steps(*(None if at is None else at.astimezone(tz).date() for at in found))
    history = ledger.history(company)
    known = None if known_at is None else instant(known_at, history.zone, "known_at").at
    days = sorted({e.effective.astimezone(history.zone).date() for e in history.entries
                   if known is None or e.recorded <= known})
    before, after = bisect_left(days, shown), bisect_right(days, shown)
    return Steps(days[before - 1] if before else None, days[after] if after < len(days) else None)


def shown_day(as_of: str) -> date:
    """The day the page is about: the date asked, or the date of the date-time asked (as written)."""
    when = parse_when(as_of)
    return when.date() if isinstance(when, datetime) else when


def link(path: str, **query: str | None) -> str:
    return path + "?" + urlencode({k: v for k, v in query.items() if v is not None})


def render(books: Books, company: str | None, as_of: str | None, known_at: str | None = None) -> str:
    """The page for ``company`` (default: the service's, else the store's first) at ``as_of`` (default now), as
    the books stood at ``known_at`` (default: everything recorded; the form's empty field means the same)."""
    companies = books.companies()
    if not companies:
        return _templates().get_template("empty.html").render()
    chosen = company or books.company or companies[0]
    known_at = known_at or None
    state: State = books.state(as_of, known_at, company=chosen)
    owed: Notices = books.notices(as_of, known_at, status=OWED, company=chosen)
    today = shown_day(state.as_of)
    whole_day = not isinstance(parse_when(state.as_of), datetime)  # a date: the end of that day in its zone
    around = steps(books, state.company, today, known_at)
    several = len(companies) > 1
    name = chosen if several or company else None

    def at(d: date | None) -> str | None:
        return None if d is None else link("/", company=name, as_of=d.isoformat(), known_at=known_at)

    return _templates().get_template("page.html").render(
        state=state.body, owed=owed.body["obligations"], companies=companies, chosen=state.company,
        several=several, day=today.isoformat(), day_words=prose.day(today), known_at=known_at or "",
        known_words=None if known_at is None else _known_words(known_at),
        when_words=f"the end of {prose.day(today)}" if whole_day else moment(state.as_of), previous=around.previous,
        next=around.next, previous_link=at(around.previous), next_link=at(around.next),
        audit_link=link("/audit", format="html", as_of=state.as_of, known_at=known_at, company=name),
        money=money, count=count, ratio=ratio, words=day, moment=moment)


def _known_words(known_at: str) -> str:
    """The recorded instant the page is known at, in words: the end of a day, or the instant as written."""
    when = parse_when(known_at)
    if not isinstance(when, datetime):
        return f"the end of {prose.day(when)}"
    offset = when.strftime("%z")
    fraction = f".{when.microsecond:06d}" if when.microsecond else ""  # recorded instants differ by less
    return f"{prose.day(when.date())}, {when:%H:%M:%S}{fraction} (UTC{offset[:3]}:{offset[3:]})" if offset else known_at
