"""Points in integers (1/scale points): the half-up rounding, the normalised score and the numbers shown agree
with exact rational arithmetic (`fractions.Fraction`, how scoring counted before) on every value tried."""

from __future__ import annotations

import math
import random
from decimal import Decimal
from fractions import Fraction

import pytest

from compliance.model import ScoringPolicy
from compliance.scoring.numbers import (
    Points,
    Scale,
    half_up,
    plain,
    points_number,
    points_plain,
    points_text,
    round_half_up,
    scale_for,
    text,
    to_points,
)
from compliance.scoring.points import score_of

SCALES = [Scale(10**k) for k in (2, 3, 4, 6, 9)]


def fraction_half_up(value: Fraction, decimals: int) -> Decimal:
    """Half-up rounding as it was done with fractions: floor(|v| × 10^d + ½), the sign put back."""
    units = math.floor(abs(value) * 10**decimals + Fraction(1, 2))
    return Decimal(units if value >= 0 else -units).scaleb(-decimals)


def fraction_text(value: Fraction) -> str:
    return f"{fraction_half_up(value, 6).normalize():f}"


def fraction_plain(value: Fraction) -> int | float:
    as_float = round(float(value), 6)
    return int(as_float) if as_float.is_integer() else as_float


def random_points(rng: random.Random, scale: Scale) -> Points:
    """A point value at `scale`: small, large, negative, or exactly on a rounding boundary."""
    kind = rng.randrange(5)
    if kind == 0:
        return Points(rng.randint(-200 * scale, 200 * scale))
    if kind == 1:
        return Points(rng.randint(-(10**15), 10**15))
    if kind == 4:  # beyond 2**53, where a float of the integer alone would already be rounded
        return Points(rng.randint(-(10**22), 10**22))
    if kind == 2:  # k.5 × 10^-d for d = 0…6 when the scale holds it: a half exactly
        d = rng.randrange(0, 7)
        step = scale // 10**d // 2 if scale >= 2 * 10**d else 1
        return Points(rng.randint(-(10**6), 10**6) * 2 * step + step)
    return Points(rng.randint(-3, 3))


def test_half_up_at_the_half_rounds_away_from_zero() -> None:
    # 0.125, 0.875 → .13, .88 (half-even would give .12); the same magnitude below zero
    assert half_up(1, 8, 2) == Decimal("0.13") and half_up(-1, 8, 2) == Decimal("-0.13")
    assert half_up(7, 8, 2) == Decimal("0.88") and half_up(-7, 8, 2) == Decimal("-0.88")
    assert half_up(5, 2, 0) == 3 and half_up(-5, 2, 0) == -3 and half_up(3, 2, 0) == 2
    assert half_up(1, 3, 2) == Decimal("0.33") and half_up(2, 3, 2) == Decimal("0.67")
    assert half_up(-1, 1000, 2) == 0 and half_up(0, 7, 2) == 0
    assert half_up(124999, 1000, 2) == Decimal("125.00") and half_up(124994, 1000, 2) == Decimal("124.99")
    assert f"{half_up(1, 3, 2):.2f}" == "0.33" and f"{half_up(200, 1, 2):.2f}" == "200.00"


def test_half_up_agrees_with_fractions_on_random_ratios() -> None:
    rng = random.Random(20261202)
    for _ in range(20000):
        denominator = rng.choice([1, 2, 3, 7, 8, 16, 40, 100, 1000, rng.randint(1, 10**12)])
        numerator = rng.randint(-(10**14), 10**14) if rng.random() < 0.5 else rng.randint(-500, 500)
        decimals = rng.randrange(0, 7)
        expected = fraction_half_up(Fraction(numerator, denominator), decimals)
        got = half_up(numerator, denominator, decimals)
        assert (got, str(got)) == (expected, str(expected)), (numerator, denominator, decimals)
        assert round_half_up(Fraction(numerator, denominator), decimals) == expected


def test_shown_points_agree_with_fractions() -> None:
    """JSON/CSV numbers (float to 6 decimals), text and Excel floats: int ÷ int is correctly rounded, so the
    scaled integers give the very float and text a Fraction of the same value gives."""
    rng = random.Random(7)
    for _ in range(30000):
        scale = rng.choice(SCALES)
        value = random_points(rng, scale)
        exact = Fraction(value, scale)
        assert points_plain(value, scale) == fraction_plain(exact) == plain(exact), (value, scale)
        assert type(points_plain(value, scale)) is type(fraction_plain(exact))
        assert points_text(value, scale) == fraction_text(exact) == text(exact), (value, scale)
        assert points_number(value, scale) == float(exact)
        assert points_text(value, scale, 2) == f"{fraction_half_up(exact, 2):.2f}"
    assert points_plain(None, Scale(100)) is None and points_text(None, Scale(100)) == "—"


@pytest.mark.parametrize("mode", ["normalised", "fixed_100"])
def test_the_score_agrees_with_fractions(mode: str) -> None:
    """normalised: 100 × earned ÷ available + bonus, one ratio of integers; fixed_100: earned + bonus; both
    rounded half-up once at the policy's decimals."""
    rng = random.Random(11)
    for decimals in (0, 1, 2, 3):
        policy = ScoringPolicy.model_validate({"mode": mode, "decimals": decimals})
        for _ in range(3000):
            scale = rng.choice(SCALES)
            available = Points(rng.randint(1, 200 * scale))
            earned = Points(rng.randint(0, available))
            bonus = Points(rng.choice([0, rng.randint(0, 5 * scale)]))
            if mode == "normalised":
                exact = 100 * Fraction(earned, scale) / Fraction(available, scale) + Fraction(bonus, scale)
            else:
                exact = Fraction(earned + bonus, scale)
            assert score_of(earned, available, bonus, policy, scale) == fraction_half_up(exact, decimals)
    normalised = ScoringPolicy.model_validate({"mode": "normalised", "decimals": 2})
    assert score_of(Points(0), Points(0), Points(0), normalised, Scale(100)) is None  # nothing counts
    # 61 of 66 → 92.4242… → 92.42; 64.5 of 66 → 97.7272… → 97.73; 2.5 of 4 → 62.5 exactly
    assert score_of(Points(6100), Points(6600), Points(0), normalised, Scale(100)) == Decimal("92.42")
    assert score_of(Points(6450), Points(6600), Points(0), normalised, Scale(100)) == Decimal("97.73")
    assert str(score_of(Points(250), Points(400), Points(0), normalised, Scale(100))) == "62.50"
    # a half at the policy's decimals: 1 of 8 → 12.5 → 13 at 0 decimals
    whole = ScoringPolicy.model_validate({"mode": "normalised", "decimals": 0})
    assert score_of(Points(100), Points(800), Points(0), whole, Scale(100)) == 13


def test_the_scale_holds_every_number_written() -> None:
    assert scale_for([2, 3, 100]) == 100  # hundredths at least
    assert scale_for([0.5, 2.25, 1.125]) == 1000
    assert scale_for([Decimal("2.50"), 1e-07]) == 10**7  # a trailing zero is no decimal
    assert to_points(1.125, Scale(1000)) == 1125 and to_points(Decimal("0.1"), Scale(100)) == 10
    assert to_points(0.1, Scale(100)) + to_points(0.2, Scale(100)) == to_points(0.3, Scale(100))
    with pytest.raises(ValueError, match="1/100"):
        to_points(1.125, Scale(100))
