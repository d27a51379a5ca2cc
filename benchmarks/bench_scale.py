"""What a user waits for: whole `captable` processes on 10k, 100k and 1,000,000-event companies.

    python benchmarks/bench_scale.py [--sizes 10000 100000 1000000] [--repeats 3] [--timeout 900]
                                     [--only LINE ...] [--skip LINE ...] [--views-max 1000000]
                                     [--postgres URL] [--workdir DIR] [--seed 1]

Each size's history comes from ``synthetic.py``, generated once into the work
directory (a temporary one unless ``--workdir`` keeps it, and its histories,
for the next run). Every line runs a whole child process, the ``captable``
console script beside this interpreter (``python -m captable.cli`` would not
run: the module has no ``__main__`` guard), and prints the median wall time
over ``--repeats``, from the spawn to the child's exit, and the largest peak
resident memory of the runs, each child's own maximum resident set as
``/usr/bin/time`` reports it (see ``GNU_TIME``). Standard output is read as it
comes (time to first byte for ``audit``). A run longer than ``--timeout``
is killed and printed as "timed out"; a failing run prints its exit status.

The lines, as ``--only``/``--skip`` names them:

  python        ``python -c pass``: the start-up floor
  raw-insert    a child that reads the JSON lines, parses each for its type, and inserts
                (id, type, line) into a fresh WAL SQLite file in one transaction
  raw-read      a child that selects the stored rows of the imported store and json-parses each
  import        ``import FILE --json`` into an empty SQLite store (events/s beside)
  state-latest  ``state --json`` (as of now, latest knowledge)
  state-mid     ``state --as-of <the middle event's instant> --json``
  state-known   ``state --known-at <an instant after the import, before one later record> --json``
  record-end    ``record`` a SharesIssued of 100 common to a new holder after the last event
  record-mid    ``record`` the same, back-dated to the middle, at a price above every Stock
                Purchase Price (no §4.4 adjustment) and within the authorized room left there
  notices       ``notices --json``
  audit         ``audit --format json``: time to first byte, and total
  verify        ``verify --json``
  views         ``views build`` catching up after one new event (a full build first, untimed);
                only for sizes up to ``--views-max`` (a full build of a million events takes minutes)
  pg-import     ``import`` into a fresh PostgreSQL schema (``URL?schema=…``, dropped after)
  pg-state      ``state --json`` on that schema

Writes (record-end, record-mid, views) run on a copy of the store made
before each run, outside the timing, so runs do not accumulate. A line
whose copy would leave less than 5 GiB free on the disk is skipped, and so
are the PostgreSQL lines on a local server (which stores about as much as
the SQLite file): the persisted checkpoints can make a store of tens of
GiB at a million events. The closing table shows each line at each size
and how its cost grows from the smallest size to the largest ("×9.8 for
×10 events"). Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from importlib import import_module
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import COMMON, history  # noqa: E402

LINES = ("python", "raw-insert", "raw-read", "import", "state-latest", "state-mid", "state-known", "record-end",
         "record-mid", "notices", "audit", "verify", "views", "pg-import", "pg-state")
NEW_SHARES = 100  # each benchmark issuance: a round lot of common, like the generator's
SETUP_TIMEOUT = 6 * 3600.0  # seconds: the untimed set-up (an import, a full views build) only guards a hang
PRICE = "50.00"  # per common share: one of the generator's prices, above both warrants' (§4.4 does not adjust)
DISK_MARGIN = 5 * 2**30  # bytes a copy of a store must leave free: the disk is shared, and a full one fails all

RAW_INSERT = """
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[2], isolation_level=None)
con.execute("PRAGMA journal_mode=WAL")
con.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, topic TEXT, state BLOB)")
with open(sys.argv[1], encoding="utf-8") as f:
    rows = [(json.loads(line)["type"], line.encode()) for line in f if line.strip()]
