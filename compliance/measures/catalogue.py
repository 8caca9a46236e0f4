"""measures.yaml: each measure names one kind of the vocabulary; all are compiled once when the rulebook loads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import Field, model_validator

from compliance.errors import Problem
from compliance.measures.change import ChangeArgs, compile_change
from compliance.measures.count import CountArgs, compile_count
from compliance.measures.days import DaysArgs, compile_days
from compliance.measures.deadline import DeadlineArgs, compile_deadline
from compliance.measures.each import EachArgs, compile_each
from compliance.measures.interface import Context, Invalid, Plan
from compliance.measures.rate import RateArgs, compile_rate
from compliance.measures.sum import SumArgs, compile_sum
from compliance.measures.value import ValueArgs, compile_value
from compliance.model import Bilingual, Slug, Strict, Text

Compiler = Callable[[Any, str, Context], Plan]
KINDS: dict[str, Compiler] = {
    "count": compile_count,
    "sum": compile_sum,
    "rate": compile_rate,
    "days": compile_days,
    "each": compile_each,
    "deadline": compile_deadline,
    "change": compile_change,
    "value": compile_value,
}


class MeasureDecl(Strict):
    """One measure: its id (what rules' `check.measure` names), label, unit and exactly one kind."""

    id: Slug
    label: Bilingual
    unit: Text
    description: Text | None = None
    count: CountArgs | None = None
    sum: SumArgs | None = None
    rate: RateArgs | None = None
    days: DaysArgs | None = None
    each: EachArgs | None = None
    deadline: DeadlineArgs | None = None
    change: ChangeArgs | None = None
    value: ValueArgs | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> MeasureDecl:
        if len(self.kinds()) != 1:
            raise ValueError(f"a measure has exactly one kind: one of {', '.join(KINDS)}")
        return self

    def kinds(self) -> list[str]:
        return [kind for kind in KINDS if getattr(self, kind) is not None]


class MeasuresFile(Strict):
    measures: tuple[MeasureDecl, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Measure:
    """A compiled measure: its declaration and the plan that computes it."""

    id: str
    label: Bilingual
    unit: str
    kind: str
    plan: Plan


Locate = Callable[[str, str, tuple[str | int, ...]], Problem]


def compile_measures(declared: MeasuresFile, locate: Locate, ctx: Context) -> tuple[dict[str, Measure], list[Problem]]:
    """Every measure compiled against the declared facts; `locate` turns a code, message and path into a Problem."""
    measures: dict[str, Measure] = {}
    problems: list[Problem] = []
    for i, decl in enumerate(declared.measures):
        (kind,) = decl.kinds()
        if decl.id in measures:
            problems.append(locate("E201", f"重复的指标 id '{decl.id}'（duplicate measure id）", ("measures", i, "id")))
            continue
        try:
            plan = KINDS[kind](getattr(decl, kind), decl.unit, ctx)
        except Invalid as exc:
            problems.append(locate(exc.code, exc.message, ("measures", i, kind, *exc.where)))
            continue
        measures[decl.id] = Measure(decl.id, decl.label, decl.unit, kind, plan)
    return measures, problems
