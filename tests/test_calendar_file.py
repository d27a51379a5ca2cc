"""The obligations as an iCalendar file: events for the days, reminders, to-dos for what is owed promptly.

Each file is read back with the icalendar parser, as a calendar application would read it.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from typer.testing import CliRunner

from captable import queries
from captable.calendar_file import calendar_file, uid
from captable.cli import app
from tests.conftest import JUNIPER, import_juniper

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("CAPTABLE_REGENERATE_GOLDEN") == "1"
STAMP = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=ZoneInfo("America/Los_Angeles"))  # 17:30:15 UTC
Q2 = "VLL2-C-1/18.7/quarterly/2000-Q2"


@pytest.fixture
def juniper(ledger):
    import_juniper(ledger)
    return ledger


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def by_uid(cal: icalendar.Calendar, kind: str) -> dict[str, icalendar.Component]:
    return {str(c["uid"]): c for c in cal.walk(kind)}


def row(**fields: Any) -> dict[str, Any]:
    """One ``notices --json`` obligation, for the cases the Juniper history does not have."""
    base = {"id": "W-1/4.6(i)/dividend", "section": "§4.6(a)(i)", "kind": "notice_of_record_date", "warrant": "W-1",
            "trigger": "dividend", "description": "20 days' notice of the record date of CashDividend",
            "arose": "2001-11-01", "target": "2001-12-16", "deadline": "2001-11-26", "latest_mailing": "2001-11-20",
            "status": "open", "given": None, "notices": [], "waived_by": None, "age_days": 14, "flags": []}
    return {**base, **fields}


def body(*rows: dict[str, Any]) -> dict[str, Any]:
    return {"company": "alder", "name": "Alder, Inc.", "as_of": "2001-11-15", "known_at": None,
            "obligations": list(rows)}


def test_each_open_or_overdue_deadline_and_latest_mailing_day_is_an_all_day_event(juniper):
    answer = queries.notices(juniper, "juniper", "2000-06-30", None)
    events = by_uid(parse(calendar_file(answer, STAMP)), "VEVENT")
    deadline, mailing = events[uid("juniper", Q2, "deadline")], events[uid("juniper", Q2, "latest_mailing")]
    assert (deadline.decoded("dtstart"), deadline.decoded("dtend")) == (date(2000, 8, 14), date(2000, 8, 15))
    assert (mailing.decoded("dtstart"), mailing.decoded("dtend")) == (date(2000, 8, 9), date(2000, 8, 10))
    assert str(deadline["summary"]).startswith("Due: §18.7(ii) unaudited quarterly statements for 2000-Q2")
    assert str(mailing["summary"]).startswith("Last day to mail: §18.7(ii)")
    assert "Deadline 2000-08-14; latest day to mail it" in str(mailing["description"])
    assert str(deadline["transp"]) == "TRANSPARENT"  # a marker on the day, not a busy block
    dated = [o for o in answer["obligations"] if o["status"] in ("open", "overdue") and o["deadline"]]
    assert len(events) == 2 * len(dated)


def test_the_stamp_is_the_instant_given_written_in_utc(juniper):
    data = calendar_file(queries.notices(juniper, "juniper", "2000-06-30", None), STAMP)
    components = [c for c in parse(data).walk() if c.name in ("VEVENT", "VTODO")]
    assert components and {c.decoded("dtstamp") for c in components} == {
        datetime(2026, 3, 1, 17, 30, 15, tzinfo=timezone.utc)}
    assert b"DTSTAMP:20260301T173015Z" in data and b"20000101" not in data
    with pytest.raises(ValueError):
        calendar_file(body(row()), datetime(2026, 3, 1, 9, 30))  # a naive instant is no instant


def test_an_entry_keeps_its_uid_from_one_export_to_the_next(juniper):
    june = parse(calendar_file(queries.notices(juniper, "juniper", "2000-06-30", None), STAMP))
    july = parse(calendar_file(queries.notices(juniper, "juniper", "2000-07-31", None), STAMP + timedelta(days=30)))
    assert by_uid(june, "VEVENT").keys() & by_uid(july, "VEVENT").keys() >= {
        uid("juniper", Q2, "deadline"), uid("juniper", Q2, "latest_mailing")}
    assert by_uid(june, "VTODO").keys() == by_uid(july, "VTODO").keys()  # the same three notices, still owed
    again = calendar_file(queries.notices(juniper, "juniper", "2000-06-30", None), STAMP + timedelta(hours=1))
    strip = lambda data: [line for line in data.splitlines() if not line.startswith(b"DTSTAMP")]  # noqa: E731
    assert strip(again) == strip(calendar_file(queries.notices(juniper, "juniper", "2000-06-30", None), STAMP))


def test_the_uid_depends_on_the_company_the_obligation_and_the_entry_only():
    assert uid("alder", "W-1/4.5/split", "todo") == uid("alder", "W-1/4.5/split", "todo")
    assert len({uid("alder", "W-1/4.5/split", p) for p in ("deadline", "latest_mailing", "todo")}) == 3
    assert uid("alder", "W-1/4.5/split", "todo") != uid("birch", "W-1/4.5/split", "todo")


def test_an_open_latest_mailing_day_has_a_reminder_seven_days_before_at_nine():
    cal = parse(calendar_file(body(row()), STAMP))
    events = by_uid(cal, "VEVENT")
    [alarm] = events[uid("alder", "W-1/4.6(i)/dividend", "latest_mailing")].walk("VALARM")
    assert str(alarm["action"]) == "DISPLAY"
    trigger = alarm.decoded("trigger")
    assert trigger == -timedelta(days=6, hours=15)  # from the start of Tue 20 Nov: Tue 13 Nov at 9:00
    assert datetime(2001, 11, 20) + trigger == datetime(2001, 11, 13, 9, 0)
    assert "In 7 days, the last day to mail" in str(alarm["description"])
    assert not events[uid("alder", "W-1/4.6(i)/dividend", "deadline")].walk("VALARM")  # one reminder, not two


def test_the_reminder_is_as_many_days_ahead_as_asked_and_none_for_zero():
    [alarm] = parse(calendar_file(body(row()), STAMP, remind_days=1)).walk("VALARM")
    assert datetime(2001, 11, 20) + alarm.decoded("trigger") == datetime(2001, 11, 19, 9, 0)  # the day before
    quiet = calendar_file(body(row()), STAMP, remind_days=0)
    assert not parse(quiet).walk("VALARM") and len(parse(quiet).walk("VEVENT")) == 2
    with pytest.raises(ValueError):
        calendar_file(body(row()), STAMP, remind_days=-1)


def test_an_overdue_obligation_keeps_its_days_but_gets_no_reminder_for_a_day_gone():
    cal = parse(calendar_file(body(row(status="overdue", age_days=30)), STAMP))
    assert len(cal.walk("VEVENT")) == 2 and not cal.walk("VALARM")


def test_given_waived_and_lapsed_obligations_leave_nothing_to_do():
    done = [row(id=f"W-1/{status}", status=status, given="2001-11-21" if status in ("met", "late") else None)
            for status in ("met", "late", "waived", "lapsed")]
    cal = parse(calendar_file(body(*done), STAMP))
    assert not cal.walk("VEVENT") and not cal.walk("VTODO")


def test_each_open_adjustment_notice_is_a_to_do_from_the_day_it_arose_with_no_due_date(juniper):
    answer = queries.notices(juniper, "juniper", "2000-06-30", None)
    todos = by_uid(parse(calendar_file(answer, STAMP)), "VTODO")
    owed = [o for o in answer["obligations"] if o["section"] == "§4.5"]
    assert len(owed) == 3 and todos.keys() == {uid("juniper", o["id"], "todo") for o in owed}
    for o in owed:
        todo = todos[uid("juniper", o["id"], "todo")]
        assert todo.decoded("dtstart") == date.fromisoformat(o["arose"])
        assert "due" not in todo  # §4.5 sets no deadline: the to-do is never overdue in the application
        assert (str(todo["status"]), int(todo["priority"])) == ("NEEDS-ACTION", 1)
        assert str(todo["summary"]) == f"Send promptly: §4.5 {o['description']} (VLL2-C-1)"
        details = str(todo["description"])
        assert o["description"] in details and "owed promptly" in details and f"{o['age_days']} days" in details


def test_shareholder_materials_are_to_dos_and_a_notice_awaiting_its_day_says_so():
    materials = row(id="W-1/18.7(iii)/proxy", section="§18.7(iii)", kind="shareholder_materials",
                    description="copies of the proxy statement, promptly", deadline=None, latest_mailing=None,
                    target=None)
    action = row(id="W-1/4.6(ii)/dissolution", section="§4.6(e)(ii)", kind="notice_of_action",
                 description="20 days' notice of the day DissolutionApproved takes place", deadline=None,
                 latest_mailing=None, target=None)
    todos = by_uid(parse(calendar_file(body(materials, action), STAMP)), "VTODO")
    assert str(todos[uid("alder", materials["id"], "todo")]["summary"]).startswith("Send promptly: §18.7(iii)")
    waiting = todos[uid("alder", action["id"], "todo")]
    assert str(waiting["summary"]).startswith("To send: §4.6(e)(ii)")
    assert "a day not yet known" in str(waiting["description"])


def test_the_calendar_names_itself_and_asks_to_be_refreshed_daily():
    cal = parse(calendar_file(body(row()), STAMP))
    assert str(cal["x-wr-calname"]) == str(cal["name"]) == "Alder, Inc.: warrant obligations"
    assert cal.decoded("refresh-interval") == timedelta(days=1)
    assert (str(cal["version"]), str(cal["prodid"])) == ("2.0", "-//captable//obligations//EN")


def test_the_juniper_calendar_of_30_june_2000(juniper):
    """The whole file, reviewed as a diff: CAPTABLE_REGENERATE_GOLDEN=1 rewrites it."""
    data = calendar_file(queries.notices(juniper, "juniper", "2000-06-30", None), STAMP)
    path = GOLDEN / "juniper_obligations_2000-06-30.ics"
    if REGENERATE:
        path.write_bytes(data)
    assert data.decode("utf-8") == path.read_bytes().decode("utf-8")  # CRLF line ends, as RFC 5545 asks


def test_the_command_line_stamps_the_file_now_and_takes_the_reminder_days(tmp_path):
    db, ics = str(tmp_path / "j.db"), tmp_path / "due.ics"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", db, "import", str(JUNIPER / "events.jsonl")]).exit_code == 0
    before = datetime.now(timezone.utc).replace(microsecond=0)
    run = runner.invoke(app, ["--db", db, "notices", "--as-of", "2000-06-30", "--ics", str(ics),
                              "--remind-days", "3", "--json"])
    after = datetime.now(timezone.utc)
    assert run.exit_code == 0 and json.loads(run.stdout)["obligations"]
    cal = parse(ics.read_bytes())
    stamps = {c.decoded("dtstamp") for c in cal.walk() if c.name in ("VEVENT", "VTODO")}
    assert len(stamps) == 1 and before <= stamps.pop() <= after
    assert {a.decoded("trigger") for a in cal.walk("VALARM")} == {-timedelta(days=2, hours=15)}
    assert len(cal.walk("VTODO")) == 3
    refused = runner.invoke(app, ["--db", db, "notices", "--ics", str(tmp_path / "x.ics"), "--remind-days", "-1",
                                  "--json"])
    assert refused.exit_code == 2 and "remind-days" in refused.stdout and not (tmp_path / "x.ics").exists()
