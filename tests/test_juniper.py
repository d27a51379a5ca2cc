"""The Juniper warrant of 1997: the dated checkpoints, and a sweep across every boundary."""

from __future__ import annotations

from datetime import timedelta

import pytest

from captable import queries
from captable.instants import parse_when
from tests.conftest import import_juniper, juniper_checkpoints

PLAN = juniper_checkpoints()


@pytest.fixture
def juniper(ledger):
    import_juniper(ledger)
    return ledger


def warrant_at(ledger, as_of: str, known_at: str | None = None) -> dict:
    body = queries.state(ledger, "juniper", as_of, known_at).to_json()
    return body["warrants"][0] if body["warrants"] else None


@pytest.mark.parametrize("point", PLAN["checkpoints"], ids=[p["as_of"] for p in PLAN["checkpoints"]])
def test_each_checkpoint_gives_the_expected_answer(juniper, point):
    warrant = warrant_at(juniper, point["as_of"])
    assert {key: warrant[key] for key in point["expect"]} == point["expect"]


def test_the_aggregate_price_stays_at_182002_33_throughout(juniper):
    for as_of in ("1997-09-30", "1999-06-30", "2000-01-18", "2000-06-16", "2003-12-15T17:00:00-08:00"):
        assert warrant_at(juniper, as_of)["aggregate_purchase_price"] == "18200233/100"


def test_the_warrant_does_not_exist_before_it_is_issued(juniper):
    assert warrant_at(juniper, "1997-09-29") is None


def test_the_adjustments_cite_their_sections_in_order(juniper):
    adjustments = warrant_at(juniper, "2000-07-01")["adjustments"]
    assert [(a["event"], a["section"]) for a in adjustments] == [
        ("preferred-converted", "§1(a)"),
        ("split-2000-01", "§4.1"),
        ("split-2000-06", "§4.1"),
    ]
    assert adjustments[1]["inputs"] == {"k": "3"}
    assert adjustments[0]["formula"].startswith("N' = N × r = 20381 × 3/2 = 61143/2")


# Each effective boundary of the history: (instant of the event, price just before, price from then on).
BOUNDARIES = [
    ("1999-06-30T00:00:00-07:00", "893/100", "893/150"),
    ("2000-01-18T00:00:00-08:00", "893/150", "893/450"),
    ("2000-06-16T00:00:00-07:00", "893/450", "893/900"),
]


@pytest.mark.parametrize("boundary, before, after", BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_the_price_changes_exactly_at_the_effective_instant(juniper, boundary, before, after):
    instant = parse_when(boundary)
    just_before = (instant - timedelta(microseconds=1)).isoformat()
    assert warrant_at(juniper, just_before)["stock_purchase_price"] == before
    assert warrant_at(juniper, boundary)["stock_purchase_price"] == after


def test_the_warrant_is_issued_at_the_start_of_its_day_in_pacific_time(juniper):
    assert warrant_at(juniper, "1997-09-30T06:59:59.999999+00:00") is None
    assert warrant_at(juniper, "1997-09-30T07:00:00+00:00")["shares_purchasable"] == "20381"


@pytest.mark.parametrize("instant, status", [
    ("2003-12-15T16:59:59-08:00", "outstanding"),
    ("2003-12-15T17:00:00-08:00", "outstanding"),
    ("2003-12-16T01:00:00Z", "outstanding"),
    ("2003-12-15T17:00:01-08:00", "expired"),
    ("2003-12-16T01:00:01Z", "expired"),
])
def test_expiry_is_inclusive_of_five_pm_pacific_whatever_the_offset(juniper, instant, status):
    assert warrant_at(juniper, instant)["status"] == status


def test_the_cap_table_shows_classes_and_holders(juniper):
    body = queries.state(juniper, "juniper", "2000-07-01", None).to_json()
    classes = {c["class"]: c for c in body["classes"]}
    assert classes["common"]["authorized"] == "71000000"
    assert classes["common"]["outstanding"] == "12000000"  # the 2,000,000 IPO shares after 3:1 and 2:1
    assert classes["common"]["reserved"] == "183429"
    assert classes["common"]["holders"] == [{"holder": "Public (IPO underwriters)", "shares": "12000000"}]
    assert classes["series_c"]["converted"] is True
    assert classes["series_c"]["reserved"] == "0"


def test_before_conversion_the_common_is_reserved_for_the_preferred_the_warrant_would_convert_into(juniper):
    body = queries.state(juniper, "juniper", "1998-01-01", None).to_json()
    classes = {c["class"]: c for c in body["classes"]}
    assert classes["series_c"]["reserved"] == "20381"
    assert classes["common"]["reserved"] == "30571"  # whole common shares from 20,381 × 3/2
