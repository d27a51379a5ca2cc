"""Each parameter of a form changes the rule it names, for one warrant, beside a warrant on the 1997 form."""

from __future__ import annotations

from typing import Any

import pytest

from captable import errors, queries
from tests.conftest import record_all

HOLDER = {"name": "Lender LLC", "address": "2 Market Street, San Francisco, California 94105"}
START = [
    {"type": "CompanyFormed", "id": "formed", "effective": "2000-01-03", "company": "acme", "name": "Acme, Inc.",
     "timezone": "America/Los_Angeles", "fiscal_year_end": "12-31", "address": "1 Main Street",
     "officers": {"ceo": "Sam Okafor", "cfo": "Dana Reyes"}},
    {"type": "ShareClassCreated", "id": "common", "effective": "2000-01-03", "class": "common", "name": "Common",
     "kind": "common", "authorized": 10000000},
    {"type": "ShareClassCreated", "id": "series-a", "effective": "2000-01-03", "class": "series_a",
     "name": "Series A", "kind": "preferred", "authorized": 1000000, "converts_to": "common",
     "conversion_ratio": "1"},
    {"type": "SharesIssued", "id": "founders", "effective": "2000-01-03", "class": "common", "holder": "Founders",
     "shares": 1000000, "price_per_share": "0.01"},
    {"type": "SharesIssued", "id": "fund-a", "effective": "2000-01-03", "class": "series_a", "holder": "Fund A",
     "shares": 500000, "price_per_share": "1"},
]


def warrant(warrant_id: str, class_: str = "common", shares: int = 100000, price: str = "5.00",
            **extra: Any) -> dict[str, Any]:
    return {"type": "WarrantIssued", "id": f"{warrant_id}-issued", "effective": "2000-02-01", "warrant": warrant_id,
            "holder": HOLDER, "class": class_, "shares": shares, "price": price,
            "expires": "2010-12-31T17:00:00-08:00", "certificate": f"{warrant_id}-1", **extra}


def sale(event_id: str, shares: int, price: str, **extra: Any) -> dict[str, Any]:
    return {"type": "SharesIssued", "id": event_id, "effective": "2001-01-15", "class": "common",
            "holder": "Buyer", "shares": shares, "price_per_share": price, **extra}


def terms_of(ledger, as_of: str = "2001-01-15") -> dict[str, dict[str, Any]]:
    return {w["warrant"]: w for w in queries.state(ledger, None, as_of, None).to_json()["warrants"]}


def test_a_narrow_based_average_counts_only_the_common_outstanding(ledger):
    record_all(ledger, *START, warrant("W-1"), warrant("W-2", terms={"dilution_method": "narrow_based_weighted_average"}),
               sale("sale", 250000, "3.00"))
    found = terms_of(ledger)
    # Broad (1997): A = 1,000,000 common + 500,000 Series A = 1,500,000: (1.5M × 5 + 750,000) / 1.75M = 33/7.
    assert found["W-1"]["stock_purchase_price"] == "33/7"
    # Narrow: A = 1,000,000: (1M × 5 + 750,000) / 1.25M = 23/5, and N = 5 × 100,000 / (23/5).
    assert found["W-2"]["stock_purchase_price"] == "23/5"
    assert found["W-2"]["shares_purchasable"] == "2500000/23"
    assert found["W-2"]["adjustments"][0]["section"] == "the warrant's terms (dilution_method) over warrant_1997"
    assert found["W-1"]["adjustments"][0]["section"] == "§4.4"


def test_a_full_ratchet_with_fixed_shares_moves_the_price_alone(ledger):
    record_all(ledger, *START, warrant("W-1", form="preferred_net_ratchet", expires="2010-12-31T17:00:00-05:00",
                                       terms={"shares_follow_price": False}),
               sale("sale", 250000, "3.00"))
    found = terms_of(ledger)["W-1"]
    assert (found["stock_purchase_price"], found["shares_purchasable"]) == ("3", "100000")


def test_each_form_carves_out_its_own_categories(ledger):
    record_all(ledger, *START, warrant("W-1"),
               warrant("W-2", form="preferred_net_ratchet", expires="2010-12-31T17:00:00-05:00"),
               sale("lender-shares", 10000, "1.00", category="financing_warrant"),
               {**sale("plan-shares", 10000, "0.10", category="option_plan"), "effective": "2001-02-01"})
    found = terms_of(ledger, "2001-02-01")
    assert found["W-1"]["adjustments"] == []  # the 1997 form deems financing warrants outstanding
    assert [a["event"] for a in found["W-2"]["adjustments"]] == ["lender-shares"]  # the ratchet does not
    assert found["W-2"]["stock_purchase_price"] == "1"
    audit = queries.audit(ledger, None, "2001-02-01", None)
    step = next(s for s in audit["steps"] if s["event"]["id"] == "lender-shares")
    assert any("W-2 is on the form preferred_net_ratchet; dilution_method = full_ratchet" in f for f in step["findings"])


def test_a_form_without_price_protection_is_named_in_the_audit_of_a_cheap_issue(ledger):
    record_all(ledger, *START, warrant("W-1", form="placement_agent_common", expires="2010-12-31T23:59:00-05:00"),
               sale("sale", 250000, "3.00"))
    assert terms_of(ledger)["W-1"]["adjustments"] == []
    step = next(s for s in queries.audit(ledger, None, "2001-01-15", None)["steps"] if s["event"]["id"] == "sale")
    assert step["findings"][0].startswith("no §4.4 adjustment") and "W-1 is not adjusted: dilution_method = none" \
        in step["findings"][0]


