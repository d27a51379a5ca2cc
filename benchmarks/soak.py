"""A longer soak of the reliability suite: more kills, more writers, more fuzz examples.

    python benchmarks/soak.py [--kills 40] [--writers 8] [--fuzz 5000]

It runs the suite's own reliability, tamper and fuzz tests (both stores when
``CAPTABLE_TEST_POSTGRES`` names a server, as ``.ci/run`` sets it) with larger
counts, prints the counts each test reports, and exits with pytest's status.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ["tests/test_reliability.py", "tests/test_tamper.py", "tests/test_fuzz_events.py", "tests/test_fuzz_cli.py"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=40, help="imports killed with SIGKILL, per store")
    parser.add_argument("--writers", type=int, default=8, help="concurrent writers, per store")
    parser.add_argument("--fuzz", type=int, default=5000, help="examples per fuzzer")
    args = parser.parse_args(argv)
    env = {**os.environ, "CAPTABLE_SOAK_KILLS": str(args.kills), "CAPTABLE_SOAK_WRITERS": str(args.writers),
           "CAPTABLE_FUZZ_EXAMPLES": str(args.fuzz)}
    env.setdefault("CAPTABLE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    present = [t for t in TESTS if (ROOT / t).exists()]
    print(f"soak: {args.kills} kills and {args.writers} writers per store, {args.fuzz} examples per fuzzer; "
          f"{', '.join(present)}", flush=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
                           "--hypothesis-show-statistics", *present], cwd=ROOT, env=env, text=True,
                          capture_output=True)
    for line in done.stdout.splitlines():
        if any(word in line for word in ("kills", "writers", "passing examples", "detected", "passed", "failed",
                                         "Error", "assert")):
            print(line)
    print(f"soak: {time.perf_counter() - started:.0f} s, pytest exit status {done.returncode}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
