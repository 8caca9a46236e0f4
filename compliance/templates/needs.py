"""What one unit must report (本单位填报事项): the rules that apply to it and, for those a machine checks, the facts
their measures read, each with its unit of measure and an example taken from the rulebook's own examples."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compliance.errors import ComplianceError, Problem
from compliance.facts.declare import Fact, FactType, FieldType, RecordField
from compliance.loading.rulebook import LoadedRulebook
from compliance.measures.count import CountPlan
from compliance.measures.interface import show
from compliance.model import Expect, Rule, Unit
from compliance.suggest import did_you_mean


@dataclass(frozen=True)
class FactNeed:
    """A fact the unit reports, the rules that read it and how to write it."""

    fact: Fact
    rules: tuple[Rule, ...]
    units: tuple[str, ...]  # the units of measure of the rules reading it (次, %, 日)
    example: Any  # plain data as a report holds it: one record for a record list, else the value
    fallback: bool = False  # a declared total, read only when the record list is missing


@dataclass(frozen=True)
class UnitTemplate:
    """Everything a fill-in template for one unit shows."""

    book: LoadedRulebook
    unit: Unit
    type_name: str
    checked: tuple[Rule, ...]  # the applicable rules a machine checks, in rulebook order
    judged: tuple[Rule, ...]  # the applicable rules an assessor judges (not_checkable): nothing to fill in
    facts: tuple[FactNeed, ...]  # in facts.yaml order

    @property
    def year(self) -> int:
        return self.book.meta.year


def find_unit(book: LoadedRulebook, text: str) -> Unit:
    """A registered unit by its id, Chinese name or alias; otherwise an input error with a suggestion."""
    wanted = text.strip()
    for unit in book.registry.units:
        if wanted == unit.id or wanted == unit.name or wanted in unit.aliases:
            return unit
    names = [name for unit in book.registry.units for name in (unit.id, unit.name, *unit.aliases)]
    hint = did_you_mean(wanted, names)
    message = (
        f"单位“{wanted}”不在考评对象名单中，`compliance units` 列出全部单位"
        f"（unit '{wanted}' is not in the unit registry" + (f"; did you mean '{hint}'?" if hint else "") + "）"
    )
    raise ComplianceError(Problem(str(book.directory / "units.yaml"), None, None, "E302", message))


def target_text(rule: Rule) -> str:
    """A rule's requirement as a clerk reads it: `>= 4 次`."""
    if rule.check is None:
        return ""
    return f"{rule.check.op.value} {show(rule.check.target)} {rule.unit or ''}".strip()


def unit_template(book: LoadedRulebook, unit_text: str) -> UnitTemplate:
    unit = find_unit(book, unit_text)
    applicable = tuple(r for r in book.rules if unit.type in r.applies_to.types or unit.id in r.applies_to.units)
    checked = tuple(r for r in applicable if r.check is not None)
    readers: dict[str, list[Rule]] = {}
    fallbacks: set[str] = set()
    for rule in checked:
        assert rule.check is not None
        plan = book.measures[rule.check.measure].plan
        for fact in plan.facts:
            readers.setdefault(fact.id, []).append(rule)
        if isinstance(plan, CountPlan) and plan.declared is not None:
            readers.setdefault(plan.declared.fact.id, []).append(rule)
            fallbacks.add(plan.declared.fact.id)
    needs = []
    for fact in book.declared.facts.facts:
        rules = readers.get(fact.id)
        if rules is None:
            continue
        units = tuple(dict.fromkeys(filter(None, (fact.unit, *(r.unit for r in rules)))))
        needs.append(FactNeed(fact, tuple(rules), units, _example(book, fact), fact.id in fallbacks))
    return UnitTemplate(
        book,
        unit,
        book.type_name(unit.type),
        checked,
        tuple(r for r in applicable if r.check is None),
        tuple(needs),
    )


# ---------------------------------------------------------------- examples


def _example(book: LoadedRulebook, fact: Fact) -> Any:
    """A value a unit might write for this fact: from a passing example of the rulebook (those at the target
    first), else made up from the declared types."""
    path = (fact.group, fact.report_key) if fact.group else (fact.report_key,)
    examples = [example for rule in book.rules for example in rule.examples if example.expect is Expect.PASS]
    examples.sort(key=lambda example: example.boundary != "at_target")
    for example in examples:
        value = _dig(example.report, path)
        if fact.type is FactType.RECORDS:
            if isinstance(value, list) and value and isinstance(value[0], Mapping):
                return dict(value[0])
        elif value is not None:
            return value
    return _made_up_fact(fact, book.meta.year)


def _dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _made_up(field: RecordField, year: int) -> Any:
    if field.type is FieldType.DATE:
        return dt.date(year, 3, 20 if field.not_before else 15).isoformat()
    if field.type is FieldType.INTEGER:
        return int(max(field.minimum or 0, 1))
    if field.type is FieldType.DECIMAL:
        return max(field.minimum or 0, 1.5)
    if field.type is FieldType.FLAG:
        return False
    if field.type is FieldType.CHOICE:
        return field.values[0]
    return field.label.zh


def _made_up_fact(fact: Fact, year: int) -> Any:
    if fact.type is FactType.RECORDS:
        return {field.id: _made_up(field, year) for field in fact.fields if field.required}
    if fact.type is FactType.RATE:
        parts: dict[str, Any] = {"numerator": 98, "denominator": 100}
        return parts | ({"previous_year_percent": 95} if fact.previous_year else {})
    if fact.type is FactType.MILESTONE:
        return {"completed": dt.date(year, 3, 15).isoformat(), "document_no": f"〔{year}〕1号"}
    if fact.type is FactType.COUNT:
        return 1
    if fact.type is FactType.NUMBER:
        return 1.5
    return True
