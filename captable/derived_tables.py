"""The tables of what is derived from the events, beside them in the same store (SQLite file or PostgreSQL schema).

They hold a cache (the catalog of each company's events and the checkpoints of its fold: see
``captable.checkpoints``), never the truth: the events are written first, in their own
transaction, and these tables after them. So a write here is best-effort: a read-only store, a
busy writer or a lost race leaves them as they were (``write`` says False), and the next reader
or writer catches them up. Deleting them changes no answer, only its speed.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eventsourcing.persistence import PersistenceError

from captable import backends

HEAD, CATALOG, CHECKPOINTS = "captable_derived", "captable_catalog", "captable_checkpoints"
_BUSY_SECONDS = 5  # a cache write waits this long for another writer, then gives up

_TABLES = [
    f"CREATE TABLE IF NOT EXISTS {{{HEAD}}} (company TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, "
    "version BIGINT NOT NULL, head TEXT NOT NULL, recorded BIGINT NOT NULL, zone TEXT NOT NULL, "
    "count BIGINT NOT NULL, marks TEXT NOT NULL, digest TEXT NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {{{CATALOG}}} (company TEXT NOT NULL, effective BIGINT NOT NULL, "
    "recorded BIGINT NOT NULL, seq BIGINT NOT NULL, phase TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, "
    "names TEXT, hash TEXT NOT NULL, PRIMARY KEY (company, effective, recorded, seq, phase))",
    f"CREATE INDEX IF NOT EXISTS captable_catalog_ids ON {{{CATALOG}}} (company, id)",
    f"CREATE INDEX IF NOT EXISTS captable_catalog_types ON {{{CATALOG}}} (company, type)",
    # What was recorded after an instant: a question asked with past knowledge (``Checkpoints.state_known``).
    f"CREATE INDEX IF NOT EXISTS captable_catalog_recorded ON {{{CATALOG}}} (company, recorded)",
    f"CREATE TABLE IF NOT EXISTS {{{CHECKPOINTS}}} (company TEXT NOT NULL, effective BIGINT NOT NULL, "
    "recorded BIGINT NOT NULL, seq BIGINT NOT NULL, phase TEXT NOT NULL, covered BIGINT NOT NULL, "
    "state_hash TEXT NOT NULL, book_hash TEXT NOT NULL, state {BLOB} NOT NULL, book {BLOB} NOT NULL, "
    "digest TEXT NOT NULL, "
    "PRIMARY KEY (company, effective, recorded, seq, phase))",
]

def database_errors() -> tuple[type[Exception], ...]:
    """What can go wrong writing a cache: the database's own errors (locked, read-only, a constraint a
    concurrent writer won; the library wraps PostgreSQL's), none of which may refuse or lose an event.
    psycopg's count only once a PostgreSQL store has loaded it: no other store raises them, and loading
    it for a SQLite store would cost every command a tenth of a second."""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.Error, PersistenceError, *((psycopg.Error,) if psycopg is not None else ()))


class Tables:
    """SQL over the derived tables of one store, in either dialect (written with ``?`` and ``{table}``)."""

    def __init__(self, store: Any) -> None:
        self.postgres = backends.is_postgres(store.db)
        if self.postgres:
            self._datastore = store.recorder.datastore
            schema = self._datastore.schema
            self._names = {t: f'"{schema}".{t}' for t in (HEAD, CATALOG, CHECKPOINTS)}
            self._connection: sqlite3.Connection | None = None
            self.writable = True
        else:
            path = Path(store.db).resolve()
            self.writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
            target = str(path) if self.writable else backends.read_only_uri(path)
            self._connection = sqlite3.connect(target, uri=not self.writable, timeout=_BUSY_SECONDS,
                                               isolation_level=None, check_same_thread=False)
            self._names = {t: t for t in (HEAD, CATALOG, CHECKPOINTS)}
        self._exist: bool | None = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()

    def sql(self, text: str) -> str:
        text = text.format(BLOB="BYTEA" if self.postgres else "BLOB", **self._names)
        return text.replace("?", "%s") if self.postgres else text

    def exist(self) -> bool:
        if self._exist is None:
            if self.postgres:
                found = self.read("SELECT to_regclass(?)", (self._names[CHECKPOINTS],))
                self._exist = bool(found and found[0][0])
            else:
                found = self.read("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (CHECKPOINTS,))
                self._exist = bool(found)
        return self._exist

    @contextmanager
    def _cursor(self, commit: bool) -> Iterator[Any]:
        if self._connection is None:
            with self._datastore.transaction(commit=commit) as cursor:
                yield cursor
            return
        cursor = self._connection.cursor()
        cursor.execute("BEGIN IMMEDIATE" if commit else "BEGIN")
        try:
            yield cursor
        except BaseException:
            self._connection.rollback()
            raise
        if commit:
            self._connection.commit()
        else:
            self._connection.rollback()

    def read(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._cursor(commit=False) as cursor:
            cursor.execute(self.sql(text), params)
            return rows(cursor)

    def write(self, work: Callable[[Cursor], bool]) -> bool:
        """Run ``work`` in one transaction, creating the tables first; False (nothing written) when the store
        cannot be written now or ``work`` declines (it returns False: another writer got there first)."""
        if not self.writable:
            return False
        try:
            with self._cursor(commit=True) as raw:
                cursor = Cursor(self, raw)
                if self._exist is not True:  # (IF NOT EXISTS: no read needed inside this transaction)
                    for statement in _TABLES:
                        cursor.execute(statement)
                if not work(cursor):
                    raise _Declined
            self._exist = True
            return True
        except _Declined:
            return False
        except database_errors():
            self._exist = None
            return False


class Cursor:
    """A cursor inside ``Tables.write``: the same SQL spelling as ``Tables.read``."""

    def __init__(self, tables: Tables, raw: Any) -> None:
        self._tables, self._raw = tables, raw

    def execute(self, text: str, params: Sequence[Any] = ()) -> int:
        self._raw.execute(self._tables.sql(text), params)
        return int(self._raw.rowcount)

    def executemany(self, text: str, params: Sequence[Sequence[Any]]) -> None:
        if params:
            self._raw.executemany(self._tables.sql(text), params)

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Many rows into one table: on PostgreSQL one COPY stream (a statement per row cost a 100k-event
        import 2.5 s, as much as storing its events), on SQLite one prepared insert run per row."""
        if self._tables.postgres:
            with self._raw.copy(f"COPY {self._tables._names[table]} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        self._raw.executemany(self._tables.sql(f"INSERT INTO {{{table}}} ({', '.join(columns)}) VALUES "
                                               f"({', '.join('?' * len(columns))})"), rows)

    def read(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._raw.execute(self._tables.sql(text), params)
        return rows(self._raw)


class _Declined(Exception):
    """A write's own decision to write nothing: rolled back."""


def rows(cursor: Any) -> list[tuple[Any, ...]]:
    return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in cursor.fetchall()]
