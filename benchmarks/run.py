"""End-to-end scoring benchmark with a same-run plain-Python baseline.

    python -m benchmarks.run                      # 1k, 10k and 100k units, --workers 2, medians of 3 runs
    python -m benchmarks.run --sizes 1000 --repeat 5 --workers 1

For each size it generates benchmarks/data/<N>.jsonl once (seeded), then alternates, in fresh processes:
- engine: `compliance score FILE --format jsonl --workers W --output OUT` (read JSON Lines, validate, derive,
  durable_rules, write JSON Lines), wall time including interpreter start-up;
- baseline: benchmarks.baseline on the same file in one process (same reading and deriving, verdicts from
  Python operators), writing one JSON line of counts per unit.
It prints units per second, peak memory and the ratio engine time / baseline time (above 1: the engine path
is slower), both in wall time and in CPU time summed over all processes (the fair per-core comparison).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    parent_kb: int
    worker_kb: int
    code: int


def _one(kind: str, path: str, out: str, workers: int) -> int:
    """Inside a fresh process: one run, then its resource use as JSON on stdout."""
    start = time.perf_counter()
    if kind == "engine":
        from compliance.cli import main

        code = main(["score", path, "--format", "jsonl", "--workers", str(workers), "--output", out])
    else:
        import orjson

        from benchmarks.baseline import score_paths

        with open(out, "wb") as handle:
            for verdict in score_paths([path]):
                handle.write(orjson.dumps([verdict.source, verdict.status, verdict.counts]) + b"\n")
        code = 0
    wall = time.perf_counter() - start
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
                "parent_kb": me.ru_maxrss,
                "worker_kb": kids.ru_maxrss,
                "code": code,
            }
        )
    )
    return 0


def measure(kind: str, path: Path, workers: int) -> Run:
    out = DATA / f".bench-{kind}.out"
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--one", kind, "--workers", str(workers), str(path), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{done.stderr}")
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    out.unlink(missing_ok=True)
    return Run(wall, stats["cpu"], stats["parent_kb"], stats["worker_kb"], stats["code"])


def ensure_data(units: int, seed: int) -> Path:
    path = DATA / f"{units}-seed{seed}.jsonl"
    if not path.exists():
        from benchmarks.generate import write

        write(path, units, seed)
    return path


def _mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--one", choices=("engine", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        return _one(args.one, args.files[0], args.files[1], args.workers)

    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; engine --workers {args.workers}; "
        f"median of {args.repeat} runs, wall time includes start-up",
        flush=True,
    )
    header = (
        f"{'units':>8} {'engine s':>9} {'units/s':>8} {'peak parent':>11} {'peak worker':>11} {'peak total≤':>11}"
        f" {'baseline s':>10} {'base u/s':>9} {'wall ratio':>10} {'cpu ratio':>9}"
    )
    print(header)
    for units in args.sizes:
        path = ensure_data(units, args.seed)
        engine: list[Run] = []
        baseline: list[Run] = []
        for _ in range(args.repeat):  # alternate, so noise on this shared machine hits both alike
            engine.append(measure("engine", path, args.workers))
            baseline.append(measure("baseline", path, args.workers))
        e_wall = statistics.median(r.wall for r in engine)
        b_wall = statistics.median(r.wall for r in baseline)
        e_cpu = statistics.median(r.cpu for r in engine)
        b_cpu = statistics.median(r.cpu for r in baseline)
        parent = max(r.parent_kb for r in engine)
        worker = max(r.worker_kb for r in engine)
        total = parent + (worker * args.workers if args.workers > 1 else 0)
        print(
            f"{units:>8} {e_wall:>9.2f} {units / e_wall:>8.0f} {_mb(parent):>11} {_mb(worker):>11} {_mb(total):>11}"
            f" {b_wall:>10.2f} {units / b_wall:>9.0f} {e_wall / b_wall:>9.2f}x {e_cpu / b_cpu:>8.2f}x",
            flush=True,
        )
    print(
        "ratio = engine path time / plain-Python baseline time on the same reports in the same run "
        "(above 1: the engine path is slower). peak total≤ = parent + workers × largest worker (an upper bound)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
