"""Retractions that keep the history whole (DESIGN §5 EventRetracted, §6 item 20), and notices and
waivers that name obligations which exist (§11, §12).

A retraction is refused when later facts rest on the retracted one, naming them, unless they are
retracted in the same batch; a fact whose recorded payment merely differs from a recomputation is
not a dependent. Inside an import, a retraction applies to the checks of the lines after it.
Every accepted history answers ``state``, ``notices`` and ``audit`` at any as-of and known-at.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from captable import queries
from captable.calendars import business_days_after, is_business_day, is_trading_day
from captable.cli import app
from captable.ledger import Ledger
from captable.rules.notices import deemed_given, is_post_office_day, latest_mailing, prior_notice_deadline
from tests.conftest import COMPANY, record_all
from tests.test_refusals import accept, assert_names, hashes, refuse

EXERCISE = {"type": "WarrantExercised", "id": "x1", "effective": "1998-03-02", "warrant": "W-1", "shares": 1000,
            "payment": "8930.00"}
# A sale of series C below the Stock Purchase Price: §4.4 lowers the price of the warrant.
MISTAKE = {"type": "SharesIssued", "id": "mistake", "effective": "1998-01-05", "class": "series_c",
           "holder": "Fund II", "shares": 100000, "price_per_share": "5.00"}
CORRECT = {**MISTAKE, "id": "correct", "shares": 50000}
DIVIDEND = {"type": "CashDividend", "id": "div", "effective": "1998-01-02", "class": "common",
            "record_date": "1998-03-01", "amount_per_share": "0.10"}
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2200, 12, 31)  # DESIGN §7: the years an instant may lie in
SPLIT = {"type": "StockSplit", "id": "split", "effective": "1999-01-04", "class": "series_c", "ratio": "2/1"}


def retract(event: str, id: str | None = None, effective: str = "2001-01-02") -> dict[str, Any]:
    return {"type": "EventRetracted", "id": id or f"retract-{event}", "effective": effective, "event": event,
            "reason": "entered in error"}


def notice(*obligations: str, **changes: Any) -> dict[str, Any]:
    return {"type": "NoticeSent", "id": "notice", "effective": "1998-01-20", "obligations": list(obligations),
            "method": "mail", "sent": "1998-01-20", "signed_by": "Pat Lee",
            "to": "2 Market Street, San Jose, California", **changes}


def payment_for(tmp_path: Path, *events: dict[str, Any], units: int = 1000, at: str = "1998-03-02") -> str:
    """The payment the engine computes for ``units`` of W-1 over COMPANY and ``events`` (a scratch store)."""
    scratch = Ledger(str(tmp_path / f"scratch-{len(list(tmp_path.iterdir()))}.db"))
    try:
        record_all(scratch, *COMPANY, *events)
        quote = queries.exercise_quote(scratch, None, "W-1", str(units), at)
        return quote["payment_due"]  # type: ignore[no-any-return]
    finally:
        scratch.close()


def answers_everywhere(ledger: Ledger, as_of: tuple[str, ...] = ("1997-10-01", "1998-03-02", "1999-06-30",
                                                                   "2004-01-01")) -> None:
    """``state``, ``notices`` and ``audit`` answer at several as-of instants, as known after each stored event."""
    known = [None, *(r.timestamp.isoformat() for r in ledger.history("acme").records)]
    for k in dict.fromkeys(known):
        for a in as_of:
            queries.state(ledger, None, a, k).to_json()
            queries.notices(ledger, None, a, k)
            queries.audit(ledger, None, a, k)


def ids(ledger: Ledger) -> list[str]:
    return [r.fact.id for r in ledger.history("acme").records]  # type: ignore[misc]


@pytest.fixture
def acme(ledger):
    record_all(ledger, *COMPANY)
    return ledger


# The dependency rule -------------------------------------------------------------------------------

def test_retracting_a_warrant_issuance_that_an_exercise_rests_on_is_refused_naming_the_exercise(acme):
    accept(acme, EXERCISE)
    refusal = refuse(acme, retract("warrant"))
    assert_names(refusal, "retraction_breaks_history", "event", ["x1"], None)
    assert refusal.event == "retract-warrant" and "unknown_warrant" in refusal.message
    answers_everywhere(acme)


def test_the_record_command_refuses_such_a_retraction_with_exit_1_and_the_dependent_ids(acme, db):
    accept(acme, EXERCISE)
    result = CliRunner().invoke(app, ["--db", db, "record", "--json", json.dumps(retract("warrant"))])
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["field"], error["value"]) == ("retraction_breaks_history", "event", ["x1"])
    assert len(hashes(acme)) == len(COMPANY) + 1


def test_retracting_a_share_class_names_every_fact_that_rests_on_it(acme):
    accept(acme, EXERCISE)
    refusal = refuse(acme, retract("pref"))
    assert_names(refusal, "retraction_breaks_history", "event", ["series-c-round", "warrant", "x1"], None)


def test_retracting_the_company_formation_names_every_later_fact(acme):
    refusal = refuse(acme, retract("formed"))
    assert_names(refusal, "retraction_breaks_history", "event", [e["id"] for e in COMPANY[1:]], None)


def test_a_warrant_and_its_exercise_retracted_together_are_accepted_in_either_order(acme):
    accept(acme, EXERCISE)
    accept(acme, retract("warrant"), retract("x1"))
    assert queries.state(acme, None, "1999-01-01", None).state.warrants == {}
    answers_everywhere(acme)


def test_a_dependent_retracted_later_in_the_same_batch_is_accepted(acme):
    accept(acme, EXERCISE)
    listed = {"type": "Listed", "id": "listed", "effective": "1999-06-25", "class": "common", "exchange": "NASDAQ"}
    accept(acme, retract("warrant"), listed, retract("x1"))
    answers_everywhere(acme)


def test_retracting_an_issuance_a_later_transfer_needs_is_refused_naming_the_transfer(acme):
    transfer = {"type": "SharesTransferred", "id": "sale", "effective": "1999-01-04", "class": "series_c",
                "from": "Fund I", "to": "Fund III", "shares": 150000}
    accept(acme, transfer)
    assert_names(refuse(acme, retract("series-c-round")), "retraction_breaks_history", "event", ["sale"], None)


def test_retracting_a_dilutive_issuance_under_an_exercise_is_accepted_and_the_audit_notes_the_payment(
        acme, tmp_path):
    accept(acme, MISTAKE, {**EXERCISE, "payment": payment_for(tmp_path, MISTAKE)})
    accept(acme, retract("mistake"))
    audit = queries.audit(acme, None, "1999-01-01", None)
    notes = [n for step in audit["steps"] for n in step["notes"]]
    assert [(n["event"], n["code"]) for n in notes] == [("x1", "exercise_no_longer_fits")]
    assert queries.state(acme, None, "1999-01-01", None).state.warrants["W-1"].price == Fraction("8.93")
    answers_everywhere(acme)


def test_a_fact_that_no_longer_fitted_before_the_retraction_is_not_blamed_on_it(acme):
    """A back-dated cancellation recorded later left a transfer without the shares it moves."""
    issued = {"type": "SharesIssued", "id": "angel", "effective": "1998-01-05", "class": "common",
              "holder": "Angel", "shares": 100, "price_per_share": "10.00"}
    moved = {"type": "SharesTransferred", "id": "moved", "effective": "1999-01-04", "class": "common",
             "from": "Angel", "to": "Buyer", "shares": 100}
    cancelled = {"type": "SharesCancelled", "id": "cancelled", "effective": "1998-06-01", "class": "common",
                 "holder": "Angel", "shares": 100}
    listed = {"type": "Listed", "id": "listed", "effective": "1998-02-02", "class": "common", "exchange": "NASDAQ"}
    accept(acme, issued, moved, listed)
    accept(acme, cancelled)
    accept(acme, retract("listed"))
    answers_everywhere(acme)


def test_retracting_a_split_is_refused_while_a_notice_names_its_adjustment(acme):
    accept(acme, SPLIT, notice("W-1/4.5/split", effective="1999-01-20", sent="1999-01-20"))
    assert_names(refuse(acme, retract("split")), "retraction_breaks_history", "event", ["notice"], None)
    accept(acme, retract("split"), retract("notice"))
    answers_everywhere(acme)


# What may be retracted -----------------------------------------------------------------------------

def test_retracting_an_event_already_retracted_is_refused(acme):
    accept(acme, retract("warrant"))
    assert_names(refuse(acme, retract("warrant", "again")), "already_retracted", "event", "warrant", None)


def test_retracting_an_event_twice_in_one_batch_is_refused_at_the_second_line(acme):
    refusal = refuse(acme, retract("warrant"), retract("warrant", "again"))
    assert_names(refusal, "already_retracted", "event", "warrant", None)
    assert refusal.line == 2


def test_a_retraction_cannot_be_retracted(acme):
    accept(acme, retract("warrant"))
    assert_names(refuse(acme, retract("retract-warrant")), "retraction_of_retraction", "event", "retract-warrant",
                 None)


def test_retracting_an_unknown_event_is_refused(acme):
    assert_names(refuse(acme, retract("nothing")), "unknown_event", "event", "nothing", None)


def test_a_retraction_names_a_line_before_it_not_after(acme):
    refusal = refuse(acme, retract("listed"), {"type": "Listed", "id": "listed", "effective": "1999-06-25",
                                               "class": "common", "exchange": "NASDAQ"})
    assert_names(refusal, "unknown_event", "event", "listed", None)
    assert refusal.line == 1


# A retraction inside an import ---------------------------------------------------------------------

def test_lines_after_a_retraction_are_checked_without_the_retracted_event(acme, tmp_path):
    """A mistaken issuance retracted and entered again, then an exercise at the price it now has."""
    paid = payment_for(tmp_path, CORRECT)
    assert paid != payment_for(tmp_path, MISTAKE, CORRECT)
    accept(acme, MISTAKE, retract("mistake", effective="1998-01-05"), CORRECT, {**EXERCISE, "payment": paid})
    assert ids(acme)[-4:] == ["mistake", "retract-mistake", "correct", "x1"]
    answers_everywhere(acme)


def test_an_exercise_after_the_retraction_paying_for_both_issuances_is_refused(acme, tmp_path):
    both = payment_for(tmp_path, MISTAKE, CORRECT)
    refusal = refuse(acme, MISTAKE, retract("mistake", effective="1998-01-05"), CORRECT,
                     {**EXERCISE, "payment": both})
    assert_names(refusal, "payment_mismatch", "payment", both, "§1(a)")
    assert refusal.line == 4


def test_lines_before_a_retraction_are_checked_with_the_retracted_event(acme, tmp_path):
    accept(acme, MISTAKE, {**EXERCISE, "payment": payment_for(tmp_path, MISTAKE)}, retract("mistake"))
    answers_everywhere(acme)


def test_a_line_after_a_retraction_that_rests_on_the_retracted_event_is_refused_at_its_line(acme):
    refusal = refuse(acme, retract("warrant"), EXERCISE)
    assert_names(refusal, "unknown_warrant", "warrant", "W-1", None)
    assert refusal.line == 2


def test_an_import_without_retractions_still_lets_a_line_rest_on_a_later_line(acme):
    """Lines of one segment are decided in effective order, whatever their order in the file."""
    later_issued = {**COMPANY[-1], "id": "warrant-2", "warrant": "W-2", "effective": "1997-10-01"}
    accept(acme, {**EXERCISE, "warrant": "W-2"}, later_issued)


# Notices and waivers name obligations that exist ---------------------------------------------------

def test_a_notice_naming_an_unknown_obligation_is_refused_with_the_nearest_ids(acme):
    accept(acme, DIVIDEND)
    refusal = refuse(acme, notice("W-1/4.6(i)/dividend"))
    assert_names(refusal, "unknown_obligation", "obligations", "W-1/4.6(i)/dividend", "§12")
    assert "W-1/4.6(i)/div" in refusal.message


def test_a_notice_sent_before_its_obligation_arose_is_refused(acme):
    accept(acme, DIVIDEND)
    refusal = refuse(acme, notice("W-1/4.6(i)/div", effective="1997-12-01", sent="1997-12-01"))
    assert_names(refusal, "unknown_obligation", "obligations", "W-1/4.6(i)/div", "§12")


def test_a_notice_naming_an_obligation_that_exists_is_accepted_and_meets_it(acme):
    accept(acme, DIVIDEND, notice("W-1/4.6(i)/div"))
    found = {o["id"]: o for o in queries.notices(acme, None, "1998-03-01", None)["obligations"]}
    assert found["W-1/4.6(i)/div"]["status"] == "met"


def test_a_waiver_naming_an_unknown_obligation_is_refused(acme):
    waiver = {"type": "WaiverSigned", "id": "waiver", "effective": "1998-01-20", "by": "holder",
              "obligations": ["W-1/4.6(i)/nothing"], "text": "The Holder waives it."}
    assert_names(refuse(acme, DIVIDEND, waiver), "unknown_obligation", "obligations", "W-1/4.6(i)/nothing", "§11")


def test_a_waiver_may_name_a_report_of_the_warrants_life_ahead_of_its_period(acme):
    waiver = {"type": "WaiverSigned", "id": "waiver", "effective": "1998-01-20", "by": "holder",
              "obligations": ["W-1/18.7/annual/2002"], "text": "The Holder waives the 2002 statements."}
    accept(acme, waiver)
    found = {o["id"]: o for o in queries.notices(acme, None, "2003-06-30", None)["obligations"]}
    assert found["W-1/18.7/annual/2002"]["status"] == "waived"


def test_a_notice_sent_in_2199_is_accepted_and_every_query_answers(acme):
    accept(acme, DIVIDEND, notice("W-1/4.6(i)/div", sent="2199-12-31", effective="1998-02-01"),
           notice("W-1/4.6(i)/div", id="late", effective="2199-12-31", sent="2199-12-31"))
    answers_everywhere(acme, ("1998-03-01", "2199-12-31", "2200-12-31"))
    found = {o["id"]: o for o in queries.notices(acme, None, "2200-12-31", None)["obligations"]}
    assert found["W-1/4.6(i)/div"]["status"] == "late"


def test_the_business_day_arithmetic_of_section_12_works_at_every_year_end_the_engine_accepts():
    """New Year's Day observed on a Friday 31 December, and the first and last days of the calendar."""
    for year in range(FIRST_DAY.year, LAST_DAY.year + 1):
        edges = [date(year, 1, 1) + timedelta(days=n) for n in range(8)]
        edges += [date(year, 12, 31) - timedelta(days=n) for n in range(8)]
        for day in (d for d in edges if FIRST_DAY <= d <= LAST_DAY):
            mailed = deemed_given("mail", day, None, None)
            assert mailed is not None and day + timedelta(days=3) <= mailed <= day + timedelta(days=9)
            latest = latest_mailing(day)
            later = next(latest + timedelta(days=n) for n in range(1, 9) if is_post_office_day(latest + timedelta(n)))
            assert is_post_office_day(latest) and business_days_after(latest, 3) <= day < business_days_after(later, 3)
            assert prior_notice_deadline(day) == day - timedelta(days=20)


def test_christmas_is_neither_a_business_day_nor_a_trading_day_in_any_year_the_engine_accepts():
    """The holidays package stops at 2100; the calendars carry its rules on to 2200 and the days after it."""
    for year in range(FIRST_DAY.year, LAST_DAY.year + 1):
        assert not is_business_day(date(year, 12, 25)) and not is_trading_day(date(year, 12, 25)), year
    assert not is_business_day(date(2150, 7, 3))  # Independence Day on a Saturday, observed on the Friday
    assert business_days_after(date(2200, 12, 31), 1) == date(2201, 1, 2)  # over New Year's Day 2201


def test_history_before_the_first_retraction_is_unchanged_as_known_before_it(acme):
    accept(acme, EXERCISE)
    before = hashes(acme)
    accept(acme, retract("warrant"), retract("x1"))
    earlier = acme.history("acme").records[len(before) - 1].timestamp.isoformat()
    assert queries.state(acme, None, "1999-01-01", earlier).state.warrants["W-1"].exercised == 1000
    assert queries.state(acme, None, "1999-01-01", None).state.warrants == {}
