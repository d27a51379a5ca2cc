"""Read models in SQLite: the fold's answers as tables, caught up event by event, equal to a rebuild."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from captable import errors, queries
from captable.cli import app
from captable.intake import Incoming, read_lines
from captable.ledger import Ledger
from projections import read_models
from projections.read_models import TABLES, build
from tests.conftest import JUNIPER

SCENARIOS = JUNIPER.parent / "scenarios"
TODAY = date(2004, 1, 15)  # obligations are read on a fixed day, so the tests do not depend on the clock
NUMBERS = {
    "warrant_terms": ("stock_purchase_price", "shares_purchasable", "conversion_ratio"),
    "cap_table": ("shares", "change"),
}


def history(path: Path) -> list[Incoming]:
    with path.open(encoding="utf-8") as lines:
        return list(read_lines(lines))


def rows(views: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in primary-key order."""
    with sqlite3.connect(views) as conn:
        return {name: conn.execute(f"SELECT * FROM [{name}] ORDER BY {', '.join(f'[{c}]' for c in pk)}").fetchall()
                for name, (_, pk, _, _) in TABLES.items()}


def query(views: Path, sql: str, *params: Any) -> list[dict[str, Any]]:
    with sqlite3.connect(views) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Ledger]:
    ledger = Ledger(str(tmp_path / "store.db"))
    yield ledger
    ledger.close()


@pytest.fixture
def juniper(store: Ledger, tmp_path: Path) -> tuple[Ledger, Path]:
    store.import_events(history(JUNIPER / "events.jsonl"))
    views = tmp_path / "views.db"
    build(store, str(views), today=TODAY)
    return store, views


def test_the_tables_exist_with_their_keys_and_foreign_keys(juniper):
    _, views = juniper
    with sqlite3.connect(views) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert set(TABLES) <= tables
        for child in ("audit_steps", "warrant_terms", "cap_table", "build_state"):
            links = {}
            for fk in conn.execute(f"PRAGMA foreign_key_list([{child}])"):
                links.setdefault((fk[0], fk[2]), []).append((fk[3], fk[4]))
            assert [("company", "company"), ("position", "position")] in [
                v for (_, parent), v in links.items() if parent == "events"], child
        pk = [r[1] for r in sorted(conn.execute("PRAGMA table_info(events)"), key=lambda r: r[5]) if r[5]]
        assert pk == ["company", "position"]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.parametrize("table, columns", [
    ("warrant_terms", ["company", "warrant", "effective"]),
    ("cap_table", ["company", "class", "holder", "effective"]),
    ("obligations", ["company", "status", "deadline"]),
    ("events", ["company", "id"]),
])
def test_the_natural_lookups_have_an_index(juniper, table, columns):
    _, views = juniper
    with sqlite3.connect(views) as conn:
        indexed = [[c[2] for c in conn.execute(f"PRAGMA index_info([{i[1]}])")]
                   for i in conn.execute(f"PRAGMA index_list([{table}])")]
        plan = " ".join(r[3] for r in conn.execute(
            f"EXPLAIN QUERY PLAN SELECT * FROM [{table}] WHERE "
            + " AND ".join(f"[{c}] = ?" for c in columns), ["x"] * len(columns)))
    assert columns in indexed
    assert "USING INDEX" in plan or "USING COVERING INDEX" in plan


def test_exact_numbers_are_text_never_floats(juniper):
    _, views = juniper
    for table, columns in NUMBERS.items():
        declared = {r["name"]: r["type"] for r in query(views, f"PRAGMA table_info([{table}])")}
        for column in columns:
            assert declared[column] == "TEXT"
            kinds = {r["t"] for r in query(views, f"SELECT DISTINCT typeof([{column}]) AS t FROM [{table}]")}
            assert kinds <= {"text", "null"} and "text" in kinds, (table, column, kinds)
    prices = [r["stock_purchase_price"] for r in query(views, "SELECT * FROM warrant_terms ORDER BY step")]
    assert prices == ["893/100", "893/150", "893/450", "893/900"]  # §1(a) conversion, then §4.1 splits


def test_each_exact_number_has_a_decimal_beside_it_to_sort_and_sum(juniper):
    _, views = juniper
    for table, columns in NUMBERS.items():
        declared = [(r["name"], r["type"]) for r in query(views, f"PRAGMA table_info([{table}])")]
        names = [name for name, _ in declared]
        for column in columns:
            kind = dict(declared)[f"{column}_decimal"]
            assert names.index(f"{column}_decimal") == names.index(column) + 1  # read side by side
            assert kind == ("INTEGER" if table == "cap_table" else "REAL")
            for row in query(views, f"SELECT [{column}] AS text, [{column}_decimal] AS number FROM [{table}]"):
                if row["text"] is None:
                    assert row["number"] is None
                else:
                    value = Fraction(row["text"])
                    assert row["number"] == (int(value) if kind == "INTEGER" else float(value)), (table, row)
                    assert type(row["number"]) is (int if kind == "INTEGER" else float)


