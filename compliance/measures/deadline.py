"""`deadline`: a milestone done in time — from the start of the assessment year up to a due date.

    deadline: {fact: yearly_plan}                         # done within the year
    deadline: {fact: yearly_plan, due: "03-31"}           # by 31 March of the year
    deadline: {fact: year_end_report, due: "03-01", year: next}  # by 1 March of the following year
    deadline: {fact: complaint_rules, since: any}                # in force by the end of the year (建立…制度:
                                                                 # one set up in an earlier year counts)

The value is 1 (done in time) or 0, so a rule reads `op: ">=", target: 1`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from compliance.facts.declare import Key
from compliance.measures.interface import Context, Invalid, Measured, Metric, Plan, TargetRange, Unmeasured
from compliance.model import Op, Strict


class DeadlineArgs(Strict):
    fact: Key
    due: str | None = Field(default=None, pattern=r"^\d{2}-\d{2}$")
    year: Literal["same", "next"] = "same"
    since: Literal["year", "any"] = "year"


class DeadlinePlan(Plan):
    kind = "deadline"
    target_range = TargetRange(low=0, high=1, whole=True)

    def __init__(self, unit: str, ctx: Context, args: DeadlineArgs, due: dt.date) -> None:
        access = ctx.fact(args.fact, "fact", types=("milestone",))
        super().__init__(unit, (access.fact,))
        self.get, self.path, self.year = access.get, access.fact.path, ctx.year
        self.start = ctx.year_start if args.since == "year" else dt.date.min
        self.due, self.whole_year = due, args.due is None and args.since == "year"

    def measure(self, report: Any) -> Metric:
        milestone = self.get(report)
        if milestone is None:
            return Unmeasured("not_reported", f"报告未填写 {self.path}（missing）")
        completed = milestone["completed"]
        label = f"{completed.isoformat()} {milestone['document_no']}"
        if self.start <= completed <= self.due:
            return Measured(1, (label,))
        if self.whole_year:
            return Measured(0, notes=(f"{label}：完成日期不在{self.year}年度内（completed outside {self.year}）",))
        if self.start == dt.date.min:
            return Measured(0, notes=(f"{label}：{self.due}前尚未完成（not done by {self.due}）",))
        return Measured(0, notes=(f"{label}：未在 {self.start}至{self.due} 期间完成（not done by {self.due}）",))

    def shortfall(self, op: Op, value: float, target: float, unit: str) -> tuple[str, int | float]:
        if self.whole_year:
            return "未在本年度完成（not completed in the year）", 1
        return f"未在{self.due.isoformat()}前完成（not done by {self.due.isoformat()}）", 1


def compile_deadline(args: DeadlineArgs, unit: str, ctx: Context) -> DeadlinePlan:
    if args.due is None:
        due = ctx.year_end if args.year == "same" else dt.date(ctx.year + 1, 12, 31)
    else:
        month, day = (int(part) for part in args.due.split("-"))
        try:
            due = dt.date(ctx.year + (1 if args.year == "next" else 0), month, day)
        except ValueError:
            raise Invalid("E228", f"'{args.due}' 不是有效的月-日（not a valid month-day）", "due") from None
    return DeadlinePlan(unit, ctx, args, due)
