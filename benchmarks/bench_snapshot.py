"""What a persisted checkpoint of the fold costs to write and to read back.

    python benchmarks/bench_snapshot.py [--events 100000] [--repeats 15] [--seed 1]

Imports a synthetic company (``benchmarks/synthetic.py``) into a temporary
SQLite store, takes its state at the end and half-way through the history,
and prints the MEDIAN over ``--repeats`` of ``snapshot.dumps``, ``snapshot.loads``
and their size, against ``CompanyState.copy()`` (the in-memory checkpoint)
and against folding the loaded history from the start to the same instant
(what a checkpoint saves), all measured in this run. Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthetic import history  # noqa: E402

from captable.intake import read_lines  # noqa: E402
from captable.ledger import Ledger  # noqa: E402
from projections import snapshot  # noqa: E402

END = datetime.max.replace(tzinfo=timezone.utc)


def median_ms(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    start = time.perf_counter()
    fingerprint = snapshot.FINGERPRINT
    print(f"FINGERPRINT {fingerprint[:16]}… over {len(snapshot.fold_sources())} files: "
          f"{(time.perf_counter() - start) * 1000:.1f} ms, once per process")

    with tempfile.TemporaryDirectory() as folder:
        ledger = Ledger(str(Path(folder) / "store.db"))
        ledger.import_events(read_lines(history(args.events, args.seed)))
        loaded = ledger.history(ledger.company(None))
        ledger.close()
    timeline = loaded.timeline(END)
    instants = timeline.instants
    print(f"{args.events} events, medians of {args.repeats}")
    print(f"{'state at':<10} {'bytes':>10} {'copy ms':>9} {'dumps ms':>9} {'loads ms':>9} "
          f"{'dumps/copy':>11} {'loads/copy':>11} {'fold ms':>9} {'fold/loads':>11}")
    for label, instant in (("middle", instants[len(instants) // 2]), ("end", END)):
        fold_ms, state = median_ms(lambda: timeline.state_at(instant), max(3, args.repeats // 5))
        copy_ms, _ = median_ms(state.copy, args.repeats)
        dumps_ms, data = median_ms(lambda: snapshot.dumps(state), args.repeats)
        loads_ms, back = median_ms(lambda: snapshot.loads(data), args.repeats)
        assert back == state, "a snapshot read back differs from the state written"
        print(f"{label:<10} {len(data):>10,} {copy_ms:>9.2f} {dumps_ms:>9.2f} {loads_ms:>9.2f} "
              f"{dumps_ms / copy_ms:>10.1f}x {loads_ms / copy_ms:>10.1f}x {fold_ms:>9.1f} "
              f"{fold_ms / loads_ms:>10.1f}x")
    print("fold ms: folding the loaded entries from the start to the same instant (what loads replaces)")


if __name__ == "__main__":
    main()
