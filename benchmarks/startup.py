"""Start-up of `compliance check` on one report, against the floor set by the libraries it cannot do without.

    python -m benchmarks.startup --runs 10

Three commands, each a fresh process, alternating so that noise on a shared machine hits all alike:
- check: `python -m compliance check sample_reports/haimen.yaml` (the whole command: imports, loading and
  validating the rulebook, generating the report model, reading the report, the engine, the table);
- libraries: a process that imports only the third-party modules `check` imports (`LIBRARIES`, kept true by
  tests/test_benchmarks.py) and builds one pydantic model, and does nothing else: what no change to this
  project's own code can take away;
- python: `python -c pass`, the interpreter alone.
It prints medians of wall time and of CPU time (user + system).
"""

from __future__ import annotations

import argparse
import compileall
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = "sample_reports/haimen.yaml"
# The third-party modules `compliance check` imports (their own dependencies come with them).
LIBRARIES = ("pydantic", "yaml", "orjson", "tabulate", "durable_rules_engine")
COMMANDS = {
    "check": [sys.executable, "-m", "compliance", "check", REPORT],
    "libraries": [
        sys.executable,
        "-c",
        f"import {', '.join(LIBRARIES)}\nclass M(pydantic.BaseModel):\n    x: int\nM(x=1)",
    ],
    "python": [sys.executable, "-c", "pass"],
}


def _run(command: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode('utf-8', 'replace')}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(runs: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of each command over `runs` alternating rounds."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, command in COMMANDS.items():
            times[name].append(_run(command))
    return {
        name: (statistics.median(w for w, _ in got), statistics.median(c for _, c in got))
        for name, got in times.items()
    }


def report(runs: int) -> None:
    # as pip leaves an installation: the project's modules byte-compiled (the libraries' already are), so the
    # figures do not depend on whether an earlier run could write __pycache__ (PYTHONDONTWRITEBYTECODE)
    compileall.compile_dir(ROOT / "compliance", quiet=1)
    medians = measure(runs)
    print(f"\ncompliance check {REPORT}, fresh processes, medians of {runs} (seconds)")
    print(f"{'':>10} {'wall':>6} {'cpu':>6}")
    for name, (wall, cpu) in medians.items():
        print(f"{name:>10} {wall:>6.3f} {cpu:>6.3f}")
    check, libraries = medians["check"], medians["libraries"]
    print(
        f"check's own share (check − libraries): {check[0] - libraries[0]:.3f} s wall, "
        f"{check[1] - libraries[1]:.3f} s CPU (bytecode compiled beforehand)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    report(args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