con.execute("BEGIN")
con.executemany("INSERT INTO events (topic, state) VALUES (?, ?)", rows)
con.execute("COMMIT")
"""
RAW_READ = """
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
rows = [json.loads(state) for (state,) in con.execute("SELECT state FROM stored_events ORDER BY rowid")]
assert rows
"""


# Whole processes ---------------------------------------------------------------


def captable_command() -> list[str]:
    """The console script installed beside this interpreter; else its entry point through ``-c``."""
    script = Path(sys.executable).with_name("captable")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-c", "import sys; sys.argv[0] = 'captable'; from captable.cli import main; main()"]


# A child forked from this process starts with this process's resident pages, and Linux keeps that in the
# child's ru_maxrss across exec: after generating a large history, ``python -c pass`` showed 100 MB. So each
# command is started by GNU time, a small process, whose %M is the command's own peak; without it, ``wait4``'s
# ru_maxrss (then a floor of this process's size, which the ``python`` line shows).
GNU_TIME = Path("/usr/bin/time")


# As a user runs the engine: with its bytecode cached (pip compiles it on install; an editable install writes it
# on first import). With PYTHONDONTWRITEBYTECODE set, as on some machines, every child compiled some sixty
# modules from source first: 0.15 s of every command.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def cache_bytecode() -> None:
    """Compile the engine's modules once, before anything is timed."""
    for package in ("captable", "projections"):
        folder = Path(import_module(package).__file__).parent  # type: ignore[arg-type]
        compileall.compile_dir(folder, quiet=1)


@dataclass
class Run:
    seconds: float
    first_byte: float | None
    peak_mb: float
    status: int | None  # None: killed at the timeout
    stderr: str


def run(argv: list[str], timeout: float) -> Run:
    """Spawn, read standard output as it comes, reap; the peak memory is the command's own (see GNU_TIME)."""
    with tempfile.TemporaryFile() as errors, tempfile.NamedTemporaryFile("r") as peak:
        timed = [str(GNU_TIME), "--format", "%M", "--output", peak.name, *argv] if GNU_TIME.is_file() else argv
        start = time.perf_counter()
        child = subprocess.Popen(timed, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors,
                                 start_new_session=True, env=CHILD_ENV)  # its own group: a timeout kills it and only it
        fd = child.stdout.fileno()  # type: ignore[union-attr]
        first, killed = None, False
        while True:
            left = start + timeout - time.perf_counter()
            if left <= 0 and not killed:
                os.killpg(child.pid, signal.SIGKILL)
                killed = True
            ready, _, _ = select.select([fd], [], [], max(left, 0.1))
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                first = first if first is not None else time.perf_counter() - start
        _, wait_status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(wait_status)  # reaped here, not by Popen
        child.stdout.close()  # type: ignore[union-attr]
        errors.seek(0)
        message = errors.read().decode(errors="replace").strip()
        reported = peak.read().split()  # GNU time's last word: the command's maxrss in KiB (none if killed)
    kib = int(reported[-1]) if reported and reported[-1].isdigit() else usage.ru_maxrss
    return Run(seconds, first, kib / 1024, None if killed else child.returncode, message)


@dataclass
class Measure:
    seconds: float | None = None  # median; None with a note
    first_byte: float | None = None
    peak_mb: float = 0.0
    events: int = 0  # for a rate
    note: str = ""


