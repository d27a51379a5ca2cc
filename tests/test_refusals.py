"""Refusals (DESIGN §3, §4, §5, §7): every bad input is refused with a stable code, names the
line, the field, the value and, for a rule, its section, and leaves the store as it was."""

from __future__ import annotations

import json
from typing import Any

import pytest

from captable import errors
from captable.instants import parse_when, start_of, zone
from captable.intake import read_lines
from captable.numbers import exact
from tests.conftest import COMPANY, record_all

PACIFIC = zone(None)

LISTED = {"type": "Listed", "id": "listed", "effective": "1999-06-25", "class": "common", "exchange": "NASDAQ"}
AGREED = {"type": "MergerAgreed", "id": "agreement", "effective": "1999-01-04", "kind": "merger",
          "counterparty": "Buyer Corp.", "expected_closing": "1999-03-01"}


def exercise(**changes: Any) -> dict[str, Any]:
    """A cash exercise of W-1 (P = 8.93), 1,000 units for $8,930.00, unless changed."""
    return {"type": "WarrantExercised", "id": "x1", "effective": "1998-03-02", "warrant": "W-1",
            "shares": 1000, "payment": "8930.00", **changes}


def completion(**changes: Any) -> dict[str, Any]:
    return {"type": "MergerCompleted", "id": "closing", "effective": "1999-03-01", "agreement": "agreement",
            "consideration": {"series_c": {"cash": "12.00"}}, **changes}


def line(event: dict[str, Any] | str) -> str:
    """One JSON Lines line; a Python float becomes a JSON number, as a careless exporter would write it."""
    return event if isinstance(event, str) else json.dumps(event)


def hashes(ledger) -> list[str]:
    return [r.hash for r in ledger.history("acme").records]


def refuse(ledger, *events: dict[str, Any] | str) -> errors.Refused:
    """Import ``events`` as one JSON Lines batch: it must be refused and the store must not change."""
    before = hashes(ledger)
    with pytest.raises(errors.Refused) as refused:
        ledger.import_events(read_lines([line(e) for e in events]))
    assert hashes(ledger) == before, "a refused batch changed the store"
    return refused.value


def accept(ledger, *events: dict[str, Any] | str) -> None:
    before = hashes(ledger)
    ledger.import_events(read_lines([line(e) for e in events]))
    assert len(hashes(ledger)) == len(before) + len(events)


def same_value(actual: Any, expected: Any) -> bool:
    """Numbers compare exactly whatever their spelling ("8930.01" or "893001/100"); anything else as is."""
    try:
        return exact(actual) == exact(expected)
    except ValueError:
        return actual == expected


def assert_names(refusal: errors.Refused, code: str, field: str | None, value: Any, section: str | None) -> None:
    body = refusal.to_json()
    assert refusal.code == code, refusal.message
    assert body["code"] == code
    assert refusal.field == field, refusal.message
    assert same_value(body["value"], value), f"value {body['value']!r}, expected {value!r}"
    if section is not None:
        assert refusal.section is not None and section in refusal.section, refusal.section
    assert refusal.message


@pytest.fixture
def acme(ledger):
    record_all(ledger, *COMPANY)
    return ledger