def test_prices_sort_as_numbers_by_their_decimal_and_not_as_text(juniper):
    _, views = juniper
    by_text = [r["p"] for r in query(views, "SELECT stock_purchase_price AS p FROM warrant_terms ORDER BY p")]
    by_number = [r["p"] for r in query(views, "SELECT stock_purchase_price AS p FROM warrant_terms "
                                              "ORDER BY stock_purchase_price_decimal")]
    assert by_number == ["893/900", "893/450", "893/150", "893/100"]  # lowest price first
    assert by_text != by_number  # "893/100" sorts first as text, though it is the highest price
    top = query(views, "SELECT shares_purchasable AS n FROM warrant_terms ORDER BY shares_purchasable_decimal DESC")
    assert top[0]["n"] == "183429"


def test_the_holdings_sum_to_what_state_says_is_outstanding(juniper):
    ledger, views = juniper
    latest = ("SELECT class, SUM(shares_decimal) AS total FROM cap_table c WHERE company = 'juniper' "
              "AND step = (SELECT MAX(step) FROM cap_table d WHERE d.company = c.company AND d.class = c.class "
              "AND d.holder = c.holder) GROUP BY class")
    totals = {r["class"]: r["total"] for r in query(views, latest)}
    classes = queries.state(ledger, None, "2003-12-31", None).to_json()["classes"]
    assert totals == {c["class"]: int(c["outstanding"]) for c in classes if c["class"] in totals}
    assert totals["common"] == 12_000_000
    assert query(views, "SELECT SUM(change_decimal) AS s FROM cap_table WHERE class = 'common'")[0]["s"] == 12_000_000


def test_the_events_table_says_who_recorded_each_event(juniper):
    ledger, views = juniper
    build(ledger, str(views), today=TODAY)
    assert {r["actor"] for r in query(views, "SELECT actor FROM events")} == {"test-suite"}


def test_a_views_file_of_the_older_schema_is_rebuilt_with_the_decimals(juniper):
    ledger, views = juniper
    with sqlite3.connect(views) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DROP TABLE cap_table")
        conn.execute("CREATE TABLE cap_table (company TEXT, step INTEGER, class TEXT, holder TEXT, position INTEGER, "
                     "event TEXT, effective TEXT, shares TEXT, change TEXT, PRIMARY KEY (company, step, class, holder))")
        conn.execute("PRAGMA user_version = 1")
    [report] = build(ledger, str(views), today=TODAY)
    assert report.mode == "rebuild"
    assert "shares_decimal" in {r["name"] for r in query(views, "PRAGMA table_info(cap_table)")}
    assert query(views, "PRAGMA user_version")[0]["user_version"] == read_models.SCHEMA_VERSION == 4


@pytest.mark.parametrize("as_of", ["1997-09-30", "1999-06-29", "1999-06-30", "2000-01-18", "2003-12-01"])
def test_the_latest_row_at_a_date_is_what_state_says_then(juniper, as_of):
    ledger, views = juniper
    state = queries.state(ledger, None, as_of, None).to_json()
    terms = query(views, "SELECT * FROM warrant_terms WHERE company = 'juniper' AND warrant = 'VLL2-C-1' "
                         "AND effective < ? ORDER BY step DESC LIMIT 1", f"{as_of}T24")[0]
    warrant = state["warrants"][0]
    assert (terms["stock_purchase_price"], terms["shares_purchasable"], terms["class"], terms["conversion_ratio"]) == (
        warrant["stock_purchase_price"], warrant["shares_purchasable"], warrant["security"]["class"],
        warrant["conversion_ratio"])
    held = query(views, "SELECT class, holder, shares FROM cap_table c WHERE company = 'juniper' AND effective < ? "
                        "AND step = (SELECT MAX(step) FROM cap_table d WHERE d.company = c.company "
                        "AND d.class = c.class AND d.holder = c.holder AND d.effective < ?) AND shares != '0'",
                 f"{as_of}T24", f"{as_of}T24")
    expected = {(c["class"], h["holder"], h["shares"]) for c in state["classes"] for h in c["holders"]}
    assert {(r["class"], r["holder"], r["shares"]) for r in held} == expected


