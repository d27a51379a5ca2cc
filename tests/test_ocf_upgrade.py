"""OCF packages as real exporters write them: an older version upgraded on read, placeholders for omitted
fields read as omitted, transactions listed out of date order applied by date and reported."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from captable.cli import app
from captable.ocf import load, read_package
from captable.ocf.upgrade import plan_class_as_list, plan_security_as_equity_compensation
from tests.test_scenarios import subset

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ocf"
RIDGELINE, RIDGELINE_1_1 = FIXTURES / "ridgeline_robotics", FIXTURES / "ridgeline_robotics_1_1"
runner = CliRunner()


def rewrite(folder: Path, name: str, change: Any) -> None:
    """Change one file of the package and keep the manifest's checksum of it true."""
    path = folder / name
    body = json.loads(path.read_text(encoding="utf-8"))
    change(body)
    path.write_text(json.dumps(body, indent=1), encoding="utf-8")
    manifest_path = folder / "Manifest.ocf.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for key, listed in manifest.items():
        if key.endswith("_files"):
            for entry in listed:
                if entry["filepath"].endswith(name):
                    entry["md5"] = hashlib.md5(path.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


def copy(tmp_path: Path, source: Path = RIDGELINE) -> Path:
    target = tmp_path / "package"
    shutil.copytree(source, target)
    return target


def facts(path: Path) -> list[dict[str, Any]]:
    """The events a package becomes, without the kept originals (which hold each object as written)."""
    _, out = load(path)
    assert not out.refused, out.refused
    return [{k: v for k, v in e.fact.content().items() if k not in ("original", "system")} for e in out.events]


def test_an_ocf_1_1_package_gives_the_events_and_cap_table_of_its_1_2_twin(tmp_path: Path) -> None:
    assert facts(RIDGELINE_1_1) == facts(RIDGELINE)
    db = str(tmp_path / "r.db")
    result = runner.invoke(app, ["--db", db, "ocf", "import", str(RIDGELINE_1_1), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["ocf_version"], report["warnings"]) == ("1.1.0", [])
    assert report["upgraded"] == ["1.1.0 → 1.2.0: 1.1 → 1.2: a stock plan's one ``stock_class_id`` is the list "
                                  "``stock_class_ids``."]
    want = json.loads((RIDGELINE / "expected_state.json").read_text(encoding="utf-8"))
    want.pop("as_of")
    got = json.loads(runner.invoke(app, ["--db", db, "state", "--json", "--as-of", "2023-12-31"]).stdout)
    assert subset(got, want) == want


def test_a_kept_object_of_an_older_package_is_kept_as_that_package_wrote_it() -> None:
    _, out = load(RIDGELINE_1_1)
    plan = next(e.fact for e in out.events if e.fact.id == "ocf:plan-2020")
    assert (plan.system, json.loads(plan.original)["stock_class_id"]) == ("OCF 1.1.0", "common")


def test_an_ocf_1_0_package_is_read_through_both_steps(tmp_path: Path) -> None:
    folder = copy(tmp_path, RIDGELINE_1_1)
    manifest = json.loads((folder / "Manifest.ocf.json").read_text(encoding="utf-8"))
    manifest["ocf_version"] = "1.0.0"
    (folder / "Manifest.ocf.json").write_text(json.dumps(manifest), encoding="utf-8")
    package = read_package(folder)
    assert [step.split(":")[0] for step in package.upgraded] == ["1.0.0 → 1.1.0", "1.1.0 → 1.2.0"]
    assert facts(folder) == facts(RIDGELINE)


def test_each_upgrade_step_changes_only_what_its_version_changed() -> None:
    option = {"object_type": "TX_PLAN_SECURITY_EXERCISE", "id": "x", "quantity": "1"}
    assert plan_security_as_equity_compensation(option)["object_type"] == "TX_EQUITY_COMPENSATION_EXERCISE"
    stock = {"object_type": "TX_STOCK_ISSUANCE", "id": "y"}
    assert plan_security_as_equity_compensation(stock) is stock
    plan = {"object_type": "STOCK_PLAN", "id": "p", "stock_class_id": "common"}
    assert plan_class_as_list(plan) == {"object_type": "STOCK_PLAN", "id": "p", "stock_class_ids": ["common"]}
    assert plan_class_as_list({**plan, "stock_class_ids": ["a"]})["stock_class_ids"] == ["a"]


def test_an_unknown_version_is_read_as_1_2_with_a_warning(tmp_path: Path) -> None:
    folder = copy(tmp_path)
    manifest = json.loads((folder / "Manifest.ocf.json").read_text(encoding="utf-8"))
    manifest["ocf_version"] = "1.3.0"
    (folder / "Manifest.ocf.json").write_text(json.dumps(manifest), encoding="utf-8")
    package = read_package(folder)
    assert package.warnings == ["OCF version '1.3.0' is not one this import knows (1.0.0, 1.1.0, 1.2.0); "
                                "read as 1.2.0"]
    assert facts(folder) == facts(RIDGELINE)


# Placeholders ---------------------------------------------------------------------------------------------

def items_of(body: dict[str, Any], object_id: str) -> dict[str, Any]:
    return next(i for i in body["items"] if i["id"] == object_id)


def test_a_blank_optional_field_is_read_as_omitted_and_named_in_the_warnings(tmp_path: Path) -> None:
    """A class's blank board_approval_date: the class dates from the issuer's formation, as if omitted."""
    folder = copy(tmp_path)
    rewrite(folder, "StockClasses.ocf.json", lambda body: items_of(body, "common").update(board_approval_date=""))
    package, out = load(folder)
    assert "StockClasses.ocf.json: STOCK_CLASS common: blank board_approval_date read as omitted" in package.warnings
    created = next(e.fact for e in out.events if e.fact.id == "ocf:common")
    assert str(created.effective) == "2019-03-04" and not out.refused


def test_a_blank_reason_is_read_as_omitted_not_stored_as_a_reason(tmp_path: Path) -> None:
    folder = copy(tmp_path)
    rewrite(folder, "Transactions.ocf.json", lambda body: body["items"].append(
        {"object_type": "TX_WARRANT_RETRACTION", "id": "ret-w-1", "security_id": "W-1", "date": "2023-08-01",
         "reason_text": "  "}))
    _, out = load(folder)
    retraction = next(e.fact for e in out.events if e.fact.id == "ocf:ret-w-1")
    assert retraction.reason == "OCF warrant retraction"


def test_a_zero_warrant_quantity_is_read_as_omitted_and_the_trigger_gives_it(tmp_path: Path) -> None:
    """OCF 1.2 lets a warrant omit its quantity when its exercise trigger fixes it; "0" is that omission."""
    folder = copy(tmp_path)

    def zero(body: dict[str, Any]) -> None:
        warrant = items_of(body, "iss-w-1")
        warrant["quantity"] = "0"  # the trigger's FIXED_AMOUNT_CONVERSION says 50,000
    rewrite(folder, "Transactions.ocf.json", zero)
    package, out = load(folder)
    assert 'Transactions.ocf.json: TX_WARRANT_ISSUANCE iss-w-1: quantity "0" read as omitted' in package.warnings
    warrant = next(e.fact for e in out.events if e.fact.id == "ocf:iss-w-1")
    assert warrant.shares == 50000 and not out.refused


def test_a_zero_warrant_quantity_with_nothing_to_give_it_is_refused(tmp_path: Path) -> None:
    folder = copy(tmp_path)

    def zero(body: dict[str, Any]) -> None:
        warrant = items_of(body, "iss-w-1")
        warrant["quantity"] = "0"
        warrant["exercise_triggers"][0]["conversion_right"]["conversion_mechanism"] = {
            "type": "CUSTOM_CONVERSION", "custom_conversion_description": "As the loan agreement's schedule says"}
    rewrite(folder, "Transactions.ocf.json", zero)
    _, out = load(folder)
    assert [(p.id, p.text.split(":")[0]) for p in out.refused][0] == (
        "iss-w-1", "the warrant states no quantity (nor a FIXED_AMOUNT_CONVERSION)")


# Out of date order ----------------------------------------------------------------------------------------

def test_transactions_listed_out_of_date_order_apply_by_date_and_are_reported(tmp_path: Path) -> None:
    folder = copy(tmp_path)

    def late_listing(body: dict[str, Any]) -> None:
        repurchase = items_of(body, "rep-cs-3")
        body["items"].remove(repurchase)
        body["items"].append(repurchase)  # listed last, after the 2023 exercises
    rewrite(folder, "Transactions.ocf.json", late_listing)
    db = str(tmp_path / "r.db")
    result = runner.invoke(app, ["--db", db, "ocf", "import", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["reordered"] == [{"file": "Transactions.ocf.json", "object_type": "TX_STOCK_REPURCHASE",
                                    "id": "rep-cs-3", "date": "2022-09-30", "applied_before": "ex-eq-1",
                                    "its_date": "2023-09-01"}]
    want = json.loads((RIDGELINE / "expected_state.json").read_text(encoding="utf-8"))
    want.pop("as_of")
    got = json.loads(runner.invoke(app, ["--db", db, "state", "--json", "--as-of", "2023-12-31"]).stdout)
    assert subset(got, want) == want
    text = runner.invoke(app, ["--db", str(tmp_path / "t.db"), "ocf", "import", str(folder)]).stdout
    assert ("  TX_STOCK_REPURCHASE rep-cs-3 (Transactions.ocf.json, 2022-09-30) before ex-eq-1 "
            "(2023-09-01), which is listed first") in text.splitlines()


def test_a_package_in_date_order_reports_nothing_reordered(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", str(tmp_path / "r.db"), "ocf", "import", str(RIDGELINE), "--json"])
    assert json.loads(result.stdout)["reordered"] == []