# Each case: the bad line, then the code, field, value and (for a rule) section it must be refused with.
BAD_LINES = [
    pytest.param('{"type": "Listed", "effective": ', "malformed_json", None, '{"type": "Listed", "effective": ',
                 None, id="malformed-json"),
    pytest.param({**LISTED, "type": "WarrantExploded"}, "invalid_event", "type", "WarrantExploded", None,
                 id="unknown-event-type"),
    pytest.param({k: v for k, v in LISTED.items() if k != "type"}, "invalid_event", "type", None, None,
                 id="missing-event-type"),
    pytest.param({**LISTED, "price": "34.00"}, "invalid_event", "price", "34.00", None, id="unknown-field"),
    pytest.param({k: v for k, v in LISTED.items() if k != "exchange"}, "invalid_event", "exchange", None, None,
                 id="missing-field"),
    pytest.param(exercise(shares=1, payment=8.93), "invalid_event", "payment", "8.93", None,
                 id="float-payment"),
    pytest.param({"type": "SharesIssued", "effective": "1998-01-05", "class": "common", "holder": "Angel",
                  "shares": 1000, "price_per_share": 0.5}, "invalid_event", "price_per_share", "0.5", None,
                 id="float-price"),
    pytest.param(exercise(effective="1998-03-02T10:00:00"), "invalid_event", "effective", "1998-03-02T10:00:00",
                 None, id="naive-effective"),
    pytest.param({**COMPANY[-1], "id": "warrant-2", "warrant": "W-2", "expires": "2003-12-15T17:00:00"},
                 "invalid_event", "expires", "2003-12-15T17:00:00", None, id="naive-expires"),
    pytest.param({**LISTED, "recorded": "2020-01-01T00:00:00"}, "invalid_event", "recorded", "2020-01-01T00:00:00",
                 None, id="naive-recorded"),
    pytest.param(exercise(shares=0, payment="0.00"), "invalid_event", "shares", 0, None, id="zero-shares-exercised"),
    pytest.param(exercise(shares=-5, payment="0.00"), "invalid_event", "shares", -5, None,
                 id="negative-shares-exercised"),
    pytest.param({"type": "SharesIssued", "effective": "1998-01-05", "class": "common", "holder": "Angel",
                  "shares": 0, "price_per_share": "0.50"}, "invalid_event", "shares", 0, None, id="zero-shares-issued"),
    pytest.param({"type": "SharesIssued", "effective": "1998-01-05", "class": "common", "holder": "Angel",
                  "shares": -1000, "price_per_share": "0.50"}, "invalid_event", "shares", -1000, None,
                 id="negative-shares-issued"),
    pytest.param(exercise(warrant="W-9"), "unknown_warrant", "warrant", "W-9", None, id="unknown-warrant"),
    pytest.param({"type": "SharesIssued", "effective": "1998-01-05", "class": "series_z", "holder": "Angel",
                  "shares": 1000, "price_per_share": "0.50"}, "unknown_class", "class", "series_z", None,
                 id="unknown-class"),
    pytest.param({"type": "StockDividend", "effective": "1998-01-05", "class": "common", "record_date": "1998-01-05",
                  "paid_class": "series_z", "shares_per_share": "1/10"}, "unknown_class", "paid_class", "series_z",
                 None, id="unknown-paid-class"),
    pytest.param(exercise(shares=20382, payment="182011.26"), "exceeds_shares_purchasable", "shares", 20382, "§1(a)",
                 id="beyond-the-balance"),
    pytest.param(exercise(shares="10.5", payment="93.77"), "fractional_cash_exercise", "shares", "21/2", "§1(a)",
                 id="fractional-cash-exercise"),
    pytest.param(exercise(payment="8930.01"), "payment_mismatch", "payment", "8930.01", "§1(a)",
                 id="payment-a-cent-over"),
    pytest.param(exercise(payment="8929.99"), "payment_mismatch", "payment", "8929.99", "§1(a)",
                 id="payment-a-cent-under"),
    pytest.param({"type": "StockSplit", "effective": "1999-01-04", "class": "common", "ratio": "-2/1"},
                 "invalid_event", "ratio", "-2/1", None, id="negative-split-ratio"),
    pytest.param({"type": "StockSplit", "effective": "1999-01-04", "class": "common", "ratio": "0"},
                 "invalid_event", "ratio", "0", None, id="zero-split-ratio"),
]


@pytest.mark.parametrize("bad, code, field, value, section", BAD_LINES)
def test_a_bad_line_is_refused_with_its_code_field_value_and_section_and_nothing_is_stored(
        acme, bad, code, field, value, section):
    refusal = refuse(acme, bad)
    assert_names(refusal, code, field, value, section)
    assert refusal.line == 1


def test_a_line_that_is_json_but_not_one_object_is_an_invalid_event(acme):
    refusal = refuse(acme, '["Listed", "1999-06-25"]')
    assert refusal.code == "invalid_event"
    assert "Listed" in str(refusal.value)
    assert refusal.line == 1


def test_a_decimal_written_as_a_string_is_accepted_where_the_same_json_number_is_refused(acme):
    assert refuse(acme, exercise(shares=1, payment=8.93)).code == "invalid_event"
    accept(acme, exercise(shares=1, payment="8.93"))
    assert acme.history("acme").records[-1].fact.computed.payment_due == exact("8.93")


@pytest.mark.parametrize("election", [
    pytest.param("2003-12-15T17:00:01-08:00", id="17:00:01-pacific"),
    pytest.param("2003-12-16T01:00:01Z", id="the-same-instant-in-utc"),
    pytest.param("2003-12-15T20:00:01-05:00", id="the-same-instant-in-new-york"),
    pytest.param("2003-12-16", id="the-next-day"),
])
@pytest.mark.parametrize("kind", [
    pytest.param(dict(shares=1, payment="8.93"), id="cash"),
    pytest.param(dict(type="WarrantNetExercised", shares=1, payment=None, method="board"), id="net"),
])
def test_an_exercise_a_second_after_five_pm_pacific_on_the_expiry_date_is_refused(acme, election, kind):
    event = {k: v for k, v in exercise(effective=election, **kind).items() if v is not None}
    refusal = refuse(acme, event)
    assert refusal.code == "warrant_expired"
    assert "§1(a)" in (refusal.section or "")
    assert refusal.field == "effective"
    assert start_of(parse_when(refusal.value), PACIFIC) == start_of(parse_when(election), PACIFIC)