def test_audit_steps_are_the_audit_trail(juniper):
    ledger, views = juniper
    trail = queries.audit(ledger, None, None, None)["steps"]
    steps = query(views, "SELECT * FROM audit_steps ORDER BY step")
    assert [json.loads(s["step_json"]) for s in steps] == trail
    assert [s["position"] for s in steps] == list(range(1, 11))  # Juniper's file is in effective order


def test_obligations_are_the_notices_of_the_day(juniper):
    ledger, views = juniper
    notices = queries.notices(ledger, None, TODAY.isoformat(), None)["obligations"]
    stored = query(views, "SELECT * FROM obligations")
    assert {o["id"] for o in stored} == {n["id"] for n in notices} and notices
    for row in stored:
        expected = next(n for n in notices if n["id"] == row["id"])
        for column in ("notices", "flags"):
            row[column] = json.loads(row[column])
        assert {k: row[k] for k in expected} == expected
    linked = query(views, "SELECT o.trigger, e.id, e.position FROM obligations o JOIN events e "
                          "ON e.company = o.company AND e.position = o.trigger_position")
    assert len(linked) == len(stored) and all(r["trigger"] == r["id"] for r in linked)
    assert {r["position"] for r in linked} == {4, 8, 9, 10}  # §18.7 from the issue; §4.5 conversion and splits


def test_a_second_build_with_nothing_new_is_up_to_date_and_changes_nothing(juniper):
    ledger, views = juniper
    before, counter = rows(views), views.read_bytes()[24:28]  # SQLite's file change counter
    [report] = build(ledger, str(views), today=TODAY)
    assert (report.mode, report.events_applied, report.position) == ("up to date", 0, 10)
    assert rows(views) == before
    assert views.read_bytes()[24:28] == counter


def test_another_day_refreshes_only_the_obligations(juniper):
    ledger, views = juniper
    before = rows(views)
    [report] = build(ledger, str(views), today=date(2000, 12, 1))
    after = rows(views)
    assert (report.mode, report.events_applied, report.obligations_as_of) == ("up to date", 0, "2000-12-01")
    assert {k: v for k, v in after.items() if k not in ("obligations", "build_state")} == {
        k: v for k, v in before.items() if k not in ("obligations", "build_state")}
    ids = [r["id"] for r in query(views, "SELECT id FROM obligations ORDER BY id")]
    assert ids == sorted(o["id"] for o in queries.notices(ledger, None, "2000-12-01", None)["obligations"])
    assert len(ids) < len(before["obligations"]) and "VLL2-C-1/18.7/annual/2001" not in ids


def _catch_up_then_rebuild(store: Ledger, tmp_path: Path, events: list[Incoming], split: int) -> str:
    store.import_events(events[:split])
    caught_up, fresh = tmp_path / "caught_up.db", tmp_path / "fresh.db"
    [first] = build(store, str(caught_up), today=TODAY)
    assert (first.mode, first.position) == ("rebuild", split)
    store.import_events(events[split:])
    [report] = build(store, str(caught_up), today=TODAY)
    build(store, str(fresh), rebuild=True, today=TODAY)
    assert report.position == len(events)
    assert rows(caught_up) == rows(fresh)
    return report.mode


@pytest.mark.parametrize("split", range(1, 10))
def test_catching_up_juniper_equals_a_rebuild(store, tmp_path, split):
    events = history(JUNIPER / "events.jsonl")
    assert _catch_up_then_rebuild(store, tmp_path, events, split) == "catch-up"


