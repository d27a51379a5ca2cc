"""A streamed import (``captable.bulk``) stores what a whole import stores, byte for byte, or nothing at all.

The golden digests in ``golden/import_rows.json`` are of stores written by the engine before imports were
streamed (main at 0fb6fc4), with the clock and the actor fixed: the events' rows in the order they were
inserted, and the cache beside them (catalog, head, checkpoints; not their seals, which cover the fold's
code). Regenerate them only for a change of the
stored format: ``CAPTABLE_REGEN_GOLDEN=1 pytest tests/test_bulk_import.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from benchmarks.synthetic import history
from captable import bulk, errors
from captable.intake import read_lines
from captable.ledger import Ledger

GOLDEN = Path(__file__).parent / "golden" / "import_rows.json"
FIXED = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
JUNIPER = Path(__file__).resolve().parents[1] / "fixtures" / "juniper_1997" / "events.jsonl"


def fix_clock(monkeypatch: Any) -> None:
    """Every module that asks the time gets ``FIXED``: the stored rows then depend on the input alone."""
    from captable import instants

    original = instants.now
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("captable") and getattr(module, "now", None) is original:
            monkeypatch.setattr(module, "now", lambda: FIXED)


def stored_digest(db: str) -> dict[str, Any]:
    """A digest of each table a write fills, the events' rows in the order they were inserted."""
    postgres = db.startswith("postgresql")
    out: dict[str, Any] = {}
    if postgres:
        import psycopg

        schema = db.rsplit("schema=", 1)[1]
        conn = psycopg.connect(db.split("?")[0])
        events = f'SELECT originator_id, originator_version, topic, state FROM "{schema}".captable_events ' \
                 "ORDER BY notification_id"
        prefix = f'"{schema}".'
    else:
        import sqlite3

        conn = sqlite3.connect(db)
        events = "SELECT originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
        prefix = ""
    try:
        tables = {"events": events}
        key = "company, effective, recorded, seq, phase"
        # Not the seals of the head and the checkpoints: they cover the fingerprint of the fold's code, which
        # changes with that code by design (``projections.snapshot.FINGERPRINT``).
        for table, order, columns in (
                ("captable_catalog", key, "*"),
                ("captable_checkpoints", key, f"{key}, covered, state_hash, book_hash, state, book"),
                ("captable_derived", "company", "company, version, head, recorded, zone, count, marks")):
            tables[table] = f"SELECT {columns} FROM {prefix}{table} ORDER BY {order}"
        for name, query in tables.items():
            digest = hashlib.sha256()
            count = 0
            for row in conn.execute(query).fetchall():
                values = [uuid.UUID(str(v)).hex if name == "events" and n == 0 else
                          bytes(v).hex() if isinstance(v, (bytes, memoryview)) else v for n, v in enumerate(row)]
                digest.update(json.dumps(values).encode())
                count += 1
            out[name] = [count, digest.hexdigest()]
    finally:
        conn.close()
    return out


def imported(db: str, lines: list[str]) -> dict[str, Any]:
    ledger = Ledger(db, actor="golden")
    try:
        ledger.import_events(read_lines(lines))
    finally:
        ledger.close()
    return stored_digest(db)


def inputs() -> dict[str, list[str]]:
    return {"synthetic-5000": history(5000, seed=1), "juniper": JUNIPER.read_text(encoding="utf-8").splitlines()}


@pytest.mark.parametrize("name", ["synthetic-5000", "juniper"])
def test_an_import_stores_the_rows_the_engine_stored_before_imports_were_streamed(db, monkeypatch, name):
    fix_clock(monkeypatch)
    found = imported(db, inputs()[name])
    if os.environ.get("CAPTABLE_REGEN_GOLDEN") and not db.startswith("postgresql"):
        golden = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
        GOLDEN.write_text(json.dumps({**golden, name: found}, indent=2) + "\n")
    assert found == json.loads(GOLDEN.read_text())[name]


def test_the_synthetic_history_is_streamed(db, monkeypatch):
    """The golden test above covers the streamed path, not the whole one, for the synthetic history."""
    calls = []
    original = bulk._Run.go
    monkeypatch.setattr(bulk._Run, "go", lambda run, source: calls.append(1) or original(run, source))
    report = Ledger(db).import_events(read_lines(history(3000, seed=2)))
    assert calls == [1] and report.total == 3000


