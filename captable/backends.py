"""Where a store lives, and opening it without surprises (DESIGN §2, §7).

``--db`` names a SQLite file (the default) or a ``postgresql://`` URL, whose
``?schema=NAME`` keeps a store in a schema of its own. Before the
``eventsourcing`` library touches anything, the store is checked here, so
that every problem with it is a coded refusal: a read never creates a store
(``store_not_found``); a folder, a foreign file or an unreachable server is
named; a store on read-only media can still be read. Creating the tables on
PostgreSQL is serialised by an advisory lock, so that commands started at
once against a new schema cannot race each other.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlparse

from captable import errors

_SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_SETUP_LOCK = 0x6361_7074_6162_6C65  # "captable": one advisory lock for every set-up of every schema
INSERT_CHUNK = 2000  # events per INSERT inside the one transaction: bounded statements, any batch size
APPLICATION = "captable"  # the library names PostgreSQL tables after the application
EVENTS_TABLE = {"sqlite": "stored_events", "postgres": f"{APPLICATION}_events"}


def is_postgres(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def persistence_env(db: str, *, read_only: bool = False) -> dict[str, str]:
    """The library's settings for a store, checked first (see the module docstring)."""
    if is_postgres(db):
        return _postgres_env(db, read_only)
    return _sqlite_env(db, read_only)


# SQLite -------------------------------------------------------------------


def _sqlite_env(db: str, read_only: bool) -> dict[str, str]:
    if not db.strip():
        raise errors.BadOption("--db is empty: name a SQLite file or a postgresql:// URL", field="db", value=db)
    path = Path(db)
    tables = _sqlite_tables(path, read_only)
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_LOCK_TIMEOUT": "30"}
    if not read_only:
        return {**env, "SQLITE_DBNAME": db}
    if "stored_events" not in tables:
        raise errors.StoreNotFound(f"{db} holds no history yet; import one first", field="db", value=db)
    return {**env, "SQLITE_DBNAME": read_only_uri(path), "CREATE_TABLE": "no"}


def _sqlite_tables(path: Path, read_only: bool) -> set[str]:
    """The tables of an existing SQLite file; none for a file a write may create."""
    db = str(path)
    if path.is_dir():
        raise errors.StoreUnavailable(f"{db} is a folder; --db names the store's file", field="db", value=db)
    if not path.parent.is_dir():
        raise errors.StoreNotFound(f"the folder {path.parent} does not exist", field="db", value=db)
    if not path.exists():
        if read_only:
            raise errors.StoreNotFound(f"no store at {db}; import a history first", field="db", value=db)
        if not os.access(path.parent, os.W_OK):
            raise errors.StoreReadOnly(f"cannot create {db}: its folder is read-only", field="db", value=db)
        return set()
    if not os.access(path, os.R_OK):
        raise errors.StoreUnavailable(f"no permission to read {db}", field="db", value=db)
    if not read_only and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        raise errors.StoreReadOnly(f"{db} is read-only (the file or its folder): it can be read, not written",
                                   field="db", value=db)
    try:
        with _closing(sqlite3.connect(read_only_uri(path), uri=True)) as probe:
            tables = {row[0] for row in probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise errors.NotAStore(f"{db} is not a captable store ({error})", field="db", value=db) from None
    if tables and "stored_events" not in tables:
        raise errors.NotAStore(f"{db} is a SQLite database, but not a captable store", field="db", value=db)
    return tables


def read_only_uri(path: Path) -> str:
    """Open without writing; on read-only media (or a file we may not write) also without WAL side files.

    SQLite cannot create the ``-shm`` file a WAL store needs where the file or
    its folder is not writable; ``immutable=1`` reads it as the unchanging file
    it then is.
    """
    target = path.resolve()
    uri = f"file:{quote(str(target))}?mode=ro"
    if not (os.access(target, os.W_OK) and os.access(target.parent, os.W_OK)):
        uri += "&immutable=1"
    return uri


@contextmanager
def _closing(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    try:
        yield conn
    finally:
        conn.close()


# PostgreSQL ---------------------------------------------------------------


def _postgres_env(db: str, read_only: bool) -> dict[str, str]:
    url = urlparse(db)
    try:
        port = url.port or 5432
    except ValueError:
        raise errors.BadOption("the port in --db is not a number", field="db", value=_redacted(db)) from None
    schema = (parse_qs(url.query).get("schema") or ["public"])[0]
    if not _SCHEMA.fullmatch(schema) or schema.startswith("pg_"):
        raise errors.BadOption("?schema= takes a lower-case name of letters, digits and _ (at most 63, not pg_…)",
                               field="schema", value=schema)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "postgres",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "CREATE_TABLE": "no",  # done here, once, under the set-up lock
    }
    _prepare_schema(env, db, read_only)
    return env


def _redacted(db: str) -> str:
    url = urlparse(db)
    return db.replace(f":{url.password}@", ":***@") if url.password else db


def connect(env: dict[str, str]) -> Any:
    """A plain psycopg connection to the server an env names; a coded refusal when it cannot be reached."""
    import psycopg

    try:
        return psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
                               user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None,
                               connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]), autocommit=True)
    except psycopg.Error as error:
        where = f"{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DBNAME']}"
        reason = " ".join(str(error).split()) or type(error).__name__  # libpq's lines, as one
        raise errors.StoreUnavailable(f"cannot reach the PostgreSQL store at {where}: {reason}",
                                      field="db", value=where) from None


