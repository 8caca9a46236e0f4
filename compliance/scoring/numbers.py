"""Exact points and half-up rounding: how rulebook numbers become fractions, and fractions become shown numbers.

Points are kept as `Fraction`s of the decimals the rulebook wrote, so 0.1 + 0.2 is exactly 0.3 and a score is
rounded once, half-up (四舍五入), at the policy's `decimals`.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction


def exact(value: float | int | None) -> Fraction:
    """A rulebook or report number as the decimal it was written as (0.1 is one tenth, not a binary float)."""
    if value is None:
        return Fraction(0)
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def round_half_up(value: Fraction, decimals: int) -> Decimal:
    """Round to `decimals` places, halves away from zero (四舍五入: 0.875 → 0.88 and −0.875 → −0.88)."""
    units = math.floor(abs(value) * 10**decimals + Fraction(1, 2))
    return Decimal(units if value >= 0 else -units).scaleb(-decimals)


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
        return f"{round_half_up(Fraction(value), decimals):.{decimals}f}"
    return f"{round_half_up(Fraction(value), 6).normalize():f}"
