"""The durable_rules wrapper: value checking before the C parser, and verdicts for every comparison."""

from __future__ import annotations

import math

import pytest

from compliance.engine.durable import (
    CHECKS_PER_RULESET,
    FACTS_PER_CALL,
    SENTINEL_ID,
    CompiledCheck,
    Engine,
    Fact,
    number_json,
    ruleset_definition,
)
from compliance.errors import EngineError
from compliance.model import Op


@pytest.mark.parametrize(
    "bad", [True, False, math.nan, math.inf, -math.inf, 2**63, -(2**63), 2.0**63, -(2.0**63), 1e300, "9", None]
)
def test_values_the_engine_would_misread_are_refused(bad: object) -> None:
    with pytest.raises(EngineError):
        number_json(bad)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1e-05, "0.00001"),
        (99.9, "99.9"),
        (4, "4"),
        (1e-25, "0." + "0" * 24 + "1"),  # once written with 20 decimals, so sent as 0
        (5e-324, "0." + "0" * 323 + "5"),
        (-2.5e-10, "-0.00000000025"),
        # a float with no fraction is sent as an integer: compared exactly with the engine's integers
        (1e16, "10000000000000000"),
        (100.0, "100"),
        (-0.0, "0"),
        (2.0**63 - 1024, "9223372036854774784"),
    ],
)
def test_numbers_are_written_as_the_engine_reads_them_exactly(value: float, text: str) -> None:
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
        ruleset_definition([CompiledCheck(i, Op.GE, 1) for i in range(CHECKS_PER_RULESET + 1)])


def test_targets_the_json_encoder_would_write_with_an_exponent_compile() -> None:
    # json.dumps writes 1e-05 and 1e-20, which the engine's parser cannot read (error 204 on create_ruleset)
    targets = [1e-05, 1e-20, 1.5e-300, 9.999e17, -1e-7]
    checks = [CompiledCheck(i, Op.GE, t) for i, t in enumerate(targets)]
    facts = [Fact(0, i, 0, t) for i, t in enumerate(targets)] + [Fact(1, i, 0, t / 2) for i, t in enumerate(targets)]
    with Engine(checks) as engine:
        verdicts = engine.judge(facts)
    assert [verdicts[(0, i, 0)] for i in range(len(targets))] == [True] * len(targets)
    assert [verdicts[(1, i, 0)] for i, t in enumerate(targets)] == [t / 2 >= t for t in targets]


def test_more_checks_than_one_ruleset_holds_are_sharded() -> None:
    # more than 240 checks once raised EngineError; 256 rules in one ruleset would hang the engine
    count = CHECKS_PER_RULESET * 3 + 7
    checks = [CompiledCheck(i, Op.GE, i % 10) for i in range(count)]
    facts = [Fact(u, i, 0, u) for u in range(10) for i in range(count)]
    with Engine(checks) as engine:
        verdicts = engine.judge(facts)
    assert verdicts == {(u, i, 0): u >= i % 10 for u in range(10) for i in range(count)}


def test_a_batch_larger_than_one_engine_call_is_split() -> None:
    # 120,000 facts in one call were refused (and from ~40,000, two facts could collide and one be dropped)
    facts = [Fact(0, 0, k, k % 60) for k in range(120_000)]
    with Engine([CompiledCheck(0, Op.GE, 30)]) as engine:
        verdicts = engine.judge(facts)
    assert verdicts == {(0, 0, k): k % 60 >= 30 for k in range(120_000)}


def _fnv1a_32(text: str) -> int:
    """durable_rules' fnv1Hash32 (state.c), which files facts by their id."""
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


def test_fact_ids_within_one_call_never_collide() -> None:
    hashes = {_fnv1a_32(str(i)) for i in range(FACTS_PER_CALL)} | {_fnv1a_32(SENTINEL_ID)}
    assert len(hashes) == FACTS_PER_CALL + 1


def test_two_engines_in_one_process_are_independent() -> None:
    with Engine([CompiledCheck(0, Op.GE, 4)]) as a, Engine([CompiledCheck(0, Op.GE, 2)]) as b:
        assert a.judge([Fact(0, 0, 0, 3)]) == {(0, 0, 0): False}
        assert b.judge([Fact(0, 0, 0, 3)]) == {(0, 0, 0): True}
