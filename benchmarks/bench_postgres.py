"""A large import into PostgreSQL, in one transaction, beside a raw COPY of the same rows.

    python benchmarks/bench_postgres.py [--sizes 1000000] [--repeats 1]
                                        [--url postgresql://postgres@127.0.0.1:5432/test]

For each size, a synthetic history (``benchmarks/synthetic.py``) is imported
with ``Ledger(url?schema=…).import_events(read_lines(lines))`` into a fresh
schema: parse, validate, decide, hash-chain, and one write transaction of
bounded INSERT statements. It then checks that the store holds every event,
that they were all written by ONE transaction (every row carries the same
``xmin``), and that ``verify`` finds the chain intact. The baseline is a raw
psycopg ``COPY`` of the very rows the engine stored into a plain table, in
one transaction: the fastest way the server takes those bytes. It prints the
median over ``--repeats`` of each, their ratio, and the peak memory.

A batch this size hung for ever before the store wrote PostgreSQL batches
itself (see ``captable/backends.py``); nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import statistics
import sys
import time
import uuid
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from synthetic import COMPANY, history  # noqa: E402

from captable.intake import read_lines  # noqa: E402
from captable.ledger import Ledger  # noqa: E402
from captable.store import stream_id  # noqa: E402
from captable.verify import verify  # noqa: E402

TABLE = "captable_events"


def engine_import(url: str, schema: str, lines: list[str]) -> float:
    ledger = Ledger(f"{url}?schema={schema}")
    try:
        gc.collect()
        start = time.perf_counter()
        report = ledger.import_events(read_lines(lines))
        seconds = time.perf_counter() - start
        assert report.total == len(lines), report
        verdict = verify(ledger.store, COMPANY)
        assert verdict.intact and verdict.events == len(lines), verdict
    finally:
        ledger.close()
    return seconds


def transactions(conn: psycopg.Connection, schema: str) -> tuple[int, int]:
    """(the company's events, distinct transactions that wrote any row: events, index, journal)."""
    table = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(TABLE))
    events = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE originator_id = %s").format(table),
                          (stream_id(COMPANY),)).fetchone()[0]
    writers = conn.execute(sql.SQL("SELECT count(DISTINCT xmin::text) FROM {}").format(table)).fetchone()[0]
    return events, writers


def raw_copy(conn: psycopg.Connection, schema: str) -> float:
    """COPY the engine's stored rows into a plain table in one transaction."""
    rows = conn.execute(sql.SQL("SELECT originator_id, originator_version, topic, state FROM {}.{}").format(
        sql.Identifier(schema), sql.Identifier(TABLE))).fetchall()
    conn.execute(sql.SQL("CREATE TABLE {}.raw (originator_id uuid, originator_version bigint, topic text, "
                         "state bytea, PRIMARY KEY (originator_id, originator_version))").format(sql.Identifier(schema)))
    gc.collect()
    start = time.perf_counter()
    with conn.transaction(), conn.cursor() as cur:
        with cur.copy(sql.SQL("COPY {}.raw FROM STDIN").format(sql.Identifier(schema))) as copy:
            for row in rows:
                copy.write_row(row)
    return time.perf_counter() - start


def bench(url: str, n: int, repeats: int) -> None:
    started = time.perf_counter()
    lines = history(n)
    print(f"\n== {n:,} events (generated in {time.perf_counter() - started:.0f} s); medians of {repeats} ==")
    engine, raw = [], []
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(repeats):
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            try:
                engine.append(engine_import(url, schema, lines))
                rows, writers = transactions(conn, schema)
                print(f"    stored {rows:,} events written by {writers} transaction{'s' if writers != 1 else ''}; "
                      "chain verified intact")
                assert rows == n and writers == 1
                raw.append(raw_copy(conn, schema))
            finally:
                conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    e, r = statistics.median(engine), statistics.median(raw)
    print(f"{'measure':<34}{'engine':>14}{'raw COPY':>14}{'engine/raw':>12}")
    print(f"{'import, events/s':<34}{n / e:>14,.0f}{n / r:>14,.0f}{(n / e) / (n / r):>12.3f}")
    print(f"{'import, seconds':<34}{e:>14.1f}{r:>14.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"    peak memory of this process: {peak:,.0f} MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--url", default=os.environ.get("CAPTABLE_TEST_POSTGRES",
                                                        "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args(argv)
    with psycopg.connect(args.url) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
    print(f"Python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs; PostgreSQL {server}; "
          f"psycopg {version('psycopg')} ({psycopg.pq.__impl__}); eventsourcing {version('eventsourcing')}")
    for n in args.sizes:
        bench(args.url, n, args.repeats)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
