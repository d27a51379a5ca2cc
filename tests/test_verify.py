"""Tamper evidence: rows of the store altered directly are found by ``captable verify``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

import pytest
from typer.testing import CliRunner

from captable.cli import app
from captable.ledger import Ledger
from captable.verify import verify
from tests.conftest import POSTGRES, import_juniper

EVENTS = "topic <> 'captable.index:CompanyAdded'"  # the company's stream, not the index of companies


class Rows:
    """Direct SQL on the stored events, for SQLite or a PostgreSQL schema."""

    def __init__(self, db: str) -> None:
        if db.startswith("postgresql://"):
            import psycopg

            self.conn = psycopg.connect(POSTGRES, autocommit=True)
            schema = parse_qs(urlparse(db).query)["schema"][0]
            self.table, self.mark = f'"{schema}".captable_events', "%s"
            self.text = "convert_from(state, 'UTF8')"
            self.blob = "convert_to({}, 'UTF8')"
        else:
            self.conn = sqlite3.connect(db, isolation_level=None)
            self.table, self.mark = "stored_events", "?"
            self.text, self.blob = "CAST(state AS TEXT)", "CAST({} AS BLOB)"

    def run(self, sql: str, *params: object) -> None:
        self.conn.execute(sql.format(T=self.table, P=self.mark, TEXT=self.text), params)

    def edit(self, version: int, old: str, new: str) -> None:
        state = self.blob.format(f"replace({self.text}, {self.mark}, {self.mark})")
        self.run(f"UPDATE {{T}} SET state = {state} WHERE {EVENTS} AND originator_version = {{P}}", old, new, version)

    def delete(self, version: int) -> None:
        self.run(f"DELETE FROM {{T}} WHERE {EVENTS} AND originator_version = {{P}}", version)

    def insert_copy(self, of: int, at: int) -> None:
        """Make room at ``at`` (positions move up by one) and put a copy of event ``of`` there."""
        self.run(f"UPDATE {{T}} SET originator_version = -(originator_version + 1) "
                 f"WHERE {EVENTS} AND originator_version >= {{P}}", at)
        self.run(f"UPDATE {{T}} SET originator_version = -originator_version "
                 f"WHERE {EVENTS} AND originator_version < 0")
        columns = "originator_id, originator_version, topic, state"
        self.run(f"INSERT INTO {{T}} ({columns}) SELECT originator_id, {{P}}, topic, state FROM {{T}} "
                 f"WHERE {EVENTS} AND originator_version = {{P}}", at, of)

    def swap(self, a: int, b: int) -> None:
        """Exchange the contents of two positions (a reordering)."""
        self.run(f"UPDATE {{T}} SET originator_version = CASE originator_version WHEN {{P}} THEN -{{P}} "
                 f"ELSE -{{P}} END WHERE {EVENTS} AND originator_version IN ({{P}}, {{P}})", a, b, a, a, b)
        self.run(f"UPDATE {{T}} SET originator_version = -originator_version WHERE {EVENTS} AND originator_version < 0")

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def juniper_db(db: str) -> str:
    ledger = Ledger(db)
    try:
        import_juniper(ledger)
    finally:
        ledger.close()
    return db


def verdict(db: str):
    ledger = Ledger(db)
    try:
        return verify(ledger.store, "juniper")
    finally:
        ledger.close()


def test_an_untouched_history_verifies_with_its_count_and_head(juniper_db):
    intact = verdict(juniper_db)
    assert intact.intact and intact.events == 10 and len(intact.head) == 64
    result = CliRunner().invoke(app, ["--db", juniper_db, "verify"])
    assert result.exit_code == 0 and intact.head in result.stdout and "10 events" in result.stdout


TAMPERING: dict[str, tuple[Callable[[Rows], None], int, int, str]] = {
    # name: (what is done to the rows, the first position found broken, the events intact before it, words)
    "edited": (lambda rows: rows.edit(4, '"shares":"20381"', '"shares":"20391"'), 4, 3, "edited"),
    "edited-recorded-instant": (lambda rows: rows.edit(9, '"recorded":"2', '"recorded":"1'), 9, 8, "edited"),
    "deleted": (lambda rows: rows.delete(6), 7, 5, "deleted"),
    "inserted": (lambda rows: rows.insert_copy(of=3, at=5), 5, 4, "inserted"),
    "reordered": (lambda rows: rows.swap(8, 9), 8, 7, "reordered"),
}


@pytest.mark.parametrize("name", TAMPERING)
def test_an_altered_row_is_found_and_named(juniper_db, name):
    change, position, intact, words = TAMPERING[name]
    before = verdict(juniper_db)
    rows = Rows(juniper_db)
    try:
        change(rows)
    finally:
        rows.close()
    found = verdict(juniper_db)
    assert not found.intact
    assert (found.position, found.events) == (position, intact)
    assert words in found.problem
    result = CliRunner().invoke(app, ["--db", juniper_db, "verify"])
    assert result.exit_code == 1 and f"position {position}" in result.stderr
    assert before.head != found.head
