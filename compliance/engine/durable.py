"""The only module that touches durable_rules 2.0.28 (see shared/notes/durable-rules.md).

Shape, chosen for the engine's measured sharp edges:
- one ruleset per process, no Host (no timer threads, no name registry);
- each check becomes a pass rule and a fail rule on integer-keyed facts {u, r, k, v}
  (integers: string values and field names are compared by a 32-bit hash);
- a whole batch of units goes in one `assert_facts` call under one session id, and each rule
  fires once per batch with every fact it matched (`cap`), so Python work does not grow per fact;
- a sentinel fact fires first so `delete_state` is always safe, and the state is deleted after
  every batch (more than 1,024 live sessions crash the process);
- values are type-checked and written as plain decimals before they reach the C parser.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
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
MAX_CHECKS = 240  # 2 rules a check + sentinel stays far below the 512-condition hang
_INT64 = 2**63 - 1
_CAP = 100_000
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
    """A number as durable_rules' parser reads it: no bool, NaN, inf, exponent or int64 overflow."""
    kind = type(value)
    if kind is int and -_INT64 <= value <= _INT64:  # type: ignore[operator]
        return str(value)  # the common case first: counts and flags
    if kind is float and math.isfinite(value):  # type: ignore[arg-type]
        text = repr(value)
        if "e" not in text and "E" not in text:
            return text
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EngineError(f"engine values must be numbers, got {type(value).__name__} {value!r}")
    if isinstance(value, int):
        if abs(value) > _INT64:
            raise EngineError(f"integer {value} is outside the engine's 64-bit range")
        return str(value)
    if not math.isfinite(value):
        raise EngineError(f"engine values must be finite, got {value!r}")
    text = repr(value)
    if "e" in text or "E" in text:
        text = f"{value:.20f}".rstrip("0")
        if text.endswith("."):
            text += "0"
    return text


def _condition(op_name: str | None, target: int | float) -> dict[str, object]:
    literal = json.loads(number_json(target))
    return {"v": literal} if op_name is None else {op_name: {"v": literal}}


def ruleset_definition(checks: Sequence[CompiledCheck]) -> dict[str, dict[str, object]]:
    """The JSON ruleset: a sentinel rule plus a pass and a fail rule per check."""
    if len(checks) > MAX_CHECKS:
        raise EngineError(f"{len(checks)} checks exceed the engine's safe limit of {MAX_CHECKS}")
    rules: dict[str, dict[str, object]] = {"sentinel": {"all": [{"m": {"$s_": 1}}]}}
    for check in checks:
        passing, failing = _PASS_FAIL[check.op]
        for name, op_name in (("p", passing), ("f", failing)):
            rules[f"{name}{check.index}"] = {
                "all": [{"m": {"$and": [{"r": check.index}, _condition(op_name, check.target)]}}],
                "cap": _CAP,
            }
    return rules


class Engine:
    """A compiled ruleset; `judge` returns a pass (True) or fail (False) verdict for every fact."""

    def __init__(self, checks: Sequence[CompiledCheck]) -> None:
        definition = ruleset_definition(checks)
        self._handle = dre.create_ruleset(f"compliance{next(_names)}", json.dumps(definition))
        self._closed = False

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            dre.delete_ruleset(self._handle)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def judge(self, facts: Sequence[Fact]) -> dict[tuple[int, int, int], bool]:
        if not facts:
            return {}
        sid = "batch"
        verdicts: dict[tuple[int, int, int], bool] = {}
        rc, state = dre.assert_fact(self._handle, '{"sid":"batch","$s_":1}')
        try:
            self._drain(state, verdicts)
            payload = ",".join(
                f'{{"sid":"batch","u":{u},"r":{r},"k":{k},"v":{number_json(v)}}}' for u, r, k, v in facts
            )
            rc, state = dre.assert_facts(self._handle, f"[{payload}]")
            if rc not in (0, 3):
                raise EngineError(f"the engine did not accept the facts (code {rc})")
            self._drain(state, verdicts)
        finally:
            dre.delete_state(self._handle, sid)
        missing = [f for f in facts if (f.unit, f.check, f.record) not in verdicts]
        if missing:
            raise EngineError(f"the engine gave no verdict for {len(missing)} fact(s), e.g. {missing[0]}")
        return verdicts

    def _drain(self, state: int, verdicts: dict[tuple[int, int, int], bool]) -> None:
        result = dre.start_action_for_state(self._handle, state)
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
            message = dre.complete_and_start_action(self._handle, state)
