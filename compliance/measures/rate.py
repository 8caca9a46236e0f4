"""`rate`: a percentage from a rate fact's parts (numerator/denominator, exact n*100/d), or from two counts.

    rate: {fact: conversion}
    rate: {numerator: {fact: hearings, date: date, where: {legal_officers: {">=": 1}}},
           denominator: {fact: hearings, date: date}}

0 of 0 means there was nothing to do this year: not applicable. A numerator above its denominator is an error.
"""

from __future__ import annotations

from typing import Any

from pydantic import model_validator

from compliance.facts.declare import Key
from compliance.facts.report import FactAccess
from compliance.measures.interface import Context, Invalid, Measured, Metric, Plan, TargetRange, Unmeasured
from compliance.measures.select import Selection, Selector, compile_selection
from compliance.model import Strict


class RateArgs(Strict):
    fact: Key | None = None
    numerator: Selection | None = None
    denominator: Selection | None = None

    @model_validator(mode="after")
    def _one_form(self) -> RateArgs:
        if (self.fact is None) == (self.numerator is None or self.denominator is None):
            raise ValueError("give `fact` (a rate fact), or `numerator` and `denominator` (two counts)")
        return self


def rate_of(parts: Any, path: str) -> Metric:
    """A percentage from numerator/denominator (exact: n*100/d), else from a declared percent."""
    if parts is None:
        return Unmeasured("not_reported", f"报告未填写 {path}（missing）")
    n, d, percent = parts.get("numerator"), parts.get("denominator"), parts.get("percent")
    if n is not None and d is not None:
        return _ratio(n, d, path, percent)
    if percent is None:
        return Unmeasured("not_reported", f"{path}: 未填写分子分母或比率（no parts, no percent）")
    if percent > 100:
        return Unmeasured("error", f"{path}: 比率 {percent}% 超过100%（percent above 100）")
    return Measured(percent, notes=("仅填报比率，无分子分母（declared percent only）",))


def _ratio(n: int, d: int, path: str, percent: float | None = None) -> Metric:
    if n > d:
        return Unmeasured("error", f"{path}: 分子 {n} 大于分母 {d}（numerator exceeds denominator）")
    if d == 0:
        return Unmeasured("not_applicable", f"{path}: 分母为0，本年度无此项工作（nothing to count）")
    value = n * 100 / d
    notes: tuple[str, ...] = ()
    if percent is not None and abs(percent - value) > 0.05:
        notes = (f"填报比率 {percent}% 与 {n}/{d} 不符，以分子分母为准（declared percent differs）",)
    return Measured(value, (f"{n}/{d}",), notes)


class RatePlan(Plan):
    kind = "rate"
    target_range = TargetRange(low=0, high=100)

    def __init__(self, unit: str, access: FactAccess) -> None:
        super().__init__(unit, (access.fact,))
        self.get, self.path = access.get, access.fact.path

    def measure(self, report: Any) -> Metric:
        return rate_of(self.get(report), self.path)


class CountsRatePlan(Plan):
    kind = "rate"
    target_range = TargetRange(low=0, high=100)

    def __init__(self, unit: str, numerator: Selector, denominator: Selector, year: int) -> None:
        super().__init__(unit, tuple({id(s.fact): s.fact for s in (numerator, denominator)}.values()))
        self.numerator, self.denominator, self.year = numerator, denominator, year

    def measure(self, report: Any) -> Metric:
        top, bottom = self.numerator.records(report), self.denominator.records(report)
        if top is None or bottom is None:
            missing = self.numerator.fact if top is None else self.denominator.fact
            return Unmeasured("not_reported", f"报告未填写 {missing.path}（missing）")
        n = len(self.numerator.pick(top, self.year)[0])
        d = len(self.denominator.pick(bottom, self.year)[0])
        return _ratio(n, d, self.numerator.fact.path)


def compile_rate(args: RateArgs, unit: str, ctx: Context) -> Plan:
    if args.fact is not None:
        return RatePlan(unit, ctx.fact(args.fact, "fact", types=("rate",)))
    assert args.numerator is not None and args.denominator is not None
    try:
        numerator = compile_selection(args.numerator, ctx)
    except Invalid as exc:
        raise Invalid(exc.code, exc.message, "numerator", *exc.where) from None
    try:
        denominator = compile_selection(args.denominator, ctx)
    except Invalid as exc:
        raise Invalid(exc.code, exc.message, "denominator", *exc.where) from None
    return CountsRatePlan(unit, numerator, denominator, ctx.year)
