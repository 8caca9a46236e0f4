"""One unit's assessment: its verdicts -> rule points, deduction groups, sections, score, grade, rectification list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from compliance.evaluate import RuleResult
from compliance.loading.manual import ManualEntry
from compliance.loading.rulebook import LoadedRulebook
from compliance.model import Rule
from compliance.scoring.points import (
    ScoringPlan,
    applies,
    bonus_points,
    graded,
    group_scores,
    manual_score,
    rule_score,
    score_of,
    section_scores,
    totals,
    vetoes_applied,
)
from compliance.scoring.prose import (
    INVALID_REASON,
    NO_REPORT_REASON,
    manual_rectification,
    placeholder,
    rectification,
    report_fields,
)
from compliance.scoring.results import FAILING, Rectification, RuleScore, UnitAssessment, UnitStatus


@dataclass(frozen=True)
class UnitEntry:
    """A unit to assess: from the registry, or named by a report from a unit outside it."""

    unit_id: str
    name: str
    unit_type: str
    registered: bool


def score_unit(
    book: LoadedRulebook,
    unit: UnitEntry,
    results: Sequence[RuleResult] | None,
    status: UnitStatus,
    sources: tuple[str, ...],
    problems: tuple[str, ...],
    plan: ScoringPlan | None = None,
    manual: Mapping[str, ManualEntry] | None = None,
) -> UnitAssessment:
    """Points, sections, score, grade and rectification for one unit (results None: nothing usable arrived).

    `manual`: the assessor's entries for this unit by rule id (人工评分); a not machine-checkable rule counts only
    when it has one.
    """
    manual = manual or {}
    plan = plan or ScoringPlan.of(book, manual.values())
    by_id = {r.rule_id: r for r in results or ()}
    scores: list[RuleScore] = []
    fixes: list[Rectification] = []
    rules: dict[str, Rule] = {}
    for rule in plan.candidates(unit.unit_type):
        entry = manual.get(rule.id)
        if not applies(rule, unit.unit_id, unit.unit_type) or (entry is None and not rule.checkable):
            continue
        machine: RuleResult | None = None
        if rule.checkable:
            if results is None:
                machine = placeholder(rule, NO_REPORT_REASON if status == "not_reported" else INVALID_REASON)
            else:
                machine = by_id.get(rule.id)
                if machine is None:
                    continue  # not scored for this unit (its reports are duplicates)
        section = plan.section_of[rule.id]
        if entry is not None:
            score = manual_score(rule, section, entry, machine, plan)
        else:
            assert machine is not None
            score = rule_score(rule, section, machine, plan)
        scores.append(score)
        rules[rule.id] = rule
        # a bonus not earned is not a shortcoming to rectify (加分项不是必须完成的任务)
        if score.status in FAILING and not rule.bonus:
            if entry is not None:
                fixes.append(manual_rectification(rule, section, score, entry))
            else:
                fixes.append(rectification(rule, section, score, report_fields(book, rule)))
    return _assessed(book, unit, plan, scores, rules, fixes, status, sources, problems)


def _assessed(
    book: LoadedRulebook,
    unit: UnitEntry,
    plan: ScoringPlan,
    scores: Sequence[RuleScore],
    rules: Mapping[str, Rule],
    fixes: Sequence[Rectification],
    status: UnitStatus,
    sources: tuple[str, ...],
    problems: tuple[str, ...],
) -> UnitAssessment:
    policy = plan.policy
    groups = group_scores(scores, plan)
    sections = section_scores(book.meta, scores, groups, plan)
    earned, available = totals(sections, scores, groups, plan)
    bonus, bonus_applied = bonus_points(scores, plan)
    vetoes = vetoes_applied(rules, scores, policy)
    score = grade = before = None
    if status != "duplicate":
        score = score_of(earned, available, bonus_applied, policy, plan.scale)
        if status in ("not_reported", "invalid"):
            grade = before = policy.no_report_grade
        elif score is not None:
            grade, before = graded(score, vetoes, policy)
    if status == "fail" and not any(r.status in FAILING and not r.bonus for r in scores):
        status = "pass"
    return UnitAssessment(
        unit_id=unit.unit_id,
        unit_name=unit.name,
        unit_type=unit.unit_type,
        unit_type_name=book.type_name(unit.unit_type),
        registered=unit.registered,
        status=status,
        sources=sources,
        rules=tuple(scores),
        sections=sections,
        earned=earned,
        available=available,
        score=score,
        grade=grade,
        grade_before_veto=before,
        vetoed_by=tuple(v.rule_id for v in vetoes),
        rank=None,
        ranked_among=0,
        rectification=tuple(fixes),
        problems=problems,
        scale=plan.scale,
        groups=groups,
        bonus=bonus,
        bonus_applied=bonus_applied,
        vetoes=vetoes,
    )
