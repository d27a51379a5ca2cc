"""Core throughput and latency of the engine, beside raw sqlite3 baselines.

    python benchmarks/bench_core.py [--sizes 10000 100000] [--repeats 5]
                                    [--checkpoint-every 1000] [--queries 50] [--seed 1]

For each size, on a synthetic history of that many events
(``benchmarks/synthetic.py``), it prints the MEDIAN over ``--repeats`` of:

(a) import: ``Ledger(sqlite file).import_events(read_lines(lines))`` into an
    empty store (parse, validate, decide, hash-chain, write), against a raw
    ``sqlite3`` ``executemany`` INSERT of the same JSON lines in one
    transaction;
(b) load: ``ledger.history(company)`` (select + deserialise into facts and
    effective-ordered entries, checking each row's place in the hash chain
    and the stream's end against the journal), against a raw ``sqlite3``
    select of the same stored rows plus ``json.loads`` of each; and the same
    load with the chain check left out, to show what the check costs;
(c) full fold: ``history.timeline(now).state_at(end of time)`` over the
    already-loaded entries, against the same raw baseline as (b);
(d) point-in-time query: one ``history.timeline(now, checkpoint_every=K)``
    build (its time is shown), then the median latency of ``state_at(t)``
    for ``--queries`` random instants across the history (also the median
    over the repeats); and the same without checkpoints (one pass over the
    instants: each such query folds half the history on average). Each latency is also shown as a ratio to the time
    the raw baseline of (b) takes to read the whole history.

Targets are printed beside the measurements; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthetic import COMPANY, history  # noqa: E402

from captable.instants import now  # noqa: E402
from captable.intake import read_lines  # noqa: E402
from captable.ledger import Ledger  # noqa: E402
from captable.store import read_events, stream_id  # noqa: E402

END_OF_TIME = datetime.max.replace(tzinfo=timezone.utc)

TARGET_IMPORT = 20_000  # events/s
TARGET_FOLD = 100_000  # events/s
TARGET_QUERY_MS = 50.0  # ms, for a point-in-time query on 100k events once loaded


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


# Baselines -------------------------------------------------------------------


def raw_insert(path: str, lines: list[str], topics: list[str]) -> float:
    """executemany INSERT of the JSON lines into (id, topic, state) in one transaction, WAL like the store."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, topic TEXT, state BLOB)")
    rows = [(i, t, s.encode()) for i, (t, s) in enumerate(zip(topics, lines), start=1)]

    def insert() -> None:
        con.execute("BEGIN")
        con.executemany("INSERT INTO events VALUES (?, ?, ?)", rows)
        con.execute("COMMIT")

    seconds, _ = timed(insert)
    con.close()
    return seconds


def raw_select(con: sqlite3.Connection, company: str) -> float:
    """The company's stored rows, straight from the store's table, each state through json.loads."""
    key = stream_id(company).hex

    def select() -> list[Any]:
        rows = con.execute(
            "SELECT topic, state FROM stored_events WHERE originator_id = ? ORDER BY originator_version", (key,)
        ).fetchall()
        return [json.loads(state) for _, state in rows]

    seconds, loaded = timed(select)
    assert loaded, "the raw select found no rows"
    return seconds


# One size --------------------------------------------------------------------


def bench(n: int, repeats: int, every: int, n_queries: int, seed: int, workdir: str) -> dict[str, Any]:
    lines = history(n, seed)
    topics = [json.loads(line)["type"] for line in lines]
    out: dict[str, Any] = {"n": n}

    # (a) import, each repeat into a fresh store
    engine_import, raw_import = [], []
    keep = os.path.join(workdir, f"ledger-{n}.db")
    for r in range(repeats):
        path = keep if r == 0 else os.path.join(workdir, f"import-{n}-{r}.db")
        ledger = Ledger(path)
        seconds, report = timed(lambda: ledger.import_events(read_lines(lines)))
        assert report.total == n, report
        engine_import.append(seconds)
        ledger.close()
        raw_import.append(raw_insert(os.path.join(workdir, f"raw-{n}-{r}.db"), lines, topics))
        if path != keep:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
    out["import"] = statistics.median(engine_import)
    out["import_raw"] = statistics.median(raw_import)

    # (b) load, and the raw select baseline on the same rows
    ledger = Ledger(keep)
    loads, raw_loads, hist = [], [], None
    con = sqlite3.connect(keep)
    for _ in range(repeats):
        seconds, hist = timed(lambda: ledger.history(COMPANY))
        loads.append(seconds)
        raw_loads.append(raw_select(con, COMPANY))
    con.close()
    assert hist is not None and len(hist.entries) == n
    out["load"] = statistics.median(loads)
    out["load_raw"] = statistics.median(raw_loads)

    # (b') what the read-time chain check costs: the load with it and with it left out, in turns, so that
    # both meet the same machine
    def unchecked(company: str) -> Any:
        return read_events(company, ledger.store.recorder.select_events(stream_id(company)))

    checked_loads, unchecked_loads = [], []
    for _ in range(repeats):
        checked_loads.append(timed(lambda: ledger.history(COMPANY))[0])
        ledger.store.stream = unchecked  # type: ignore[method-assign]
        unchecked_loads.append(timed(lambda: ledger.history(COMPANY))[0])
        del ledger.store.stream
    out["load_checked"] = statistics.median(checked_loads)
    out["load_unchecked"] = statistics.median(unchecked_loads)

    # (c) full fold over the loaded entries, no checkpoints
    known = now()
    folds = []
    for _ in range(repeats):
        seconds, state = timed(lambda: hist.timeline(known).state_at(END_OF_TIME))
        assert state.events_applied == n
        folds.append(seconds)
    out["fold"] = statistics.median(folds)

    # (d) point-in-time queries: random instants across the history
    rng = random.Random(seed)
    first, last = hist.entries[0].effective, hist.entries[-1].effective
    span = (last - first).total_seconds()
    instants = [first + (last - first) * (rng.random()) for _ in range(n_queries)] if span else [last] * n_queries
    out["build"], with_checkpoints = timed(lambda: hist.timeline(known, checkpoint_every=every))
    plain = hist.timeline(known)

    def median_latency(timeline: Any) -> float:
        gc.collect()
        latencies = []
        for t in instants:
            start = time.perf_counter()
            timeline.state_at(t)
            latencies.append(time.perf_counter() - start)
        return statistics.median(latencies)

    # Checkpointed queries are cheap: median over the instants, then over the repeats. A query
    # without checkpoints folds half the history on average, so it runs one pass over the instants.
    out["query_cp"] = statistics.median(median_latency(with_checkpoints) for _ in range(repeats))
    out["query_plain"] = median_latency(plain)
    # Sanity: a checkpointed answer equals the plain fold's.
    probe = instants[0]
    assert with_checkpoints.state_at(probe) == plain.state_at(probe)
    ledger.close()
    return out


