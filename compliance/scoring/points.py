"""Pure points: one verdict -> a rule's points; a unit's rules -> deduction groups, sections, score, grade, vetoes.

Nothing here reads files, clocks or the environment. Arithmetic is exact: integers of 1/scale points
(`Points`, the scale chosen once per plan so that every rulebook and manual number is a whole number of them);
the score is rounded half-up to the policy's `decimals` once, and the grade is taken from the rounded score.
Two modes (`scoring.mode`):

- normalised: score = earned ÷ available × 100, where available is the points of the rules that count for the
  unit (the rules of other unit types, and not-applicable ones, are left out);
- fixed_100 (倒扣分): score = 100 − deductions; a rule that does not apply, or is not machine-checkable, keeps its
  points.

Manual points (人工评分, `assess --manual`): an assessor's entry for a rule that is not machine-checkable makes
the rule count for that unit with the points given — in normalised mode it enters the denominator with its
points; in fixed_100 mode (where it already kept its points) it deducts its points less the points given. An
entry for a machine-checkable rule replaces the machine verdict's points: `points` sets them, a verdict `pass`
earns all, `fail` none, `not_applicable` leaves the rule out as any not-applicable rule is.

In both, a deduction group (扣分组) takes its members' deductions together, at most its cap, and counts its own
points once; bonus rules (加分项) add their points to the score, at most `bonus_cap`, and never count in what a
unit could earn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from compliance.evaluate import RuleResult, Status
from compliance.loading.rulebook import LoadedRulebook
from compliance.model import (
    AllOrNothing,
    DeductionGroup,
    PerShortfall,
    RateBands,
    Rule,
    Rulebook,
    ScoringPolicy,
    VetoTrigger,
)
from compliance.scoring.declared import FIXED_BASE, declared_points, rulebook_numbers
from compliance.scoring.numbers import NO_POINTS, Points, Scale, half_up, scale_for, to_points, written
from compliance.scoring.results import GroupScore, RuleScore, SectionScore, VetoApplied, VetoKind

if TYPE_CHECKING:  # annotations only: importing the manual-points loader costs `check` its Excel reader
    from compliance.loading.manual import ManualEntry

ZERO = NO_POINTS


@dataclass(frozen=True)
class Steps:
    """How a failed rule loses points, at the plan's scale: `per` for each whole step of shortfall, at most `cap`;
    a rate band's `step` as an integer ratio (the shortfall is divided by it exactly)."""

    per: Points
    cap: Points
    step: tuple[int, int] | None = None


def steps_of(rule: Rule, points: Points, scale: Scale) -> Steps | None:
    """A rule's steps (None for all-or-nothing: a fail loses all its points)."""
    scoring = rule.scoring
    if isinstance(scoring, PerShortfall):
        return Steps(to_points(scoring.per, scale), to_points(scoring.cap, scale))
    if isinstance(scoring, RateBands):
        return Steps(to_points(scoring.per, scale), points, written(scoring.step).as_integer_ratio())
    assert isinstance(scoring, AllOrNothing)
    return None


