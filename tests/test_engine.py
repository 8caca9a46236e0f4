"""The durable_rules wrapper: value checking before the C parser, and verdicts for every comparison."""

from __future__ import annotations

import math

import pytest

from compliance.engine.durable import CompiledCheck, Engine, Fact, number_json, ruleset_definition
from compliance.errors import EngineError
from compliance.model import Op


@pytest.mark.parametrize("bad", [True, False, math.nan, math.inf, -math.inf, 2**63, "9", None])
def test_values_the_engine_would_misread_are_refused(bad: object) -> None:
    with pytest.raises(EngineError):
        number_json(bad)


@pytest.mark.parametrize(
    ("value", "text"), [(1e-05, "0.00001"), (1e16, "10000000000000000.0"), (99.9, "99.9"), (4, "4")]
)
def test_numbers_are_written_without_exponents(value: float, text: str) -> None:
    assert number_json(value) == text


@pytest.mark.parametrize(
    ("op", "target", "value", "expected"),
    [
        (Op.GE, 4, 4, True),
        (Op.GE, 4, 3, False),
        (Op.GE, 100, 99.9, False),
        (Op.GE, 100, 100.0, True),
        (Op.GT, 0, 0.1, True),
        (Op.GT, 0, 0, False),
        (Op.GT, 0, -5, False),
        (Op.LE, 10, 10, True),
        (Op.LE, 10, 11, False),
        (Op.LT, 10, 9.999, True),
        (Op.LT, 10, 10, False),
        (Op.EQ, 1, 1, True),
        (Op.EQ, 1, 0, False),
        (Op.GE, 30, 1e-7, False),
        (Op.GE, 10, 9, False),
    ],
)
def test_engine_verdicts_match_the_comparison(op: Op, target: float, value: float, expected: bool) -> None:
    with Engine([CompiledCheck(0, op, target)]) as engine:
        assert engine.judge([Fact(0, 0, 0, value)]) == {(0, 0, 0): expected}


def test_many_units_and_records_in_one_batch_each_get_their_own_verdict() -> None:
    checks = [CompiledCheck(0, Op.GE, 4), CompiledCheck(1, Op.GE, 30)]
    facts = [Fact(u, 0, 0, u % 6) for u in range(300)] + [Fact(u, 1, k, 28 + k) for u in range(300) for k in range(4)]
    with Engine(checks) as engine:
        verdicts = engine.judge(facts)
        again = engine.judge(facts)  # the session state was deleted: a second batch starts clean
    assert verdicts == again
    assert all(verdicts[(u, 0, 0)] == (u % 6 >= 4) for u in range(300))
    assert all(verdicts[(u, 1, k)] == (28 + k >= 30) for u in range(300) for k in range(4))


def test_more_batches_than_the_engine_has_session_slots() -> None:
    # more than 1,024 sessions in one process crash durable_rules unless each is deleted after use
    with Engine([CompiledCheck(0, Op.GE, 2)]) as engine:
        for batch in range(1500):
            assert engine.judge([Fact(0, 0, 0, batch % 3)]) == {(0, 0, 0): batch % 3 >= 2}


def test_ruleset_has_a_pass_and_a_fail_rule_per_check_and_refuses_too_many() -> None:
    definition = ruleset_definition([CompiledCheck(0, Op.GE, 4), CompiledCheck(1, Op.EQ, 1)])
    assert set(definition) == {"sentinel", "p0", "f0", "p1", "f1"}
    with pytest.raises(EngineError):
        ruleset_definition([CompiledCheck(i, Op.GE, 1) for i in range(1000)])


def test_two_engines_in_one_process_are_independent() -> None:
    with Engine([CompiledCheck(0, Op.GE, 4)]) as a, Engine([CompiledCheck(0, Op.GE, 2)]) as b:
        assert a.judge([Fact(0, 0, 0, 3)]) == {(0, 0, 0): False}
        assert b.judge([Fact(0, 0, 0, 3)]) == {(0, 0, 0): True}