def whole(monkeypatch: Any) -> None:
    def refuse(*_: Any) -> Any:
        raise bulk.NotStreamable

    monkeypatch.setattr(bulk, "stream", refuse)


RECORD_DATES = [
    {"type": "CompanyFormed", "id": "formed", "effective": "1996-02-06", "company": "acme", "name": "Acme, Inc.",
     "address": "1 Main Street, Palo Alto, California", "officers": {"cfo": "Pat Lee"}},
    {"type": "ShareClassCreated", "id": "common", "effective": "1996-02-06", "class": "common",
     "name": "Common Stock", "kind": "common", "authorized": 10000000},
    {"type": "SharesIssued", "id": "founders", "effective": "1996-02-07", "class": "common", "holder": "Ann",
     "shares": 1000, "price_per_share": "0.01"},
    # Declared now, entitling holders on a record date after the next two lines: its second step waits.
    {"type": "StockDividend", "id": "dividend", "effective": "1996-03-01", "class": "common",
     "record_date": "1996-05-01", "paid_class": "common", "shares_per_share": "1/10"},
    {"type": "SharesIssued", "id": "later", "effective": "1996-04-01", "class": "common", "holder": "Bob",
     "shares": 500, "price_per_share": "0.02"},
    {"type": "SharesTransferred", "id": "gift", "effective": "1996-06-01", "class": "common", "from": "Ann",
     "to": "Cy", "shares": 100},
]


@pytest.mark.parametrize("chunk", [1, 2, 1000])
def test_a_record_date_step_waits_for_its_instant_and_the_rows_are_those_of_a_whole_import(
        tmp_path, monkeypatch, chunk):
    fix_clock(monkeypatch)
    lines = [json.dumps(e) for e in RECORD_DATES]
    monkeypatch.setattr(bulk, "CHUNK", chunk)
    streamed = imported(str(tmp_path / "streamed.db"), lines)
    with monkeypatch.context() as m:
        whole(m)
        assert imported(str(tmp_path / "whole.db"), lines) == streamed


def test_lines_out_of_effective_order_are_decided_whole_and_stored_once(tmp_path, monkeypatch):
    fix_clock(monkeypatch)
    monkeypatch.setattr(bulk, "CHUNK", 500)
    lines = history(3000, seed=1)
    lines[2500], lines[2501] = lines[2501], lines[2500]  # past several chunks already written: rolled back
    streamed = imported(str(tmp_path / "streamed.db"), lines)
    assert streamed["events"][0] == 3000 + 2  # the events, the index entry, the journal's one commit
    with monkeypatch.context() as m:
        whole(m)
        assert imported(str(tmp_path / "whole.db"), lines) == streamed


def test_a_large_import_refused_at_its_last_line_stores_nothing(db):
    lines = history(12000, seed=1)
    bad = json.loads(lines[-1]) | {"type": "SharesTransferred", "class": "common", "from": "Nobody Known",
                                    "to": "Someone", "shares": 10}
    for key in ("holder", "price_per_share", "consideration", "category", "offering"):
        bad.pop(key, None)
    lines[-1] = json.dumps(bad)
    ledger = Ledger(db)
    try:
        with pytest.raises(errors.Refused) as refused:
            ledger.import_events(read_lines(lines))
        assert refused.value.line == 12000 and refused.value.code == "insufficient_shares"
        assert ledger.companies() == []
        assert not ledger.store._query("SELECT 1 AS one FROM {T} LIMIT 1")
    finally:
        ledger.close()


def test_a_malformed_line_is_reported_before_a_refused_fact_earlier_in_the_file(tmp_path):
    from typer.testing import CliRunner

    from captable.cli import app

    lines = history(8000, seed=1)
    lines[5] = lines[5].replace('"class": "common"', '"class": "nonesuch"', 1)
    lines[7000] = "{not json"
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = tmp_path / "captable.db"
    result = CliRunner().invoke(app, ["--db", str(store), "import", str(path), "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "malformed_json" and error["line"] == 7001
    ledger = Ledger(str(store))
    try:
        assert ledger.companies() == []
    finally:
        ledger.close()