def _prepare_schema(env: dict[str, str], db: str, read_only: bool) -> None:
    """A read needs the store to exist; a write creates its schema and tables once, whoever else is starting."""
    from psycopg import sql

    with connect(env) as conn:
        if read_only:
            if not _has_table(conn, env["POSTGRES_SCHEMA"]):
                raise errors.StoreNotFound(f"no store in schema {env['POSTGRES_SCHEMA']!r}; import a history first",
                                           field="db", value=_redacted(db))
            return
        conn.execute("SELECT pg_advisory_lock(%s)", (_SETUP_LOCK,))
        try:
            if not _has_table(conn, env["POSTGRES_SCHEMA"]):
                conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(env["POSTGRES_SCHEMA"])))
                _create_tables(env)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK,))


def _has_table(conn: Any, schema: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s)", (f'"{schema}".{EVENTS_TABLE["postgres"]}',)).fetchone()
    return row is not None and row[0] is not None


def _create_tables(env: dict[str, str]) -> None:
    """The library's own set-up, run by the one process that holds the set-up lock."""
    from eventsourcing.persistence import InfrastructureFactory
    from eventsourcing.utils import Environment

    factory = InfrastructureFactory.construct(Environment(APPLICATION, {**env, "CREATE_TABLE": "yes"}))
    try:
        factory.application_recorder()
    finally:
        factory.close()


def insert_in_one_transaction(recorder: Any, stored_events: Sequence[Any]) -> None:
    """PostgreSQL: write a batch of any size in one transaction, in bounded statements.

    The library sends a batch as one statement in psycopg's pipeline mode,
    which hangs for ever once the statement outgrows the socket's buffer
    (about 12,000 events here): the pipeline stops flushing when it has no
    more commands queued, and the server waits for the rest of the statement.
    Outside pipeline mode psycopg flushes until the whole statement is sent;
    chunks keep each statement far below PostgreSQL's 1 GB value limit.
    """
    from eventsourcing.postgres import PostgresAggregateRecorder

    with recorder.datastore.transaction(commit=True) as curs:
        for statement in recorder.lock_table_statements:  # the library's order-preserving table lock
            curs.execute(statement)
        for start in range(0, len(stored_events), INSERT_CHUNK):
            PostgresAggregateRecorder._insert_stored_events(recorder, curs, stored_events[start:start + INSERT_CHUNK])


def copy_rows(recorder: Any, cursor: Any, rows: Sequence[Any]) -> None:
    """PostgreSQL: rows into the events table with one ``COPY``, inside the caller's transaction.

    Each row goes as a line of COPY's text format, the state as bytea hex (``\\\\x…``, its backslash
    escaped for COPY): no value needs any other escaping, and the server assigns the notification ids
    in the order of the lines, as it does for the library's insert.
    """
    from psycopg import sql

    table = sql.Identifier(recorder.datastore.schema, recorder.events_table_name)
    text = "".join(f"{r.originator_id}\t{r.originator_version}\t{r.topic}\t\\\\x{r.state.hex()}\n" for r in rows)
    with cursor.copy(sql.SQL("COPY {} (originator_id, originator_version, topic, state) FROM STDIN").format(table)) \
            as copy:
        copy.write(text.encode())