@pytest.mark.parametrize("election", ["2003-12-15T17:00:00-08:00", "2003-12-16T01:00:00Z"])
def test_an_exercise_at_five_pm_pacific_on_the_expiry_date_is_still_on_time(acme, election):
    accept(acme, exercise(effective=election, shares=1, payment="8.93"))


def test_all_may_end_in_a_fraction_but_a_fractional_number_of_units_may_not(acme):
    record_all(acme, {"type": "PreferredConverted", "id": "conv", "effective": "1999-06-30", "class": "series_c"})
    # The balance is now 20381 × 3/2 = 61143/2 units at 893/150: "all" is 182,002.33 in cash.
    refusal = refuse(acme, exercise(effective="1999-07-01", shares="61143/2", payment="182002.33"))
    assert_names(refusal, "fractional_cash_exercise", "shares", "61143/2", "§1(a)")
    accept(acme, exercise(effective="1999-07-01", shares="all", payment="182002.33"))


def test_an_id_reused_with_different_content_is_a_conflict(acme):
    record_all(acme, LISTED)
    refusal = refuse(acme, {**LISTED, "exchange": "NYSE"})
    assert_names(refusal, "id_conflict", "id", "listed", None)


def test_an_id_used_twice_in_one_batch_with_different_content_is_a_conflict_on_the_second_line(acme):
    refusal = refuse(acme, LISTED, {**LISTED, "effective": "1999-06-28"})
    assert_names(refusal, "id_conflict", "id", "listed", None)
    assert refusal.line == 2


@pytest.mark.parametrize("again", [
    pytest.param(LISTED, id="listed"),
    pytest.param(exercise(), id="exercise-without-what-the-engine-computed"),
])
def test_the_same_id_with_the_same_content_again_is_a_no_op(acme, again):
    record_all(acme, again)
    before = hashes(acme)
    report = acme.import_events(read_lines([line(again)]))
    assert report.total == 0 and report.already_stored == 1
    assert hashes(acme) == before


GOOD = [LISTED, exercise()]


@pytest.mark.parametrize("bad, code", [
    pytest.param('{"type": "WarrantExercised", "warrant": ', "malformed_json", id="malformed-json"),
    pytest.param({**LISTED, "id": "delisted", "type": "Delisted", "reason": "moved"}, "invalid_event",
                 id="unknown-field"),
    pytest.param(exercise(id="x2", effective="1998-03-03", shares=19382, payment="173081.26"),
                 "exceeds_shares_purchasable", id="beyond-the-balance-left-by-line-2"),
    pytest.param(exercise(id="x2", effective="1998-03-03", payment="8930.01"), "payment_mismatch",
                 id="payment-mismatch"),
])
def test_a_batch_whose_last_line_is_bad_stores_none_of_its_good_lines(acme, bad, code):
    refusal = refuse(acme, *GOOD, bad)
    assert refusal.code == code
    assert refusal.line == 3
    accept(acme, *GOOD)  # the good lines were good: alone they are stored


@pytest.fixture
def agreed(acme):
    record_all(acme, AGREED)
    return acme


def test_a_merger_completed_with_consideration_for_an_unknown_class_is_refused(agreed):
    refusal = refuse(agreed, completion(consideration={"series_c": {"cash": "12.00"}, "series_z": {"cash": "1.00"}}))
    assert refusal.code == "unknown_class"
    assert refusal.field is not None and refusal.field.startswith("consideration")
    assert refusal.value == "series_z"
    accept(agreed, completion())


@pytest.mark.parametrize("history, agreement", [
    pytest.param([], "no-such-agreement", id="never-agreed"),
    pytest.param([{**AGREED, "effective": "1999-06-01"}], "agreement", id="agreed-only-after-the-closing"),
    pytest.param([AGREED, completion(id="first-closing")], "agreement", id="already-completed"),
])
def test_a_merger_completed_without_its_agreement_is_refused(acme, history, agreement):
    if history:
        record_all(acme, *history)
    refusal = refuse(acme, completion(agreement=agreement))
    assert_names(refusal, "unknown_agreement", "agreement", agreement, "§4.3")


def test_a_merger_completed_without_consideration_for_the_warrants_class_is_refused(agreed):
    refusal = refuse(agreed, completion(consideration={"common": {"cash": "8.00"}}))
    assert_names(refusal, "missing_consideration", "consideration", "series_c", "§4.3")
