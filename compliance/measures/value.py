"""`value`: a fact declared directly — a count, a number or a yes/no flag (yes = 1).

value: {fact: hotline_in_service}
"""

from __future__ import annotations

from typing import Any

from compliance.facts.declare import FactType, Key
from compliance.facts.report import FactAccess
from compliance.measures.interface import Context, Measured, Metric, Plan, TargetRange, Unmeasured
from compliance.model import Strict


class ValueArgs(Strict):
    fact: Key


class ValuePlan(Plan):
    kind = "value"

    def __init__(self, unit: str, access: FactAccess) -> None:
        super().__init__(unit, (access.fact,))
        self.get, self.path = access.get, access.fact.path

    def measure(self, report: Any) -> Metric:
        value = self.get(report)
        if value is None:
            return Unmeasured("not_reported", f"报告未填写 {self.path}（missing）")
        if type(value) is bool:
            return Measured(int(value), ("是" if value else "否",))
        return Measured(value)


def compile_value(args: ValueArgs, unit: str, ctx: Context) -> ValuePlan:
    access = ctx.fact(args.fact, "fact", types=("count", "number", "flag"))
    plan = ValuePlan(unit, access)
    if access.fact.type is FactType.COUNT:
        plan.target_range = TargetRange(low=0, whole=True)
    elif access.fact.type is FactType.FLAG:
        plan.target_range = TargetRange(low=0, high=1, whole=True)
    return plan
