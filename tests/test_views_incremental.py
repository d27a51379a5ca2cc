"""Views built in proportion to the change: the same rows whether built at once or caught up in increments,
and the cap table's rows those of comparing every holder at every step (the algorithm they replace)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from benchmarks.synthetic import history as synthetic_history
from captable.instants import UTC, end_of
from captable.intake import Incoming, read_lines
from captable.ledger import History, Ledger
from projections.audit import steps_on, trail
from projections.fold import apply, initial_state
from projections import read_models
from projections.holding_changes import WatchedHoldings
from projections.obligations import Observer, obligations
from projections.read_models import TABLES, build
from projections.timeline import known_at
from tests.conftest import JUNIPER

SCENARIOS = JUNIPER.parent / "scenarios"
TODAY = date(2004, 1, 15)
END = datetime.max.replace(tzinfo=UTC)

# Transfers, cancellations, a holder's conversion, a §4.2(c) reclassification on its record date and a
# §4.2(a) stock dividend: the ways a holding changes that the fixtures do not all show.
RESHUFFLES = [
    {"type": "CompanyFormed", "id": "formed", "effective": "2001-01-02", "company": "reshuffle",
     "name": "Reshuffle, Inc.", "timezone": "America/New_York", "fiscal_year_end": "12-31",
     "address": "1 Main Street", "officers": {"cfo": "C. F. O."}},
    {"type": "ShareClassCreated", "id": "common", "effective": "2001-01-02", "class": "common", "name": "Common",
     "kind": "common", "authorized": 10_000_000},
    {"type": "ShareClassCreated", "id": "pref", "effective": "2001-01-02", "class": "pref", "name": "Preferred",
     "kind": "preferred", "authorized": 1_000_000, "converts_to": "common", "conversion_ratio": "2"},
    {"type": "ShareClassCreated", "id": "class-b", "effective": "2001-01-02", "class": "class_b", "name": "Class B",
     "kind": "common", "authorized": 10_000_000},
    {"type": "SharesIssued", "id": "i1", "effective": "2001-02-01", "class": "common", "holder": "Ann",
     "shares": 1000, "price_per_share": "1.00"},
    {"type": "SharesIssued", "id": "i2", "effective": "2001-02-02", "class": "pref", "holder": "Bo",
     "shares": 300, "price_per_share": "2.00"},
    {"type": "SharesIssued", "id": "i3", "effective": "2001-02-03", "class": "pref", "holder": "Cy",
     "shares": 200, "price_per_share": "2.00"},
    {"type": "SharesTransferred", "id": "t1", "effective": "2001-03-01", "class": "common", "from": "Ann",
     "to": "Dee", "shares": 400},
    {"type": "SharesTransferred", "id": "t2", "effective": "2001-03-02", "class": "common", "from": "Dee",
     "to": "Ann", "shares": 400},
    {"type": "SharesCancelled", "id": "c1", "effective": "2001-04-01", "class": "common", "holder": "Ann",
     "shares": 1000},
    {"type": "SharesConverted", "id": "v1", "effective": "2001-05-01", "class": "pref", "holder": "Bo",
     "shares": 100},
    {"type": "StockDividend", "id": "d1", "effective": "2001-06-01", "class": "common", "record_date": "2001-06-20",
     "paid_class": "common", "shares_per_share": "1/10"},
    {"type": "Reclassification", "id": "r1", "effective": "2001-07-01", "class": "pref", "record_date": "2001-07-20",
     "into": [{"class": "common", "quantity": "2"}, {"class": "class_b", "quantity": "1/2"}]},
    {"type": "SharesIssued", "id": "i4", "effective": "2001-08-01", "class": "common", "holder": "Eve",
     "shares": 5, "price_per_share": "3.00"},
]


@pytest.fixture
def store_of_juniper(tmp_path):
    ledger = Ledger(str(tmp_path / "store.db"))
    ledger.import_events(fixture("juniper"))
    yield ledger
    ledger.close()


def reference_cap_table(history: History) -> list[tuple[Any, ...]]:
    """The rows as views were first built: every class and holder compared at every step."""
    known = known_at(history.entries, END)
    state, held, rows = initial_state(known), {}, []
    for step, entry in enumerate(known, 1):
        apply(state, entry)
        for class_id in sorted(held.keys() | state.classes.keys()):
            share_class = state.classes.get(class_id)
            after = share_class.holdings if share_class else {}
            before = held.get(class_id, {})
            if after == before:
                continue
            for holder in sorted(before.keys() | after.keys()):
                old, new = before.get(holder, 0), after.get(holder, 0)
                if old != new:
                    rows.append((history.company, step, class_id, holder, entry.seq, entry.fact.id,
                                 entry.effective.astimezone(history.zone).isoformat(), str(new), new,
                                 f"{new - old:+d}", new - old))
            held[class_id] = dict(after)
    return rows


def rows(views: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in the order they were written."""
    with sqlite3.connect(views) as conn:
        return {name: conn.execute(f"SELECT * FROM [{name}] ORDER BY rowid").fetchall() for name in TABLES}


def lines(events: list[dict[str, Any]]) -> list[Incoming]:
    return list(read_lines(json.dumps(e) for e in events))


def fixture(name: str) -> list[Incoming]:
    if name == "reshuffles":
        return lines(RESHUFFLES)
    if name == "synthetic":
        return list(read_lines(synthetic_history(600, seed=3)))
    path = JUNIPER / "events.jsonl" if name == "juniper" else SCENARIOS / name / "events.jsonl"
    with path.open(encoding="utf-8") as text:
        return list(read_lines(text))


