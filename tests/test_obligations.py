"""Obligations (§4.5, §4.6, §18.7), §12 delivery, and the documents drafted from them."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import icalendar
import pytest
from typer.testing import CliRunner

from captable import documents, queries
from captable.cli import app
from captable.rules.notices import deemed_given, latest_mailing, prior_notice_deadline
from captable.rules.reports import fiscal_quarter_ends, report_periods
from tests.conftest import JUNIPER, import_juniper

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("CAPTABLE_REGENERATE_GOLDEN") == "1"


def golden(name: str, text: str) -> None:
    """Compare with the reviewed file; CAPTABLE_REGENERATE_GOLDEN=1 rewrites it (review the diff)."""
    path = GOLDEN / name
    if REGENERATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture
def juniper(ledger):
    import_juniper(ledger)
    return ledger


def test_mail_counts_three_business_days_after_the_deposit_day():
    assert deemed_given("mail", date(2001, 11, 21), None, None) == date(2001, 11, 27)  # Thanksgiving skipped
    assert deemed_given("mail", date(1999, 7, 1), None, None) == date(1999, 7, 7)  # 5 July observed
    assert deemed_given("telecopy", date(2001, 1, 2), None, None) is None  # not given until confirmed
    assert deemed_given("courier", date(2001, 1, 2), date(2001, 1, 3), None) == date(2001, 1, 3)


def test_the_latest_mailing_day_is_still_on_time_and_the_next_day_is_not():
    for deadline in (date(2001, 11, 26), date(1999, 7, 6), date(2000, 1, 4), date(2002, 4, 1)):
        last = latest_mailing(deadline)
        assert deemed_given("mail", last, None, None) <= deadline
        assert deemed_given("mail", last + timedelta(days=1), None, None) > deadline


def test_the_latest_mailing_day_is_a_post_office_day():
    # Due Wednesday 25 September 2002: a Sunday deposit would count, but certified mail needs a counter.
    assert latest_mailing(date(2002, 9, 25)) == date(2002, 9, 21)


def test_exactly_twenty_days_before_is_the_deadline():
    assert prior_notice_deadline(date(2001, 12, 15)) == date(2001, 11, 25)


def test_quarters_of_a_february_year_end_follow_month_ends_in_leap_years():
    assert fiscal_quarter_ends("02-28", 2000) == [date(1999, 5, 31), date(1999, 8, 31), date(1999, 11, 30),
                                                 date(2000, 2, 29)]


def test_reports_of_the_warrants_life_that_fall_due_after_it_ends_lapse():
    periods = report_periods("12-31", date(1997, 9, 30), date(2003, 12, 15))
    assert [(p.label, p.due, p.owed) for p in periods[-4:]] == [
        ("2003-Q2", date(2003, 8, 14), True), ("2003-Q3", date(2003, 11, 14), True),
        ("2003-Q4", date(2004, 2, 14), False),  # began 1 Oct 2003, ends after expiry
        ("2003", date(2004, 4, 29), False),  # fiscal 2003 began 1 Jan 2003; 120 days on, 2004 being leap
    ]
    ended = report_periods("12-31", date(1997, 9, 30), date(1999, 1, 15))
    assert [(p.label, p.owed) for p in ended][-5:] == [
        ("1998-Q3", True), ("1998-Q4", False), ("1998", False),
        ("1999-Q1", False), ("1999", False)]  # both began 1 Jan 1999, while the warrant was outstanding
    assert "1999-Q2" not in {p.label for p in ended}  # began 1 Apr 1999, after the warrant ended


def test_a_report_arises_on_the_first_day_of_its_period_or_the_issue_date_if_later():
    issued = date(1997, 9, 30)
    by_label = {p.label: p for p in report_periods("12-31", issued, date(2003, 12, 15))}
    assert by_label["1997-Q3"].arises(issued) == issued  # under way at issue
    assert by_label["1997"].arises(issued) == issued
    assert by_label["1998-Q1"].arises(issued) == date(1998, 1, 1)
    assert by_label["1998"].arises(issued) == date(1998, 1, 1)
    june = {p.label: p for p in report_periods("06-30", date(1999, 8, 2), date(2001, 1, 1))}
    assert (june["2000-Q3"].start, june["2000-Q3"].end) == (date(2000, 1, 1), date(2000, 3, 31))
    assert (june["2000"].start, june["2000"].end) == (date(1999, 7, 1), date(2000, 6, 30))


def _rows(ledger, as_of: str) -> dict[str, dict]:
    return {o["id"]: o for o in queries.notices(ledger, "juniper", as_of, None)["obligations"]}


def test_a_quarterly_report_is_listed_open_from_the_first_day_of_its_quarter(juniper):
    before = _rows(juniper, "2000-03-31")
    assert "VLL2-C-1/18.7/quarterly/2000-Q2" not in before
    q2 = _rows(juniper, "2000-04-01")["VLL2-C-1/18.7/quarterly/2000-Q2"]
    assert (q2["status"], q2["arose"], q2["target"], q2["deadline"], q2["latest_mailing"], q2["age_days"]) == (
        "open", "2000-04-01", "2000-06-30", "2000-08-14", "2000-08-09", 0)


def test_reports_due_after_expiry_are_listed_lapsed_with_their_deadlines(juniper):
    # Juniper's warrant expires Mon 15 Dec 2003: fiscal 2003 and its fourth quarter fall due after that.
    june = _rows(juniper, "2003-06-30")
    annual = june["VLL2-C-1/18.7/annual/2003"]
    assert (annual["status"], annual["arose"], annual["deadline"], annual["latest_mailing"]) == (
        "lapsed", "2003-01-01", "2004-04-29", "2004-04-26")  # Mon 26 Apr: Tue 27, Wed 28, Thu 29
    assert "not owed" in annual["description"] and "2003-12-15" in annual["description"]
    assert "VLL2-C-1/18.7/quarterly/2003-Q4" not in june  # its quarter has not begun
    after = _rows(juniper, "2004-06-30")
    q4 = after["VLL2-C-1/18.7/quarterly/2003-Q4"]
    assert (q4["status"], q4["arose"], q4["deadline"], q4["age_days"]) == ("lapsed", "2003-10-01", "2004-02-14", None)
    assert after["VLL2-C-1/18.7/quarterly/2003-Q3"]["status"] == "overdue"  # due 14 Nov 2003: still owed
    assert not any(k.rsplit("/", 1)[-1].startswith("2004") for k in after)  # no period begins after expiry


def test_juniper_owes_three_adjustment_notices_and_every_report_from_1997_to_2003(juniper):
    body = queries.notices(juniper, "juniper", "2003-12-31", None)
    by_section: dict[str, list[str]] = {}
    for o in body["obligations"]:
        by_section.setdefault(o["section"], []).append(o["id"])
    assert by_section["§4.5"] == ["VLL2-C-1/4.5/preferred-converted", "VLL2-C-1/4.5/split-2000-01",
                                  "VLL2-C-1/4.5/split-2000-06"]
    assert len(by_section["§18.7(i)"]) == 7  # fiscal 1997 to 2003; 2003 lapsed, due after expiry
    assert len(by_section["§18.7(ii)"]) == 26  # 1997-Q3 to 2003-Q4; 2003-Q4 lapsed
    lapsed = sorted(o["id"] for o in body["obligations"] if o["status"] == "lapsed")
    assert lapsed == ["VLL2-C-1/18.7/annual/2003", "VLL2-C-1/18.7/quarterly/2003-Q4"]
    annual_1999 = next(o for o in body["obligations"] if o["id"] == "VLL2-C-1/18.7/annual/1999")
    assert (annual_1999["deadline"], annual_1999["status"]) == ("2000-04-29", "overdue")  # 120 days, leap year


def test_the_drafted_notice_of_the_juniper_conversion(juniper):
    letter = documents.draft(juniper, "juniper", "VLL2-C-1/4.5/preferred-converted", "1999-07-01")
    golden("juniper_conversion_notice.md", documents.markdown(letter))
    assert "Marcel Gani" in letter.signer and "2010 North First Street" in letter.to_address


def test_the_command_line_lists_writes_the_calendar_and_drafts_the_letter(tmp_path):
    db, ics = str(tmp_path / "j.db"), tmp_path / "due.ics"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", db, "import", str(JUNIPER / "events.jsonl")]).exit_code == 0
    listed = runner.invoke(app, ["--db", db, "notices", "--as-of", "2000-06-30", "--status", "open", "--json",
                                 "--ics", str(ics)])
    body = json.loads(listed.stdout)
    assert listed.exit_code == 0 and {o["status"] for o in body["obligations"]} == {"open"}
    assert set(body["obligations"][0]) >= {"id", "section", "kind", "trigger", "deadline", "latest_mailing",
                                           "status", "given"}
    assert icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    letter = runner.invoke(app, ["--db", db, "notice-letter", "VLL2-C-1/4.5/split-2000-01", "--date", "2000-02-01",
                                 "--format", "html"])
    assert letter.exit_code == 0 and "$1.98 (rounded) per share" in letter.stdout
    assert "$893/450 = $1.984444" in letter.stdout and letter.stdout.startswith("<!doctype html>")
    wrong = runner.invoke(app, ["--db", db, "notices", "--status", "pending"])
    assert wrong.exit_code == 2 and "status" in wrong.stderr