@pytest.mark.parametrize("folder", sorted(p.name for p in SCENARIOS.iterdir() if p.is_dir()))
def test_catching_up_a_scenario_halfway_equals_a_rebuild(store, tmp_path, folder):
    events = history(SCENARIOS / folder / "events.jsonl")
    assert _catch_up_then_rebuild(store, tmp_path, events, len(events) // 2) in ("catch-up", "rebuild")


def test_a_ratio_adjustment_naming_a_built_issuance_rebuilds(store, tmp_path):
    """§4.4(b): the exclusion is named by an event recorded after the sale it excludes."""
    events = history(SCENARIOS / "conversion_ratio_adjustment_excludes_issuance" / "events.jsonl")
    assert [e.fact.type_name for e in events[-2:]] == ["SharesIssued", "ConversionRatioAdjusted"]
    assert _catch_up_then_rebuild(store, tmp_path, events, len(events) - 1) == "rebuild"


def test_a_record_date_after_new_events_rebuilds(store, tmp_path):
    """The distribution's record-date step (§4.2) comes after a notice sent before it."""
    events = history(SCENARIOS / "notice_courier_exactly_twenty_days" / "events.jsonl")
    assert _catch_up_then_rebuild(store, tmp_path, events, len(events) - 1) == "rebuild"


def test_a_back_dated_event_rebuilds_the_company(juniper, tmp_path):
    ledger, views = juniper
    ledger.record({"type": "SharesIssued", "id": "angel", "effective": "1998-03-02", "class": "common",
                   "holder": "Angel", "shares": 1000, "price_per_share": "40.00"})
    [report] = build(ledger, str(views), today=TODAY)
    assert (report.mode, report.events_applied, report.position) == ("rebuild", 11, 11)
    assert "angel" in report.reason
    build(ledger, str(tmp_path / "fresh.db"), today=TODAY)
    assert rows(views) == rows(tmp_path / "fresh.db")
    angel = query(views, "SELECT step, shares FROM cap_table WHERE holder = 'Angel' ORDER BY step")
    assert angel == [{"step": 5, "shares": "1000"}, {"step": 10, "shares": "3000"}, {"step": 11, "shares": "6000"}]


def test_a_retraction_rebuilds_the_company(juniper, tmp_path):
    ledger, views = juniper
    ledger.record({"type": "EventRetracted", "id": "oops", "effective": "2001-01-01", "event": "split-2000-06",
                   "reason": "entered in error"})
    [report] = build(ledger, str(views), today=TODAY)
    assert report.mode == "rebuild" and "oops" in report.reason
    prices = [r["stock_purchase_price"] for r in query(views, "SELECT * FROM warrant_terms ORDER BY step")]
    assert prices[-1] == "893/450"  # the second split no longer counts
    assert len(query(views, "SELECT * FROM events")) == 11  # the store keeps both; the fold reads neither
    build(ledger, str(tmp_path / "fresh.db"), today=TODAY)
    assert rows(views) == rows(tmp_path / "fresh.db")


def test_a_failed_catch_up_leaves_the_last_build_whole(store, tmp_path, monkeypatch):
    events = history(JUNIPER / "events.jsonl")
    store.import_events(events[:6])
    views = tmp_path / "views.db"
    build(store, str(views), today=TODAY)
    before = rows(views)
    store.import_events(events[6:])
    insert = read_models._insert

    def crash_on_cap_table(db, table, new_rows):
        insert(db, table, new_rows)
        if table == "cap_table":
            raise OSError("disk full")
    monkeypatch.setattr(read_models, "_insert", crash_on_cap_table)
    with pytest.raises(OSError):
        build(store, str(views), today=TODAY)
    assert rows(views) == before
    monkeypatch.undo()
    [report] = build(store, str(views), today=TODAY)
    assert (report.mode, report.events_applied) == ("catch-up", 4)
    build(store, str(tmp_path / "fresh.db"), today=TODAY)
    assert rows(views) == rows(tmp_path / "fresh.db")


def test_every_company_of_the_store_and_no_other(store, tmp_path):
    store.import_events(history(JUNIPER / "events.jsonl"))
    store.import_events(history(SCENARIOS / "warrant_transfer_basis" / "events.jsonl"))
    views = tmp_path / "views.db"
    reports = build(store, str(views), today=TODAY)
    assert sorted(r.company for r in reports) == sorted(store.companies()) and len(reports) == 2
    assert {r["company"] for r in query(views, "SELECT DISTINCT company FROM events")} == set(store.companies())
    only_juniper = Ledger(str(tmp_path / "only_juniper.db"))
    try:
        only_juniper.import_events(history(JUNIPER / "events.jsonl"))
        [report] = build(only_juniper, str(views), today=TODAY)
    finally:
        only_juniper.close()
    assert report.company == "juniper"
    for table in TABLES:
        assert {r["company"] for r in query(views, f"SELECT DISTINCT company FROM [{table}]")} == {"juniper"}, table


def test_the_views_never_go_into_the_event_store(store, tmp_path):
    with pytest.raises(errors.ViewsOverStore):
        build(store, str(tmp_path / "store.db"))


def test_the_command_builds_then_reports_up_to_date(tmp_path):
    store, views = str(tmp_path / "store.db"), str(tmp_path / "views.db")
    runner = CliRunner()
    assert runner.invoke(app, ["--db", store, "import", str(JUNIPER / "events.jsonl")]).exit_code == 0
    first = runner.invoke(app, ["--db", store, "views", "build", "--out", views, "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["companies"][0]["mode"] == "rebuild"
    again = runner.invoke(app, ["--db", store, "views", "build", "--out", views])
    assert again.exit_code == 0 and "up to date" in again.stdout
    over = runner.invoke(app, ["--db", store, "views", "build", "--out", store])
    assert over.exit_code == 1 and "views_over_store" in over.stderr
