"""`days`: for each record, the days between two of its dates; every record must meet the target.

    days: {fact: consultations, from: first_day, to: last_day, working: false,
           date: first_day, exempt: {if: classified, because: classified_by}}

Calendar days follow Civil Code art. 201 (the first day is not counted: days = end - start). `working: true`
counts working days from the rulebook's calendar.yaml. A record with a missing end is not done — it fails;
it is never 0 days. `exempt` skips a record whose flag is true only when its justification is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import Field

from compliance.calendar import WorkingCalendar
from compliance.facts.declare import FieldType, Key
from compliance.measures.interface import Context, Invalid, Metric, PerRecord, Plan, TargetRange, Unmeasured
from compliance.measures.select import Selection, Selector, compile_selection, record_field
from compliance.model import Strict


class Exempt(Strict):
    if_: Key = Field(alias="if")
    because: Key


class DaysArgs(Selection):
    from_: Key = Field(alias="from")
    to: Key
    working: bool = False
    exempt: Exempt | None = None


Getter = Callable[[Any], Any]


class DaysPlan(Plan):
    kind = "days"
    per_record = True
    target_range = TargetRange(low=1, whole=True)

    def __init__(
        self,
        unit: str,
        selector: Selector,
        year: int,
        start: Getter,
        end: Getter,
        calendar: WorkingCalendar | None,
        exempt: tuple[Getter, Getter, str] | None,
        start_label: str,
        end_label: str,
    ) -> None:
        super().__init__(unit, (selector.fact,))
        self.selector, self.year, self.start, self.end = selector, year, start, end
        self.calendar, self.exempt = calendar, exempt
        self.uses_calendar = calendar is not None  # type: ignore[misc]
        self.start_label, self.end_label = start_label, end_label

    def measure(self, report: Any) -> Metric:
        records = self.selector.records(report)
        if records is None:
            return Unmeasured(
                "not_reported", f"报告未填写 {self.selector.fact.path}（missing; write [] if there were none）"
            )
        items: list[tuple[str, int]] = []
        exempt: list[str] = []
        notes: list[str] = []
        undone: list[str] = []
        for record, name in self._in_year(records, notes):
            if self.exempt is not None:
                flag, because, flag_label = self.exempt
                if flag(record):
                    reason = because(record)
                    if reason:
                        exempt.append(f"{name}：{flag_label}（{reason}），不予判定（exempt）")
                        continue
                    notes.append(f"{name}：标为{flag_label}但未写明依据，不能免除（no justification written）")
            start, end = self.start(record), self.end(record)
            if start is None or end is None:
                missing = self.start_label if start is None else self.end_label
                undone.append(f"{name}：未填写{missing}，视为未完成（not done）")
                continue
            if end < start:
                return Unmeasured(
                    "error",
                    f"{name}：{self.end_label} {end} 早于 {self.start_label} {start}（ends before it starts）",
                )
            if self.calendar is not None and not self.calendar.covered(start, end):
                return Unmeasured(
                    "error", f"{name}：{start}至{end} 超出工作日历所列年度（the calendar does not cover these dates）"
                )
            items.append((name, self._days(start, end)))
        if not items and not undone:
            reason = "本年度无需判定的记录（nothing to judge）"
            return Unmeasured("not_applicable", reason + ("；" + "；".join(exempt) if exempt else ""))
        return PerRecord(tuple(items), tuple(exempt), tuple(notes), tuple(undone))

    def _in_year(self, records: tuple[Any, ...], notes: list[str]) -> list[tuple[Any, str]]:
        kept = []
        date, matches, year = self.selector.date, self.selector.matches, self.year
        for record in records:
            if matches is not None and not matches(record):
                continue
            name = self.selector.label(record)
            day = date(record) if date is not None else None
            if day is not None and day.year != year:
                notes.append(f"{name}：{day} 不在{year}年度内，不予判定（outside {year}）")
                continue
            kept.append((record, name))
        return kept

    def _days(self, start: dt.date, end: dt.date) -> int:
        if self.calendar is not None:
            return self.calendar.working_days(start, end)
        return (end - start).days

    def dates(self, report: Any) -> tuple[dt.date, ...]:
        found: list[dt.date] = []
        for record in self.selector.records(report) or ():
            found.extend(d for d in (self.start(record), self.end(record)) if d is not None)
        return tuple(found)


def compile_days(args: DaysArgs, unit: str, ctx: Context) -> DaysPlan:
    selector = compile_selection(args, ctx)
    fact = selector.fact
    start = record_field(fact, args.from_, "from", types=(FieldType.DATE,))
    end = record_field(fact, args.to, "to", types=(FieldType.DATE,))
    calendar = None
    if args.working:
        if ctx.calendar is None:
            raise Invalid(
                "E229", "按工作日计算需要 calendar.yaml（working days need the rulebook's calendar.yaml）", "working"
            )
        if ctx.year not in ctx.calendar.years:
            raise Invalid(
                "E230",
                f"calendar.yaml 未覆盖考评年度 {ctx.year}（the calendar does not cover the assessment year)",
                "working",
            )
        calendar = ctx.calendar
    exempt = None
    if args.exempt is not None:
        flag = record_field(fact, args.exempt.if_, "exempt", "if", types=(FieldType.FLAG,))
        because = record_field(fact, args.exempt.because, "exempt", "because", types=(FieldType.TEXT,))
        exempt = (selector.access.field(flag.id), selector.access.field(because.id), flag.label.zh)
    access = selector.access
    return DaysPlan(
        unit,
        selector,
        ctx.year,
        access.field(start.id),
        access.field(end.id),
        calendar,
        exempt,
        start.label.zh,
        end.label.zh,
    )
