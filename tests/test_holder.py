"""The holder's side of the warrant: §15 replacement certificates and the address for notices."""

from __future__ import annotations

import pytest

from captable import errors, queries
from tests.conftest import COMPANY, record_all


@pytest.fixture
def acme(ledger):
    record_all(ledger, *COMPANY)
    return ledger


def replaced(reason: str, **extra) -> dict:
    return {"type": "WarrantReplaced", "id": f"replaced-{reason}", "effective": "1998-05-01", "warrant": "W-1",
            "reason": reason, "evidence": "Affidavit of the holder's secretary", "certificate": "CS-2", **extra}


def warrant(ledger, as_of: str) -> dict:
    return queries.state(ledger, "acme", as_of, None).to_json()["warrants"][0]


@pytest.mark.parametrize("event, field", [
    pytest.param(replaced("lost"), "indemnity", id="lost-without-indemnity"),
    pytest.param(replaced("stolen"), "indemnity", id="stolen-without-indemnity"),
    pytest.param(replaced("mutilated"), "surrendered", id="mutilated-not-surrendered"),
])
def test_a_replacement_without_its_indemnity_or_surrender_is_refused(acme, event, field):
    before = [r.hash for r in acme.history("acme").records]
    with pytest.raises(errors.ReplacementIncomplete) as refused:
        record_all(acme, event)
    assert (refused.value.field, refused.value.section) == (field, "§15")
    assert [r.hash for r in acme.history("acme").records] == before


@pytest.mark.parametrize("event", [
    pytest.param(replaced("lost", indemnity="Indemnity agreement of 1998-04-28"), id="lost"),
    pytest.param(replaced("mutilated", surrendered=True), id="mutilated"),
])
def test_a_replacement_changes_the_certificate_number_and_not_the_terms(acme, event):
    before = warrant(acme, "1998-04-30")
    record_all(acme, event)
    after = warrant(acme, "1998-05-01")
    assert (before["certificate"], after["certificate"]) == ("CS-1", "CS-2")
    unchanged = ("holder", "security", "stock_purchase_price", "shares_purchasable", "expires", "basket")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}


def test_a_new_address_is_where_notices_must_go_from_its_effective_instant(acme):
    record_all(
        acme,
        {"type": "StockSplit", "id": "split", "effective": "1998-06-01", "class": "series_c", "ratio": "2/1"},
        {"type": "HolderAddressChanged", "id": "moved", "effective": "1998-06-10", "warrant": "W-1",
         "address": "9 New Street, San Jose, California"},
        {"type": "NoticeSent", "id": "to-old", "effective": "1998-06-15", "obligations": ["W-1/4.5/split"],
         "method": "mail", "sent": "1998-06-15", "signed_by": "Pat Lee", "to": "2 Market Street, San Jose, California"},
    )
    assert warrant(acme, "1998-06-09")["holder"]["address"] == "2 Market Street, San Jose, California"
    assert warrant(acme, "1998-06-10")["holder"]["address"] == "9 New Street, San Jose, California"
    notice = next(o for o in queries.notices(acme, "acme", "1998-07-01", None)["obligations"]
                  if o["id"] == "W-1/4.5/split")
    assert notice["status"] == "open" and "not the registered holder's address" in notice["flags"][0]
    record_all(acme, {"type": "NoticeSent", "id": "to-new", "effective": "1998-07-02",
                      "obligations": ["W-1/4.5/split"], "method": "mail", "sent": "1998-07-02",
                      "signed_by": "Pat Lee", "to": "9 New Street, San Jose, California"})
    notice = next(o for o in queries.notices(acme, "acme", "1998-07-31", None)["obligations"]
                  if o["id"] == "W-1/4.5/split")
    # Deposited Thursday 2 July 1998; Friday 3 July is the observed Independence Day, so the three
    # business days are Monday 6, Tuesday 7 and Wednesday 8 July.
    assert (notice["status"], notice["given"], notice["notices"]) == ("met", "1998-07-08", ["to-new"])
