"""Tamper evidence: rows of the store altered directly are found by ``captable verify``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from urllib.parse import parse_qs, urlparse
from uuid import UUID

import pytest
from typer.testing import CliRunner

from captable.cli import app
from captable.ledger import Ledger
from captable.verify import verify
from tests.conftest import POSTGRES, import_juniper

# Which rows: a company's events, its journal of commits, or the index of companies (for one-company stores).
EVENTS = "substr(topic, 1, 16) = 'captable.events:'"
JOURNAL = "topic = 'captable.journal:Committed'"
INDEX = "topic = 'captable.index:CompanyAdded'"


class Rows:
    """Direct SQL on the stored rows, for SQLite or a PostgreSQL schema: what someone with write access to the
    store's files or tables could do. ``part`` picks the rows (``EVENTS``, ``JOURNAL``, ``INDEX`` or
    ``Rows.stream(uuid)``); positions are stream positions (commit numbers in a journal)."""

    def __init__(self, db: str) -> None:
        self.postgres = db.startswith("postgresql://")
        if self.postgres:
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

    def stream(self, stream: UUID) -> str:
        """The rows of one stream, by its id, as the table stores it."""
        return f"originator_id = '{stream if self.postgres else stream.hex}'"

    def run(self, sql: str, *params: object) -> None:
        self.conn.execute(sql.format(T=self.table, P=self.mark, TEXT=self.text), params)

    def states(self, part: str = EVENTS) -> list[tuple[int, str, bytes]]:
        """(position, topic, state) of the rows, in stream order."""
        rows = self.conn.execute(f"SELECT originator_version, topic, state FROM {self.table} WHERE {part} "
                                 "ORDER BY originator_version").fetchall()
        return [(v, t, bytes(s)) for v, t, s in rows]

    def edit(self, version: int, old: str, new: str, part: str = EVENTS) -> None:
        state = self.blob.format(f"replace({self.text}, {self.mark}, {self.mark})")
        self.run(f"UPDATE {{T}} SET state = {state} WHERE {part} AND originator_version = {{P}}", old, new, version)

    def put_state(self, version: int, state: bytes, part: str = EVENTS) -> None:
        self.run(f"UPDATE {{T}} SET state = {{P}} WHERE {part} AND originator_version = {{P}}", state, version)

    def set_topic(self, version: int, topic: str, part: str = EVENTS) -> None:
        self.run(f"UPDATE {{T}} SET topic = {{P}} WHERE {part} AND originator_version = {{P}}", topic, version)

    def delete(self, version: int, part: str = EVENTS) -> None:
        self.run(f"DELETE FROM {{T}} WHERE {part} AND originator_version = {{P}}", version)

    def delete_from(self, version: int, part: str = EVENTS) -> None:
        """Truncate: every row at ``version`` and after."""
        self.run(f"DELETE FROM {{T}} WHERE {part} AND originator_version >= {{P}}", version)

    def make_room(self, at: int, part: str = EVENTS) -> None:
        """Positions from ``at`` on move up by one."""
        self.run(f"UPDATE {{T}} SET originator_version = -(originator_version + 1) "
                 f"WHERE {part} AND originator_version >= {{P}}", at)
        self.run(f"UPDATE {{T}} SET originator_version = -originator_version WHERE {part} AND originator_version < 0")

    def insert_copy(self, of: int, at: int, part: str = EVENTS) -> None:
        """Make room at ``at`` and put a copy of row ``of`` there."""
        self.make_room(at, part)
        columns = "originator_id, originator_version, topic, state"
        self.run(f"INSERT INTO {{T}} ({columns}) SELECT originator_id, {{P}}, topic, state FROM {{T}} "
                 f"WHERE {part} AND originator_version = {{P}}", at, of + (of >= at))

    def insert(self, stream: UUID, version: int, topic: str, state: bytes) -> None:
        self.run("INSERT INTO {T} (originator_id, originator_version, topic, state) VALUES ({P}, {P}, {P}, {P})",
                 stream if self.postgres else stream.hex, version, topic, state)

    def swap(self, a: int, b: int, part: str = EVENTS) -> None:
        """Exchange the contents of two positions (a reordering)."""
        self.run(f"UPDATE {{T}} SET originator_version = CASE originator_version WHEN {{P}} THEN -{{P}} "
                 f"ELSE -{{P}} END WHERE {part} AND originator_version IN ({{P}}, {{P}})", a, b, a, a, b)
        self.run(f"UPDATE {{T}} SET originator_version = -originator_version WHERE {part} AND originator_version < 0")

    def move(self, version: int, part: str, to: UUID, at: int) -> None:
        """Give a row another stream (and position in it)."""
        self.run(f"UPDATE {{T}} SET originator_id = {{P}}, originator_version = {{P}} "
                 f"WHERE {part} AND originator_version = {{P}}", to if self.postgres else to.hex, at, version)

    def swap_streams(self, a: UUID, b: UUID) -> None:
        """Exchange the stream ids of two whole streams (through a third, as keys are checked row by row)."""
        spare = UUID(int=1)
        for old, new in ((a, spare), (b, a), (spare, b)):
            self.run("UPDATE {T} SET originator_id = {P} WHERE originator_id = {P}",
                     *((x if self.postgres else x.hex) for x in (new, old)))

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
    "deleted": (lambda rows: rows.delete(6), 6, 5, "deleted"),
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
