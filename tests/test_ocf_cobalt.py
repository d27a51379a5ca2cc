"""A second hand-written OCF package (fixtures/ocf/cobalt_health): the import gives the cap table its README
works out, at the end and at its dated checkpoints, with its SAFEs shown while outstanding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from captable.cli import app
from tests.test_scenarios import subset

COBALT = Path(__file__).resolve().parents[1] / "fixtures" / "ocf" / "cobalt_health"
runner = CliRunner()


def imported(tmp_path: Path) -> tuple[str, dict[str, Any]]:
    db = str(tmp_path / "c.db")
    result = runner.invoke(app, ["--db", db, "ocf", "import", str(COBALT), "--json"])
    assert result.exit_code == 0, result.output
    return db, json.loads(result.stdout)


def state(db: str, as_of: str) -> dict[str, Any]:
    result = runner.invoke(app, ["--db", db, "state", "--json", "--as-of", as_of])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_import_gives_the_cap_table_the_readme_works_out(tmp_path: Path) -> None:
    db, report = imported(tmp_path)
    assert (report["company"], report["timezone"], report["stored"]) == ("cobalt", "America/Chicago", 26)
    want = json.loads((COBALT / "expected_state.json").read_text(encoding="utf-8"))
    as_of = want.pop("as_of")
    assert subset(state(db, as_of), want) == want


def test_the_report_lists_what_was_mapped_kept_and_reordered(tmp_path: Path) -> None:
    _, report = imported(tmp_path)
    assert {k: len(v) for k, v in report["mapped"].items()} == {
        "ISSUER": 1, "STAKEHOLDER": 10, "STOCK_CLASS": 3, "TX_STOCK_ISSUANCE": 10, "TX_STOCK_TRANSFER": 1,
        "TX_CONVERTIBLE_ISSUANCE": 2, "TX_CONVERTIBLE_CONVERSION": 1, "TX_EQUITY_COMPENSATION_ISSUANCE": 2,
        "TX_EQUITY_COMPENSATION_EXERCISE": 2, "TX_STOCK_CLASS_AUTHORIZED_SHARES_ADJUSTMENT": 1,
        "TX_STOCK_CLASS_SPLIT": 1, "TX_STOCK_CLASS_CONVERSION_RATIO_ADJUSTMENT": 2, "TX_WARRANT_ISSUANCE": 1,
        "TX_WARRANT_EXERCISE": 1}
    assert sorted((k["object_type"], k["id"]) for k in report["kept"]) == [
        ("STOCK_PLAN", "plan-2018"), ("TX_CONVERTIBLE_ISSUANCE", "iss-safe-1"), ("TX_CONVERTIBLE_ISSUANCE", "iss-safe-2"),
        ("TX_STOCK_PLAN_POOL_ADJUSTMENT", "pool-2022"), ("VALUATION", "409a-2022")]
    assert [(r["id"], r["applied_before"]) for r in report["reordered"]] == [
        ("iss-ps-1", "grant-eq-1"), ("conv-safe-1", "grant-eq-1"), ("iss-ps-2", "grant-eq-1")]
    assert report["refused"] == [] and report["warnings"] == []


def test_the_first_safe_is_outstanding_until_it_converts_into_series_seed(tmp_path: Path) -> None:
    db, _ = imported(tmp_path)
    before = state(db, "2019-05-31")
    [safe] = before["convertibles"]
    assert (safe["convertible"], safe["investment"], safe["valuation_cap"], safe["discount"]) == (
        "SAFE-1", "500000", "6000000", "1/5")
    assert [c["class"] for c in before["classes"]] == ["common"]
    assert next(c for c in before["classes"] if c["class"] == "common")["outstanding"] == "7000000"
    after = state(db, "2019-06-01")
    assert "convertibles" not in after
    seed = next(c for c in after["classes"] if c["class"] == "series-seed")
    assert {h["holder"]: h["shares"] for h in seed["holders"]}["Prairie Angels Fund I, LLC"] == "625000"


def test_before_the_split_the_options_and_the_warrant_are_as_granted(tmp_path: Path) -> None:
    db, _ = imported(tmp_path)
    body = state(db, "2021-12-31")
    common = next(c for c in body["classes"] if c["class"] == "common")
    assert common["outstanding"] == "7050000"
    assert {o["holder"]: o["shares"] for o in body["options"]} == {"Priya Nair": "200000", "Tom Becker": "100000"}
    [warrant] = body["warrants"]
    assert (warrant["shares_purchasable"], warrant["stock_purchase_price"], warrant["conversion_ratio"]) == (
        "100000", "5/2", "1")


def test_the_warrant_exercise_paid_units_times_price(tmp_path: Path) -> None:
    db, _ = imported(tmp_path)
    events = json.loads(runner.invoke(app, ["--db", db, "log", "--json"]).stdout)["events"]
    exercise = next(e for e in events if e["id"] == "ocf:ex-w-1")
    assert exercise["source"] == "OCF Transactions.ocf.json: TX_WARRANT_EXERCISE ex-w-1"
    assert (exercise["event"]["shares"], exercise["event"]["payment"]) == ("40000", "100000")


def test_importing_it_again_stores_nothing(tmp_path: Path) -> None:
    db, first = imported(tmp_path)
    again = json.loads(runner.invoke(app, ["--db", db, "ocf", "import", str(COBALT), "--json"]).stdout)
    assert (again["stored"], again["already_stored"]) == (0, first["stored"])
