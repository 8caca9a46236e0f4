"""The only module that touches durable_rules 2.0.28 (see shared/notes/durable-rules.md).

Shape, chosen for the engine's measured sharp edges:
- rulesets of at most CHECKS_PER_RULESET checks (more rules in one ruleset hang it: 512 conditions fill its
  hash table), as many as the rulebook needs, in one process with no Host (no timer threads, no registry);
- each check becomes a pass rule and a fail rule on integer-keyed facts {id, u, r, k, v}
  (integers: string values and field names are compared by a 32-bit hash);
- a batch of units goes in as few `assert_facts` calls as FACTS_PER_CALL allows, each under one session
  id, and each rule fires once per call with every fact it matched (`cap`), so Python work does not grow
  per fact;
- every fact carries an `id` (its place in the call): without one the engine names a fact by a hash of its
  content and files it under a 32-bit hash of that name, so two different facts could collide and the second
  be dropped as "already seen" (it happened at ~40,000 facts in one call). Ids 0..FACTS_PER_CALL-1 and the
  sentinel's have distinct 32-bit hashes (tests/test_engine.py checks);
- a sentinel fact fires first so `delete_state` is always safe, and the state is deleted after every call
  (more than 1,024 live sessions crash the process);
- numbers are written so the C parser reads them exactly (`number_json`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

import durable_rules_engine as dre
import orjson

from compliance.errors import EngineError
from compliance.model import Op

_PASS_FAIL = {
    Op.GE: ("$gte", "$lt"),
    Op.GT: ("$gt", "$lte"),
    Op.LE: ("$lte", "$gt"),
    Op.LT: ("$lt", "$gte"),
    Op.EQ: (None, "$neq"),
}
CHECKS_PER_RULESET = 100  # 2 rules a check + sentinel: 201 conditions, far below the 512-condition hang
FACTS_PER_CALL = 20_000  # facts per assert_facts call (their ids must not collide: see the module docstring)
SENTINEL_ID = "s"
INT_LIMIT = 2**63 - 1
FLOAT_LIMIT = 2.0**63
_CAP = FACTS_PER_CALL  # a rule fires once per call with up to this many matches
_names = itertools.count()


@dataclass(frozen=True)
class CompiledCheck:
    """A check as the engine sees it: an integer index, a comparison and a numeric target."""

    index: int
    op: Op
    target: int | float


class Fact(NamedTuple):
    """One value to judge: unit u (within the batch), check r, record k (a tuple: made 100,000s of times)."""

    unit: int
    check: int
    record: int
    value: int | float


def number_json(value: object) -> str:
    """A number as durable_rules reads it exactly, or EngineError.

    The C parser reads a number with `atol`/`atof`, compares two integers as 64-bit integers and anything else
    as doubles; it reads an exponent only after a `.` (`1e-05` is a parse error) and saturates integers beyond
    64 bits. So: an integer within ±(2**63 - 1) as itself; a float with no fraction as that integer (so it is
    compared with integers exactly, not rounded to a double); any other finite float as the plain decimal of
    its shortest repr, which `atof` reads back to the same double (1e-300 as 0.000…1: no value is cut to 0).
    Refused: bool, NaN, ±inf, integers beyond 64 bits and floats of 2**63 or more (they would meet integers
    near 2**63 rounded to the same double). Every other pair of values is then compared exactly."""
    kind = type(value)
    if kind is int:
        if -INT_LIMIT <= value <= INT_LIMIT:  # type: ignore[operator]
            return str(value)  # the common case first: counts and flags
        raise EngineError(f"integer {value} is outside the engine's 64-bit range")
    if kind is float:
        number: float = value  # type: ignore[assignment]
        if number.is_integer():
            if -FLOAT_LIMIT < number < FLOAT_LIMIT:
                return str(int(number))
            raise EngineError(f"{number!r} is beyond ±2**63, which the engine cannot compare exactly")
        if not math.isfinite(number):
            raise EngineError(f"engine values must be finite, got {number!r}")
        text = repr(number)
        return format(Decimal(text), "f") if "e" in text else text
    raise EngineError(f"engine values must be numbers, got {type(value).__name__} {value!r}")


def _condition(op_name: str | None, target: int | float) -> str:
    literal = number_json(target)
    return f'{{"v":{literal}}}' if op_name is None else f'{{"{op_name}":{{"v":{literal}}}}}'


def ruleset_json(checks: Sequence[CompiledCheck]) -> str:
    """One ruleset as the engine's JSON (written by hand: `json.dumps` would write 1e-05, which it cannot read)."""
    if len(checks) > CHECKS_PER_RULESET:
        raise EngineError(f"{len(checks)} checks exceed the engine's safe limit of {CHECKS_PER_RULESET} per ruleset")
    rules = ['"sentinel":{"all":[{"m":{"$s_":1}}]}']
    for check in checks:
        passing, failing = _PASS_FAIL[check.op]
        for name, op_name in (("p", passing), ("f", failing)):
            condition = _condition(op_name, check.target)
            rules.append(
                f'"{name}{check.index}":{{"all":[{{"m":{{"$and":[{{"r":{check.index}}},{condition}]}}}}],"cap":{_CAP}}}'
            )
    return "{" + ",".join(rules) + "}"


