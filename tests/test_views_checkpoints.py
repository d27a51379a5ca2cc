"""Views caught up from the store's checkpoints: the same tables as a fresh build, whatever the checkpoints hold,
at the cost of the new events and one checkpoint's gap, and a rebuild (with its reason) where they cannot serve."""

from __future__ import annotations

import random
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from benchmarks.synthetic import history as synthetic_history
from captable.checkpoints import Checkpoints
from captable.intake import Incoming, read_lines
from captable.ledger import Ledger
from projections import read_models, snapshot, views_checkpoints
from projections.obligations import Observer
from projections.read_models import TABLES, build
from tests.conftest import JUNIPER

TODAY = date(2026, 11, 29)  # after the synthetic history's last event: obligations settle from the fold
EVERY = 40  # a checkpoint every 40 catalog rows: a 600-event history holds fifteen


def rows(views: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in the order they were written."""
    with sqlite3.connect(views) as conn:
        return {name: conn.execute(f"SELECT * FROM [{name}] ORDER BY rowid").fetchall() for name in TABLES}


def synthetic(count: int = 600) -> list[Incoming]:
    return list(read_lines(synthetic_history(count, seed=5)))


def juniper() -> list[Incoming]:
    with (JUNIPER / "events.jsonl").open(encoding="utf-8") as text:
        return list(read_lines(text))


def fresh(ledger: Ledger, tmp_path: Path, name: str = "fresh.db") -> dict[str, list[tuple[Any, ...]]]:
    out = tmp_path / name
    out.unlink(missing_ok=True)
    [report] = build(ledger, str(out), today=TODAY)
    assert report.mode == "rebuild"
    return rows(out)


@pytest.fixture
def every(monkeypatch):
    monkeypatch.setenv("CAPTABLE_CHECKPOINT_EVERY", str(EVERY))


@pytest.fixture
def no_whole_history(monkeypatch):
    """Reading a company's whole history (``Ledger.history``) fails the test while this is on."""
    def refuse(self, company):
        raise AssertionError("the views read the whole history")
    with monkeypatch.context() as patch:
        patch.setattr(Ledger, "history", refuse)
        yield


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_catch_up_after_random_new_events_equals_a_fresh_build(tmp_path, every, monkeypatch, seed):
    events = synthetic()
    cuts = sorted(random.Random(seed).sample(range(300, len(events)), 6)) + [len(events)]
    ledger = Ledger(str(tmp_path / "store.db"))
    views = tmp_path / "views.db"
    try:
        ledger.import_events(events[:300])
        build(ledger, str(views), today=TODAY)
        start = 300
        for end in cuts:
            ledger.import_events(events[start:end])
            with monkeypatch.context() as patch:
                patch.setattr(Ledger, "history", lambda self, company: pytest.fail("read the whole history"))
                [report] = build(ledger, str(views), today=TODAY)
            assert (report.mode, report.events_applied, report.position) == ("catch-up", end - start, end)
            start = end
            assert rows(views) == fresh(ledger, tmp_path), end
    finally:
        ledger.close()


def test_one_new_event_folds_at_most_a_checkpoint_s_gap(tmp_path, every, monkeypatch):
    """The cost of a catch-up is the new events and the rows between the checkpoint and the last built one."""
    events = synthetic()
    ledger = Ledger(str(tmp_path / "store.db"))
    views = tmp_path / "views.db"
    folded = []
    step = Observer.step
    try:
        ledger.import_events(events[:-1])
        build(ledger, str(views), today=TODAY)
        ledger.import_events(events[-1:])
        with monkeypatch.context() as patch:
            patch.setattr(Observer, "step", lambda self, entry: (folded.append(entry), step(self, entry))[1])
            [report] = build(ledger, str(views), today=TODAY)
        assert report.mode == "catch-up"
        assert 1 <= len(folded) <= EVERY + 1 and folded[-1].seq == len(events)
        assert rows(views) == fresh(ledger, tmp_path)
    finally:
        ledger.close()


def test_a_fresh_build_reads_the_events_a_batch_at_a_time(tmp_path, every, monkeypatch, no_whole_history):
    monkeypatch.setattr(read_models, "_BATCH", 7)
    ledger = Ledger(str(tmp_path / "store.db"))
    try:
        Ledger.import_events(ledger, synthetic(200))
        views = tmp_path / "views.db"
        [report] = build(ledger, str(views), today=TODAY)
        assert (report.mode, report.events_applied) == ("rebuild", 200)
        assert len(rows(views)["events"]) == 200 and len(rows(views)["audit_steps"]) == 200
    finally:
        ledger.close()


@pytest.mark.parametrize("lost", ["checkpoints", "derived tables"])
def test_without_the_store_s_checkpoints_a_catch_up_gives_the_same_tables(tmp_path, every, lost):
    events = synthetic()
    ledger = Ledger(str(tmp_path / "store.db"))
    views = tmp_path / "views.db"
    try:
        ledger.import_events(events[:500])
        build(ledger, str(views), today=TODAY)
        ledger.import_events(events[500:])
        with sqlite3.connect(tmp_path / "store.db") as conn:
            statements = (["DELETE FROM captable_checkpoints"] if lost == "checkpoints" else
                          ["DROP TABLE captable_checkpoints", "DROP TABLE captable_catalog",
                           "DROP TABLE captable_derived"])
            for statement in statements:
                conn.execute(statement)
        ledger.close()
        ledger = Ledger(str(tmp_path / "store.db"))  # a new process: the derived tables are opened afresh
        [report] = build(ledger, str(views), today=TODAY)
        assert (report.mode, report.events_applied) == ("catch-up", 100)
        assert rows(views) == fresh(ledger, tmp_path)
    finally:
        ledger.close()


def test_a_read_only_store_without_checkpoints_catches_up_from_the_whole_history(tmp_path):
    events = juniper()
    ledger = Ledger(str(tmp_path / "store.db"))
    views = tmp_path / "views.db"
    ledger.import_events(events[:6])
    build(ledger, str(views), today=TODAY)
    ledger.import_events(events[6:])
    ledger.close()
    with sqlite3.connect(tmp_path / "store.db") as conn:
        conn.execute("DROP TABLE captable_checkpoints")
    (tmp_path / "store.db").chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        reader = Ledger(str(tmp_path / "store.db"), read_only=True)
        out = tmp_path.parent / f"{tmp_path.name}-views.db"
        out.write_bytes(views.read_bytes())
        try:
            [report] = build(reader, str(out), today=TODAY)
            assert (report.mode, report.events_applied) == ("catch-up", 4)
            caught_up = rows(out)
            assert caught_up == fresh(reader, tmp_path.parent, f"{tmp_path.name}-fresh.db")
        finally:
            reader.close()
    finally:
        tmp_path.chmod(0o755)
        (tmp_path / "store.db").chmod(0o644)


def test_a_back_dated_event_rebuilds_and_says_so(tmp_path, every):
    ledger = Ledger(str(tmp_path / "store.db"))
    views = tmp_path / "views.db"
    try:
        ledger.import_events(juniper())
        build(ledger, str(views), today=TODAY)
        ledger.record({"type": "SharesIssued", "id": "angel", "effective": "1998-03-02", "class": "common",
                       "holder": "Angel", "shares": 1000, "price_per_share": "40.00"})
        [report] = build(ledger, str(views), today=TODAY)
        assert report.mode == "rebuild" and report.reason.startswith("angel is effective 1998-03-02")
        assert report.reason.endswith("before events already built")
        assert rows(views) == fresh(ledger, tmp_path)
    finally:
        ledger.close()


def test_a_retraction_rebuilds_and_says_so(tmp_path, every):
    ledger = Ledger(str(tmp_path / "store.db"))
    views = tmp_path / "views.db"
    try:
        ledger.import_events(juniper())
        build(ledger, str(views), today=TODAY)
        ledger.record({"type": "EventRetracted", "id": "oops", "effective": "2001-01-01",
                       "event": "split-2000-06", "reason": "entered in error"})
        [report] = build(ledger, str(views), today=TODAY)
        assert (report.mode, report.reason) == ("rebuild", "oops retracts split-2000-06, which earlier answers "
                                                           "counted")
        assert rows(views) == fresh(ledger, tmp_path)
        ledger.record({"type": "SharesIssued", "id": "late", "effective": "2003-06-02", "class": "common",
                       "holder": "Late", "shares": 10, "price_per_share": "40.00"})
        [again] = build(ledger, str(views), today=TODAY)  # the retraction, now built, does not block a catch-up
        assert again.mode == "catch-up"
        assert rows(views) == fresh(ledger, tmp_path)
    finally:
        ledger.close()


def test_a_ratio_adjustment_naming_a_built_issuance_rebuilds(tmp_path, every):
    """§4.4(b): the exclusion is named by an event recorded after the sale it excludes."""
    folder = JUNIPER.parent / "scenarios" / "conversion_ratio_adjustment_excludes_issuance"
    with (folder / "events.jsonl").open(encoding="utf-8") as text:
        events = list(read_lines(text))
    ledger = Ledger(str(tmp_path / "store.db"))
    views = tmp_path / "views.db"
    try:
        ledger.import_events(events[:-1])
        build(ledger, str(views), today=TODAY)
        ledger.import_events(events[-1:])
        [report] = build(ledger, str(views), today=TODAY)
        assert report.mode == "rebuild" and "under §4.4" in report.reason
        assert rows(views) == fresh(ledger, tmp_path)
    finally:
        ledger.close()


class _Doctored:
    """A snapshot codec of another fold (its own fingerprint) whose checkpoints hold wrong holdings."""

    FINGERPRINT = "an older fold"
    SnapshotUnreadable = snapshot.SnapshotUnreadable
    loads = staticmethod(snapshot.loads)

    @staticmethod
    def dumps(state):
        wrong = snapshot.loads(snapshot.dumps(state))
        for share_class in wrong.classes.values():
            share_class.holdings = {holder: shares + 1_000_000 for holder, shares in share_class.holdings.items()}
        return snapshot.dumps(wrong)


def test_checkpoints_of_another_fold_are_never_used(tmp_path, every):
    events = synthetic()
    ledger = Ledger(str(tmp_path / "store.db"))
    views = tmp_path / "views.db"
    try:
        ledger.import_events(events[:300])
        build(ledger, str(views), today=TODAY)
        ledger.import_events(events[300:])
        older = Checkpoints(ledger.store, codec=_Doctored)  # the cache as another version of the fold wrote it
        try:
            older.rebuild("synthco")
        finally:
            older.close()
        with sqlite3.connect(tmp_path / "store.db") as conn:
            assert conn.execute("SELECT COUNT(*) FROM captable_checkpoints").fetchone()[0] >= 15
            assert conn.execute("SELECT fingerprint FROM captable_derived").fetchone()[0].startswith("an older")
        [report] = build(ledger, str(views), today=TODAY)
        assert (report.mode, report.events_applied) == ("catch-up", 300)
        assert rows(views) == fresh(ledger, tmp_path)
        with sqlite3.connect(tmp_path / "store.db") as conn:  # the cache was rebuilt by this fold
            assert not conn.execute("SELECT fingerprint FROM captable_derived").fetchone()[0].startswith("an older")
    finally:
        ledger.close()


def test_rows_made_by_another_fold_are_rebuilt(tmp_path, every):
    ledger = Ledger(str(tmp_path / "store.db"))
    views = tmp_path / "views.db"
    try:
        events = juniper()
        ledger.import_events(events[:6])
        build(ledger, str(views), today=TODAY)
        ledger.import_events(events[6:])
        with sqlite3.connect(views) as conn:
            conn.execute("UPDATE build_state SET fingerprint = 'an older fold'")
        [report] = build(ledger, str(views), today=TODAY)
        assert (report.mode, report.reason) == ("rebuild", "the fold's code has changed since these rows were built")
        assert rows(views) == fresh(ledger, tmp_path)
    finally:
        ledger.close()


def test_a_catalog_wrong_about_the_order_of_the_events_falls_back_on_the_whole_history(tmp_path, every,
                                                                                      monkeypatch):
    """A back-dated event comes last in the stream and early in effective order: read in stream order, the keys
    go back; the rows begun in stream order are rolled back and the history read whole."""
    ledger = Ledger(str(tmp_path / "store.db"))
    whole = []
    history = Ledger.history
    try:
        ledger.import_events(juniper())
        ledger.record({"type": "SharesIssued", "id": "angel", "effective": "1998-03-02", "class": "common",
                       "holder": "Angel", "shares": 1000, "price_per_share": "40.00"})
        expected = fresh(ledger, tmp_path)
        monkeypatch.setattr(views_checkpoints, "_in_stream_order", lambda cache, head: True)
        monkeypatch.setattr(Ledger, "history", lambda self, company: (whole.append(company), history(self, company))[1])
        [report] = build(ledger, str(tmp_path / "views.db"), today=TODAY)
        assert (report.mode, whole) == ("rebuild", ["juniper"])
        assert rows(tmp_path / "views.db") == expected
    finally:
        ledger.close()


def test_a_catch_up_reuses_the_latest_mailing_days_of_the_deadlines_it_has_shown(tmp_path, every, monkeypatch):
    """§12's latest mailing day is a function of the deadline: counting business days again would load the
    holiday calendars, the largest fixed cost of a catch-up."""
    from captable.rules import notices

    ledger = Ledger(str(tmp_path / "store.db"))
    views = tmp_path / "views.db"
    try:
        ledger.import_events(juniper())
        build(ledger, str(views), today=TODAY)
        assert any(r[10] for r in rows(views)["obligations"])  # some deadlines, with their mailing days
        ledger.record({"type": "SharesIssued", "id": "late", "effective": "2003-06-02", "class": "common",
                       "holder": "Late", "shares": 10, "price_per_share": "40.00"})
        with monkeypatch.context() as patch:
            patch.setattr(notices, "latest_mailing", lambda deadline: pytest.fail("counted business days again"))
            [report] = build(ledger, str(views), today=TODAY)
        assert report.mode == "catch-up"
        assert rows(views) == fresh(ledger, tmp_path)
    finally:
        ledger.close()