# Report ----------------------------------------------------------------------


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>12,.0f}"


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(res: dict[str, Any], repeats: int, every: int, n_queries: int, seed: int) -> None:
    n = res["n"]
    print(f"\n== {n:,} events (seed {seed}); medians of {repeats} repeats ==")
    print(f"{'measure':<42}{'engine':>14}{'raw sqlite3':>14}{'engine/raw':>12}   target")
    imp, imp_raw = n / res["import"], n / res["import_raw"]
    print(f"{'(a) import             events/s':<42}{_rate(n, res['import']):>14}{_rate(n, res['import_raw']):>14}"
          f"{imp / imp_raw:>12.3f}   >= {TARGET_IMPORT:,}/s: {_verdict(imp >= TARGET_IMPORT)}")
    load, raw = n / res["load"], n / res["load_raw"]
    print(f"{'(b) load (history)     events/s':<42}{_rate(n, res['load']):>14}{_rate(n, res['load_raw']):>14}"
          f"{load / raw:>12.3f}")
    checked, unchecked = res["load_checked"], res["load_unchecked"]
    print(f"{'    chain check: load with, without  /s':<42}{_rate(n, checked):>14}{_rate(n, unchecked):>14}"
          f"{checked / unchecked:>12.3f}   (with/without, in turns: the check costs {checked / unchecked - 1:+.1%})")
    fold = n / res["fold"]
    print(f"{'(c) full fold          events/s':<42}{_rate(n, res['fold']):>14}{_rate(n, res['load_raw']):>14}"
          f"{fold / raw:>12.3f}   >= {TARGET_FOLD:,}/s: {_verdict(fold >= TARGET_FOLD)}")
    print(f"{'    (load + fold, from the store)  events/s':<42}{_rate(n, res['load'] + res['fold']):>14}"
          f"{_rate(n, res['load_raw']):>14}{(n / (res['load'] + res['fold'])) / raw:>12.3f}")
    raw_ms = res["load_raw"] * 1000
    print(f"{f'(d) checkpoint build (every {every})  ms':<42}{res['build'] * 1000:>14.1f}{raw_ms:>14.1f}"
          f"{res['build'] * 1000 / raw_ms:>12.3f}")
    target = f"<= {TARGET_QUERY_MS:.0f} ms"
    for key, label in (("query_cp", "    state_at, checkpoints  ms"), ("query_plain", "    state_at, no checkpoints  ms")):
        ms = res[key] * 1000
        verdict = f"{target}: {_verdict(ms <= TARGET_QUERY_MS)}" + ("" if n == 100_000 else " (target is for 100k)")
        print(f"{label:<42}{ms:>14.2f}{raw_ms:>14.1f}{ms / raw_ms:>12.3f}   {verdict}")
    print(f"    (state_at: median over {n_queries} random instants, with checkpoints also over the repeats; "
          "raw = select + json.loads of all rows)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--checkpoint-every", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    print(f"Python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs; "
          f"sqlite {sqlite3.sqlite_version}; eventsourcing {version('eventsourcing')}; "
          f"pydantic {version('pydantic')}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="captable-bench-") as workdir:
            start = time.perf_counter()
            res = bench(n, args.repeats, args.checkpoint_every, args.queries, args.seed, workdir)
            report(res, args.repeats, args.checkpoint_every, args.queries, args.seed)
            print(f"    (this size took {time.perf_counter() - start:.0f} s in all)")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
