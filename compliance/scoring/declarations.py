"""Lint's checks of a rulebook's scoring declarations (E25x): deduction groups, section weights, vetoes, bonuses.

Called from `compliance.loading.rulebook.consistency`, so `compliance lint` reports these with file, line and
column and `assess` refuses a rulebook that has them.

| code | problem                                                                                         |
|------|-------------------------------------------------------------------------------------------------|
| E250 | a rule's `group` names no deduction group declared in rulebook.yaml                             |
| E251 | a deduction group's cap exceeds its points (an item cannot lose more than it is worth)          |
| E252 | a declared deduction group has no rule                                                          |
| E253 | a deduction group's rules are in different sections                                             |
| E254 | a section's `weight` differs from its rules' points (a group counted once, bonus rules aside)   |
| E255 | a veto's `grade` is not one of the policy's grades                                              |
| E256 | a bonus rule is also a veto rule or in a deduction group                                        |
| E257 | the rulebook has bonus rules but its policy declares no `bonus_cap`                             |
| E258 | fixed_100 scoring, but the rules' points (a group once, bonus rules aside) do not add up to 100  |
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path

from compliance.errors import Problem
from compliance.loading.documents import Document
from compliance.loading.rulebook import LoadedRulebook, rule_files
from compliance.model import Veto
from compliance.scoring.declared import FIXED_BASE, declared_points, rulebook_numbers
from compliance.scoring.numbers import NO_POINTS, Points, points_text, scale_for, text, to_points, written
from compliance.suggest import did_you_mean


def scoring_problems(book: LoadedRulebook) -> Iterator[Problem]:
    """Every problem with the rulebook's scoring declarations, located in the file that declares it."""
    meta_doc = next((d for d in book.documents if Path(d.path).name == "rulebook.yaml"), None)
    yield from _groups(book, meta_doc)
    yield from _rules(book)
    if meta_doc is not None and _every_rule_loaded(book):
        # totals are only meaningful over every rule: a rule file lint could not read would skew them
        yield from _totals(book, meta_doc)


def _groups(book: LoadedRulebook, meta_doc: Document | None) -> Iterator[Problem]:
    members: dict[str, list[int]] = {}
    for placed in book.placed:
        if placed.rule.group is not None:
            members.setdefault(placed.rule.group, []).append(placed.section)
    seen: set[str] = set()
    for i, group in enumerate(book.meta.deduction_groups if meta_doc is not None else ()):
        assert meta_doc is not None
        where = ("deduction_groups", i)
        if group.id in seen:
            yield meta_doc.problem("E201", f"duplicate deduction group id '{group.id}'", (*where, "id"))
        seen.add(group.id)
        if group.cap is not None and written(group.cap) > written(group.points):
            yield meta_doc.problem(
                "E251",
                f"扣分组 '{group.id}' 最多扣{text(written(group.cap))}分，超过本项分值{text(written(group.points))}分"
                f"（deduction group '{group.id}' may deduct {text(written(group.cap))} points, more than the "
                f"{text(written(group.points))} it is worth）",
                (*where, "cap"),
            )
        if group.id not in members:
            yield meta_doc.problem(
                "E252",
                f"扣分组 '{group.id}' 没有规则（no rule belongs to deduction group '{group.id}'; "
                f"give its rules `group: {group.id}`）",
                where,
            )
    first_section: dict[str, int] = {}
    declared = {g.id for g in book.meta.deduction_groups}
    for placed in book.placed:
        group_id = placed.rule.group
        if group_id is None:
            continue
        if group_id not in declared:
            hint = did_you_mean(group_id, declared)
            yield placed.problem(
                "E250",
                f"扣分组 '{group_id}' 未在 rulebook.yaml 的 deduction_groups 中声明"
                f"（deduction group '{group_id}' is not declared）" + (f" (did you mean '{hint}'?)" if hint else ""),
                "group",
            )
            continue
        section = first_section.setdefault(group_id, placed.section)
        if placed.section != section:
            yield placed.problem(
                "E253",
                f"扣分组 '{group_id}' 的规则须在同一部分：已有规则在第{section}部分，本规则在第{placed.section}部分"
                f"（deduction group '{group_id}' already has rules in section {section}; "
                f"this rule is in section {placed.section}）",
                "group",
            )


def _rules(book: LoadedRulebook) -> Iterator[Problem]:
    policy = book.meta.scoring
    grades = set(policy.ordered_grades())
    bonus_without_cap = policy.bonus_cap is None
    for placed in book.placed:
        rule = placed.rule
        if isinstance(rule.veto, Veto) and rule.veto.grade is not None and rule.veto.grade not in grades:
            hint = did_you_mean(rule.veto.grade, grades)
            yield placed.problem(
                "E255",
                f"否决等次 '{rule.veto.grade}' 不是 scoring.grades 中的等次（veto grade '{rule.veto.grade}' is not one "
                f"of the grades: {', '.join(policy.ordered_grades())}）"
                + (f" (did you mean '{hint}'?)" if hint else ""),
                "veto",
                "grade",
            )
        if not rule.bonus:
            continue
        if rule.is_veto:
            yield placed.problem("E256", "加分项不能是一票否决项（a bonus rule cannot be a veto rule）", "veto")
        if rule.group is not None:
            yield placed.problem("E256", "加分项不能属于扣分组（a bonus rule cannot be in a deduction group）", "group")
        if bonus_without_cap:
            bonus_without_cap = False  # once, at the first bonus rule
            yield placed.problem(
                "E257",
                "加分项须规定加分上限：在 rulebook.yaml 的 scoring 中写 bonus_cap（bonus rules need a bonus_cap）",
                "bonus",
            )


def _totals(book: LoadedRulebook, meta_doc: Document) -> Iterator[Problem]:
    weights = [s.weight for s in book.meta.sections if s.weight is not None]
    scale = scale_for([*rulebook_numbers(book.meta, (p.rule for p in book.placed)), *weights])
    points = declared_points(book.meta, ((p.rule, p.section) for p in book.placed), scale)
    for i, section in enumerate(book.meta.sections):
        if section.weight is None:
            continue
        have = points.get(section.number, NO_POINTS)
        if to_points(section.weight, scale) != have:
            weight, added = text(written(section.weight)), points_text(have, scale)
            yield meta_doc.problem(
                "E254",
                f"第{section.number}部分分值{weight}分，与其各规则分值之和{added}分不符"
                f"（section {section.number} weighs {weight} points, but its rules' points add up to {added}）",
                ("sections", i, "weight"),
            )
    if book.meta.scoring.mode == "fixed_100":
        total = Points(sum(points.values()))
        if total != FIXED_BASE * scale:
            added = points_text(total, scale)
            yield meta_doc.problem(
                "E258",
                f"倒扣分（fixed_100）从100分扣起，各项分值之和应为100，实为{added}（fixed_100 scoring starts "
                f"every unit from 100, but the rules' points add up to {added}, a deduction group once, "
                f"bonus rules aside）",
                ("scoring", "mode"),
            )


def _every_rule_loaded(book: LoadedRulebook) -> bool:
    """Whether every rule of every rule file validated (lint goes on with the rules that do)."""
    documents: Mapping[str, Document] = {d.path: d for d in book.documents}
    loaded = Counter(p.document.path for p in book.placed)
    for path in map(str, rule_files(book.directory)):
        doc = documents.get(path)
        data = doc.data if doc is not None else None
        rules = data.get("rules") if isinstance(data, Mapping) else None
        if not isinstance(rules, list) or len(rules) != loaded[path]:
            return False
    return True
