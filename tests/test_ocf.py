"""OCF import: a hand-written package of a realistic company gives the cap table its README works out;
the same package again stores nothing; an inconsistent package is refused by object id, storing nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from captable import errors
from captable.cli import app
from captable.ledger import Ledger
from captable.ocf import load, read_package, translate
from captable.ocf.package import Item, Package
from captable.ocf.importing import import_package
from tests.test_scenarios import subset

RIDGELINE = Path(__file__).resolve().parents[1] / "fixtures" / "ocf" / "ridgeline_robotics"
runner = CliRunner()


def expected() -> dict[str, Any]:
    return json.loads((RIDGELINE / "expected_state.json").read_text(encoding="utf-8"))


def state(db: str, as_of: str) -> dict[str, Any]:
    result = runner.invoke(app, ["--db", db, "state", "--json", "--as-of", as_of])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def copy(tmp_path: Path) -> Path:
    target = tmp_path / "package"
    shutil.copytree(RIDGELINE, target)
    return target


def edit(folder: Path, change: Any) -> None:
    """Change the transactions file and keep the manifest's checksum true, so only the change is tested."""
    path = folder / "Transactions.ocf.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    change(body["items"])
    path.write_text(json.dumps(body, indent=1), encoding="utf-8")
    manifest = json.loads((folder / "Manifest.ocf.json").read_text(encoding="utf-8"))
    manifest["transactions_files"][0]["md5"] = hashlib.md5(path.read_bytes()).hexdigest()
    (folder / "Manifest.ocf.json").write_text(json.dumps(manifest), encoding="utf-8")


def by_id(items: list[dict[str, Any]], object_id: str) -> dict[str, Any]:
    return next(i for i in items if i["id"] == object_id)