def ruleset_definition(checks: Sequence[CompiledCheck]) -> dict[str, dict[str, object]]:
    """The ruleset as data: a sentinel rule plus a pass and a fail rule per check (for tests and reading)."""
    definition: dict[str, dict[str, object]] = orjson.loads(ruleset_json(checks))
    return definition


class _Ruleset:
    """One compiled ruleset and the checks it holds."""

    def __init__(self, checks: Sequence[CompiledCheck]) -> None:
        self.handle = dre.create_ruleset(f"compliance{next(_names)}", ruleset_json(checks))

    def close(self) -> None:
        dre.delete_ruleset(self.handle)

    def judge(self, facts: Sequence[Fact], verdicts: dict[tuple[int, int, int], bool]) -> None:
        for start in range(0, len(facts), FACTS_PER_CALL):
            self._call(facts[start : start + FACTS_PER_CALL], verdicts)

    def _call(self, facts: Sequence[Fact], verdicts: dict[tuple[int, int, int], bool]) -> None:
        sid = "batch"
        rc, state = dre.assert_fact(self.handle, f'{{"sid":"batch","id":"{SENTINEL_ID}","$s_":1}}')
        try:
            self._drain(state, verdicts)
            payload = ",".join(
                f'{{"sid":"batch","id":{i},"u":{u},"r":{r},"k":{k},"v":{number_json(v)}}}'
                for i, (u, r, k, v) in enumerate(facts)
            )
            rc, state = dre.assert_facts(self.handle, f"[{payload}]")
            if rc not in (0, 3):
                raise EngineError(f"the engine did not accept the facts (code {rc})")
            self._drain(state, verdicts)
        finally:
            dre.delete_state(self.handle, sid)

    def _drain(self, state: int, verdicts: dict[tuple[int, int, int], bool]) -> None:
        result = dre.start_action_for_state(self.handle, state)
        message = result[1] if result else None
        while message:
            for rule_name, matched in orjson.loads(message).items():
                if rule_name == "sentinel":
                    continue
                verdict = rule_name[0] == "p"
                for item in matched if isinstance(matched, list) else [matched]:
                    fact = item["m"]
                    key = (fact["u"], fact["r"], fact["k"])
                    if verdicts.setdefault(key, verdict) != verdict:
                        raise EngineError(f"the engine gave both verdicts for fact {key}")
            message = dre.complete_and_start_action(self.handle, state)


class Engine:
    """Compiled rulesets; `judge` returns a pass (True) or fail (False) verdict for every fact."""

    def __init__(self, checks: Sequence[CompiledCheck]) -> None:
        self._rulesets: list[_Ruleset] = []
        self._shard: dict[int, int] = {}
        self._closed = False
        try:
            for start in range(0, len(checks), CHECKS_PER_RULESET):
                part = checks[start : start + CHECKS_PER_RULESET]
                self._shard.update((check.index, len(self._rulesets)) for check in part)
                self._rulesets.append(_Ruleset(part))
            if not self._rulesets:
                self._rulesets.append(_Ruleset(()))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            for ruleset in self._rulesets:
                ruleset.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def judge(self, facts: Sequence[Fact]) -> dict[tuple[int, int, int], bool]:
        if not facts:
            return {}
        verdicts: dict[tuple[int, int, int], bool] = {}
        if len(self._rulesets) == 1:
            self._rulesets[0].judge(facts, verdicts)
        else:
            shards: list[list[Fact]] = [[] for _ in self._rulesets]
            for fact in facts:
                shards[self._shard.get(fact.check, 0)].append(fact)
            for ruleset, part in zip(self._rulesets, shards, strict=True):
                if part:
                    ruleset.judge(part, verdicts)
        if len(verdicts) != len(facts):
            missing = [f for f in facts if (f.unit, f.check, f.record) not in verdicts]
            if missing:
                raise EngineError(f"the engine gave no verdict for {len(missing)} fact(s), e.g. {missing[0]}")
        return verdicts
