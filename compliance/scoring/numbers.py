"""Exact points and half-up rounding: rulebook numbers become whole numbers of 1/scale points, and those (or a
score, a rate) become shown numbers.

Every point value is a decimal the rulebook (or an assessor) wrote, times whole numbers of steps, added and
subtracted; so with `scale` = 10**k, k the most decimals any of them has, each is a whole number of 1/scale
points (`Points`) and adding them is integer arithmetic (0.1 + 0.2 is exactly 0.3). The one division, the
normalised score, is a ratio of integers rounded once, half-up (四舍五入), at the policy's `decimals`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, NewType

if TYPE_CHECKING:
    from fractions import Fraction

Scale = NewType("Scale", int)  # 10**k: how many Points make one point
Points = NewType("Points", int)  # points × the plan's scale: 2.5 points at scale 100 is Points(250)

MIN_DECIMALS = 2  # hundredths at least, whatever the rulebook writes
NO_POINTS = Points(0)
_EXACT_FLOATS = 2**53


def written(value: float | int | Decimal) -> Decimal:
    """A number as the decimal it was written as: a float by its shortest repr (0.1 is one tenth)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def decimals_of(value: float | int | Decimal) -> int:
    """How many decimals the number has as written (2.50 → 1, 3 → 0, 1e-07 → 7)."""
    _, digits, exponent = written(value).as_tuple()
    assert isinstance(exponent, int)  # finite: rulebook and manual numbers are checked finite where they are read
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))  # not normalize(): it rounds at 28 digits
    return max(0, -exponent - trailing)


def scale_for(values: list[float | int | Decimal]) -> Scale:
    """The scale at which every one of `values` is a whole number of Points: 10**(their most decimals), at least
    hundredths."""
    return Scale(10 ** max([MIN_DECIMALS, *(decimals_of(v) for v in values)]))


def to_points(value: float | int | Decimal, scale: Scale) -> Points:
    """A written number as Points at `scale`; ValueError if it has more decimals than the scale holds."""
    numerator, denominator = written(value).as_integer_ratio()
    whole, rest = divmod(numerator * scale, denominator)
    if rest:
        raise ValueError(f"{value} is not a whole number of 1/{scale} points")
    return Points(whole)


def half_up(numerator: int, denominator: int, decimals: int) -> Decimal:
    """numerator ÷ denominator (denominator > 0) rounded to `decimals` places, halves away from zero, exactly:
    floor((2·|n|·10^d + den) ÷ (2·den)) units of 10^-d, with the sign of n."""
    units = (2 * abs(numerator) * 10**decimals + denominator) // (2 * denominator)
    return Decimal(units if numerator >= 0 else -units).scaleb(-decimals)


def round_half_up(value: Fraction | Decimal | int, decimals: int) -> Decimal:
    """Round to `decimals` places, halves away from zero (四舍五入: 0.875 → 0.88 and −0.875 → −0.88)."""
    return half_up(*value.as_integer_ratio(), decimals)


def plain(value: Fraction | Decimal | None) -> int | float | None:
    """A number for JSON/CSV: whole numbers as integers, others as floats rounded to 6 decimals."""
    if value is None:
        return None
    as_float = round(float(value), 6)
    return int(as_float) if as_float.is_integer() else as_float


def text(value: Fraction | Decimal | None, decimals: int | None = None) -> str:
    """A number for people: '3', '2.5' (at most 6 decimals, never an exponent), or fixed decimals ('88.57').

    Both round half-up, a Decimal as much as a Fraction.
    """
    if value is None:
        return "—"
    if decimals is not None:
        return f"{round_half_up(value, decimals):.{decimals}f}"
    return f"{round_half_up(value, 6).normalize():f}"


def points_number(value: Points, scale: Scale) -> float:
    """Points as a float (an Excel cell): the float nearest the exact value (int ÷ int is correctly rounded)."""
    return value / scale


def points_plain(value: Points | None, scale: Scale) -> int | float | None:
    """Points for JSON/CSV, as `plain` gives them: whole numbers as integers, others as floats to 6 decimals."""
    if value is None:
        return None
    if not value % scale and -_EXACT_FLOATS < value < _EXACT_FLOATS:
        return value // scale  # whole points, as the float would give them (below 2**53 every int is a float)
    as_float = round(value / scale, 6)
    return int(as_float) if as_float.is_integer() else as_float


def points_text(value: Points | None, scale: Scale, decimals: int | None = None, at_most: int = 6) -> str:
    """Points for people, as `text` gives them: '3', '2.5' (at most `at_most` decimals, half-up), or fixed
    `decimals` ('88.50')."""
    if value is None:
        return "—"
    if decimals is not None:
        return f"{half_up(value, scale, decimals):.{decimals}f}"
    return f"{half_up(value, scale, at_most).normalize():f}"
