"""The HTTP service under load, on loopback: latencies of its questions and of one `POST /events`.

    python benchmarks/bench_service.py --events 10000 100000 1000000 --clients 1 20 --rate-ms 100 \\
        --store-dir /tmp/captable-bench --workers 2

For each size: a synthetic history (``synthetic.py``, seed 1) imported with the command line, once: with
``--store-dir`` the store is kept there and reused by the next run (the import takes about 90 s at 1M events
into SQLite); then ``captable serve`` on 127.0.0.1 with ``--workers`` processes. Each line runs its requests
over each ``--clients`` count, each client with its own keep-alive connection, two ways:

- closed loop (``closed``): each client sends its next request when the last is answered (saturation);
- offered rate (``every Nms``): each client sends one request every ``--rate-ms`` milliseconds, on schedule;
  a request's latency counts from when it was due, so a server that falls behind is not flattered.

The load generator is one asyncio loop writing raw HTTP/1.1 on sockets (no HTTP library): it costs little
beside the server on the same cores. Lines: ``state-fixed`` (``/state?as_of=`` the last event's instant: a
kept answer after the first), ``state-fixed-304`` (the same with ``If-None-Match``), ``state-varying``
(``as_of`` a different event's instant each request: computed from the warm books, never a kept answer),
``state-now`` (``/state``: no tag, computed), ``quote-varying`` (``/exercise-quote`` at a different instant
each request), ``notices-fixed`` (``/notices?as_of=`` the last instant), and ``post`` (``--posts`` issuances
appended after the last event, one at a time, each answered before the next). Medians and 99th percentiles
in milliseconds and requests per second; each line is bounded by ``--requests`` and ``--seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import COMMON, history  # noqa: E402

CAPTABLE = str(Path(sys.executable).with_name("captable"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Connection:
    """One keep-alive HTTP/1.1 connection, raw: a request written, the status line, the headers and exactly
    Content-Length bytes read back."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port, limit=2**26))

    async def ask(self, method: str, path: str, headers: dict[str, str] | None = None,
                  body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        answered = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)}
        payload = await self.reader.readexactly(int(answered.get("content-length", "0")))
        return int(status_line.split()[1]), answered, payload

    def close(self) -> None:
        self.writer.close()