@dataclass
class Bench:
    args: argparse.Namespace
    command: list[str]
    results: dict[str, dict[int, Measure]] = field(default_factory=dict)

    def wanted(self, line: str) -> bool:
        return (not self.args.only or line in self.args.only) and line not in self.args.skip

    def measure(self, line: str, n: int, argv: list[str], prepare: Callable[[], None] | None = None,
                rate: bool = False, argv_of: Callable[[], list[str]] | None = None) -> Measure:
        """Median over the repeats; ``prepare()`` runs before each, untimed, and ``argv_of()``, if given, then
        names the command. Stops at the first failure or timeout."""
        runs: list[Run] = []
        result = Measure(events=n if rate else 0)
        for _ in range(self.args.repeats):
            if prepare is not None:
                prepare()
            done = run(argv_of() if argv_of else argv, self.args.timeout)
            result.peak_mb = max(result.peak_mb, done.peak_mb)
            if done.status is None:
                result.note = f"timed out (> {self.args.timeout:g} s)"
                break
            if done.status != 0:
                result.note = f"failed (exit {done.status}): {done.stderr.splitlines()[-1] if done.stderr else ''}"
                break
            runs.append(done)
        else:
            result.seconds = statistics.median(r.seconds for r in runs)
            firsts = [r.first_byte for r in runs if r.first_byte is not None]
            result.first_byte = statistics.median(firsts) if firsts and line == "audit" else None
        self.results.setdefault(line, {})[n] = result
        print(f"  {line:<13} {cell(result)}", flush=True)
        return result

    def note(self, line: str, n: int, why: str) -> None:
        self.results.setdefault(line, {})[n] = Measure(note=why)
        print(f"  {line:<13} {why}", flush=True)


