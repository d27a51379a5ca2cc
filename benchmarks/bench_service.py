"""The HTTP service under load, on loopback: latencies of `GET /state` and of one `POST /events`.

    python benchmarks/bench_service.py --events 10000 100000 --clients 1 20 --requests 1000 --posts 50

For each size: a synthetic history (``synthetic.py``, seed 1) imported with
the command line, then ``captable serve`` on 127.0.0.1 (one uvicorn worker,
the default). ``state-latest`` asks ``GET /state`` (now, with the latest
knowledge: no ETag, computed each time), ``state-mid`` asks as of the middle
of the history and ``state-end`` as of its last event (an explicit instant:
tagged, kept warm), ``state-end-304`` the same with ``If-None-Match``; each runs
``--requests`` requests spread over each ``--clients`` count (threads with
their own keep-alive connection), after 20 untimed warm-up requests.
``post`` records ``--posts`` issuances of one share to new holders after the
last event, one at a time. Medians and 99th percentiles in milliseconds, and
requests per second; each line is bounded by ``--seconds``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import COMMON, history  # noqa: E402

CAPTABLE = str(Path(sys.executable).with_name("captable"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def timed_requests(port: int, method: str, paths: list[str], bodies: list[bytes | None]) -> list[float]:
    """Each request on one keep-alive connection, in order; milliseconds each (a non-2xx stops the run)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    took = []
    for path, body in zip(paths, bodies):
        start = time.perf_counter()
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        answer = conn.getresponse()
        payload = answer.read()
        took.append((time.perf_counter() - start) * 1000)
        if answer.status >= 300:
            raise SystemExit(f"{method} {path}: {answer.status} {payload[:300]!r}")
    conn.close()
    return took


def load(port: int, path: str, clients: int, requests: int, seconds: float,
         revalidate: bool = False) -> tuple[list[float], float]:
    """``requests`` GETs of ``path`` spread over ``clients`` threads; the latencies and the wall time. With
    ``revalidate``, each sends ``If-None-Match`` with the ETag the first answer gave (a 304 when it matches)."""
    timed_requests(port, "GET", [path] * 20, [None] * 20)
    headers = {}
    if revalidate:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", path)
        first = conn.getresponse()
        first.read()
        conn.close()
        headers = {"If-None-Match": first.getheader("ETag") or '"none"'}
    share = [requests // clients + (1 if n < requests % clients else 0) for n in range(clients)]
    results: list[list[float]] = [[] for _ in range(clients)]
    deadline = time.perf_counter() + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for _ in range(share[n]):
            if time.perf_counter() > deadline:
                break
            start = time.perf_counter()
            conn.request("GET", path, headers=headers)
            answer = conn.getresponse()
            answer.read()
            results[n].append((time.perf_counter() - start) * 1000)
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [x for r in results for x in r], time.perf_counter() - started


def line(name: str, n: int, clients: int | str, took: list[float], wall: float | None = None) -> None:
    ordered = sorted(took)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    rate = f"{len(took) / wall:8.0f}/s" if wall else " " * 10
    print(f"{name:<14}{n:>9,} {clients!s:>8} {len(took):>7} {statistics.median(took):9.1f} {p99:9.1f} {rate}",
          flush=True)


def bench(n: int, args: argparse.Namespace, root: Path) -> None:
    lines = history(n, 1)
    source = root / f"h{n}.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = root / f"s{n}.db"
    subprocess.run([CAPTABLE, "--db", str(store), "import", str(source), "--json"], check=True,
                   stdout=subprocess.DEVNULL)
    middle = json.loads(lines[len(lines) // 2])["effective"]
    last = datetime.fromisoformat(json.loads(lines[-1])["effective"])
    port = free_port()
    server = subprocess.Popen([CAPTABLE, "--db", str(store), "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        end = last.isoformat().replace("+", "%2B")
        for name, path, revalidate in (("state-latest", "/state", False),
                                       ("state-mid", f"/state?as_of={middle.replace('+', '%2B')}", False),
                                       ("state-end", f"/state?as_of={end}", False),
                                       ("state-end-304", f"/state?as_of={end}", True)):
            for clients in args.clients:
                took, wall = load(port, path, clients, args.requests, args.seconds, revalidate)
                line(name, n, clients, took, wall)
        posts = [json.dumps({"type": "SharesIssued", "id": f"bench-post-{k}", "class": COMMON,
                             "effective": (last + timedelta(days=1 + k)).isoformat(), "holder": f"Bench Holder {k}",
                             "shares": 1, "price_per_share": "50.00"}).encode() for k in range(args.posts)]
        line("post", n, 1, timed_requests(port, "POST", ["/events"] * len(posts), posts))
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[10000])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120.0, help="the most one line may take")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="captable-service-"))
    print(f"{'line':<14}{'events':>9} {'clients':>8} {'count':>7} {'p50 ms':>9} {'p99 ms':>9} {'rate':>10}")
    try:
        for n in args.events:
            bench(n, args, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
