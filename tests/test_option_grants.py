"""A grant after §4.4 read it: exercised, cancelled, transferred; split with its class; and convertibles shown
while outstanding. Each refused move names the grant or convertible and stores nothing."""

from __future__ import annotations

import pytest

from captable import errors, queries
from tests.conftest import COMPANY, record_all

GRANT = {"type": "OptionsIssued", "id": "grant-1", "effective": "1998-01-15", "class": "common", "holder": "Pat Lee",
         "shares": 100000, "exercise_price": "1.00", "kind": "option", "category": "option_plan"}


def state(ledger, as_of: str) -> dict:
    return queries.state(ledger, "acme", as_of, None).to_json()


def grants(body: dict) -> dict[str, tuple[str, str]]:
    return {o["grant"]: (o["holder"], o["shares"]) for o in body.get("options", [])}


def holding(body: dict, holder: str) -> str | None:
    common = next(c for c in body["classes"] if c["class"] == "common")
    return {h["holder"]: h["shares"] for h in common["holders"]}.get(holder)


@pytest.fixture
def acme(ledger):
    record_all(ledger, *COMPANY, GRANT)
    return ledger


def test_a_history_without_options_or_convertibles_answers_without_those_keys(ledger):
    record_all(ledger, *COMPANY)
    body = state(ledger, "1999-01-01")
    assert "options" not in body and "convertibles" not in body


def test_an_exercise_issues_the_shares_to_the_holder_and_adjusts_no_warrant(acme):
    record_all(acme, {"type": "OptionsExercised", "id": "ex-1", "effective": "1998-06-01", "grant": "grant-1",
                      "shares": 40000})
    body = state(acme, "1998-06-01")
    assert grants(body) == {"grant-1": ("Pat Lee", "60000")}
    assert holding(body, "Pat Lee") == "40000"
    assert body["warrants"][0]["adjustments"] == []  # $1.00 is below $8.93, but §4.4 read the grant already


def test_a_grant_exercised_in_full_leaves_the_options(acme):
    record_all(acme, {"type": "OptionsExercised", "id": "ex-1", "effective": "1998-06-01", "grant": "grant-1",
                      "shares": 100000})
    assert "options" not in state(acme, "1998-06-01")


def test_a_cancellation_and_a_transfer_move_the_rights_out_of_the_grant(acme):
    record_all(acme,
               {"type": "OptionsCancelled", "id": "forfeit", "effective": "1998-03-01", "grant": "grant-1",
                "shares": 25000, "reason": "Unvested options forfeited"},
               {"type": "OptionsTransferred", "id": "to-trust", "effective": "1998-04-01", "grant": "grant-1",
                "to": "Lee Family Trust", "shares": 30000},
               {"type": "OptionsExercised", "id": "trust-exercise", "effective": "1998-05-01", "grant": "to-trust",
                "shares": 10000})
    body = state(acme, "1998-05-01")
    assert grants(body) == {"grant-1": ("Pat Lee", "45000"), "to-trust": ("Lee Family Trust", "20000")}
    assert holding(body, "Lee Family Trust") == "10000"
    assert grants(state(acme, "1998-02-28")) == {"grant-1": ("Pat Lee", "100000")}


def test_a_split_of_the_class_scales_the_grants(acme):
    record_all(acme, {"type": "StockSplit", "id": "split", "effective": "1999-01-04", "class": "common",
                      "ratio": "3/1"})
    assert grants(state(acme, "1999-01-04")) == {"grant-1": ("Pat Lee", "300000")}


@pytest.mark.parametrize("fact, code", [
    ({"type": "OptionsExercised", "grant": "grant-9", "shares": 1}, "unknown_grant"),
    ({"type": "OptionsExercised", "grant": "grant-1", "shares": 100001}, "insufficient_shares"),
    ({"type": "OptionsCancelled", "grant": "grant-1", "shares": 100001, "reason": "x"}, "insufficient_shares"),
    ({"type": "OptionsTransferred", "grant": "grant-9", "to": "X", "shares": 1}, "unknown_grant"),
    ({"type": "OptionsExercised", "grant": "grant-1", "shares": 1, "effective": "1998-01-14"}, "unknown_grant"),
])
def test_a_move_the_grant_cannot_make_is_refused_and_stores_nothing(acme, fact, code):
    before = state(acme, "2000-01-01")
    with pytest.raises(errors.Refused) as refused:
        record_all(acme, {"id": "move", "effective": "1998-06-01", **fact})
    assert (refused.value.code, refused.value.field) == (code, "grant" if code == "unknown_grant" else "shares")
    assert state(acme, "2000-01-01") == before