# The company's own valid events -----------------------------------------------------


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def common_room(lines: list[str]) -> tuple[list[int], list[int]]:
    """After each event: the common's authorized shares not outstanding nor kept for the warrants (§3), and
    how many splits of the common came before it (an earlier issuance doubles with each)."""
    authorized = outstanding = units = splits = 0
    ratio = Fraction(1)
    room, split_count = [], []
    for text in lines:
        event = json.loads(text)
        kind, on_common = event["type"], event.get("class") == COMMON
        if kind in ("ShareClassCreated", "AuthorizedSharesChanged") and on_common:
            authorized = event["authorized"]
        elif kind == "ShareClassCreated" and event.get("converts_to") == COMMON:
            ratio = Fraction(event["conversion_ratio"])
        elif kind == "SharesIssued" and on_common:
            outstanding += event["shares"]
        elif kind == "SharesCancelled" and on_common:
            outstanding -= event["shares"]
        elif kind == "StockSplit" and on_common:
            outstanding, ratio, splits = outstanding * 2, ratio * 2, splits + 1
        elif kind == "WarrantIssued":
            units += event["shares"]
        elif kind == "WarrantExercised":
            units -= event["shares"]
        reserved = -(-units * ratio.numerator // ratio.denominator)  # rounded up: the cautious side
        room.append(authorized - outstanding - reserved)
        split_count.append(splits)
    return room, split_count


def issuance(event_id: str, holder: str, effective: datetime, shares: int = NEW_SHARES) -> str:
    return json.dumps({"type": "SharesIssued", "id": event_id, "effective": effective.isoformat(), "class": COMMON,
                       "holder": holder, "shares": shares, "price_per_share": PRICE})


@dataclass
class Company:
    """One size's files and the instants and events chosen for it."""

    n: int
    folder: Path
    history: Path
    mid_as_of: str
    marker: str  # recorded after the known-at instant, so that instant is in the past
    end_event: str
    mid_event: str | None  # None when the room left in the middle is too small (never, with seed 1)


def prepare_company(n: int, seed: int, root: Path) -> Company:
    folder = root / f"n{n}-seed{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "history.jsonl"
    started = time.perf_counter()
    if path.exists():
        lines = path.read_text(encoding="utf-8").splitlines()
        print(f"  history reused from {path}")
    else:
        lines = history(n, seed)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"  history generated in {time.perf_counter() - started:.0f} s into {path}")
    when = [instant(json.loads(line)["effective"]) for line in lines[len(lines) // 2:]]
    gap = next(i for i in range(len(when) - 1) if when[i + 1] - when[i] >= timedelta(seconds=2))
    middle = len(lines) // 2 + gap  # an event with a free second after it: the back-dated one goes there
    room, splits = common_room(lines)
    # The back-dated issuance doubles at each later split, and at the end the marker stands beside it: as
    # many shares as every later instant has room for (§3), up to a round lot. The generator raises the
    # authorized count only when an issuance needs it, so the room after one can be a few dozen shares.
    if room[-1] < 2 * NEW_SHARES:
        raise SystemExit(f"{n:,} events: no authorized room left at the end for the marker and one issuance")
    room[-1] -= NEW_SHARES
    mid_shares = min([NEW_SHARES] + [room[i] // 2 ** (splits[i] - splits[middle]) for i in range(middle, len(lines))])
    return Company(n, folder, path, when[gap].isoformat(),
                   issuance("bench-marker", "Benchmark Marker Holder", when[-1] + timedelta(days=1)),
                   issuance("bench-end", "Benchmark Holder at the End", when[-1] + timedelta(days=2)),
                   issuance("bench-mid", "Benchmark Holder in the Middle", when[gap] + timedelta(seconds=1),
                            mid_shares) if mid_shares > 0 else None)


def remove_store(path: Path) -> None:
    """A SQLite file and its write-ahead log, gone."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def store_bytes(path: Path) -> int:
    return sum(Path(f"{path}{suffix}").stat().st_size for suffix in ("", "-wal", "-shm")
               if Path(f"{path}{suffix}").exists())


def room_for(bench: Bench, line: str, n: int, store: Path, where: Path) -> bool:
    """Whether as much as ``store`` again fits on ``where``'s disk with DISK_MARGIN to spare; else the line is
    skipped with the sizes (at a million events the persisted checkpoints can make a store of tens of GB)."""
    need, free = store_bytes(store), shutil.disk_usage(where).free
    if need + DISK_MARGIN <= free:
        return True
    bench.note(line, n, f"skipped: another {need / 2**30:.1f} GiB (the store's size) would leave less than "
                        f"{DISK_MARGIN / 2**30:g} GiB of the {free / 2**30:.1f} GiB free")
    return False


def copy_store(source: Path, target: Path) -> None:
    """A closed SQLite file copied with its write-ahead log, if any, over whatever was at ``target``, and
    flushed to the disk: a write's commit ends with an fsync of the file, which would otherwise also write out
    the whole fresh copy (0.4 s of a 0.9 s ``record`` at a million events)."""
    remove_store(target)
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
            with open(f"{target}{suffix}", "rb") as copied:
                os.fsync(copied.fileno())


# One size ------------------------------------------------------------------------


def bench_size(bench: Bench, company: Company) -> None:
    n, folder, cli = company.n, company.folder, bench.command
    store, work, views = folder / "store.db", folder / "work.db", folder / "views.db"
    if bench.wanted("python"):
        bench.measure("python", n, [sys.executable, "-c", "pass"])
    if bench.wanted("raw-insert"):
        raw = folder / "raw.db"
        bench.measure("raw-insert", n, [sys.executable, "-c", RAW_INSERT, str(company.history), str(raw)],
                      prepare=lambda: remove_store(raw), rate=True)

    def fresh_store() -> None:
        remove_store(store)  # each import starts empty

    imported = bench.measure("import", n, [*cli, "--db", str(store), "import", str(company.history), "--json"],
                             prepare=fresh_store, rate=True) if bench.wanted("import") else None
    if imported is None or imported.seconds is None:
        fresh_store()  # the queries need the store, imported once, untimed
        if run([*cli, "--db", str(store), "import", str(company.history), "--json"], SETUP_TIMEOUT).status:
            raise SystemExit(f"{n:,} events: the import failed; nothing else can be measured")
    known_at = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=1)
    time.sleep(max(0.0, (known_at - datetime.now(timezone.utc)).total_seconds()) + 1)
    marked = run([*cli, "--db", str(store), "record", company.marker, "--json"], SETUP_TIMEOUT)
    if marked.status != 0:
        raise SystemExit(f"{n:,} events: recording the marker failed: {marked.stderr or 'timed out'}")
    mid = json.loads(company.mid_event) if company.mid_event else {"shares": "no", "effective": "none"}
    print(f"  as of the middle: {company.mid_as_of}; known at: {known_at.isoformat()}; back-dated issuance: "
          f"{mid['shares']} shares at {mid['effective']}", flush=True)

    reads = {
        "raw-read": [sys.executable, "-c", RAW_READ, str(store)],
        "state-latest": [*cli, "--db", str(store), "state", "--json"],
        "state-mid": [*cli, "--db", str(store), "state", "--as-of", company.mid_as_of, "--json"],
        "state-known": [*cli, "--db", str(store), "state", "--known-at", known_at.isoformat(), "--json"],
        "notices": [*cli, "--db", str(store), "notices", "--json"],
        "audit": [*cli, "--db", str(store), "audit", "--format", "json"],
        "verify": [*cli, "--db", str(store), "verify", "--json"],
    }
    for line, argv in reads.items():
        if bench.wanted(line):
            bench.measure(line, n, argv, rate=line in ("raw-read", "verify"))

    def fresh_copy() -> None:
        copy_store(store, work)

    for line, event in (("record-end", company.end_event), ("record-mid", company.mid_event)):
        if not bench.wanted(line):
            continue
        if event is None:
            bench.note(line, n, "skipped: too little authorized room in the middle for a valid issuance")
            continue
        if not room_for(bench, line, n, store, folder):
            continue
        bench.measure(line, n, [*cli, "--db", str(work), "record", event, "--json"], prepare=fresh_copy)
    if bench.wanted("views"):
        bench_views(bench, company, store, work, views)
    if bench.wanted("pg-import") or bench.wanted("pg-state"):
        bench_postgres(bench, company, store)


def bench_views(bench: Bench, company: Company, store: Path, work: Path, views: Path) -> None:
    """Catch-up after one new event: a full build of the views first (untimed), then per run a copy of the
    store and of the views, one event recorded, and the timed ``views build``."""
    n, cli = company.n, bench.command
    if n > bench.args.views_max:
        bench.note("views", n, f"skipped (more than --views-max {bench.args.views_max:,} events)")
        return
    if not room_for(bench, "views", n, store, store.parent):
        return
    built = views.with_name("views-built.db")
    remove_store(built)
    full = run([*cli, "--db", str(store), "views", "build", "--out", str(built), "--json"], SETUP_TIMEOUT)
    if full.status != 0:
        bench.note("views", n, f"the full build failed: {full.stderr.splitlines()[-1:] or full.status}")
        return
    print(f"  (views: a full build, untimed, took {full.seconds:.1f} s)")

    def one_new_event() -> None:
        copy_store(store, work)
        copy_store(built, views)
        added = run([*cli, "--db", str(work), "record", company.end_event, "--json"], SETUP_TIMEOUT)
        if added.status != 0:
            raise SystemExit(f"recording the event before a views catch-up failed: {added.stderr or 'timed out'}")

    bench.measure("views", n, [*cli, "--db", str(work), "views", "build", "--out", str(views), "--json"],
                  prepare=one_new_event)


def bench_postgres(bench: Bench, company: Company, store: Path) -> None:
    """Import into a fresh schema per run and ask ``state`` of it; every schema is dropped after."""
    n, url, cli = company.n, bench.args.postgres, bench.command
    if not url:
        for line in ("pg-import", "pg-state"):
            bench.note(line, n, "skipped: no --postgres URL (nor CAPTABLE_TEST_POSTGRES)")
        return
    # A server on this machine writes the events and checkpoints to this disk, about as much as the SQLite file.
    local = urlsplit(url).hostname in (None, "", "localhost", "127.0.0.1", "::1")
    if local and not room_for(bench, "pg-import", n, store, store.parent):
        bench.note("pg-state", n, "skipped: as pg-import")
        return
    import psycopg
    from psycopg import sql

    schemas: list[str] = []
    imported = None

    def fresh_schema() -> None:
        schemas.append(f"bench_scale_{uuid.uuid4().hex[:10]}")

    def db() -> str:
        return f"{url}{'&' if '?' in url else '?'}schema={schemas[-1]}"

    try:
        if bench.wanted("pg-import"):
            imported = bench.measure("pg-import", n, [], prepare=fresh_schema, rate=True, argv_of=lambda: [
                *cli, "--db", db(), "import", str(company.history), "--json"])
        if bench.wanted("pg-state"):
            if imported is None or imported.seconds is None:
                fresh_schema()
                run([*cli, "--db", db(), "import", str(company.history), "--json"], SETUP_TIMEOUT)
            bench.measure("pg-state", n, [*cli, "--db", db(), "state", "--json"])
    finally:
        with psycopg.connect(url.split("?")[0], autocommit=True) as conn:
            for schema in schemas:
                conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


# The table -----------------------------------------------------------------------------


def cell(m: Measure) -> str:
    if m.seconds is None:
        return m.note
    rate = f" · {m.events / m.seconds:,.0f}/s" if m.events else ""
    first = f" (first byte {m.first_byte:.2f} s)" if m.first_byte is not None else ""
    return f"{m.seconds:.2f} s{rate} · {m.peak_mb:,.0f} MB{first}"


def growth(by_size: dict[int, Measure]) -> str:
    timed = [(n, m.seconds) for n, m in sorted(by_size.items()) if m.seconds is not None]
    if len(timed) < 2:
        return ""
    (small, t_small), (large, t_large) = timed[0], timed[-1]
    return f"×{t_large / t_small:.1f} for ×{large / small:g} events"


def table(bench: Bench, sizes: list[int]) -> None:
    print("\n| line | " + " | ".join(f"{n:,} events" for n in sizes) + " | growth |")
    print("| --- | " + " | ".join("---" for _ in sizes) + " | --- |")
    for line in LINES:
        by_size = bench.results.get(line)
        if not by_size:
            continue
        cells = [cell(by_size[n]) if n in by_size else "" for n in sizes]
        print(f"| {line} | " + " | ".join(cells) + f" | {growth(by_size)} |")
        if line == "audit" and any(m.first_byte is not None for m in by_size.values()):
            firsts = {n: Measure(seconds=m.first_byte) for n, m in by_size.items() if m.first_byte is not None}
            cells = [f"{firsts[n].seconds:.2f} s" if n in firsts else "" for n in sizes]
            print("| audit, first byte | " + " | ".join(cells) + f" | {growth(firsts)} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per command before it is killed")
    parser.add_argument("--only", nargs="+", choices=LINES, default=[], metavar="LINE")
    parser.add_argument("--skip", nargs="+", choices=LINES, default=[], metavar="LINE")
    parser.add_argument("--views-max", type=int, default=1_000_000, help="largest size for the views line")
    parser.add_argument("--postgres", default=os.environ.get("CAPTABLE_TEST_POSTGRES"), metavar="URL")
    parser.add_argument("--workdir", type=Path, help="keep the histories and stores here (reused next time)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sizes = sorted(set(args.sizes))
    bench = Bench(args, captable_command())
    cache_bytecode()
    print(f"Python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs; captable "
          f"{version('captable')}, eventsourcing {version('eventsourcing')}, pydantic {version('pydantic')}; "
          f"command: {' '.join(bench.command)}; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    root = args.workdir or Path(tempfile.mkdtemp(prefix="bench_scale_"))
    try:
        for n in sizes:
            print(f"\n== {n:,} events; medians of {args.repeats} ==", flush=True)
            bench_size(bench, prepare_company(n, args.seed, root))
    finally:
        if args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)
    table(bench, sizes)


if __name__ == "__main__":
    main()