FIXTURES = ["juniper", "reshuffles", "synthetic", *sorted(p.name for p in SCENARIOS.iterdir() if p.is_dir())]


def increments(count: int, name: str) -> list[int]:
    """Where each build happens: after every event, or after uneven slices of a long history."""
    if name != "synthetic":
        return list(range(1, count + 1))
    return [1, 7, 8, 150, 151, 400, count]


@pytest.mark.parametrize("name", FIXTURES)
def test_a_fresh_build_holds_the_cap_table_of_comparing_every_holder(tmp_path, monkeypatch, name):
    monkeypatch.setattr(read_models, "_BATCH", 4)  # batches end mid-history, and mid-way through a date's steps
    ledger = Ledger(str(tmp_path / "store.db"))
    try:
        ledger.import_events(fixture(name))
        build(ledger, str(tmp_path / "views.db"), today=TODAY)
        expected = [row for company in ledger.companies() for row in reference_cap_table(ledger.history(company))]
    finally:
        ledger.close()
    assert rows(tmp_path / "views.db")["cap_table"] == expected
    assert expected  # every fixture holds shares


@pytest.mark.parametrize("name", FIXTURES)
def test_catching_up_in_increments_equals_a_fresh_build_at_each_one(tmp_path, monkeypatch, name):
    """The catch-up writes in batches of three steps, the fresh build in batches of the usual size."""
    events = fixture(name)
    ledger = Ledger(str(tmp_path / "store.db"))
    caught_up = tmp_path / "caught_up.db"
    modes = set()
    try:
        start = 0
        for end in increments(len(events), name):
            ledger.import_events(events[start:end])
            start = end
            with monkeypatch.context() as small:
                small.setattr(read_models, "_BATCH", 3)
                [report] = build(ledger, str(caught_up), today=TODAY)
            fresh = tmp_path / f"fresh-{end}.db"
            build(ledger, str(fresh), today=TODAY)
            modes.add(report.mode)
            assert rows(caught_up) == rows(fresh), (end, report)
    finally:
        ledger.close()
    assert "catch-up" in modes  # the increments did not all fall back on a rebuild


def test_a_catch_up_writes_only_the_rows_of_the_new_events(tmp_path):
    events = fixture("synthetic")
    ledger = Ledger(str(tmp_path / "store.db"))
    views = tmp_path / "views.db"
    try:
        ledger.import_events(events[:599])
        build(ledger, str(views), today=TODAY)
        before = rows(views)
        ledger.import_events(events[599:])
        [report] = build(ledger, str(views), today=TODAY)
    finally:
        ledger.close()
    after = rows(views)
    assert (report.mode, report.events_applied) == ("catch-up", 1)
    for table in ("events", "audit_steps", "warrant_terms", "cap_table"):
        assert after[table][:len(before[table])] == before[table], table  # the old rows stand, in place
    assert [r[1] for r in after["events"][len(before["events"]):]] == [600]
    assert {r[1] for r in after["cap_table"][len(before["cap_table"]):]} == {600}


@pytest.mark.parametrize("name", FIXTURES)
def test_the_obligations_of_the_trail_s_fold_are_those_of_a_fold_of_their_own(tmp_path, name):
    ledger = Ledger(str(tmp_path / "store.db"))
    try:
        ledger.import_events(fixture(name))
        history = ledger.history(ledger.companies()[0])
    finally:
        ledger.close()
    known = known_at(history.entries, END)
    for day in (TODAY, date(2031, 6, 30), known[-1].effective.astimezone(history.zone).date()):
        folded = Observer(known)
        for _ in read_models._step_rows(history.company, known, 0, folded):
            pass
        until = end_of(day, history.zone)
        if known[-1].effective <= until:
            assert folded.settle(until) == obligations(known, until)[1], day


@pytest.mark.parametrize("start", [0, 1, 6, 10])
def test_the_steps_on_from_part_way_are_those_of_the_whole_trail(store_of_juniper, start):
    known = known_at(store_of_juniper.history("juniper").entries, END)
    whole_state, whole = trail(known, END)
    observer = Observer(known)
    for entry in known[:start]:
        observer.step(entry)
    later = list(steps_on(observer, known, start, END))
    assert later == whole[start:] and [s["step"] for s in later] == list(range(start + 1, len(known) + 1))
    assert observer.state == whole_state


def test_the_watched_holdings_remember_what_each_holder_held_before_any_write():
    held = WatchedHoldings({"Ann": 5, "Bo": 3})
    held["Ann"] = 7
    held["Ann"] = 9
    held.pop("Bo")
    held.setdefault("Cy", 0)
    held.update({"Dee": 2})
    held.update(Ann=1)
    assert held.previous() == {"Ann": 5, "Bo": 3}
    assert held.settle() == [("Ann", 5, 1), ("Bo", 3, 0), ("Dee", 0, 2)]  # Cy's 0 is no holding
    assert held.previous() == held and held.settle() == []
    held.clear()
    assert held.previous() == {"Ann": 1, "Cy": 0, "Dee": 2}
    key, value = (held.update(Eve=4), held.popitem())[1]
    assert (key, value, held.settle()) == ("Eve", 4, [("Ann", 1, 0), ("Dee", 2, 0)])
