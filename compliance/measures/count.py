"""`count`: how many records (matching a filter, dated in the year, de-duplicated), or how many in each period.

    count: {fact: sessions, date: date, where: {form: 集体学法}, distinct: [date, topic],
            per: quarter, declared: sessions_declared}

With `per`, every month / quarter / half-year is judged on its own ("每季度至少1次"): 24 sessions all in
January do not make four quarters. `declared` names a count fact used when the record list is absent.
"""

from __future__ import annotations

from typing import Any

from compliance.facts.report import FactAccess
from compliance.measures.interface import Context, Measured, Metric, PerRecord, Plan, TargetRange, Unmeasured
from compliance.measures.select import Period, Selection, Selector, compile_selection, period_names, period_of


class CountArgs(Selection):
    per: Period | None = None
    declared: str | None = None


class CountPlan(Plan):
    kind = "count"
    target_range = TargetRange(low=0, whole=True)

    def __init__(self, unit: str, selector: Selector, year: int, per: Period | None, declared: FactAccess | None):
        super().__init__(unit, (selector.fact,))  # a declared total is the fallback, not where to write
        self.selector, self.year, self.per, self.declared = selector, year, per, declared
        self.per_record = per is not None  # type: ignore[misc]
        self._path = selector.fact.path

    def measure(self, report: Any) -> Metric:
        records = self.selector.records(report)
        declared = self.declared.get(report) if self.declared is not None else None
        if records is None:
            if declared is None:
                why = "no records and no declared total" if self.declared is not None else "missing"
                return Unmeasured("not_reported", f"报告未填写 {self._path}（{why}）")
            if self.per is not None:
                return Unmeasured("not_reported", f"报告未填写 {self._path}：按期间统计需要逐条记录（records needed)")
            return Measured(declared, notes=(f"填报数 {declared}，无逐条记录（declared total, no records）",))
        picked, notes = self.selector.pick(records, self.year)
        if declared is not None and declared != len(picked) and self.per is None:
            notes.append(
                f"填报数 {declared} 与记录数 {len(picked)} 不符，以记录为准（declared total differs; records win）"
            )
        counted = tuple(shown for _, shown, _ in picked)
        if self.per is None:
            return Measured(len(picked), counted, tuple(notes))
        names = period_names(self.year, self.per)
        tally = [0] * len(names)
        for _, _, day in picked:
            assert day is not None  # a period count has a date field (checked at load)
            tally[period_of(day, self.per) - 1] += 1
        return PerRecord(tuple(zip(names, tally, strict=True)), notes=(*counted, *notes))


def compile_count(args: CountArgs, unit: str, ctx: Context) -> CountPlan:
    selector = compile_selection(args, ctx, needs_date=args.per is not None)
    declared = ctx.fact(args.declared, "declared", types=("count",)) if args.declared else None
    return CountPlan(unit, selector, ctx.year, args.per, declared)
