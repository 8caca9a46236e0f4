"""`change`: a rate this year minus the same rate the year before, in percentage points (提高幅度).

    change: {fact: appearance_rate}     # a rate fact declared with previous_year: true

Both years at 100% cannot be raised: not applicable. The gain is worked out exactly — this year's rate from its
parts (n*100/d) or as the percent written, minus last year's percent as written — and only then made a float, so
a gain is never lost to float noise (57.3 - 52.3 is 5, not 4.999999999999993) nor rounded away (a gain of 1e-10
is a gain).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from compliance.facts.declare import Key
from compliance.facts.report import FactAccess
from compliance.measures.interface import Context, Invalid, Measured, Metric, Plan, Unmeasured
from compliance.measures.rate import rate_of
from compliance.model import Strict


class ChangeArgs(Strict):
    fact: Key


class ChangePlan(Plan):
    kind = "change"

    def __init__(self, unit: str, access: FactAccess) -> None:
        super().__init__(unit, (access.fact,))
        self.get, self.path = access.get, access.fact.path

    def measure(self, report: Any) -> Metric:
        parts = self.get(report)
        current = rate_of(parts, self.path)
        if not isinstance(current, Measured):
            return current
        previous = parts.get("previous_year_percent")
        if previous is None:
            return Unmeasured("not_reported", f"{self.path}.previous_year_percent: 未填写上年度比率（missing）")
        if current.value == 100 and previous == 100:
            return Unmeasured("not_applicable", "已连续两年为100%，无法再提高（already at 100%）")
        n, d = parts.get("numerator"), parts.get("denominator")
        now = Fraction(n * 100, d) if n is not None and d is not None else _written(current.value)
        gain = float(now - _written(previous))
        return Measured(gain, (*current.counted, f"上年度 {previous:g}%"), current.notes)


def _written(percent: float) -> Fraction:
    """A percent as the report wrote it (the shortest decimal that reads back as this float: 52.3, not
    52.2999999999999971578...)."""
    return Fraction(Decimal(repr(percent)))


def compile_change(args: ChangeArgs, unit: str, ctx: Context) -> ChangePlan:
    access = ctx.fact(args.fact, "fact", types=("rate",))
    if not access.fact.previous_year:
        raise Invalid(
            "E227",
            f"事实 '{args.fact}' 未声明 previous_year: true，报告中没有上年度比率（the rate fact needs previous_year)",
            "fact",
        )
    return ChangePlan(unit, access)
