"""What every measure kind shares: the values a plan gives, its compile context and its declared target range."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any, ClassVar, Literal

from compliance.calendar import WorkingCalendar
from compliance.facts.declare import Fact
from compliance.facts.report import FactAccess
from compliance.model import Op

Unmet = Literal["not_reported", "not_applicable", "error"]


@dataclass(frozen=True)
class Measured:
    """A number the engine compares, with the records it was counted from and any caveats."""

    value: int | float
    counted: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PerRecord:
    """One value per record or per period; every one must meet the target. `undone` records fail outright
    (e.g. a consultation with no end date is not done: it is never 0 days)."""

    items: tuple[tuple[str, int | float], ...]
    exempt: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    undone: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unmeasured:
    """No number to compare: the facts are missing, do not apply, or contradict themselves."""

    status: Unmet
    reason: str


Metric = Measured | PerRecord | Unmeasured


@dataclass(frozen=True)
class TargetRange:
    """The targets that make sense for a measure (checked by lint): bounds and whether it is a whole number."""

    low: float | None = None
    high: float | None = None
    whole: bool = False

    def refuses(self, target: float) -> str | None:
        if (self.low is not None and target < self.low) or (self.high is not None and target > self.high):
            low = "" if self.low is None else f"{self.low:g}"
            high = "" if self.high is None else f"{self.high:g}"
            return f"out of range ({low}..{high})"
        if self.whole and target != int(target):
            return "must be a whole number"
        return None


class Invalid(Exception):
    """A declaration that cannot be compiled; `where` is relative to the measure's kind arguments."""

    def __init__(self, code: str, message: str, *where: str | int) -> None:
        super().__init__(message)
        self.code, self.message, self.where = code, message, where


@dataclass(frozen=True)
class Context:
    """What compiling a measure may consult: the declared facts, the assessment year and the calendar."""

    facts: dict[str, FactAccess]
    year: int
    calendar: WorkingCalendar | None
    year_start: dt.date
    year_end: dt.date

    def fact(self, fact_id: str, *where: str | int, types: Sequence[str] = ()) -> FactAccess:
        from compliance.suggest import did_you_mean

        found = self.facts.get(fact_id)
        if found is None:
            hint = did_you_mean(fact_id, self.facts)
            raise Invalid(
                "E220",
                f"未声明的事实 '{fact_id}'（unknown fact; facts.yaml declares it)"
                + (f"（did you mean '{hint}'?）" if hint else ""),
                *where,
            )
        if types and found.fact.type.value not in types:
            raise Invalid(
                "E221",
                f"事实 '{fact_id}' 的类型是 {found.fact.type.value}，此处需要 {' / '.join(types)}"
                f"（fact '{fact_id}' is a {found.fact.type.value}; this needs {' or '.join(types)})",
                *where,
            )
        return found


def number(value: float) -> int | float:
    """A value as people and JSON see it: 9 decimals at most, whole numbers as integers."""
    rounded = round(value, 9)
    return int(rounded) if rounded == int(rounded) else rounded


def show(value: float, *, up: bool = False) -> str:
    """A value for people: at most 2 decimals, half-up (98.85%, 15.5小时); `up` rounds away from zero instead, for a
    gap, so a shortfall is never shown smaller than it is (还差1.15个百分点, not 还差1.14679 nor 还差1.14)."""
    if abs(value) >= 1e15:
        return str(number(value))
    exact = Decimal(repr(float(value))) if isinstance(value, float) else Decimal(value)
    shown = exact.quantize(Decimal("0.01"), rounding=ROUND_UP if up else ROUND_HALF_UP)
    text = f"{shown:f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def shortfall_by_op(op: Op, value: float, target: float, unit: str) -> tuple[str, int | float]:
    """What is missing, in the rule's own terms (还差1次 / 1 more needed)."""
    gap = number(abs(target - value))
    if op is Op.GE:
        return f"还差{show(gap, up=True)}{unit}（{show(gap, up=True)} {unit} short of {show(target)}）", gap
    if op is Op.GT:
        return f"需高于{show(target)}{unit}，实际{show(value)}{unit}（must exceed {show(target)}）", number(gap) or 0
    if op in (Op.LE, Op.LT):
        return f"超出{show(gap, up=True)}{unit}（{show(gap, up=True)} {unit} over {show(target)}）", gap
    return f"应为{show(target)}{unit}，实际{show(value)}{unit}（must equal {show(target)}）", gap


class Plan(ABC):
    """A compiled measure: reads a validated report and gives a metric; planned once per rulebook."""

    kind: ClassVar[str]
    target_range: TargetRange = TargetRange()
    per_record: ClassVar[bool] = False
    uses_calendar: ClassVar[bool] = False

    def __init__(self, unit: str, facts: Sequence[Fact]) -> None:
        self.unit = unit
        self.facts = tuple(facts)

    @property
    def fields(self) -> str:
        """Where a unit writes what this measure reads, e.g. `rates.conversion`."""
        return ", ".join(f.path + ("[]" if f.type.value == "records" else "") for f in self.facts)

    @abstractmethod
    def measure(self, report: Any) -> Metric: ...

    def shortfall(self, op: Op, value: float, target: float, unit: str) -> tuple[str, int | float]:
        return shortfall_by_op(op, value, target, unit)

    def dates(self, report: Any) -> tuple[dt.date, ...]:
        """Dates this measure meets in a report (for calendar coverage checks)."""
        return ()
