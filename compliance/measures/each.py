"""`each`: a threshold every record must meet on one numeric field (each training ≥ 40 hours).

    each: {fact: courses, field: hours, date: begins, where: {form: 脱产培训}}

A record without the field has not shown it meets the threshold: it fails (never counted as 0).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compliance.facts.declare import FieldType, Key
from compliance.measures.interface import Context, Metric, PerRecord, Plan, TargetRange, Unmeasured
from compliance.measures.select import Selection, Selector, compile_selection, record_field


class EachArgs(Selection):
    field: Key


class EachPlan(Plan):
    kind = "each"
    per_record = True

    def __init__(self, unit: str, selector: Selector, year: int, value: Callable[[Any], Any], label: str) -> None:
        super().__init__(unit, (selector.fact,))
        self.selector, self.year, self.value, self.field_label = selector, year, value, label

    def measure(self, report: Any) -> Metric:
        records = self.selector.records(report)
        if records is None:
            return Unmeasured(
                "not_reported", f"报告未填写 {self.selector.fact.path}（missing; write [] if there were none）"
            )
        picked, notes = self.selector.pick(records, self.year)
        items: list[tuple[str, int | float]] = []
        undone: list[str] = []
        for record, shown, _ in picked:
            value = self.value(record)
            if value is None:
                undone.append(f"{shown}：未填写{self.field_label}（not given）")
            else:
                items.append((shown, value))
        if not items and not undone:
            return Unmeasured("not_applicable", "本年度无需判定的记录（nothing to judge）")
        return PerRecord(tuple(items), notes=tuple(notes), undone=tuple(undone))


def compile_each(args: EachArgs, unit: str, ctx: Context) -> EachPlan:
    selector = compile_selection(args, ctx)
    field = record_field(selector.fact, args.field, "field", types=(FieldType.INTEGER, FieldType.DECIMAL))
    plan = EachPlan(unit, selector, ctx.year, selector.access.field(field.id), field.label.zh)
    plan.target_range = TargetRange(low=field.minimum, high=field.maximum, whole=field.type is FieldType.INTEGER)
    return plan
