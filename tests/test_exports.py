"""The cap table and the warrant ledger for spreadsheets: ``state --csv`` and ``views export --xlsx``."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from captable import exports, queries, workbook
from captable.cli import app
from captable.intake import read_lines
from captable.ledger import Ledger
from tests.conftest import JUNIPER

SCENARIOS = sorted(p for p in (JUNIPER.parent / "scenarios").iterdir() if p.is_dir())
HALF_PLACE = Fraction(1, 2 * 10**exports.PLACES)


def captable(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def store(tmp_path: Path) -> str:
    db = str(tmp_path / "juniper.db")
    assert captable("--db", db, "import", str(JUNIPER / "events.jsonl")).exit_code == 0
    return db


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_state_csv_has_a_row_per_class_holding_and_warrant(store):
    result = captable("--db", store, "state", "--as-of", "1999-06-30", "--csv")
    assert result.exit_code == 0, result.output
    rows = csv_rows(result.stdout)
    assert [(r["row"], r["class"], r["holder"]) for r in rows] == [
        ("class", "common", ""), ("class", "series_c", ""),
        ("holding", "common", "Public (IPO underwriters)"),
        ("warrant", "common", "Venture Lending & Leasing II, Inc.")]
    assert {r["as_of"] for r in rows} == {"1999-06-30"}
    warrant = rows[-1]
    assert (warrant["warrant"], warrant["status"], warrant["expires"]) == (
        "VLL2-C-1", "outstanding", "2003-12-15T17:00:00-08:00")
    # §1(a): the automatic conversion at 3/2 — exact text, and a rounded decimal beside it to sort and sum by.
    assert (warrant["stock_purchase_price"], warrant["stock_purchase_price_decimal"]) == ("893/150", "5.9533333333")
    assert (warrant["shares"], warrant["shares_decimal"]) == ("61143/2", "30571.5")
    assert (warrant["aggregate_purchase_price"], warrant["aggregate_purchase_price_decimal"]) == (
        "18200233/100", "182002.33")  # 20,381 × $8.93
    series_c = rows[1]
    assert (series_c["conversion_ratio"], series_c["conversion_ratio_decimal"], series_c["authorized"]) == (
        "3/2", "1.5", "5200000")


def test_state_csv_after_expiry_says_zero_shares_as_state_does(store):
    rows = csv_rows(captable("--db", store, "state", "--as-of", "2004-01-01", "--csv").stdout)
    warrant = next(r for r in rows if r["row"] == "warrant")
    assert (warrant["status"], warrant["shares"], warrant["stock_purchase_price"]) == ("expired", "0", "893/900")


@pytest.mark.parametrize("folder", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_every_csv_decimal_is_its_exact_value_rounded_to_ten_places(tmp_path, folder):
    db = str(tmp_path / "store.db")
    assert captable("--db", db, "import", str(folder / "events.jsonl")).exit_code == 0
    for as_of in ("1999-06-30", "2010-12-31"):
        result = captable("--db", db, "state", "--as-of", as_of, "--csv")
        assert result.exit_code == 0, result.output
        for row in csv_rows(result.stdout):
            for column in (c for c in row if c.endswith("_decimal")):
                exact_text, decimal = row[column.removesuffix("_decimal")], row[column]
                assert (exact_text == "") == (decimal == ""), (column, row)
                if exact_text:
                    assert abs(Fraction(decimal) - Fraction(exact_text)) <= HALF_PLACE, (column, row)


def test_csv_and_json_together_is_a_usage_error(store):
    result = captable("--db", store, "state", "--csv", "--json")
    assert result.exit_code == 2
    assert "refused usage" in result.stderr and "--csv" in result.stderr


@pytest.mark.parametrize("value, text", [
    (Fraction(893, 900), "0.9922222222"), (Fraction(61143, 2), "30571.5"), (Fraction(12_000_000), "12000000"),
    (Fraction(-1, 8), "-0.125"), (Fraction(2, 3 * 10**10), "0.0000000001"), (Fraction(1, 3 * 10**10), "0"),
])
def test_rounded_decimals_have_no_separators_nor_trailing_zeros(value, text):
    assert exports.rounded(value) == text


def test_number_cells_are_made_from_the_fraction_without_a_float():
    assert exports.number(Fraction(183429)) == 183429
    price = exports.number(Fraction(893, 900))
    assert isinstance(price, Decimal) and str(price).startswith("0.99222222222222222")


@pytest.fixture
def spreadsheet(store, tmp_path) -> Path:
    target = tmp_path / "juniper.xlsx"
    result = captable("--db", store, "views", "export", "--xlsx", str(target), "--as-of", "2003-12-31", "--json")
    assert result.exit_code == 0, result.output
    assert '"Adjustments": 3' in result.stdout
    return target


def sheet_rows(book: openpyxl.Workbook, name: str) -> list[dict[str, object]]:
    header, *rows = book[name].iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_the_workbook_reads_back_with_its_sheets_and_readable_headers(spreadsheet):
    book = openpyxl.load_workbook(spreadsheet)
    assert book.sheetnames == ["About", "Classes", "Holders", "Warrants", "Adjustments", "Obligations"]
    for name in book.sheetnames[1:]:
        sheet = book[name]
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
        for cell in sheet[1]:
            assert cell.font.bold and isinstance(cell.value, str) and "_" not in cell.value
            width = sheet.column_dimensions[cell.column_letter].width
            assert width >= max(len(word) for word in cell.value.split()), (name, cell.value)
    about = dict(book["About"].iter_rows(values_only=True, max_row=5))
    assert about["Company"] == "Juniper Networks, Inc. (juniper)"
    assert about["As of"].startswith("2003-12-31") and "None" not in str(about["Known at"])


def test_the_warrant_ledger_has_numbers_beside_the_exact_values(spreadsheet):
    book = openpyxl.load_workbook(spreadsheet)
    [warrant] = sheet_rows(book, "Warrants")
    assert warrant["Stock Purchase Price (P), exact"] == "893/900"
    assert warrant["Stock Purchase Price (P)"] == pytest.approx(893 / 900, rel=1e-15)
    assert warrant["Shares purchasable (N)"] == 0 and warrant["Status"] == "expired"
    assert warrant["Expires (local time)"] == datetime(2003, 12, 15, 17, 0)
    price_cell = book["Warrants"]["H2"]
    assert price_cell.number_format == '"$"#,##0.00##' and price_cell.is_date is False
    adjustments = sheet_rows(book, "Adjustments")
    assert [(a["Section"], a["Effective (local time)"], a["P after, exact"], a["N after, exact"]) for a in adjustments] == [
        ("§1(a)", datetime(1999, 6, 30), "893/150", "61143/2"),
        ("§4.1", datetime(2000, 1, 18), "893/450", "183429/2"),
        ("§4.1", datetime(2000, 6, 16), "893/900", "183429")]
    assert adjustments[0]["N after"] == 30571.5 and "20381 × 3/2" in adjustments[0]["Calculation"]
    formats = {c.number_format for c in book["Adjustments"]["L"][1:]}
    assert formats == {"#,##0.0###", "#,##0"}  # a fraction of a unit shows its decimals; a whole count does not


def test_the_cap_table_and_the_obligations_are_numbers_and_dates(spreadsheet, store):
    book = openpyxl.load_workbook(spreadsheet)
    classes = {c["Class"]: c for c in sheet_rows(book, "Classes")}
    assert classes["common"]["Authorized"] == 71_000_000 and classes["series_c"]["Conversion ratio"] == 1.5
    assert book["Classes"]["D2"].number_format == "#,##0"
    [holder] = sheet_rows(book, "Holders")
    assert (holder["Holder"], holder["Shares"], holder["Of the class outstanding"]) == (
        "Public (IPO underwriters)", 12_000_000, 1)
    ledger = Ledger(store, read_only=True)
    try:
        owed = queries.notices(ledger, None, "2003-12-31", None)["obligations"]
    finally:
        ledger.close()
    rows = sheet_rows(book, "Obligations")
    assert [r["Obligation"] for r in rows] == [o["id"] for o in owed]
    for row, obligation in zip(rows, owed, strict=True):
        assert row["Status"] == obligation["status"]
        deadline = row["Deadline"]
        assert (deadline.date().isoformat() if deadline else None) == obligation["deadline"]
        assert book["Obligations"].cell(rows.index(row) + 2, 9).is_date or deadline is None


@pytest.mark.parametrize("folder", [p for p in SCENARIOS if p.name in (
    "stock_dividend_split_partial_exercises", "post_ipo_merger_stock_and_cash", "notice_merger_successor_assumption")],
    ids=lambda p: p.name)
def test_baskets_and_entitlements_are_written_in_words(tmp_path, folder):
    db, target = str(tmp_path / "store.db"), tmp_path / "out.xlsx"
    assert captable("--db", db, "import", str(folder / "events.jsonl")).exit_code == 0
    assert captable("--db", db, "views", "export", "--xlsx", str(target), "--as-of", "2010-12-31").exit_code == 0
    warrants = sheet_rows(openpyxl.load_workbook(target), "Warrants")
    ledger = Ledger(db, read_only=True)
    try:
        state = queries.state(ledger, None, "2010-12-31", None).to_json()
    finally:
        ledger.close()
    for row, warrant in zip(warrants, state["warrants"], strict=True):
        assert row["Each unit delivers"] == exports.basket_text(warrant["basket"])
        assert (row["Accrued entitlements (§4.2)"] or "") == exports.entitlements_text(warrant["entitlements"])
        assert not any(isinstance(v, str) and "None" in v for v in row.values())


def test_an_export_for_a_missing_store_creates_neither_store_nor_file(tmp_path):
    target = tmp_path / "out.xlsx"
    result = captable("--db", str(tmp_path / "none.db"), "views", "export", "--xlsx", str(target))
    assert result.exit_code == 1 and "store_not_found" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_export_into_a_missing_folder_is_refused_and_writes_nothing(store, tmp_path):
    result = captable("--db", store, "views", "export", "--xlsx", str(tmp_path / "no" / "such" / "out.xlsx"))
    assert result.exit_code == 1 and "file_error" in result.stderr


def test_a_failed_write_leaves_the_earlier_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "out.xlsx"
    table = exports.Table("T", "a table", (exports.Column("n", "N", "count"),), [{"n": "1"}])
    workbook.write(target, [table], [("Company", "x")])
    before = target.read_bytes()

    def broken(*_: object) -> bytes:
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(workbook, "workbook", broken)
    with pytest.raises(OSError):
        workbook.write(target, [table], [("Company", "y")])
    assert target.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_the_same_history_gives_the_same_sheets(store, tmp_path):
    """Nothing but the About sheet's making time depends on the clock."""
    ledger = Ledger(store, read_only=True)
    try:
        bodies = (queries.state(ledger, None, "2003-12-31", None).to_json(),
                  queries.audit(ledger, None, "2003-12-31", None),
                  queries.notices(ledger, None, "2003-12-31", None))
    finally:
        ledger.close()
    made = datetime(2004, 1, 15, 9, 0).astimezone()
    first = openpyxl.load_workbook(io.BytesIO(workbook.workbook(exports.tables(*bodies), exports.about(
        bodies[0], bodies[1], made))))
    again = openpyxl.load_workbook(io.BytesIO(workbook.workbook(exports.tables(*bodies), exports.about(
        bodies[0], bodies[1], made))))
    for name in first.sheetnames:
        assert list(first[name].iter_rows(values_only=True)) == list(again[name].iter_rows(values_only=True))
    assert date(2004, 1, 15).isoformat() in dict(first["About"].iter_rows(values_only=True, max_row=5))["Made"]


