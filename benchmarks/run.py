"""End-to-end scoring benchmark against an independent minimal evaluator and against parsing alone.

    python -m benchmarks.run                      # 1k, 10k and 100k units, product --workers 2, medians of 3
    python -m benchmarks.run --sizes 10000 --repeat 5 --workers 1 --profile-size 10000

For each size it generates benchmarks/data/<N>-seed<S>.jsonl once (seeded, benchmarks/generate.py), then runs,
each in a fresh process and alternating so that noise on a shared machine hits all alike:
- product: `compliance score FILE --format jsonl --workers W --output OUT` (read JSON Lines, validate, derive,
  durable_rules, build results, write JSON Lines);
- minimal: benchmarks/minimal.py on the same file in one process (orjson dicts, the same verdicts from plain
  Python, no project code; it writes one JSON line [source, status, counts] per unit);
- orjson: `orjson.loads` of every line and nothing else (the floor: reading and parsing the input);
- assess (unless --no-assess): `compliance assess FILE --format json --workers W --time … --output OUT`, the
  year-end assessment of the same reports (scores, grades, ranks, rectification lists), in its own table with
  its peak memory, since issue 11 sets it a time and a memory target of its own.
Each run reports its wall time (the parent's clock around the whole process, interpreter start-up included),
its CPU time (user + system of the process and all its children: the workers) and its peak memory (largest
resident set of the process and of any one child). The tables give medians over `--repeat` runs and the ratios
product / minimal and product / orjson, in wall and in CPU time: CPU is the fair per-core comparison (the product
may use W workers, the others use one).

Then `compliance check` on one report against the libraries it imports (benchmarks/startup.py), and one
profiled run: the product with `--workers 1` under cProfile on `--profile-size` units, in a fresh
process, its time split into phases by benchmarks/phases.py. Each function's own time goes to the first phase
entered on the way to it, so nothing is counted twice: parse+validate is compliance/loading/reports.py and
documents.py, compliance/facts/report.py, pydantic's validate_json/model_validate* and orjson.loads; derive is
compliance/measures/*; engine is compliance/engine/* and durable_rules_engine; results is the result-building
functions of compliance/evaluate.py (_card, _result, _invalid, ...); encode is compliance/results.py,
compliance/parallel.py encode_* and orjson.dumps; setup is loading the rulebook and imports; other is the rest
(the CLI, the worker loop, writing), listed with its biggest functions. A function called from several phases
is shared in proportion to each caller's cumulative time in it (cProfile keeps one level of callers).
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
KINDS = ("product", "minimal", "orjson", "assess")
RUN_TIME = "2019-02-01T00:00:00Z"  # assess's audit header: a fixed time, so every run writes the same bytes


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    self_kb: int
    child_kb: int


@dataclass(frozen=True)
class Row:
    """One size: medians of wall and CPU seconds, and peak memory (KB of the process, of its largest child)."""

    units: int
    wall: dict[str, float]
    cpu: dict[str, float]
    peak: dict[str, tuple[int, int]]


def _one(kind: str, path: str, out: str, workers: int) -> int:
    """Inside a fresh process: one run, then its resource use as JSON on the last line of stdout."""
    if kind == "product":
        from compliance.cli import main

        code = main(["score", path, "--format", "jsonl", "--workers", str(workers), "--output", out])
        if code not in (0, 1):
            return code
    elif kind == "assess":
        from compliance.cli import main

        code = main(
            ["assess", path, "--format", "json", "--workers", str(workers), "--time", RUN_TIME, "--output", out]
        )
        if code not in (0, 1):
            return code
    elif kind == "minimal":
        from benchmarks.minimal import main as minimal_main

        minimal_main([path, "--output", out])
        if "compliance" in sys.modules:  # the baseline must not lean on the product
            raise SystemExit("benchmarks.minimal imported compliance")
    else:
        import orjson

        parsed = 0
        with open(path, "rb") as handle:
            for line in handle:
                if line.strip():
                    try:
                        orjson.loads(line)
                        parsed += 1
                    except orjson.JSONDecodeError:
                        pass
        Path(out).write_text(f"{parsed}\n", encoding="utf-8")
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    print(json.dumps({"cpu": cpu, "self_kb": me.ru_maxrss, "child_kb": kids.ru_maxrss}))
    return 0


def _profile(path: str, out: str, stats: str) -> int:
    """Inside a fresh process: the product with one worker under cProfile, the stats dumped to `stats`."""
    import cProfile

    from compliance.cli import main

    profiler = cProfile.Profile()
    code = profiler.runcall(main, ["score", path, "--format", "jsonl", "--workers", "1", "--output", out])
    profiler.dump_stats(stats)
    return 0 if code in (0, 1) else code


def _child(args: list[str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", *args], capture_output=True, text=True, check=False, cwd=_root()
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark run {args[:2]} failed:\n{done.stderr}")
    return done.stdout


def _root() -> Path:
    return Path(__file__).resolve().parent.parent


def measure(kind: str, path: Path, workers: int) -> Run:
    out = path.with_name(f".bench-{kind}.out")
    start = time.perf_counter()
    stdout = _child(["--one", kind, "--workers", str(workers), str(path), str(out)])
    wall = time.perf_counter() - start
    stats = json.loads(stdout.strip().splitlines()[-1])
    out.unlink(missing_ok=True)
    return Run(wall, stats["cpu"], stats["self_kb"], stats["child_kb"])


def ensure_data(units: int, seed: int, data: Path = DATA) -> Path:
    path = data / f"{units}-seed{seed}.jsonl"
    if not path.exists():
        from benchmarks.generate import write

        write(path, units, seed)
    return path


def _mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


def profile(path: Path, units: int) -> None:
    import pstats

    from benchmarks.phases import ORDER, attribute

    out, stats_file = path.with_name(".bench-profile.out"), path.with_name(".bench-profile.pstats")
    _child(["--profile", "--workers", "1", str(path), str(out), str(stats_file)])
    found = attribute(pstats.Stats(str(stats_file)))
    out.unlink(missing_ok=True)
    stats_file.unlink(missing_ok=True)
    print(f"\nper-phase breakdown: compliance score {path.name} --format jsonl --workers 1, under cProfile")
    print(f"{'phase':<16} {'seconds':>8} {'share':>6} {'of scoring':>10} {'µs/unit':>8}")
    scoring = found.total - found.phases.get("setup", 0.0)
    for phase in ORDER:
        seconds = found.phases.get(phase, 0.0)
        of_scoring = "" if phase == "setup" else f"{seconds / scoring:.1%}"
        print(
            f"{phase:<16} {seconds:>8.2f} {seconds / found.total:>6.1%} {of_scoring:>10} {seconds * 1e6 / units:>8.0f}"
        )
    print(f"{'total':<16} {found.total:>8.2f} {1:>6.0%} {'':>10} {found.total * 1e6 / units:>8.0f}")
    print("\nbiggest own times in each phase (a hot function renamed by a change shows up under other):")
    for phase in ORDER:
        top = "; ".join(f"{name} {seconds:.2f}" for seconds, name in found.biggest.get(phase, [])[:3])
        print(f"{phase:<16} {top}")
    print("(cProfile inflates every time, most for small, often-called functions: read the shares.)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="the product's --workers")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--profile-size", type=int, default=10_000, help="units in the profiled run (0: none)")
    parser.add_argument(
        "--data", type=Path, default=DATA, help="where generated reports are kept (default: %(default)s)"
    )
    parser.add_argument("--no-assess", action="store_true", help="leave out `compliance assess`")
    parser.add_argument(
        "--startup-runs", type=int, default=10, help="runs of `compliance check` start-up (benchmarks.startup; 0: none)"
    )
    parser.add_argument("--one", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        return _one(args.one, args.files[0], args.files[1], args.workers)
    if args.profile:
        return _profile(*args.files)
    if args.repeat < 1 or any(size < 1 for size in args.sizes):
        parser.error("--sizes and --repeat must be at least 1")

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {os.cpu_count()} cores, load average {load:.1f} at start, Python {sys.version.split()[0]}; "
        f"product --workers {args.workers}; medians of {args.repeat} runs, each a fresh process "
        "(wall includes interpreter start-up)",
        flush=True,
    )
    kinds = tuple(kind for kind in KINDS if kind != "assess" or not args.no_assess)
    rows: list[Row] = []
    for units in args.sizes:
        path = ensure_data(units, args.seed, args.data)
        runs: dict[str, list[Run]] = {kind: [] for kind in kinds}
        for _ in range(args.repeat):  # alternate, so noise on a shared machine hits every kind alike
            for kind in kinds:
                runs[kind].append(measure(kind, path, args.workers))
        wall = {kind: statistics.median(r.wall for r in runs[kind]) for kind in kinds}
        cpu = {kind: statistics.median(r.cpu for r in runs[kind]) for kind in kinds}
        peak = {kind: (max(r.self_kb for r in runs[kind]), max(r.child_kb for r in runs[kind])) for kind in kinds}
        rows.append(Row(units, wall, cpu, peak))
        _print_time(rows[-1], first=len(rows) == 1)
    print(
        "\nwall ×, cpu × = product time / other time on the same reports in the same run (above 1: the product is "
        "slower); µs/unit = CPU time per unit (all processes)."
    )
    print(f"\n{'units':>8} {'product parent':>14} {'worker':>8} {'total≤':>8} {'minimal':>8} {'orjson':>8}")
    for row in rows:
        units, peak = row.units, row.peak
        parent, worker = peak["product"]
        total = parent + (worker * args.workers if args.workers > 1 else 0)
        print(
            f"{units:>8} {_mb(parent):>14} {_mb(worker):>8} {_mb(total):>8} "
            f"{_mb(peak['minimal'][0]):>8} {_mb(peak['orjson'][0]):>8}"
        )
    print("peak resident memory; total≤ = parent + workers × the largest worker (an upper bound).")
    if not args.no_assess:
        _print_assess(rows, args.workers)
    if args.startup_runs:
        from benchmarks.startup import report

        report(args.startup_runs)
    if args.profile_size:
        profile(ensure_data(args.profile_size, args.seed, args.data), args.profile_size)
    return 0


def _print_assess(rows: list[Row], workers: int) -> None:
    print(f"\ncompliance assess FILE --format json --workers {workers} (the same reports; medians, peak memory)")
    print(f"{'units':>8} {'wall s':>8} {'cpu s':>7} {'µs/unit':>7} {'parent':>8} {'worker':>8} {'total≤':>8}")
    for row in rows:
        parent, worker = row.peak["assess"]
        total = parent + (worker * workers if workers > 1 else 0)
        print(
            f"{row.units:>8} {row.wall['assess']:>8.2f} {row.cpu['assess']:>7.2f}"
            f" {row.cpu['assess'] * 1e6 / row.units:>7.0f} {_mb(parent):>8} {_mb(worker):>8} {_mb(total):>8}"
        )


def _print_time(row: Row, first: bool) -> None:
    if first:
        print(
            f"\n{'units':>8} {'product s':>9} {'cpu s':>7} {'µs/unit':>7} {'minimal s':>9} {'cpu s':>7}"
            f" {'µs/unit':>7} {'orjson s':>8} {'cpu s':>6}"
            f" {'wall ×min':>9} {'cpu ×min':>8} {'wall ×orj':>9} {'cpu ×orj':>8}"
        )
    units, wall, cpu = row.units, row.wall, row.cpu
    print(
        f"{units:>8} {wall['product']:>9.2f} {cpu['product']:>7.2f} {cpu['product'] * 1e6 / units:>7.0f}"
        f" {wall['minimal']:>9.2f} {cpu['minimal']:>7.2f} {cpu['minimal'] * 1e6 / units:>7.0f}"
        f" {wall['orjson']:>8.2f} {cpu['orjson']:>6.2f}"
        f" {wall['product'] / wall['minimal']:>8.2f}x {cpu['product'] / cpu['minimal']:>7.2f}x"
        f" {wall['product'] / wall['orjson']:>8.2f}x {cpu['product'] / cpu['orjson']:>7.2f}x",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