async def run_line(port: int, paths: Callable[[], str], clients: int, requests: int, seconds: float,
                   every: float | None, headers: dict[str, str] | None = None) -> tuple[list[float], float]:
    """``requests`` GETs spread over ``clients`` connections, closed loop (``every`` None) or one per client
    every ``every`` seconds; the latencies in ms (from when each was due) and the wall time."""
    connections = [await Connection.open(port) for _ in range(clients)]
    took: list[float] = []
    share = [requests // clients + (1 if n < requests % clients else 0) for n in range(clients)]
    started = time.perf_counter()
    deadline = started + seconds

    async def client(n: int) -> None:
        await asyncio.sleep((every or 0) * n / clients)  # offered load spread evenly over the interval
        due = time.perf_counter()
        for _ in range(share[n]):
            if every is not None:
                now = time.perf_counter()
                if due > now:
                    await asyncio.sleep(due - now)
            start = due if every is not None else time.perf_counter()
            if start > deadline:
                return
            status, _, body = await connections[n].ask("GET", paths(), headers)
            took.append((time.perf_counter() - start) * 1000)
            if status not in (200, 304):
                raise SystemExit(f"GET: {status} {body[:300]!r}")
            if every is not None:
                due += every

    await asyncio.gather(*(client(n) for n in range(clients)))
    wall = time.perf_counter() - started
    for c in connections:
        c.close()
    return took, wall


async def posts(port: int, bodies: list[bytes], seconds: float) -> list[float]:
    connection = await Connection.open(port)
    took = []
    deadline = time.perf_counter() + seconds
    for body in bodies:
        if time.perf_counter() > deadline:
            break
        start = time.perf_counter()
        status, _, answer = await connection.ask("POST", "/events", body=body)
        took.append((time.perf_counter() - start) * 1000)
        if status != 201:
            raise SystemExit(f"POST /events: {status} {answer[:300]!r}")
    connection.close()
    return took


def line(name: str, n: int, clients: int | str, mode: str, took: list[float], wall: float | None = None) -> None:
    if not took:
        print(f"{name:<16}{n:>10,} {clients!s:>8} {mode:>11}   (no request finished in the time allowed)", flush=True)
        return
    ordered = sorted(took)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    rate = f"{len(took) / wall:8.0f}/s" if wall else " " * 10
    print(f"{name:<16}{n:>10,} {clients!s:>8} {mode:>11} {len(took):>7} {statistics.median(took):9.1f} {p99:9.1f} "
          f"{rate}", flush=True)


def store_for(n: int, root: Path) -> tuple[Path, list[str]]:
    """The store of ``n`` synthetic events and their lines: made once, reused while ``root`` keeps them."""
    source, store, done = root / f"h{n}.jsonl", root / f"s{n}.db", root / f"s{n}.done"
    if not done.exists():
        for stale in root.glob(f"s{n}.db*"):
            stale.unlink()
        started = time.perf_counter()
        source.write_text("\n".join(history(n, 1)) + "\n", encoding="utf-8")
        generated = time.perf_counter()
        subprocess.run([CAPTABLE, "--db", str(store), "import", str(source), "--json"], check=True,
                       stdout=subprocess.DEVNULL)
        done.write_text(f"generate {generated - started:.0f} s import {time.perf_counter() - generated:.0f} s\n")
    print(f"# {n:,} events: {done.read_text().strip()}", flush=True)
    with source.open(encoding="utf-8") as lines:
        return store, lines.read().splitlines()


def cycling(texts: list[str]) -> Callable[[], str]:
    items: Iterator[str] = itertools.cycle(texts)
    return lambda: next(items)


def bench(n: int, args: argparse.Namespace, root: Path) -> None:
    store, lines = store_for(n, root)
    if not args.keep_store:  # the posts below add events: work on a copy, so that the next run starts alike
        copy = root / f"run{n}.db"
        for stale in root.glob(f"run{n}.db*"):
            stale.unlink()
        shutil.copyfile(store, copy)
        store = copy
    instants = [json.loads(text)["effective"] for text in lines[len(lines) // 10::max(1, len(lines) // 5000)]]
    del lines[:-1]
    last = datetime.fromisoformat(json.loads(lines[-1])["effective"])
    end = quote(last.isoformat())
    port = free_port()
    started = time.perf_counter()
    workers = ["--workers", str(args.workers)] if args.workers > 1 else []  # a service without the option too
    # the rate limit lifted by environment, which a service older than the limit ignores
    server = subprocess.Popen([CAPTABLE, "--db", str(store), "serve", "--port", str(port), *workers],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "CAPTABLE_RATE_LIMIT": "0"})
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        asyncio.run(warm_up(port, end, args.workers))
        print(f"# {n:,} events: serving and warm after {time.perf_counter() - started:.1f} s", flush=True)
        varying = [f"/state?as_of={quote(i)}" for i in instants]
        quotes = [f"/exercise-quote?warrant=W-1&shares=1&at={quote(i)}" for i in instants]
        tag = asyncio.run(etag_of(port, f"/state?as_of={end}"))
        chosen = {"state-fixed": (cycling([f"/state?as_of={end}"]), None),
                  "state-fixed-304": (cycling([f"/state?as_of={end}"]), {"If-None-Match": tag}),
                  "state-varying": (cycling(varying), None),
                  "state-now": (cycling(["/state"]), None),
                  "quote-varying": (cycling(quotes), None),
                  "notices-fixed": (cycling([f"/notices?as_of={end}"]), None)}
        for name in args.lines:
            if name == "post":
                continue
            paths, headers = chosen[name]
            for clients in args.clients:
                modes = [("closed", None)] + ([(f"every {args.rate_ms}ms", args.rate_ms / 1000)]
                                              if args.rate_ms else [])
                for mode, every in modes:
                    took, wall = asyncio.run(run_line(port, paths, clients, args.requests, args.seconds, every,
                                                      headers))
                    line(name, n, clients, mode, took, wall)
        if "post" in args.lines:
            bodies = [json.dumps({"type": "SharesIssued", "id": f"bench-post-{k}", "class": COMMON,
                                  "effective": (last + timedelta(days=1 + k)).isoformat(),
                                  "holder": f"Bench Holder {k}", "shares": 1,
                                  "price_per_share": "50.00"}).encode() for k in range(args.posts)]
            line("post", n, 1, "closed", asyncio.run(posts(port, bodies, args.seconds)))
    finally:
        server.terminate()
        server.wait(timeout=60)


async def warm_up(port: int, end: str, workers: int) -> None:
    """Every worker's books warmed: rounds of new connections at once (the kernel hands them to whichever
    worker accepts) until three rounds in a row are each answered within a second, so that no line below
    pays for a worker reading the history."""
    quick = 0
    while quick < 3:
        connections = [await Connection.open(port) for _ in range(4 * workers)]
        started = time.perf_counter()
        await asyncio.gather(*(c.ask("GET", f"/state?as_of={end}") for c in connections))
        quick = quick + 1 if time.perf_counter() - started < 1.0 else 0
        for c in connections:
            c.close()


async def etag_of(port: int, path: str) -> str:
    connection = await Connection.open(port)
    _, headers, _ = await connection.ask("GET", path)
    connection.close()
    return headers.get("etag", '"none"')


LINES = ["state-fixed", "state-fixed-304", "state-varying", "state-now", "quote-varying", "notices-fixed", "post"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[10000])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--requests", type=int, default=1000, help="the most requests one line sends")
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--rate-ms", type=int, default=100,
                        help="the offered-rate lines: each client asks every this many ms (0: none)")
    parser.add_argument("--workers", type=int, default=1, help="captable serve --workers")
    parser.add_argument("--seconds", type=float, default=60.0, help="the most one line may take")
    parser.add_argument("--lines", nargs="+", default=LINES, choices=LINES)
    parser.add_argument("--store-dir", type=Path, help="keep the stores here and reuse them (default: a "
                                                        "temporary directory, removed)")
    parser.add_argument("--keep-store", action="store_true", help="post into the kept store itself, not a copy")
    args = parser.parse_args()
    root = args.store_dir or Path(tempfile.mkdtemp(prefix="captable-service-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"{'line':<16}{'events':>10} {'clients':>8} {'mode':>11} {'count':>7} {'p50 ms':>9} {'p99 ms':>9} "
          f"{'rate':>10}", flush=True)
    try:
        for n in args.events:
            bench(n, args, root)
    finally:
        if args.store_dir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
