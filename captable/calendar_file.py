"""The obligations as an iCalendar file (RFC 5545, RFC 7986), for counsel's calendar.

What a calendar shows, from one ``notices`` answer:

- each open or overdue obligation with a deadline: two all-day events, the
  deadline and the latest day to mail a notice so that it is given on time
  (§12); the mailing day of an open one carries a reminder (VALARM) some days
  ahead;
- each open obligation with no fixed day — a §4.5 notice of adjustment, §18.7(iii)
  shareholder materials, both owed "promptly", or a §4.6 notice of a day not yet
  known — a to-do (VTODO) starting the day it arose, with no due date: the
  warrant sets none (DESIGN §6 items 14 and 17), and a due date would have
  calendar apps call it overdue, a status the engine does not give it.

The file is a snapshot of the books as of the query, meant to be re-exported
and re-subscribed: each component's UID follows from the obligation alone, so a
calendar updates the entry it already holds instead of adding another, and the
DTSTAMP is the instant the file is written, given by the caller.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

import icalendar

from captable import forms, prose
from captable.forms import FORM_NOTE

# Fixed for good: changing it would change every UID and duplicate entries in subscribed calendars.
UID_NAMESPACE = uuid.UUID("6f1c2a7e-3d4b-5c8a-9e0f-1a2b3c4d5e6f")
REMIND_DAYS = 7
REMIND_HOUR = 9  # an all-day event's reminder goes off at 9:00 local time, as calendar apps set theirs
DATED = ("deadline", "latest_mailing")


def uid(company: str, obligation: str, part: str) -> str:
    """A UUID (RFC 7986 §5.3) from the company, the obligation id and which of its entries this is."""
    return str(uuid.uuid5(UID_NAMESPACE, "\n".join((company, obligation, part))))


def reminder_trigger(days: int) -> timedelta:
    """``days`` before an all-day event, at REMIND_HOUR: relative to its start, midnight of that day."""
    return -timedelta(days=days) + timedelta(hours=REMIND_HOUR)


def calendar_file(body: dict[str, Any], stamp: datetime, remind_days: int = REMIND_DAYS) -> bytes:
    """The ``notices`` answer ``body`` as an iCalendar file stamped ``stamp`` (an aware instant; written
    in UTC), with a reminder ``remind_days`` before each open latest mailing day (0: none)."""
    if stamp.tzinfo is None:
        raise ValueError("the DTSTAMP needs an aware instant")
    if remind_days < 0:
        raise ValueError("remind_days is a number of days, 0 or more")
    stamp = stamp.astimezone(timezone.utc).replace(microsecond=0)
    name = f"{body.get('name') or body['company']}: warrant obligations"
    cal = icalendar.Calendar()
    cal.add("prodid", "-//captable//obligations//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    description = f"Notices and reports owed to the warrant holder, as of {body['as_of']}."
    cal.add("description", description)
    cal.add("x-wr-caldesc", description)
    # A subscribed calendar checks for a new export daily.
    cal.add("refresh-interval", timedelta(days=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "P1D")
    for row in body["obligations"]:
        for component in _components(body, row, remind_days):
            component.add("dtstamp", stamp)
            cal.add_component(component)
    return cal.to_ical()


def _components(body: dict[str, Any], row: dict[str, Any], remind_days: int) -> list[icalendar.Component]:
    if row["status"] == "open" and not row["deadline"]:
        return [_todo(body, row)]
    if row["status"] not in ("open", "overdue"):
        return []  # given, waived or lapsed: nothing left to do
    events = []
    for part in DATED:
        if row.get(part):
            event = _day(body, row, part)
            if part == "latest_mailing" and row["status"] == "open" and remind_days:
                event.add_component(_alarm(row, remind_days))
            events.append(event)
    return events


def _day(body: dict[str, Any], row: dict[str, Any], part: str) -> icalendar.Event:
    """An all-day event on the obligation's deadline or latest mailing day; it does not block time."""
    day = date.fromisoformat(row[part])
    event = icalendar.Event()
    event.add("uid", uid(body["company"], row["id"], part))
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    event.add("summary", f"{'Due' if part == 'deadline' else 'Last day to mail'}: {_title(row)}")
    event.add("description", _details(body, row))
    return event


def _alarm(row: dict[str, Any], days: int) -> icalendar.Alarm:
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", reminder_trigger(days))
    alarm.add("description", f"In {days} day{'s' if days != 1 else ''}, the last day to mail: {_title(row)}")
    return alarm


def _todo(body: dict[str, Any], row: dict[str, Any]) -> icalendar.Todo:
    """An undated obligation ("promptly"): a to-do from the day it arose, no due date, top priority."""
    todo = icalendar.Todo()
    todo.add("uid", uid(body["company"], row["id"], "todo"))
    todo.add("dtstart", date.fromisoformat(row["arose"]))
    todo.add("status", "NEEDS-ACTION")
    todo.add("priority", 1)  # "promptly" is the most urgent the warrant gets
    todo.add("summary", f"{'Send promptly' if _promptly(row) else 'To send'}: {_title(row)}")
    todo.add("description", _details(body, row))
    return todo


def _promptly(row: dict[str, Any]) -> bool:
    """§4.5 and §18.7(iii) set no day; a §4.6 notice has one once the day it precedes is known."""
    return row["section"].startswith(("§4.5", "§18.7"))


def _title(row: dict[str, Any]) -> str:
    return f"{row['section']} {row['description']} ({row['warrant']})"


def _details(body: dict[str, Any], row: dict[str, Any]) -> str:
    """What the entry is about, for the person who opens it: the obligation, its days and its status."""
    lines = [f"{row['section']}: {row['description']}.",
             f"Warrant {row['warrant']}; obligation {row['id']}, arising {row['arose']} from {row['trigger']}."]
    own_form = FORM_NOTE in row["description"]  # a warrant not on the 1997 form: its description says its rules
    if row["deadline"]:
        terms = forms.default_terms()
        rule = ("by its form's mail rule" if own_form else
                f"§12: given {prose.count(terms.mail_deemed_days)} {terms.mail_day_kind} days after deposit")
        lines.append(f"Deadline {row['deadline']}; latest day to mail it ({rule}) {row['latest_mailing']}.")
    elif _promptly(row):
        lines.append("No fixed day: owed promptly; the warrant sets no deadline.")
    else:
        days = "its form's days" if own_form else f"{forms.default_terms().prior_notice_days} days"
        lines.append(f"No deadline yet: it is {days} before a day not yet known.")
    age = f", {row['age_days']} days after it arose" if row.get("age_days") is not None else ""
    lines.append(f"Status {row['status']} as of {body['as_of']}{age}.")
    return "\n".join(lines)
