"""The obligations as an iCalendar file (RFC 5545), for counsel's calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import icalendar


def calendar_file(body: dict[str, Any]) -> bytes:
    """Every open deadline and latest mailing day as all-day events (RFC 5545)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//captable//obligations//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{body.get('name') or body['company']}: warrant obligations")
    stamp = datetime(2000, 1, 1)  # fixed, so the same books give the same file
    for row in body["obligations"]:
        if row["status"] not in ("open", "overdue"):
            continue
        for field, what in (("deadline", "Due"), ("latest_mailing", "Last day to mail")):
            if not row.get(field):
                continue
            day = date.fromisoformat(row[field])
            event = icalendar.Event()
            event.add("uid", f"{row['id']}/{field}@{body['company']}.captable")
            event.add("dtstamp", stamp)
            event.add("dtstart", day)
            event.add("dtend", day + timedelta(days=1))
            event.add("summary", f"{what}: {row['section']} {row['description']} ({row['warrant']})")
            event.add("description", f"Obligation {row['id']}, triggered by {row['trigger']}; status {row['status']}.")
            cal.add_component(event)
    return cal.to_ical()
