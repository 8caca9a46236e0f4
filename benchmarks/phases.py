"""Where the product's time goes: one cProfile run of `compliance score` split into phases.

Every profiled function's own time (cProfile's `tottime`) goes to a phase:
- a function that belongs to a phase (the table `PHASES`, matched on file and name) and is reached from code
  of no phase starts that phase: its own time, and that of everything it calls, is the phase's;
- a function reached from inside a phase stays in its caller's phase, whatever it is itself: the first phase
  entered wins (a shortfall text built by the measures' code while building a result row is result building;
  orjson parsing the engine's answer is engine time, not report parsing);
- a function called from several places shares its time between its callers' phases in proportion to the
  cumulative time each caller spent in it (cProfile keeps one level of callers, not whole stacks: this is the
  usual approximation, exact whenever a function is called from one phase only; it blurs behind builtins
  called from everywhere, such as `list.extend` running a generator, which is why a phase claims whole files).
What no phase claims is `other` (reading lines, the CLI, the worker loop, writing the output), listed with its
biggest functions so a renamed hot function shows up there rather than vanishing.

Times under cProfile are inflated by the profiler (most for small, often-called functions): the shares are
the finding, not the seconds.
"""

from __future__ import annotations

import pstats
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

Func = tuple[str, int, str]  # cProfile's key: (file, line, function name)


def _in(*parts: str) -> Callable[[Func], bool]:
    return lambda f: any(part in f[0].replace("\\", "/") for part in parts)


def _named(file_part: str, *names: str, prefix: str | None = None) -> Callable[[Func], bool]:
    def match(f: Func) -> bool:
        if file_part not in f[0].replace("\\", "/"):
            return False
        return f[2] in names or (prefix is not None and f[2].startswith(prefix))

    return match


def _builtin(*parts: str) -> Callable[[Func], bool]:
    return lambda f: f[0] == "~" and any(part in f[2] for part in parts)


# (phase, predicate): the first match names a function's own phase. Phases follow issue 11's breakdown.
PHASES: tuple[tuple[str, Callable[[Func], bool]], ...] = (
    ("setup", _in("compliance/loading/rulebook.py", "<frozen importlib._bootstrap")),
    (
        "parse+validate",
        lambda f: (
            _in(
                "compliance/loading/reports.py",
                "compliance/loading/documents.py",
                "compliance/facts/report.py",
                "/pydantic/main.py",
            )(f)
            or _builtin("orjson.loads", "validate_json", "validate_python", "validate_strings")(f)
        ),
    ),
    ("derive", _in("compliance/measures/")),
    ("engine", lambda f: _in("compliance/engine/")(f) or _builtin("durable_rules_engine")(f)),
    ("results", _named("compliance/evaluate.py", "_card", "_result", "_invalid", "_worst", "counts", "status")),
    (
        "encode",
        lambda f: (
            _in("compliance/results.py")(f)
            or _named("compliance/parallel.py", prefix="encode")(f)
            or _builtin("orjson.dumps")(f)
        ),
    ),
)
ORDER = ("parse+validate", "derive", "engine", "results", "encode", "setup", "other")


def own_phase(func: Func) -> str | None:
    for phase, matches in PHASES:
        if matches(func):
            return phase
    return None


@dataclass(frozen=True)
class Breakdown:
    total: float  # seconds of profiled time (sum of every function's own time)
    phases: dict[str, float]
    biggest: dict[str, list[tuple[float, str]]]  # per phase, its functions with the most own time: (seconds, name)

    @property
    def unclaimed(self) -> list[tuple[float, str]]:
        return self.biggest.get("other", [])


def attribute(stats: pstats.Stats, rounds: int = 200) -> Breakdown:
    """Each function's own time split over phases as the module docstring says."""
    table = stats.stats  # type: ignore[attr-defined]
    own = {f: own_phase(f) for f in table}
    share: dict[Func, dict[str, float]] = {f: {own[f] or "other": 1.0} for f in table}
    for _ in range(rounds):  # callers before callees, iterated to a fixed point (recursion makes cycles)
        changed = 0.0
        for func, (_, _, _, _, callers) in table.items():
            weights = {c: edge[3] for c, edge in callers.items() if c in table and c != func}
            total = sum(weights.values())
            if not weights:
                continue  # a root keeps its own phase
            if total <= 0:
                weights = {c: float(callers[c][1]) or 1.0 for c in weights}
                total = sum(weights.values())
            mixed: dict[str, float] = defaultdict(float)
            for caller, weight in weights.items():
                for phase, part in share[caller].items():
                    # code of no phase hands over to the function it calls; a phase keeps what it calls
                    target = (own[func] or "other") if phase == "other" else phase
                    mixed[target] += part * weight / total
            changed = max(changed, *(abs(mixed.get(p, 0.0) - share[func].get(p, 0.0)) for p in {*mixed, *share[func]}))
            share[func] = dict(mixed)
        if changed < 1e-9:
            break
    phases: dict[str, float] = dict.fromkeys(ORDER, 0.0)
    within: dict[str, dict[Func, float]] = defaultdict(dict)
    for func, (_, _, tottime, _, _) in table.items():
        for phase, part in share[func].items():
            phases[phase] = phases.get(phase, 0.0) + tottime * part
            within[phase][func] = within[phase].get(func, 0.0) + tottime * part
    biggest = {
        phase: sorted(((t, _name(f)) for f, t in funcs.items()), reverse=True)[:8] for phase, funcs in within.items()
    }
    return Breakdown(sum(phases.values()), phases, biggest)


def _name(func: Func) -> str:
    path, line, name = func
    if path == "~":
        return name
    short = path.replace("\\", "/")
    for anchor in ("compliance/", "benchmarks/", "site-packages/", "lib/python"):
        if anchor in short:
            short = short[short.index(anchor) :]
            break
    return f"{short}:{line}:{name}"
