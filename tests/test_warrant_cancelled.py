"""WarrantCancelled: units cancelled without an exercise purchase nothing from then on and release the §3
reservation; no term of the rest changes, so no §4.5 notice arises; a warrant cancelled in full has ended."""

from __future__ import annotations

import pytest

from captable import errors, queries
from captable.intake import parse_event
from tests.conftest import COMPANY, record_all


def cancellation(shares, effective: str = "1999-03-01", **extra) -> dict:
    return {"type": "WarrantCancelled", "id": f"cancel-{shares}-{effective}", "effective": effective,
            "warrant": "W-1", "shares": shares, "reason": "Surrendered under a letter agreement", **extra}


def state(ledger, as_of: str) -> dict:
    return queries.state(ledger, "acme", as_of, None).to_json()


def obligation_ids(ledger, as_of: str) -> set[str]:
    return {o["id"] for o in queries.notices(ledger, "acme", as_of, None)["obligations"]}


@pytest.fixture
def acme(ledger):
    record_all(ledger, *COMPANY)
    return ledger


def test_a_partial_cancellation_leaves_the_rest_outstanding_at_the_same_price(acme):
    record_all(acme, cancellation(381))
    warrant = state(acme, "1999-03-01")["warrants"][0]
    assert (warrant["status"], warrant["shares_purchasable"], warrant["stock_purchase_price"]) == (
        "outstanding", "20000", "893/100")
    assert warrant["adjustments"] == []


def test_the_cancelled_units_release_their_reservation(acme):
    before = {c["class"]: c["reserved"] for c in state(acme, "1999-02-28")["classes"]}
    record_all(acme, cancellation(381))
    after = {c["class"]: c["reserved"] for c in state(acme, "1999-03-01")["classes"]}
    assert (before["series_c"], after["series_c"]) == ("20381", "20000")
    assert after["common"] == "30000"  # 20,000 × 3/2


def test_a_cancellation_creates_no_notice_of_adjustment(acme):
    before = obligation_ids(acme, "1999-03-01")
    record_all(acme, cancellation(381))
    assert obligation_ids(acme, "1999-03-01") == before


def test_a_warrant_cancelled_in_full_is_cancelled_and_purchases_nothing(acme):
    record_all(acme, cancellation("all"))
    assert state(acme, "1999-02-28")["warrants"][0]["status"] == "outstanding"
    warrant = state(acme, "1999-03-01")["warrants"][0]
    assert (warrant["status"], warrant["shares_purchasable"]) == ("cancelled", "0")


def test_no_report_falls_due_for_a_period_after_a_warrant_cancelled_in_full(acme):
    record_all(acme, cancellation("all"))
    ids = obligation_ids(acme, "2003-12-31")
    assert "W-1/18.7/annual/1998" in ids
    assert not any(i.startswith("W-1/18.7/annual/2000") for i in ids)


def test_cancelling_more_than_the_balance_is_refused_and_stores_nothing(acme):
    with pytest.raises(errors.ExceedsSharesPurchasable):
        record_all(acme, cancellation(20382))
    assert state(acme, "1999-03-01")["warrants"][0]["shares_purchasable"] == "20381"


def test_cancelling_after_expiry_or_an_unknown_warrant_is_refused(acme):
    with pytest.raises(errors.WarrantExpired):
        record_all(acme, cancellation(1, "2004-01-05"))
    with pytest.raises(errors.UnknownWarrant):
        acme.import_events([parse_event({**cancellation(1), "warrant": "W-9"})])
