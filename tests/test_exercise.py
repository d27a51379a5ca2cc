"""Cash exercise (§1(a)) and fractions (§16): partial exercise, the balance, "all", deliveries."""

from __future__ import annotations

from fractions import Fraction

import pytest

from captable import queries
from captable.intake import parse_event
from tests.conftest import COMPANY, record_all


def exercise(id: str, effective: str, shares, payment: str, **extra) -> dict:
    return {"type": "WarrantExercised", "id": id, "effective": effective, "warrant": "W-1",
            "shares": shares, "payment": payment, **extra}


def state(ledger, as_of: str) -> dict:
    return queries.state(ledger, "acme", as_of, None).to_json()


def warrant(ledger, as_of: str) -> dict:
    return state(ledger, as_of)["warrants"][0]


@pytest.fixture
def acme(ledger):
    record_all(ledger, *COMPANY)
    return ledger


def test_a_partial_exercise_leaves_the_balance_on_a_new_certificate(acme):
    record_all(acme, exercise("x1", "1998-03-02", 1000, "8930.00"))
    after = warrant(acme, "1998-03-02")
    assert after["shares_purchasable"] == "19381"
    assert after["exercised"] == "1000"
    assert after["certificate"] == "CS-1-B1"
    assert after["stock_purchase_price"] == "893/100"


def test_each_balance_certificate_is_numbered_after_the_first_by_the_count_of_exercises(acme):
    record_all(acme, *(exercise(f"x{n}", f"1998-03-0{n + 1}", 100, "893.00") for n in range(1, 5)))
    assert [warrant(acme, f"1998-03-0{n + 1}")["certificate"] for n in range(1, 5)] == [
        "CS-1-B1", "CS-1-B2", "CS-1-B3", "CS-1-B4"]  # not CS-1-B1-B2-B3-B4: a number of a fixed length


def test_the_shares_issued_appear_under_the_holder_in_the_cap_table(acme):
    record_all(acme, exercise("x1", "1998-03-02", 1000, "8930.00"))
    classes = {c["class"]: c for c in state(acme, "1998-03-02")["classes"]}
    assert {"holder": "Lender, Inc.", "shares": "1000"} in classes["series_c"]["holders"]
    assert classes["series_c"]["outstanding"] == "201000"


def test_delivery_to_another_name_registers_the_shares_there_and_the_issue_tax_is_the_holders(acme):
    record_all(acme, exercise("x1", "1998-03-02", 10, "89.30", deliver_to="Lender Nominee LLC"))
    stored = acme.history("acme").records[-1].fact
    shares = stored.computed.deliveries[0]
    assert shares.name == "Lender Nominee LLC"
    assert "§5 issue tax borne by Lender, Inc." in shares.reason
    classes = {c["class"]: c for c in state(acme, "1998-03-02")["classes"]}
    assert {"holder": "Lender Nominee LLC", "shares": "10"} in classes["series_c"]["holders"]


def test_a_chosen_certificate_number_for_the_balance_is_kept(acme):
    record_all(acme, exercise("x1", "1998-03-02", 1, "8.93", new_certificate="CS-2"))
    assert warrant(acme, "1998-03-03")["certificate"] == "CS-2"


def test_all_after_conversion_pays_the_half_unit_in_cash_under_section_16(acme):
    record_all(acme, {"type": "PreferredConverted", "id": "conv", "effective": "1999-06-30", "class": "series_c"})
    assert warrant(acme, "1999-06-30")["shares_purchasable"] == "61143/2"
    record_all(acme, exercise("x-all", "1999-07-01", "all", "182002.33"))
    computed = acme.history("acme").records[-1].fact.computed
    assert computed.units == Fraction(61143, 2)
    assert computed.shares_issued == 30571
    assert computed.fraction == Fraction(1, 2)
    assert computed.cash_in_lieu == Fraction("2.98")  # 1/2 × 893/150 = 2.97666… rounded half up
    assert computed.new_certificate is None
    after = warrant(acme, "1999-07-01")
    assert after["status"] == "exercised"
    assert after["shares_purchasable"] == "0"


def test_a_whole_number_exercise_can_leave_only_the_fraction_outstanding(acme):
    record_all(acme, {"type": "PreferredConverted", "id": "conv", "effective": "1999-06-30", "class": "series_c"})
    record_all(acme, exercise("x1", "1999-07-01", 30571, "181999.35"))  # 30571 × 893/150 = 181999.3533…
    after = warrant(acme, "1999-07-01")
    assert after["shares_purchasable"] == "1/2"
    assert after["status"] == "outstanding"


def test_two_partial_exercises_add_up_and_number_their_certificates(acme):
    record_all(acme, exercise("x1", "1998-03-02", 381, "3402.33"), exercise("x2", "1999-01-04", 20000, "178600.00"))
    after = warrant(acme, "1999-01-04")
    assert after["exercised"] == "20381"
    assert after["status"] == "exercised"
    assert after["certificate"] == "CS-1-B1"


def test_an_exercise_at_five_pm_pacific_on_the_expiration_date_is_accepted(acme):
    record_all(acme, exercise("late", "2003-12-15T17:00:00-08:00", 1, "8.93"))
    assert warrant(acme, "2003-12-15T17:00:00-08:00")["exercised"] == "1"


def test_the_quote_matches_what_the_exercise_then_records(acme):
    quote = queries.exercise_quote(acme, "acme", "W-1", "1000", "1998-03-02")
    record_all(acme, exercise("x1", "1998-03-02T12:00:00-08:00", 1000, "8930.00"))
    stored = acme.history("acme").records[-1].fact.computed
    assert quote["payment_due"] == "8930"
    assert quote["shares_issued"] == str(stored.shares_issued.numerator)
    assert quote["balance_after"] == "19381"


def test_a_stored_exercise_can_be_imported_again_with_its_computed_part(acme):
    record_all(acme, exercise("x1", "1998-03-02", 1000, "8930.00"))
    stored = acme.history("acme").records[-1].fact
    report = acme.import_events([parse_event(stored.content())])
    assert report.already_stored == 1 and report.total == 0
