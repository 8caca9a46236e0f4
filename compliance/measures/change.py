"""`change`: a rate this year minus the same rate the year before, in percentage points (提高幅度).

    change: {fact: appearance_rate}     # a rate fact declared with previous_year: true

Both years at 100% cannot be raised: not applicable.
"""

from __future__ import annotations

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
        gain = round(current.value - previous, 9)
        return Measured(gain, (*current.counted, f"上年度 {previous:g}%"), current.notes)


def compile_change(args: ChangeArgs, unit: str, ctx: Context) -> ChangePlan:
    access = ctx.fact(args.fact, "fact", types=("rate",))
    if not access.fact.previous_year:
        raise Invalid(
            "E227",
            f"事实 '{args.fact}' 未声明 previous_year: true，报告中没有上年度比率（the rate fact needs previous_year)",
            "fact",
        )
    return ChangePlan(unit, access)