def test_a_notice_of_adjustment_must_be_signed_by_the_officer_the_form_names(ledger):
    record_all(ledger, *START, warrant("W-1", terms={"adjustment_notice_signer": "ceo"}), sale("sale", 250000, "3.00"))
    notice = {"type": "NoticeSent", "effective": "2001-01-20", "obligations": ["W-1/4.5/sale"], "method": "personal",
              "sent": "2001-01-20", "received": "2001-01-20", "to": HOLDER["address"]}
    record_all(ledger, {**notice, "id": "by-cfo", "signed_by": "Dana Reyes"})
    found = {o["id"]: o for o in queries.notices(ledger, None, "2001-01-20", None)["obligations"]}
    assert found["W-1/4.5/sale"]["status"] == "open"
    assert "not the chief executive officer of record ('Sam Okafor')" in found["W-1/4.5/sale"]["flags"][0]
    record_all(ledger, {**notice, "id": "by-ceo", "signed_by": "Sam Okafor", "effective": "2001-01-21",
                        "sent": "2001-01-21", "received": "2001-01-21"})
    found = {o["id"]: o for o in queries.notices(ledger, None, "2001-01-21", None)["obligations"]}
    assert found["W-1/4.5/sale"]["status"] == "met"


def test_a_warrant_that_does_not_convert_with_the_preferred_keeps_its_units_and_delivers_the_common(ledger):
    record_all(ledger, *START, warrant("W-1", "series_a", 1000, "2.00"),
               warrant("W-2", "series_a", 1000, "2.00", terms={"converts_with_preferred": False}),
               {"type": "StockSplit", "id": "split", "effective": "2000-06-01", "class": "common", "ratio": "2"},
               {"type": "PreferredConverted", "id": "conversion", "effective": "2001-01-15", "class": "series_a"})
    found = terms_of(ledger)
    assert (found["W-1"]["stock_purchase_price"], found["W-1"]["shares_purchasable"]) == ("1", "2000")
    assert (found["W-2"]["stock_purchase_price"], found["W-2"]["shares_purchasable"]) == ("2", "1000")
    assert [(b["class"], b["quantity"]) for b in found["W-2"]["basket"]["securities"]] == [("common", "2")]


def test_the_market_per_share_price_takes_the_forms_days_and_daily_price(ledger):
    record_all(ledger, *START,
               warrant("W-1", terms={"per_share_price_trading_days": 2, "per_share_price_market": "mean_of_closing_bids"}),
               {"type": "Listed", "id": "listed", "effective": "2000-03-01", "class": "common", "exchange": "NASDAQ"},
               {"type": "MarketQuotes", "id": "quotes", "effective": "2000-03-10", "class": "common",
                "quotes": [{"date": "2000-03-08", "bid": "9", "ask": "11"}, {"date": "2000-03-09", "bid": "11", "ask": "13"}]})
    quote = queries.exercise_quote(ledger, None, "W-1", "1000", "2000-03-10", "market")
    # The two trading days before Friday 10 March 2000: Wed 8 and Thu 9; closing bids 9 and 11, mean 10.
    assert quote["per_share_price"]["price"] == "10"
    assert [q["date"] for q in quote["per_share_price"]["quotes"]] == ["2000-03-08", "2000-03-09"]


def test_reports_follow_the_forms_kinds_and_days(ledger):
    record_all(ledger, *START, warrant("W-1", terms={"reports": ["annual"], "annual_report_days": 90}))
    found = {o["id"]: o for o in queries.notices(ledger, None, "2001-06-30", None)["obligations"]}
    assert found["W-1/18.7/annual/2000"]["deadline"] == "2001-03-31"  # 31 Dec 2000 + 90 days
    assert not [k for k in found if "quarterly" in k]


def test_a_transfer_needs_what_the_form_asks(ledger):
    record_all(ledger, *START, warrant("W-1", form="placement_agent_common", expires="2010-12-31T23:59:00-05:00"),
               warrant("W-2"))
    transfer = {"type": "WarrantTransferred", "effective": "2001-01-15", "to": {"name": "B", "address": "9 Elm"},
                "basis": "rule_144", "transferee_agreed": False}
    record_all(ledger, {**transfer, "id": "t-1", "warrant": "W-1"})  # this form needs no agreement
    with pytest.raises(errors.TransferWithoutBasis):
        record_all(ledger, {**transfer, "id": "t-2", "warrant": "W-2"})


def test_a_named_form_fixes_the_time_of_day_the_warrant_expires(ledger):
    record_all(ledger, *START)
    with pytest.raises(errors.InvalidEvent) as refused:
        record_all(ledger, warrant("W-1", form="warrant_1997", terms={"prior_notice_days": 30},
                                   expires="2010-12-31T16:00:00-08:00"))
    assert refused.value.field == "expires" and "17:00:00 America/Los_Angeles" in refused.value.message


def test_a_cash_exercise_on_a_net_only_term_is_refused(ledger):
    record_all(ledger, *START, warrant("W-1", terms={"exercise_methods": ["net"]}))
    with pytest.raises(errors.MethodNotAvailable) as refused:
        queries.exercise_quote(ledger, None, "W-1", "10", "2001-01-15")
    assert refused.value.section == "the warrant's terms (exercise_methods) over warrant_1997"
