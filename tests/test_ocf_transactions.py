"""OCF import of the transactions beyond Ridgeline's own: each maps to the events it describes, names its OCF
object, stores nothing new when imported again, and is refused by its id when it does not fit the package."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from captable.cli import app

RIDGELINE = Path(__file__).resolve().parents[1] / "fixtures" / "ocf" / "ridgeline_robotics"
runner = CliRunner()
USD = "USD"
LENDER = {"object_type": "STAKEHOLDER", "id": "sh-bay-credit", "name": {"legal_name": "Bay Credit Partners, L.P."},
          "stakeholder_type": "INSTITUTION",
          "addresses": [{"address_type": "CONTACT", "street_suite": "1 Market Street, Suite 900",
                         "city": "San Francisco", "country_subdivision": "CA", "postal_code": "94105",
                         "country": "US"}]}


def package(tmp_path: Path, *items: dict[str, Any], stakeholders: tuple[dict[str, Any], ...] = ()) -> Path:
    """Ridgeline with ``items`` added to its transactions (and stakeholders), its checksums kept true."""
    folder = tmp_path / "package"
    shutil.copytree(RIDGELINE, folder)
    manifest = json.loads((folder / "Manifest.ocf.json").read_text(encoding="utf-8"))
    for name, key, added in (("Transactions.ocf.json", "transactions_files", items),
                             ("Stakeholders.ocf.json", "stakeholders_files", stakeholders)):
        path = folder / name
        body = json.loads(path.read_text(encoding="utf-8"))
        body["items"].extend(added)
        path.write_text(json.dumps(body, indent=1), encoding="utf-8")
        manifest[key][0]["md5"] = hashlib.md5(path.read_bytes()).hexdigest()
    (folder / "Manifest.ocf.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def imported(tmp_path: Path, folder: Path) -> tuple[str, dict[str, Any]]:
    """Import twice: the second time stores nothing. The database and the first report."""
    db = str(tmp_path / "r.db")
    first = runner.invoke(app, ["--db", db, "ocf", "import", str(folder), "--json"])
    assert first.exit_code == 0, first.output
    again = json.loads(runner.invoke(app, ["--db", db, "ocf", "import", str(folder), "--json"]).stdout)
    report = json.loads(first.stdout)
    assert (again["stored"], again["already_stored"]) == (0, report["events"])
    return db, report


def refusal(tmp_path: Path, folder: Path) -> dict[str, Any]:
    db = tmp_path / "refused.db"
    result = runner.invoke(app, ["--db", str(db), "ocf", "import", str(folder), "--json"])
    assert result.exit_code == 1, result.output
    assert not db.exists()
    return json.loads(result.stdout)["error"]


def state(db: str, as_of: str = "2023-12-31") -> dict[str, Any]:
    result = runner.invoke(app, ["--db", db, "state", "--json", "--as-of", as_of])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def holders(body: dict[str, Any], class_id: str) -> dict[str, str]:
    share_class = next(c for c in body["classes"] if c["class"] == class_id)
    return {h["holder"]: h["shares"] for h in share_class["holders"]}


def stock(security: str, holder: str, class_id: str, quantity: str, on: str, price: str = "5.00",
          **extra: str) -> dict[str, Any]:
    return extra | {"object_type": "TX_STOCK_ISSUANCE", "id": f"iss-{security}", "security_id": security, "date": on,
            "custom_id": security, "stakeholder_id": holder, "stock_class_id": class_id,
            "share_price": {"amount": price, "currency": USD}, "quantity": quantity, "stock_legend_ids": [],
            "security_law_exemptions": []}


def log_ids(db: str) -> dict[str, str]:
    result = runner.invoke(app, ["--db", db, "log", "--json"])
    events = json.loads(result.stdout)["events"]
    return {e["id"]: e.get("source", "") for e in events}


# Stock ----------------------------------------------------------------------------------------------------


def test_a_stock_retraction_cancels_what_the_security_holds_from_its_date(tmp_path: Path) -> None:
    retraction = {"object_type": "TX_STOCK_RETRACTION", "id": "ret-ps-1", "security_id": "PS-1",
                  "date": "2020-03-01", "reason_text": "Issued in error: the purchase agreement was never signed"}
    db, report = imported(tmp_path, package(tmp_path, retraction))
    assert report["mapped"]["TX_STOCK_RETRACTION"] == ["ret-ps-1"]
    assert holders(state(db, "2020-02-28"), "series-seed") == {"Foothill Seed Fund I, L.P.": "800000"}
    assert holders(state(db), "series-seed") == {}
    assert log_ids(db)["ocf:ret-ps-1"] == "OCF Transactions.ocf.json: TX_STOCK_RETRACTION ret-ps-1"


CONVERSION = {"object_type": "TX_STOCK_CONVERSION", "id": "conv-pa-1", "security_id": "PA-1", "date": "2023-06-01",
              "quantity_converted": "500000", "resulting_security_ids": ["CS-7"], "balance_security_id": "PA-3"}


def test_a_stock_conversion_converts_at_the_ratio_the_split_left(tmp_path: Path) -> None:
    folder = package(tmp_path, CONVERSION, stock("CS-7", "sh-granite-ventures", "common", "1000000", "2023-06-01"),
                     stock("PA-3", "sh-granite-ventures", "series-a", "1000000", "2023-06-01", "4.00"))
    db, report = imported(tmp_path, folder)
    assert report["mapped"]["TX_STOCK_CONVERSION"] == ["conv-pa-1"]
    body = state(db)
    assert holders(body, "series-a")["Granite Ventures II, L.P."] == "1000000"
    assert holders(body, "common")["Granite Ventures II, L.P."] == "1000000"  # 500,000 × 2 after the split


def test_a_conversion_whose_results_do_not_match_the_ratio_is_refused_by_its_id(tmp_path: Path) -> None:
    folder = package(tmp_path, CONVERSION, stock("CS-7", "sh-granite-ventures", "common", "500000", "2023-06-01"),
                     stock("PA-3", "sh-granite-ventures", "series-a", "1000000", "2023-06-01", "4.00"))
    error = refusal(tmp_path, folder)
    assert (error["event"], error["field"]) == ("conv-pa-1", "TX_STOCK_CONVERSION")
    assert "convert into 1000000 common, but the resulting securities hold 500000" in error["message"]


def test_a_reissuance_carries_the_holding_to_the_new_certificate(tmp_path: Path) -> None:
    reissue = {"object_type": "TX_STOCK_REISSUANCE", "id": "reiss-cs-1", "security_id": "CS-1",
               "date": "2023-01-10", "resulting_security_ids": ["CS-8"], "reason_text": "Lost certificate"}
    repurchase = {"object_type": "TX_STOCK_REPURCHASE", "id": "rep-cs-8", "security_id": "CS-8",
                  "date": "2023-02-01", "quantity": "1000", "price": {"amount": "0.50", "currency": USD},
                  "balance_security_id": "CS-9"}
    folder = package(tmp_path, reissue, stock("CS-8", "sh-ana-ruiz", "common", "8000000", "2023-01-10"), repurchase,
                     stock("CS-9", "sh-ana-ruiz", "common", "7999000", "2023-02-01"))
    db, report = imported(tmp_path, folder)
    assert report["mapped"]["TX_STOCK_REISSUANCE"] == ["reiss-cs-1"]
    assert holders(state(db), "common")["Ana Ruiz"] == "7999000"
    assert "ocf:reiss-cs-1" in log_ids(db)  # kept in the history as written


def test_a_consolidation_joins_one_holders_certificates(tmp_path: Path) -> None:
    join = {"object_type": "TX_STOCK_CONSOLIDATION", "id": "cons-ana", "security_ids": ["CS-1", "CS-10"],
            "date": "2023-03-01", "resulting_security_id": "CS-11"}
    folder = package(tmp_path, stock("CS-10", "sh-ana-ruiz", "common", "100", "2023-02-01"), join,
                     stock("CS-11", "sh-ana-ruiz", "common", "8000100", "2023-03-01"))
    db, report = imported(tmp_path, folder)
    assert report["mapped"]["TX_STOCK_CONSOLIDATION"] == ["cons-ana"]
    assert holders(state(db), "common")["Ana Ruiz"] == "8000100"


def test_a_consolidation_of_two_holders_certificates_is_refused(tmp_path: Path) -> None:
    join = {"object_type": "TX_STOCK_CONSOLIDATION", "id": "cons-mixed", "security_ids": ["CS-1", "CS-4"],
            "date": "2023-03-01", "resulting_security_id": "CS-11"}
    folder = package(tmp_path, join, stock("CS-11", "sh-ana-ruiz", "common", "15000000", "2023-03-01"))
    assert refusal(tmp_path, folder)["event"] == "cons-mixed"


def test_an_acceptance_of_an_unknown_security_is_refused(tmp_path: Path) -> None:
    accept = {"object_type": "TX_STOCK_ACCEPTANCE", "id": "acc-cs-99", "security_id": "CS-99", "date": "2023-01-01"}
    error = refusal(tmp_path, package(tmp_path, accept))
    assert error["event"] == "acc-cs-99" and "'CS-99' is not issued" in error["message"]


# Warrants -------------------------------------------------------------------------------------------------

def warrant_to_lender(comments: list[str]) -> tuple[dict[str, Any], ...]:
    transfer = {"object_type": "TX_WARRANT_TRANSFER", "id": "xfer-w-1", "security_id": "W-1", "date": "2023-07-01",
                "quantity": "30000", "resulting_security_ids": ["W-3"], "comments": comments}
    issued = {"object_type": "TX_WARRANT_ISSUANCE", "id": "iss-w-3", "security_id": "W-3", "custom_id": "W-3",
              "date": "2023-07-01", "stakeholder_id": "sh-bay-credit", "quantity": "30000",
              "exercise_price": {"amount": "4.00", "currency": USD}, "purchase_price": {"amount": "0", "currency": USD},
              "warrant_expiration_date": "2031-06-15", "exercise_triggers": [], "security_law_exemptions": []}
    return transfer, issued


@pytest.mark.parametrize("comment, basis", [
    ("Sold under Rule 144; the transferee agreed in writing to the warrant's terms", "rule_144"),
    ("Sold under an effective registration statement. The transferee agrees to be bound", "registration"),
    ("Transferred on an opinion of counsel; the transferee agreed to the terms", "opinion_of_counsel")])
def test_a_warrant_transfer_moves_the_whole_warrant_with_the_basis_its_comments_give(tmp_path: Path, comment: str,
                                                                                    basis: str) -> None:
    folder = package(tmp_path, *warrant_to_lender([comment]), stakeholders=(LENDER,))
    db, report = imported(tmp_path, folder)
    events = json.loads(runner.invoke(app, ["--db", db, "log", "--json"]).stdout)["events"]
    assert next(e for e in events if e["id"] == "ocf:xfer-w-1")["event"]["basis"] == basis
    assert report["mapped"]["TX_WARRANT_TRANSFER"] == ["xfer-w-1"]
    [warrant] = state(db)["warrants"]
    assert (warrant["warrant"], warrant["holder"]["name"], warrant["shares_purchasable"]) == (
        "W-1", "Bay Credit Partners, L.P.", "30000")


@pytest.mark.parametrize("comment", ["Sold to Bay Credit",
                                     "Sold to the registered holder's affiliate; the transferee agreed to the terms"])
def test_a_warrant_transfer_without_a_basis_is_refused_under_section_2(tmp_path: Path, comment: str) -> None:
    folder = package(tmp_path, *warrant_to_lender([comment]), stakeholders=(LENDER,))
    error = refusal(tmp_path, folder)
    assert error["event"] == "xfer-w-1" and error["message"].startswith("§2: a warrant transfer needs its basis")


def test_a_warrant_retraction_cancels_every_unit_left(tmp_path: Path) -> None:
    retraction = {"object_type": "TX_WARRANT_RETRACTION", "id": "ret-w-1", "security_id": "W-1",
                  "date": "2023-08-01", "reason_text": "Loan facility terminated"}
    db, _ = imported(tmp_path, package(tmp_path, retraction))
    [warrant] = state(db)["warrants"]
    assert (warrant["status"], warrant["shares_purchasable"]) == ("cancelled", "0")
    reserved = {c["class"]: c["reserved"] for c in state(db)["classes"]}
    assert reserved["series-a"] == "0"


# Equity compensation --------------------------------------------------------------------------------------

def grant(security: str, holder: str, quantity: str, on: str, kind: str = "OPTION_NSO",
          price: str | None = "0.20") -> dict[str, Any]:
    body = {"object_type": "TX_EQUITY_COMPENSATION_ISSUANCE", "id": f"grant-{security}", "security_id": security,
            "custom_id": security, "date": on, "stakeholder_id": holder, "stock_plan_id": "plan-2020",
            "compensation_type": kind, "quantity": quantity, "expiration_date": "2033-01-01",
            "termination_exercise_windows": [], "security_law_exemptions": []}
    if price is not None:
        body["exercise_price"] = {"amount": price, "currency": USD}
    return body


def options(body: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {o["grant"]: (o["holder"], o["shares"]) for o in body.get("options", [])}


def test_an_option_cancellation_with_a_balance_leaves_the_rest_on_the_same_grant(tmp_path: Path) -> None:
    cancel = {"object_type": "TX_EQUITY_COMPENSATION_CANCELLATION", "id": "can-eq-1", "security_id": "EQ-1",
              "date": "2023-10-01", "quantity": "150000", "balance_security_id": "EQ-2",
              "reason_text": "Unvested options forfeited on termination"}
    folder = package(tmp_path, cancel, grant("EQ-2", "sh-dev-patel", "50000", "2023-10-01", price="0.20"))
    db, report = imported(tmp_path, folder)
    assert report["mapped"]["TX_EQUITY_COMPENSATION_CANCELLATION"] == ["can-eq-1"]
    assert options(state(db)) == {"ocf:grant-eq-1": ("Dev Patel", "50000")}
    assert options(state(db, "2023-09-30")) == {"ocf:grant-eq-1": ("Dev Patel", "200000")}


def test_an_option_cancellation_beyond_the_grant_is_refused_by_its_id(tmp_path: Path) -> None:
    cancel = {"object_type": "TX_EQUITY_COMPENSATION_CANCELLATION", "id": "can-eq-1", "security_id": "EQ-1",
              "date": "2023-10-01", "quantity": "200001", "reason_text": "Forfeited"}
    error = refusal(tmp_path, package(tmp_path, cancel))
    assert error["event"] == "can-eq-1" and "beyond the holding: security 'EQ-1' holds 200000" in error["message"]


def test_an_option_retraction_cancels_the_whole_grant(tmp_path: Path) -> None:
    retraction = {"object_type": "TX_EQUITY_COMPENSATION_RETRACTION", "id": "ret-eq-1", "security_id": "EQ-1",
                  "date": "2023-10-01", "reason_text": "Granted in error"}
    db, _ = imported(tmp_path, package(tmp_path, retraction))
    assert "options" not in state(db)


def test_an_option_transfer_gives_a_new_grant_to_the_transferee(tmp_path: Path) -> None:
    transfer = {"object_type": "TX_EQUITY_COMPENSATION_TRANSFER", "id": "xfer-eq-1", "security_id": "EQ-1",
                "date": "2023-10-01", "quantity": "60000", "resulting_security_ids": ["EQ-3"],
                "balance_security_id": "EQ-4"}
    trust = {"object_type": "STAKEHOLDER", "id": "sh-patel-trust", "name": {"legal_name": "Patel Family Trust"},
             "stakeholder_type": "INSTITUTION"}
    exercise = {"object_type": "TX_EQUITY_COMPENSATION_EXERCISE", "id": "ex-eq-3", "security_id": "EQ-3",
                "date": "2023-11-01", "quantity": "10000", "resulting_security_ids": ["CS-12"]}
    folder = package(tmp_path, transfer, grant("EQ-3", "sh-patel-trust", "60000", "2023-10-01"),
                     grant("EQ-4", "sh-dev-patel", "140000", "2023-10-01"), exercise,
                     stock("CS-12", "sh-patel-trust", "common", "10000", "2023-11-01", "0.20"),
                     stakeholders=(trust,))
    db, report = imported(tmp_path, folder)
    assert report["mapped"]["TX_EQUITY_COMPENSATION_TRANSFER"] == ["xfer-eq-1"]
    body = state(db)
    assert options(body) == {"ocf:grant-eq-1": ("Dev Patel", "140000"), "ocf:xfer-eq-1": ("Patel Family Trust",
                                                                                            "50000")}
    assert holders(body, "common")["Patel Family Trust"] == "10000"
    [warrant] = body["warrants"]
    assert warrant["adjustments"] == []  # the shares an option issues were read by §4.4 at its grant


@pytest.mark.parametrize("placeholder", ["", "0"])
def test_an_rsu_release_without_a_quantity_issues_the_shares_it_results_in(tmp_path: Path, placeholder: str) -> None:
    """An exporter's placeholder for the release's omitted quantity: blank, or "0"."""
    rsu = grant("RSU-1", "sh-cora-lind", "30000", "2023-01-15", kind="RSU", price=None)
    release = {"object_type": "TX_EQUITY_COMPENSATION_RELEASE", "id": "rel-rsu-1", "security_id": "RSU-1",
               "date": "2023-07-15", "quantity": placeholder, "resulting_security_ids": ["CS-13"],
               "settlement_date": "2023-07-15"}
    folder = package(tmp_path, rsu, release, stock("CS-13", "sh-cora-lind", "common", "7500", "2023-07-15", "0"))
    db, report = imported(tmp_path, folder)
    assert report["mapped"]["TX_EQUITY_COMPENSATION_RELEASE"] == ["rel-rsu-1"]
    named = "blank quantity" if not placeholder else 'quantity "0"'
    assert report["warnings"] == [f"Transactions.ocf.json: TX_EQUITY_COMPENSATION_RELEASE rel-rsu-1: {named} read as "
                                  "omitted"]
    body = state(db)
    assert holders(body, "common")["Cora Lind"] == "757500"
    assert options(body)["ocf:grant-RSU-1"] == ("Cora Lind", "22500")


def test_restricted_stock_under_the_plan_is_a_grant_exercised_at_once_and_draws_on_no_other_grant(
        tmp_path: Path) -> None:
    """§4.4 deems it outstanding (option_plan), as the plan's options are; Dev Patel's grant is untouched."""
    rsa = stock("CS-14", "sh-cora-lind", "common", "20000", "2023-10-02", "0.0001", stock_plan_id="plan-2020")
    db, report = imported(tmp_path, package(tmp_path, rsa))
    body = state(db)
    assert holders(body, "common")["Cora Lind"] == "770000"
    assert options(body) == {"ocf:grant-eq-1": ("Dev Patel", "200000")}
    assert body["warrants"][0]["adjustments"] == []
    assert {"ocf:iss-CS-14#grant", "ocf:iss-CS-14"} <= set(log_ids(db))


def test_an_option_without_an_exercise_price_is_refused(tmp_path: Path) -> None:
    error = refusal(tmp_path, package(tmp_path, grant("EQ-9", "sh-cora-lind", "1000", "2023-01-15", price=None)))
    assert error["event"] == "grant-EQ-9" and "exercise_price" in error["message"]


@pytest.mark.parametrize("kind", ["TX_STOCK_PLAN_POOL_ADJUSTMENT", "TX_ISSUER_AUTHORIZED_SHARES_ADJUSTMENT"])
def test_a_pool_or_issuer_adjustment_is_kept_with_what_the_engine_does_with_it(tmp_path: Path, kind: str) -> None:
    body = {"object_type": kind, "id": "adj-1", "date": "2022-01-10", "board_approval_date": "2022-01-05"}
    body.update({"stock_plan_id": "plan-2020", "shares_reserved": "2000000"} if "POOL" in kind
                else {"issuer_id": "ridgeline", "new_shares_authorized": "40000000"})
    db, report = imported(tmp_path, package(tmp_path, body))
    [kept] = [k for k in report["kept"] if k["id"] == "adj-1"]
    assert kept["object_type"] == kind and "not" in kept["handling"]


@pytest.mark.parametrize("change, named", [
    ({"compensation_type": "PHANTOM"}, "compensation_type 'PHANTOM'"),
    ({"termination_exercise_windows": [{"reason": "QUIT", "period": 90, "period_type": "DAYS"}]}, "reason 'QUIT'"),
    ({"termination_exercise_windows": [{"reason": "VOLUNTARY_OTHER", "period": "90", "period_type": "DAYS"}]},
     "period '90'"),
    ({"termination_exercise_windows": [{"reason": "VOLUNTARY_OTHER", "period": 90, "period_type": "WEEKS"}]},
     "period_type 'WEEKS'"),
    ({"expiration_date": "2033-02-30"}, "date '2033-02-30'"),
])
def test_a_grant_with_terms_the_engine_cannot_keep_is_refused_by_its_id(tmp_path: Path, change: dict[str, Any],
                                                                        named: str) -> None:
    error = refusal(tmp_path, package(tmp_path, {**grant("EQ-9", "sh-cora-lind", "1000", "2023-01-15"), **change}))
    assert error["event"] == "grant-EQ-9" and named in error["message"]