def test_the_import_gives_the_cap_table_the_readme_works_out(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    result = runner.invoke(app, ["--db", db, "ocf", "import", str(RIDGELINE), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["company"], report["timezone"], report["stored"]) == ("ridgeline", "America/Los_Angeles", 21)
    assert {k: len(v) for k, v in report["mapped"].items()} == {
        "ISSUER": 1, "STAKEHOLDER": 7, "STOCK_CLASS": 3, "TX_STOCK_ISSUANCE": 9, "TX_STOCK_TRANSFER": 1,
        "TX_STOCK_REPURCHASE": 1, "TX_STOCK_CLASS_SPLIT": 1, "TX_STOCK_CLASS_CONVERSION_RATIO_ADJUSTMENT": 2,
        "TX_STOCK_CLASS_AUTHORIZED_SHARES_ADJUSTMENT": 1, "TX_WARRANT_ISSUANCE": 1, "TX_WARRANT_EXERCISE": 1,
        "TX_STOCK_ACCEPTANCE": 1, "TX_EQUITY_COMPENSATION_ISSUANCE": 1, "TX_EQUITY_COMPENSATION_EXERCISE": 1}
    assert sorted(k["id"] for k in report["kept"]) == ["409a-2021", "plan-2020"]
    assert report["refused"] == [] and report["warnings"] == []
    want = expected()
    got = state(db, want["as_of"])
    assert subset(got, {k: v for k, v in want.items() if k != "as_of"}) == {k: v for k, v in want.items()
                                                                              if k != "as_of"}


def test_each_event_names_its_ocf_file_and_object_and_the_exercise_pays_units_times_price(tmp_path: Path) -> None:
    _, out = load(RIDGELINE)
    assert all(e.fact.source and e.fact.source.startswith("OCF ") for e in out.events)
    exercise = next(e.fact for e in out.events if e.fact.type_name == "WarrantExercised")
    assert (exercise.id, exercise.source) == ("ocf:ex-w-1", "OCF Transactions.ocf.json: TX_WARRANT_EXERCISE ex-w-1")
    assert exercise.payment == 80000 and exercise.shares == 20000


def test_what_the_engine_does_not_model_is_kept_as_a_fact_with_the_object_as_written(tmp_path: Path) -> None:
    _, out = load(RIDGELINE)
    kept = {e.fact.record_id: e.fact for e in out.events if e.fact.type_name == "RecordKept"}
    assert sorted(kept) == ["409a-2021", "acc-cs-1", "plan-2020"]
    acceptance = kept["acc-cs-1"]
    assert (acceptance.id, acceptance.system, acceptance.record_type, str(acceptance.effective)) == (
        "ocf:acc-cs-1", "OCF 1.2.0", "TX_STOCK_ACCEPTANCE", "2019-03-05")
    written = json.loads((RIDGELINE / "Transactions.ocf.json").read_text(encoding="utf-8"))
    assert json.loads(acceptance.original) == by_id(written["items"], "acc-cs-1")
    assert str(kept["plan-2020"].effective) == "2020-02-10"  # a plan has no date: its board approval's


def test_an_option_exercise_draws_on_the_plan_grant_and_does_not_adjust_the_warrant(tmp_path: Path) -> None:
    _, out = load(RIDGELINE)
    grant = next(e.fact for e in out.events if e.fact.id == "ocf:grant-eq-1")
    assert (grant.type_name, grant.holder, grant.shares, grant.exercise_price, grant.category) == (
        "OptionsIssued", "Dev Patel", 120000, Fraction(2, 5), "option_plan")
    exercise = next(e.fact for e in out.events if e.fact.id == "ocf:ex-eq-1")
    assert (exercise.type_name, exercise.grant, exercise.shares) == ("OptionsExercised", "ocf:grant-eq-1", 40000)
    assert not any(e.fact.id == "ocf:iss-cs-6" for e in out.events)  # the exercise's own shares
    folder = copy(tmp_path)
    edit(folder, lambda items: items.remove(by_id(items, "ex-eq-1")))  # the same shares, as a plain issuance
    db = str(tmp_path / "r.db")
    assert runner.invoke(app, ["--db", db, "ocf", "import", str(folder)]).exit_code == 0
    [warrant] = state(db, "2023-12-31")["warrants"]
    # A counts the plan's 240,000 split-adjusted options as deemed outstanding: (20,630,000 × 4 + 8,000) / 20,670,000.
    assert (warrant["stock_purchase_price"], warrant["adjustments"][0]["section"]) == ("41264/10335", "§4.4")


def test_before_the_split_the_founders_hold_what_they_were_issued(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    assert runner.invoke(app, ["--db", db, "ocf", "import", str(RIDGELINE)]).exit_code == 0
    common = next(c for c in state(db, "2022-02-28")["classes"] if c["class"] == "common")
    assert common["holders"] == [{"holder": "Ana Ruiz", "shares": "4000000"},
                                 {"holder": "Ben Okafor", "shares": "3500000"},
                                 {"holder": "Cora Lind", "shares": "500000"}]


def test_importing_the_same_package_again_stores_nothing(ledger: Ledger) -> None:
    first = import_package(ledger, RIDGELINE)
    again = import_package(ledger, RIDGELINE)
    assert (first["stored"], first["already_stored"]) == (21, 0)
    assert (again["stored"], again["already_stored"]) == (0, 21)


@pytest.mark.parametrize("form", ["folder", "manifest", "zip"])
def test_a_package_is_read_from_its_folder_its_manifest_or_a_zip(tmp_path: Path, form: str) -> None:
    path = {"folder": RIDGELINE, "manifest": RIDGELINE / "Manifest.ocf.json"}.get(form)
    if path is None:
        path = tmp_path / "ridgeline.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for file in RIDGELINE.glob("*.json"):
                archive.write(file, f"ridgeline/{file.name}")
    _, out = load(path)
    assert len(out.events) == 21 and not out.refused


def test_a_checksum_that_does_not_match_is_a_warning_not_a_refusal(tmp_path: Path) -> None:
    folder = copy(tmp_path)
    manifest = json.loads((folder / "Manifest.ocf.json").read_text(encoding="utf-8"))
    manifest["valuations_files"][0]["md5"] = "0" * 32
    (folder / "Manifest.ocf.json").write_text(json.dumps(manifest), encoding="utf-8")
    package, out = load(folder)
    assert package.warnings == [f"Valuations.ocf.json: its md5 is not the manifest's {'0' * 32}; read anyway"]
    assert not out.refused


def refused(tmp_path: Path, change: Any) -> tuple[dict[str, Any], Path]:
    folder = copy(tmp_path)
    edit(folder, change)
    db = tmp_path / "r.db"
    result = runner.invoke(app, ["--db", str(db), "ocf", "import", str(folder), "--json"])
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout), db


def test_a_transfer_of_an_unknown_security_is_refused_by_its_id_and_nothing_is_stored(tmp_path: Path) -> None:
    body, db = refused(tmp_path, lambda items: by_id(items, "xfer-cs-2").update(security_id="CS-99"))
    assert body["error"]["code"] == "ocf_package_refused"
    assert (body["error"]["event"], body["error"]["field"]) == ("xfer-cs-2", "TX_STOCK_TRANSFER")
    assert "'CS-99' is not issued" in body["error"]["message"]
    assert not db.exists()


def test_a_quantity_beyond_the_holding_is_refused_by_its_id_and_nothing_is_stored(tmp_path: Path) -> None:
    body, db = refused(tmp_path, lambda items: by_id(items, "rep-cs-3").update(quantity="1000001"))
    assert body["error"]["event"] == "rep-cs-3"
    assert "beyond the holding: security 'CS-3' holds 1000000" in body["error"]["message"]
    assert not db.exists()


def test_every_refused_object_is_reported_together(tmp_path: Path) -> None:
    def two(items: list[dict[str, Any]]) -> None:
        by_id(items, "xfer-cs-2").update(security_id="CS-99")
        items.append({"object_type": "TX_STOCK_RETRACTION", "id": "ret-ps-1", "security_id": "PS-9",
                      "date": "2020-03-01", "reason_text": "Issued in error"})
    body, _ = refused(tmp_path, two)
    # In date order; the repurchase of CS-3 falls with the refused transfer that would have created it.
    assert [e["event"] for e in body["errors"]] == ["ret-ps-1", "xfer-cs-2", "rep-cs-3"]


def test_a_refusal_by_the_engine_names_the_ocf_object_and_stores_nothing(ledger: Ledger, tmp_path: Path) -> None:
    """The package's own holdings are consistent, but the charter's authorized shares are not: §3's
    bound on an issuance beyond the class's authorized shares is the engine's to check."""
    folder = copy(tmp_path)
    edit(folder, lambda items: by_id(items, "auth-common-2021").update(new_shares_authorized="100"))
    with pytest.raises(errors.OcfPackageRefused) as refusal:
        import_package(ledger, folder)
    assert refusal.value.event == "auth-common-2021"
    assert ledger.companies() == []


def cancel(quantity: str, balance: str | None) -> Any:
    def change(items: list[dict[str, Any]]) -> None:
        cancellation = {"object_type": "TX_WARRANT_CANCELLATION", "id": "can-w-1", "security_id": "W-1",
                        "date": "2023-08-01", "quantity": quantity,
                        "reason_text": "Loan repaid early: the lender surrenders warrant coverage"}
        if balance is not None:
            cancellation["balance_security_id"] = "W-2"
            issuance = {**by_id(items, "iss-w-1"), "id": "iss-w-2", "security_id": "W-2", "custom_id": "W-2",
                        "date": "2023-08-01", "quantity": balance}
            items.append(issuance)
        items.append(cancellation)
    return change


def test_a_partial_warrant_cancellation_releases_its_reservation_and_the_balance_stays_the_same_warrant(
        tmp_path: Path) -> None:
    folder = copy(tmp_path)
    edit(folder, cancel("10000", "20000"))
    db = str(tmp_path / "r.db")
    result = runner.invoke(app, ["--db", db, "ocf", "import", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["mapped"]["TX_WARRANT_CANCELLATION"] == ["can-w-1"]
    body = state(db, "2023-12-31")
    [warrant] = body["warrants"]
    assert (warrant["warrant"], warrant["status"], warrant["shares_purchasable"]) == ("W-1", "outstanding", "20000")
    reserved = {c["class"]: c["reserved"] for c in body["classes"]}
    assert (reserved["series-a"], reserved["common"]) == ("20000", "40000")


def test_a_warrant_cancelled_in_full_is_cancelled_and_reserves_nothing(tmp_path: Path) -> None:
    folder = copy(tmp_path)
    edit(folder, cancel("30000", None))
    db = str(tmp_path / "r.db")
    assert runner.invoke(app, ["--db", db, "ocf", "import", str(folder)]).exit_code == 0
    body = state(db, "2023-12-31")
    [warrant] = body["warrants"]
    assert (warrant["status"], warrant["shares_purchasable"], warrant["exercised"]) == ("cancelled", "0", "20000")
    assert {c["class"]: c["reserved"] for c in body["classes"]}["series-a"] == "0"
    assert state(db, "2023-07-31")["warrants"][0]["status"] == "outstanding"


def test_a_cancellation_beyond_the_warrant_is_refused_by_its_id(tmp_path: Path) -> None:
    body, db = refused(tmp_path, cancel("30001", None))
    assert body["error"]["event"] == "can-w-1" and "beyond the holding" in body["error"]["message"]
    assert not db.exists()


def test_the_report_for_a_person_names_what_was_mapped_and_kept(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", str(tmp_path / "r.db"), "ocf", "import", str(RIDGELINE)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == ("OCF 1.2.0 package ridgeline_robotics as company ridgeline (time zone America/Los_Angeles: "
                        "the issuer's address is in US-CA)")
    assert "  TX_STOCK_TRANSFER: 1" in lines
    assert ("  VALUATION 409a-2021 (Valuations.ocf.json): kept as a RecordKept fact: valuations are not modelled yet"
            in lines)
    assert lines[-1] == "Stored 21 of 21 events; 0 already stored."


def test_company_and_timezone_options_name_the_new_company_and_its_zone(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    result = runner.invoke(app, ["--db", db, "--company", "ridge", "ocf", "import", str(RIDGELINE),
                                 "--timezone", "America/New_York", "--json"])
    assert result.exit_code == 0, result.output
    assert (json.loads(result.stdout)["company"], json.loads(result.stdout)["timezone"]) == ("ridge",
                                                                                             "America/New_York")
    [warrant] = state(db, "2023-12-31")["warrants"]
    assert warrant["expires"] == "2031-06-15T23:59:59-04:00"


def test_an_unknown_timezone_refuses_the_issuer_and_creates_no_store(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    result = runner.invoke(app, ["--db", str(db), "ocf", "import", str(RIDGELINE), "--timezone", "Mars/Olympus",
                                 "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["field"], error["event"]) == ("ocf_package_refused", "ISSUER", "ridgeline")
    assert "IANA time zone" in error["message"] and not db.exists()


def test_a_path_that_holds_no_manifest_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["--db", str(tmp_path / "r.db"), "ocf", "import", str(tmp_path / "empty"), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["field"] == "manifest"


@pytest.mark.parametrize("name", ["ridgeline_robotics", "cobalt_health"])
def test_no_field_of_any_object_written_in_another_shape_ends_in_anything_but_a_refusal(name: str) -> None:
    """An exporter's bad value (null, a number, a word, an object or a list where OCF has another shape)
    refuses the object or the package, with a reason; it never ends in a traceback (Cobalt Health: over
    convertibles, grants and their exercises too)."""
    package = read_package(RIDGELINE.parent / name)
    for index, item in enumerate(package.items):
        for key in item.data:
            for value in (None, 7, "x", {}, ["x"]):
                changed = Item(item.file, item.index, {**item.data, key: value})
                trial = Package(package.name, package.manifest_file, package.manifest,
                                [*package.items[:index], changed, *package.items[index + 1:]])
                try:
                    translate(trial)
                except errors.Refused:
                    pass


def test_a_package_file_that_is_not_json_is_refused_by_its_name(tmp_path: Path) -> None:
    folder = copy(tmp_path)
    (folder / "Valuations.ocf.json").write_text("{\"file_type\": ", encoding="utf-8")
    result = runner.invoke(app, ["--db", str(tmp_path / "r.db"), "ocf", "import", str(folder), "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "malformed_json" and error["message"].startswith("Valuations.ocf.json: not valid JSON")