@pytest.fixture
def cobalt(tmp_path: Path) -> str:
    db = str(tmp_path / "cobalt.db")
    assert captable("--db", db, "ocf", "import", str(JUNIPER.parent / "ocf" / "cobalt_health")).exit_code == 0
    return db


def test_options_and_convertibles_have_csv_rows_and_sheets_only_when_outstanding(cobalt, store, tmp_path):
    rows = csv_rows(captable("--db", cobalt, "state", "--as-of", "2022-12-31", "--csv").stdout)
    options = [r for r in rows if r["row"] == "option"]
    assert [(r["grant"], r["holder"], r["shares"], r["category"]) for r in options] == [
        ("ocf:grant-eq-1", "Priya Nair", "300000", "option_plan"),
        ("ocf:grant-eq-2", "Tom Becker", "200000", "option_plan")]
    [safe] = [r for r in rows if r["row"] == "convertible"]
    assert (safe["convertible"], safe["investment"], safe["discount"], safe["discount_decimal"], safe["issued"]) == (
        "SAFE-2", "750000", "3/20", "0.15", "2022-10-03")
    plain = captable("--db", store, "state", "--as-of", "1999-06-30", "--csv").stdout
    assert "grant" not in plain.splitlines()[0]  # a history without them keeps its columns
    target = tmp_path / "cobalt.xlsx"
    result = captable("--db", cobalt, "views", "export", "--xlsx", str(target), "--as-of", "2022-12-31")
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["About", "Classes", "Holders", "Warrants", "Options", "Convertibles", "Adjustments",
                               "Obligations"]
    [convertible] = sheet_rows(book, "Convertibles")
    assert convertible["Investment"] == 750000 and str(convertible["Discount"]) == "0.15"
    assert convertible["Issued"] == datetime(2022, 10, 3)
    assert [r["Shares it acquires"] for r in sheet_rows(book, "Options")] == [300000, 200000]