@dataclass(frozen=True)
class ScoringPlan:
    """What scoring needs from a rulebook, worked out once per assessment rather than once per unit."""

    policy: ScoringPolicy
    section_of: Mapping[str, int]
    groups: Mapping[str, DeductionGroup]
    group_section: Mapping[str, int]
    section_points: Mapping[int, Points]
    points: Mapping[str, Points]  # each rule's points
    scale: Scale  # every point value of this plan is a whole number of 1/scale points
    steps: Mapping[str, Steps | None]  # how each rule loses points when it fails
    group_points: Mapping[str, tuple[Points, Points]]  # each deduction group's (points, cap)
    bonus_cap: Points | None
    rules: tuple[Rule, ...] = ()  # rulebook order
    _of_type: dict[str, tuple[Rule, ...]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, book: LoadedRulebook, manual: Iterable[ManualEntry] = ()) -> ScoringPlan:
        """The plan of `book`; `manual`: the assessor's entries (人工评分), whose points the scale holds too."""
        groups = {g.id: g for g in book.meta.deduction_groups}
        group_section: dict[str, int] = {}
        for placed in book.placed:
            if placed.rule.group in groups:
                group_section.setdefault(placed.rule.group, placed.section)
        numbers = rulebook_numbers(book.meta, (p.rule for p in book.placed))
        numbers += [e.points for e in manual if e.points is not None]
        scale = scale_for(numbers)
        points = {p.rule.id: to_points(p.rule.points, scale) for p in book.placed}
        policy = book.meta.scoring
        return cls(
            policy=policy,
            section_of={p.rule.id: p.section for p in book.placed},
            groups=groups,
            group_section=group_section,
            section_points=declared_points(book.meta, ((p.rule, p.section) for p in book.placed), scale),
            points=points,
            scale=scale,
            steps={p.rule.id: steps_of(p.rule, points[p.rule.id], scale) for p in book.placed},
            group_points={
                g.id: (to_points(g.points, scale), to_points(g.deduction_cap, scale)) for g in groups.values()
            },
            bonus_cap=None if policy.bonus_cap is None else to_points(policy.bonus_cap, scale),
            rules=book.rules,
        )

    def candidates(self, unit_type: str) -> tuple[Rule, ...]:
        """The rules that may apply to a unit of the type, rulebook order: those naming the type, and those
        naming units (`applies` decides), worked out once per type rather than once per unit."""
        found = self._of_type.get(unit_type)
        if found is None:
            found = self._of_type[unit_type] = tuple(
                r for r in self.rules if unit_type in r.applies_to.types or r.applies_to.units
            )
        return found

    def group_of(self, rule: Rule) -> str | None:
        """The rule's deduction group, if the rulebook declares it (lint refuses an undeclared one)."""
        return rule.group if rule.group in self.groups else None


# ------------------------------------------------------------------ one rule


def applies(rule: Rule, unit_id: str, unit_type: str) -> bool:
    return unit_type in rule.applies_to.types or unit_id in rule.applies_to.units


def deduction(rule: Rule, result: RuleResult, policy: ScoringPolicy, scale: Scale) -> Points:
    """Points lost (at `scale`) by a failed rule: never more than its cap or its points.

    partial_band counts: any shortfall costs at least one step (a fail is a fail); ignored: only whole steps
    count, so a shortfall of less than one step costs nothing.
    """
    points = to_points(rule.points, scale)
    return _deduction(steps_of(rule, points, scale), result, policy, points)


