"""The page for people on a large history: how long finding the neighbouring event days takes, and the page.

    python benchmarks/bench_page.py --events 100000 --repeat 5

A synthetic history (``synthetic.py``, seed 1) is imported with the command line into a temporary
store; then ``front_page.steps`` (the previous and next event days around a day in the middle of the
history) and ``front_page.render`` (the whole page at that day) run ``--repeat`` times each, after one
untimed question that catches the store's cache up. Medians in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import history  # noqa: E402

CAPTABLE = str(Path(sys.executable).with_name("captable"))


def median_ms(ask: Callable[[], Any], repeat: int) -> float:
    took = []
    for _ in range(repeat):
        start = time.perf_counter()
        ask()
        took.append((time.perf_counter() - start) * 1000)
    return statistics.median(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import captable
    from captable import front_page

    root = Path(tempfile.mkdtemp(prefix="captable-page-"))
    try:
        lines = history(args.events, 1)
        source = root / "history.jsonl"
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        store = root / "store.db"
        subprocess.run([CAPTABLE, "--db", str(store), "import", str(source), "--json"], check=True,
                       stdout=subprocess.DEVNULL)
        middle = json.loads(lines[len(lines) // 2])["effective"][:10]
        with captable.open(store) as books:
            company = books.companies()[0]
            books.state(middle, company=company)
            day = front_page.shown_day(middle)
            steps = median_ms(lambda: front_page.steps(books, company, day), args.repeat)
            page = median_ms(lambda: front_page.render(books, company, middle), args.repeat)
        print(f"{args.events:,} events, around {middle}: steps {steps:.1f} ms, page {page:.1f} ms (medians of "
              f"{args.repeat})")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
