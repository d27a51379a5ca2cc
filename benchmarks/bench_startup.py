"""How long a command takes to start, as a user runs it: whole processes, beside ``python -c pass``.

    python benchmarks/bench_startup.py                    # this checkout, 15 runs each
    python benchmarks/bench_startup.py --before 8be28dd   # and another commit, interleaved in the same run

Each line is a fresh process of the project's interpreter; the runs of the
different trees are interleaved, so that whatever else loads the machine
loads them alike. A tree other than this checkout is exported with
``git archive`` and put first on ``PYTHONPATH``; every process runs in a
temporary folder, since ``python -c`` puts its working folder before it. Medians, with the ratio to
``python -c pass`` and, with ``--before``, after ÷ before.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUNIPER = ROOT / "fixtures" / "juniper_1997" / "events.jsonl"
RUN_CLI = "import sys; from captable.cli import main; sys.argv[0] = 'captable'; main()"  # as the script does


def timed(argv: list[str], env: dict[str, str], cwd: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def export(commit: str, into: Path) -> Path:
    """The packages of ``commit``, outside this checkout."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "captable", "projections"],
                             check=True, capture_output=True).stdout
    into.mkdir()
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--before", metavar="COMMIT", help="also measure this commit, interleaved")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        trees = {"after": ROOT}
        if args.before:
            trees = {"before": export(args.before, Path(work) / "before"), **trees}
        store = str(Path(work) / "juniper.db")
        python = [sys.executable, "-c", RUN_CLI]
        base_env = {**os.environ, "CAPTABLE_ACTOR": "bench"}
        subprocess.run([*python, "--db", store, "import", str(JUNIPER)], env=base_env, check=True,
                       stdout=subprocess.DEVNULL)
        lines = {
            "captable --help": ["--help"],
            "captable state --as-of 2000-07-01 (Juniper)": ["--db", store, "state", "--as-of", "2000-07-01"],
            "captable notices (Juniper)": ["--db", store, "notices"],
        }
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.runs):
            times.setdefault(("python -c pass", ""), []).append(timed([sys.executable, "-c", "pass"], base_env, work))
            for label, argv in lines.items():
                for tree, path in trees.items():
                    env = {**base_env, "PYTHONPATH": str(path)}
                    times.setdefault((label, tree), []).append(timed([*python, *argv], env, work))

    floor = statistics.median(times[("python -c pass", "")])
    print(f"{sys.version.split()[0]}, {args.runs} runs each, medians; python -c pass: {floor * 1000:.0f} ms")
    print(f"{'command':46} " + " ".join(f"{tree:>16}" for tree in trees) + ("   after/before" if args.before else ""))
    for label in lines:
        medians = {tree: statistics.median(times[(label, tree)]) for tree in trees}
        cells = " ".join(f"{m * 1000:7.0f} ms ×{m / floor:5.1f}" for m in medians.values())
        ratio = f"   {medians['after'] / medians['before']:.2f}" if args.before else ""
        print(f"{label:46} {cells}{ratio}")


if __name__ == "__main__":
    main()