def _deduction(steps: Steps | None, result: RuleResult, policy: ScoringPolicy, points: Points) -> Points:
    if steps is None:
        return points
    # the shortfall as the decimal it was written as, in whole steps: an exact ratio of integers
    numerator, denominator = written(result.shortfall_amount or 0).as_integer_ratio()
    if steps.step is not None:
        step_numerator, step_denominator = steps.step
        numerator, denominator = numerator * step_denominator, denominator * step_numerator
    # 不足一档按一档 (counts): any shortfall costs at least one step; ignored: only whole steps count
    counts = policy.partial_band == "counts"
    whole = max(1, -(-numerator // denominator)) if counts else numerator // denominator
    return min(Points(steps.per * whole), steps.cap, points)


def rule_points(rule: Rule, result: RuleResult, policy: ScoringPolicy, scale: Scale) -> Points | None:
    """Points earned (at `scale`), or None when the policy leaves the rule out of the unit's denominator."""
    points = to_points(rule.points, scale)
    return _earned(result, policy, points, steps_of(rule, points, scale))


def _earned(result: RuleResult, policy: ScoringPolicy, points: Points, steps: Steps | None) -> Points | None:
    status = result.status
    if status == "pass":
        return points
    if status == "not_applicable":
        return None
    if status == "not_reported":
        return ZERO  # policy.not_reported is always count_zero: a gap is never silently dropped
    if status == "error":
        return ZERO if policy.error == "count_zero" else None
    return max(ZERO, Points(points - _deduction(steps, result, policy, points)))


def rule_score(rule: Rule, section: int, result: RuleResult, plan: ScoringPlan) -> RuleScore:
    """One rule's points for one unit, and what it deducts on its own (before any group cap)."""
    points = plan.points[rule.id]
    earned = _earned(result, plan.policy, points, plan.steps[rule.id])
    if rule.bonus:
        # 加分项: a pass (or a partial pass) adds what it earns; a bonus not reported, or reported with
        # contradictory data, adds nothing and costs nothing, since no unit is obliged to claim it
        if result.status not in ("pass", "fail", "not_applicable"):
            earned = ZERO
        deducted = ZERO
    else:
        deducted = ZERO if earned is None or earned == points else Points(points - earned)
    return RuleScore(rule.id, section, points, earned, rule.is_veto, result, plan.group_of(rule), rule.bonus, deducted)


def manual_score(
    rule: Rule, section: int, entry: ManualEntry, machine: RuleResult | None, plan: ScoringPlan
) -> RuleScore:
    """One rule's points as the assessor set them (人工评定), the machine's verdict (if any) kept beside them.

    points p: earned p, status pass when p is all the rule's points, else fail; verdict pass: all points;
    fail: none; not_applicable: out of the denominator (fixed_100: keeps its points, as any rule that does not
    apply).
    """
    points = plan.points[rule.id]
    status: Status
    earned: Points | None
    if entry.points is not None:
        earned = to_points(entry.points, plan.scale)  # the plan's scale holds every manual entry's points
        status = "pass" if earned == points else "fail"
    else:
        assert entry.verdict is not None  # the loader requires one of the two
        status = entry.verdict
        earned = points if status == "pass" else ZERO if status == "fail" else None
    result = RuleResult(
        rule_id=rule.id,
        status=status,
        measured=machine.measured if machine is not None else None,
        target=machine.target if machine is not None else None,
        op=machine.op if machine is not None else None,
        unit=rule.unit,
        records=machine.records if machine is not None else (),
        reason=f"人工评定（manual）：{entry.reason}（{entry.assessor}，{entry.date}）",
        bonus=rule.bonus,
    )
    deducted = ZERO if rule.bonus or earned is None else Points(points - earned)
    return RuleScore(
        rule.id,
        section,
        points,
        earned,
        rule.is_veto,
        result,
        plan.group_of(rule),
        rule.bonus,
        deducted,
        manual=entry,
        machine=machine.status if machine is not None else None,
    )


# ------------------------------------------------------------------ groups, sections, the unit's total


def group_scores(scores: Sequence[RuleScore], plan: ScoringPlan) -> tuple[GroupScore, ...]:
    """Each deduction group that has a member applying to the unit, in the order its first member appears."""
    members: dict[str, list[RuleScore]] = {}
    for score in scores:
        if score.group is not None:
            members.setdefault(score.group, []).append(score)
    out: list[GroupScore] = []
    for group_id, rules in members.items():
        group = plan.groups[group_id]
        points, cap = plan.group_points[group_id]
        deducted = Points(sum(r.deducted for r in rules))
        applied = min(deducted, cap, points)
        counted = any(r.counted for r in rules)
        out.append(
            GroupScore(
                group_id=group_id,
                title=group.title.zh,
                section=plan.group_section[group_id],
                points=points,
                cap=cap,
                rule_ids=tuple(r.rule_id for r in rules),
                deducted=deducted,
                applied=applied,
                earned=Points(points - applied) if counted else None,
            )
        )
    return tuple(out)


def section_scores(
    book: Rulebook, scores: Sequence[RuleScore], groups: Sequence[GroupScore], plan: ScoringPlan
) -> tuple[SectionScore, ...]:
    """Section subtotals. normalised: the points of what counts for the unit; fixed_100: the section's declared
    points, less its deductions."""
    earned: dict[int, Points] = {}
    available: dict[int, Points] = {}
    lost: dict[int, Points] = {}
    parts = [(r.section, r.earned, r.points, r.deducted) for r in scores if r.group is None and not r.bonus]
    parts += [(g.section, g.earned, g.points, g.applied) for g in groups]
    for section, got, points, deducted in parts:
        if deducted:
            lost[section] = Points(lost.get(section, ZERO) + deducted)
        if got is not None:
            earned[section] = Points(earned.get(section, ZERO) + got)
            available[section] = Points(available.get(section, ZERO) + points)
    if plan.policy.mode == "fixed_100":
        declared = plan.section_points
        return tuple(
            SectionScore(
                s.number,
                s.title.zh,
                Points(declared.get(s.number, ZERO) - lost.get(s.number, ZERO)),
                declared.get(s.number, ZERO),
            )
            for s in book.sections
        )
    return tuple(
        SectionScore(s.number, s.title.zh, earned.get(s.number, ZERO), available.get(s.number, ZERO))
        for s in book.sections
    )


def totals(
    sections: Sequence[SectionScore], scores: Sequence[RuleScore], groups: Sequence[GroupScore], plan: ScoringPlan
) -> tuple[Points, Points]:
    """(earned, available) for the unit: normalised adds up the sections; fixed_100 is 100 less the deductions."""
    if plan.policy.mode == "fixed_100":
        lost = sum(r.deducted for r in scores if r.group is None and not r.bonus) + sum(g.applied for g in groups)
        base = FIXED_BASE * plan.scale
        return Points(max(0, base - lost)), Points(base)
    return Points(sum(s.earned for s in sections)), Points(sum(s.available for s in sections))


def bonus_points(scores: Sequence[RuleScore], plan: ScoringPlan) -> tuple[Points, Points]:
    """(what the unit's bonus rules earn, what of it is added: at most bonus_cap)."""
    earned = Points(sum(r.earned for r in scores if r.bonus and r.earned is not None))
    cap = plan.bonus_cap
    return earned, earned if cap is None else min(earned, cap)


def score_of(earned: Points, available: Points, bonus: Points, policy: ScoringPolicy, scale: Scale) -> Decimal | None:
    """The 100-point score, rounded half-up once; None when nothing counts for the unit (normalised mode).

    normalised: 100 × earned ÷ available + bonus ÷ scale = (100 × earned × scale + bonus × available) ÷
    (available × scale), one ratio of integers, rounded exactly."""
    if policy.mode == "fixed_100":
        return half_up(earned + bonus, scale, policy.decimals)
    if available <= 0:
        return None
    return half_up(100 * earned * scale + bonus * available, available * scale, policy.decimals)


# ------------------------------------------------------------------ grades and vetoes


def grade_for(score: Decimal, policy: ScoringPolicy) -> str:
    for band in policy.grades:
        if score >= Decimal(str(band.min_score)):
            return band.grade
    return policy.fallback_grade


def capped(grade: str, cap: str, policy: ScoringPolicy) -> str:
    """The worse of grade and cap (一票否决: a veto failure caps the grade)."""
    order = policy.ordered_grades()
    return grade if order.index(grade) >= order.index(cap) else cap


@dataclass(frozen=True)
class Veto:
    """A rule's veto as it applies: `veto: true` is today's cap at scoring.veto_cap on scoring.veto_on."""

    consequence: VetoKind
    grade: str
    when: tuple[VetoTrigger, ...]


def veto_of(rule: Rule, policy: ScoringPolicy) -> Veto | None:
    declared = rule.veto
    if declared is False:
        return None
    if declared is True:
        return Veto("cap_grade", policy.veto_cap, policy.veto_on)
    when = declared.when or policy.veto_on
    if declared.consequence == "fail":
        return Veto("fail", policy.fallback_grade, when)
    assert declared.grade is not None  # the model requires it for cap_grade
    return Veto("cap_grade", declared.grade, when)


def vetoes_applied(
    rules: Mapping[str, Rule], scores: Sequence[RuleScore], policy: ScoringPolicy
) -> tuple[VetoApplied, ...]:
    """The vetoes (一票否决) the unit's verdicts trigger, in rule order."""
    out: list[VetoApplied] = []
    for score in scores:
        veto = veto_of(rules[score.rule_id], policy) if score.veto else None
        if veto is not None and score.status in veto.when:
            out.append(VetoApplied(score.rule_id, veto.consequence, veto.grade))
    return tuple(out)


def graded(score: Decimal, vetoes: Sequence[VetoApplied], policy: ScoringPolicy) -> tuple[str, str]:
    """(grade, grade before veto): the score's grade, then each triggered veto's cap (fail: the lowest grade)."""
    before = grade_for(score, policy)
    grade = before
    for veto in vetoes:
        grade = capped(grade, veto.grade, policy)
    return grade, before