SAFE = {"type": "ConvertibleIssued", "id": "safe-issued", "effective": "1998-02-01", "convertible": "SAFE-1",
        "holder": "Angel Fund", "kind": "safe", "investment": "500000", "valuation_cap": "6000000", "discount": "1/5",
        "terms": "post-money; converts in the next equity financing"}


def test_a_convertible_is_outstanding_with_its_terms_until_it_ends(acme):
    record_all(acme, SAFE, {"type": "ConvertibleEnded", "id": "safe-converted", "effective": "1999-01-01",
                            "convertible": "SAFE-1", "how": "converted"})
    [shown] = state(acme, "1998-12-31")["convertibles"]
    assert shown == {"convertible": "SAFE-1", "holder": "Angel Fund", "kind": "safe", "investment": "500000",
                     "valuation_cap": "6000000", "discount": "1/5", "interest_rate": None, "maturity": None,
                     "terms": "post-money; converts in the next equity financing", "issued": "1998-02-01",
                     "status": "outstanding"}
    assert state(acme, "1998-12-31")["warrants"][0]["adjustments"] == []  # §4.4 has no price to read
    assert "convertibles" not in state(acme, "1999-01-01")


def test_ending_a_convertible_that_is_not_outstanding_is_refused(acme):
    with pytest.raises(errors.Refused) as refused:
        record_all(acme, {"type": "ConvertibleEnded", "id": "end", "effective": "1999-01-01", "convertible": "SAFE-1",
                          "how": "repaid"})
    assert (refused.value.code, refused.value.field) == ("unknown_convertible", "convertible")
    record_all(acme, SAFE)
    with pytest.raises(errors.Refused) as again:
        record_all(acme, {**SAFE, "id": "safe-again"})
    assert again.value.code == "unknown_convertible"


# OptionsIssued's option terms (class_version 2) --------------------------------------------------------------

TERMS = {"grant_type": "iso", "expiration_date": "2008-01-14",
         "termination_windows": [{"reason": "voluntary_other", "period": 90, "unit": "days"}]}


def _sealed(event: dict):
    from datetime import datetime, timezone

    from captable.intake import parse_event
    from captable.rows import seal_event
    fact = parse_event(event).fact
    return fact, seal_event("acme", 1, datetime(2020, 1, 1, tzinfo=timezone.utc), fact, "0" * 64, "clerk")


def _read_back(fact, sealed):
    from eventsourcing.persistence import StoredEvent

    from captable.rows import parse_event as parse_row
    return parse_row(StoredEvent(sealed.originator_id, 1, fact.TOPIC, sealed.stored)).fact


def test_a_grant_without_option_terms_is_stored_byte_for_byte_as_version_1():
    fact, sealed = _sealed(GRANT)
    assert b'"class_version":1,' in sealed.stored
    assert not any(name.encode() in sealed.stored for name in TERMS)
    assert _read_back(fact, sealed) == fact


def test_a_grant_with_option_terms_is_stored_as_version_2_and_read_back_exactly():
    from datetime import date
    fact, sealed = _sealed({**GRANT, **TERMS})
    assert b'"class_version":2,' in sealed.stored
    back = _read_back(fact, sealed)
    assert back == fact and back.grant_type == "iso" and back.expiration_date == date(2008, 1, 14)
    assert [(w.reason, w.period, w.unit) for w in back.termination_windows] == [("voluntary_other", 90, "days")]


def test_option_terms_do_not_change_what_the_state_shows(ledger):
    record_all(ledger, *COMPANY, GRANT)
    plain = state(ledger, "1999-01-01")
    record_all(ledger, {**GRANT, **TERMS, "id": "grant-2", "holder": "Kim Park"})
    with_terms = state(ledger, "1999-01-01")
    assert grants(with_terms) == {**grants(plain), "grant-2": ("Kim Park", "100000")}


@pytest.mark.parametrize("extra, field", [
    ({"grant_type": "incentive"}, "grant_type"),
    ({"expiration_date": "2008-02-30"}, "expiration_date"),
    ({"termination_windows": [{"reason": "voluntary_other", "period": -1, "unit": "days"}]}, "termination_windows"),
    ({"termination_windows": [{"reason": "voluntary_other", "period": "90", "unit": "days"}]}, "termination_windows"),
    ({"termination_windows": [{"reason": "quit", "period": 90, "unit": "days"}]}, "termination_windows"),
    ({"kind": "warrant", "category": None, "grant_type": "nso"}, None),
])
def test_a_bad_option_term_is_refused_naming_the_field(extra, field):
    from captable.intake import parse_event
    with pytest.raises(errors.InvalidEvent) as refused:
        parse_event({**GRANT, **extra})
    assert (refused.value.field or "").startswith(field) if field else "terms of options" in str(refused.value)
