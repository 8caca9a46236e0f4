"""durable_rules' verdicts against exact arithmetic (fractions), on generated targets and values near every boundary.

The engine reads numbers with atof/atol and compares integers as 64-bit integers, anything else as doubles, so its
edges are: integers near ±(2**63 - 1), integers beyond 2**53 meeting floats, floats without a fraction, tiny and
subnormal floats (once cut to 0), exponents (once unreadable), -0.0. Every number the loaders accept
(documents.number_problem) must reach the engine and be compared exactly; every other must be refused, never sent.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.engine.durable import FLOAT_LIMIT, INT_LIMIT, CompiledCheck, Engine, Fact, number_json
from compliance.errors import EngineError
from compliance.loading.documents import number_problem
from compliance.model import Op

EXACT: dict[Op, Callable[[Fraction, Fraction], bool]] = {
    Op.GE: operator.ge,
    Op.GT: operator.gt,
    Op.LE: operator.le,
    Op.LT: operator.lt,
    Op.EQ: operator.eq,
}
CASES_WANTED = 10_000

SPECIAL: list[int | float] = [
    0, 1, -1, 4, 30, 100, 2**31, 2**53 - 1, 2**53, 2**53 + 1, 2**62, INT_LIMIT - 1, INT_LIMIT, -INT_LIMIT,
    0.0, -0.0, 0.1, 99.9, 99.99999999999999, 100.0, 1e-05, 1e-7, 5e-21, 4.9e-21, 1e-20, 1e-25, 1e-300,
    5e-324, 2.2250738585072014e-308, 0.5, 1.5, 2.0**52 + 0.5, 2.0**53, 2.0**53 + 2, 1e16, 1e18,
    2.0**63 - 1024, -(2.0**63) + 1024, 9.999999999999999e17,
]  # fmt: skip


def in_domain(value: int | float) -> bool:
    return number_problem(value) is None


numbers = st.one_of(
    st.sampled_from(SPECIAL),
    st.sampled_from(SPECIAL).map(operator.neg),
    st.integers(min_value=-INT_LIMIT, max_value=INT_LIMIT),
    st.integers(min_value=-(2**54), max_value=2**54),
    st.floats(min_value=-FLOAT_LIMIT, max_value=FLOAT_LIMIT, exclude_min=True, exclude_max=True, allow_nan=False),
    st.floats(min_value=-1e-15, max_value=1e-15, allow_nan=False),
    st.floats(min_value=-200, max_value=200, allow_nan=False),
)


def neighbours(target: int | float) -> list[int | float]:
    """Values at and just either side of a target, as ints and as floats."""
    near: list[int | float] = [target]
    if isinstance(target, int):
        near += [target - 1, target + 1, float(target)]
    else:
        near += [math.nextafter(target, math.inf), math.nextafter(target, -math.inf)]
        if target.is_integer():
            near += [int(target), int(target) - 1, int(target) + 1]
    return [v for v in near if in_domain(v)]


@st.composite
def batches(draw: st.DrawFn) -> tuple[Op, int | float, list[int | float]]:
    target = draw(numbers)
    values = neighbours(target) + draw(st.lists(numbers, max_size=4))
    return draw(st.sampled_from(list(Op))), target, values


def test_engine_verdicts_equal_exact_arithmetic() -> None:
    compared: list[int] = []

    @settings(
        max_examples=2_500,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(batches())
    def check(batch: tuple[Op, int | float, list[int | float]]) -> None:
        op, target, values = batch
        facts = [Fact(u, 0, 0, value) for u, value in enumerate(values)]
        with Engine([CompiledCheck(0, op, target)]) as engine:
            verdicts = engine.judge(facts)
        for u, value in enumerate(values):
            expected = EXACT[op](Fraction(value), Fraction(target))
            assert verdicts[(u, 0, 0)] == expected, f"{value!r} {op.value} {target!r}: engine {not expected}"
        compared.append(len(values))

    check()
    assert sum(compared) >= CASES_WANTED, f"only {sum(compared)} comparisons"


@settings(max_examples=2_000, derandomize=True, deadline=None, database=None)
@given(
    st.one_of(
        st.integers(),
        st.floats(),
        st.sampled_from([2**63, -(2**63), 2.0**63, -(2.0**63), INT_LIMIT, -INT_LIMIT, math.inf, math.nan]),
    )
)
def test_the_loaders_accept_exactly_what_the_engine_compares(value: int | float) -> None:
    try:
        number_json(value)
    except EngineError:
        sent = False
    else:
        sent = True
    assert sent == in_domain(value)
