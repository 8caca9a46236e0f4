"""`sum`: the total of a numeric field over the records that count, in the year or in each period.

    sum: {fact: courses, field: hours, date: begins, per: half}

A record without the field adds nothing and is named in the notes (a number is never guessed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compliance.facts.declare import FieldType, Key
from compliance.measures.interface import Context, Measured, Metric, PerRecord, Plan, TargetRange, Unmeasured
from compliance.measures.interface import number as tidy
from compliance.measures.select import (
    Period,
    Selection,
    Selector,
    compile_selection,
    period_names,
    period_of,
    record_field,
)


class SumArgs(Selection):
    field: Key
    per: Period | None = None


class SumPlan(Plan):
    kind = "sum"

    def __init__(self, unit: str, selector: Selector, year: int, per: Period | None, value: Callable[[Any], Any]):
        super().__init__(unit, (selector.fact,))
        self.selector, self.year, self.per, self.value = selector, year, per, value
        self.per_record = per is not None  # type: ignore[misc]

    def measure(self, report: Any) -> Metric:
        records = self.selector.records(report)
        if records is None:
            return Unmeasured("not_reported", f"报告未填写 {self.selector.fact.path}（missing）")
        picked, notes = self.selector.pick(records, self.year)
        total: float = 0
        names = period_names(self.year, self.per) if self.per else ()
        sums: list[float] = [0] * len(names)
        counted = []
        for record, shown, day in picked:
            value = self.value(record)
            if value is None:
                notes.append(f"{shown}：未填写数值，不计入（no value, not counted）")
                continue
            counted.append(f"{shown} {tidy(value)}")
            total += value
            if self.per is not None and day is not None:
                sums[period_of(day, self.per) - 1] += value
        if self.per is not None:
            return PerRecord(tuple((n, tidy(s)) for n, s in zip(names, sums, strict=True)), notes=(*counted, *notes))
        return Measured(tidy(total), tuple(counted), tuple(notes))


def compile_sum(args: SumArgs, unit: str, ctx: Context) -> SumPlan:
    selector = compile_selection(args, ctx, needs_date=args.per is not None)
    field = record_field(selector.fact, args.field, "field", types=(FieldType.INTEGER, FieldType.DECIMAL))
    plan = SumPlan(unit, selector, ctx.year, args.per, selector.access.field(field.id))
    if field.minimum is not None and field.minimum >= 0:
        plan.target_range = TargetRange(low=0)
    return plan
