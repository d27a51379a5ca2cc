"""As of an effective instant, as known at a recorded instant (DESIGN §3, §6 item 20)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from captable import queries
from captable.instants import now
from tests.conftest import COMPANY, record_all

T0 = datetime(2020, 1, 1, tzinfo=timezone.utc)


def at(ledger, as_of: str, known_at: str | None = None) -> dict:
    return queries.state(ledger, "acme", as_of, known_at).to_json()["warrants"][0]


def recorded(days: int) -> str:
    return (T0 + timedelta(days=days)).isoformat()


@pytest.fixture
def acme(ledger):
    record_all(ledger, *[{**event, "recorded": recorded(0)} for event in COMPANY])
    return ledger


def test_a_back_dated_split_is_absent_as_known_before_it_was_recorded(acme):
    record_all(acme, {"type": "StockSplit", "id": "split", "effective": "1998-05-01", "class": "series_c",
                      "ratio": "2/1", "recorded": recorded(10)})
    assert at(acme, "1999-01-01", recorded(9))["stock_purchase_price"] == "893/100"
    assert at(acme, "1999-01-01", recorded(10))["stock_purchase_price"] == "893/200"
    assert at(acme, "1999-01-01")["shares_purchasable"] == "40762"


def test_a_retraction_removes_the_event_from_answers_known_at_or_after_it_and_not_before(acme):
    record_all(acme, {"type": "StockSplit", "id": "split", "effective": "1998-05-01", "class": "series_c",
                      "ratio": "2/1", "recorded": recorded(10)})
    record_all(acme, {"type": "EventRetracted", "id": "undo", "effective": "1998-05-01", "event": "split",
                      "reason": "entered against the wrong class", "recorded": recorded(20)})
    assert at(acme, "1999-01-01", recorded(19))["stock_purchase_price"] == "893/200"
    assert at(acme, "1999-01-01", recorded(20))["stock_purchase_price"] == "893/100"
    assert at(acme, "1999-01-01")["stock_purchase_price"] == "893/100"


def test_a_known_at_date_means_the_end_of_that_day_in_the_companys_zone(acme):
    record_all(acme, {"type": "StockSplit", "id": "split", "effective": "1998-05-01", "class": "series_c",
                      "ratio": "2/1", "recorded": "2020-01-10T23:30:00-08:00"})
    assert at(acme, "1999-01-01", "2020-01-09")["stock_purchase_price"] == "893/100"
    assert at(acme, "1999-01-01", "2020-01-10")["stock_purchase_price"] == "893/200"


def test_an_as_of_date_includes_that_days_events(acme):
    record_all(acme, {"type": "StockSplit", "id": "split", "effective": "1998-05-01T16:00:00-07:00",
                      "class": "series_c", "ratio": "2/1"})
    assert at(acme, "1998-04-30")["stock_purchase_price"] == "893/100"
    assert at(acme, "1998-05-01")["stock_purchase_price"] == "893/200"
    assert at(acme, "1998-05-01T15:59:59-07:00")["stock_purchase_price"] == "893/100"


def test_events_with_the_same_effective_instant_apply_in_recorded_order(acme):
    # The exercise is recorded first, so it is priced before the split that shares its instant.
    record_all(acme, {"type": "WarrantExercised", "id": "x", "effective": "1998-05-01", "warrant": "W-1",
                      "shares": 381, "payment": "3402.33"})
    record_all(acme, {"type": "StockSplit", "id": "split", "effective": "1998-05-01", "class": "series_c",
                      "ratio": "2/1"})
    warrant = at(acme, "1998-05-01")
    assert warrant["exercised"] == "381"
    assert warrant["shares_purchasable"] == "40000"


def test_a_new_event_is_decided_against_the_state_at_its_own_effective_instant(acme):
    # Recorded later but effective earlier than the split: priced at the pre-split price.
    record_all(acme, {"type": "StockSplit", "id": "split", "effective": "1999-05-01", "class": "series_c",
                      "ratio": "2/1"})
    record_all(acme, {"type": "WarrantExercised", "id": "x", "effective": "1998-05-01", "warrant": "W-1",
                      "shares": 1, "payment": "8.93"})
    assert at(acme, "1999-05-01")["shares_purchasable"] == "40760"


def test_explicit_recorded_instants_are_kept(acme):
    record_all(acme, {"type": "Listed", "id": "listed", "effective": "1999-06-25", "class": "common",
                      "exchange": "NASDAQ", "recorded": "2020-02-01T09:00:00-08:00"})
    last = acme.history("acme").records[-1]
    assert last.timestamp == datetime(2020, 2, 1, 17, 0, tzinfo=timezone.utc)


def test_the_store_clock_records_events_without_a_recorded_instant(acme):
    before = now()
    record_all(acme, {"type": "Listed", "id": "listed", "effective": "1999-06-25", "class": "common",
                      "exchange": "NASDAQ"})
    assert before <= acme.history("acme").records[-1].timestamp <= now()


def test_a_query_instant_without_an_offset_is_refused_as_a_bad_option(acme):
    from captable.errors import BadOption

    with pytest.raises(BadOption) as refused:
        at(acme, "1999-01-01T12:00:00")
    assert refused.value.field == "as_of" and refused.value.exit_status == 2
