"""Pure: scorecards -> points, section subtotals, normalised scores, grades, ranks, rectification lists (考评).

Nothing here reads files, clocks or the environment: the same scorecards, rulebook and audit header always
give the same `Assessment`. Arithmetic is exact (fractions of the rulebook's decimal points); scores are
rounded half-up to the policy's `decimals` once, and grades and ranks are taken from the rounded score.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from compliance.evaluate import RuleResult, Scorecard, Status
from compliance.loading.rulebook import LoadedRulebook
from compliance.model import AllOrNothing, PerShortfall, RateBands, Rule, ScoringPolicy

UnitStatus = Literal["pass", "fail", "not_reported", "invalid", "duplicate"]
ReportStatus = Literal["used", "copy", "invalid", "duplicate", "unregistered"]
FAILING: frozenset[Status] = frozenset({"fail", "not_reported", "error"})
OP_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}
NO_REPORT_REASON = "未提交年度报告（no report received）"
INVALID_REASON = "报告无效，未能评分（the report could not be read or was rejected）"


@dataclass(frozen=True)
class Audit:
    """Who computed this, from what (审计信息): printed at the top of every output."""

    rulebook_id: str
    rulebook_title: str
    rulebook_year: int
    source_document: str
    rulebook_sha256: str
    registry_source: str
    registry_sha256: str
    tool_version: str
    generated_at: str


@dataclass(frozen=True)
class RuleScore:
    """One rule's points for one unit. `earned` is None when the rule is outside the denominator."""

    rule_id: str
    section: int
    points: Fraction
    earned: Fraction | None
    veto: bool
    result: RuleResult

    @property
    def status(self) -> Status:
        return self.result.status

    @property
    def counted(self) -> bool:
        return self.earned is not None


@dataclass(frozen=True)
class SectionScore:
    number: int
    title: str
    earned: Fraction
    available: Fraction


@dataclass(frozen=True)
class Rectification:
    """整改事项: one failed, unreported or contradictory rule, and what would make it pass."""

    rule_id: str
    title: str
    section: int
    status: Status
    required: str
    measured: str
    to_pass: str
    item: int | None  # None for a rule citing a passage by locator (source.at)
    where: str  # the place cited: 第5条, or the locator (三、(二))
    clause: str
    points_lost: Fraction
    veto: bool
    records: tuple[str, ...]


@dataclass(frozen=True)
class UnitAssessment:
    """One unit's year: its points, score (百分制), grade (等次), rank in its type and rectification list."""

    unit_id: str
    unit_name: str
    unit_type: str
    unit_type_name: str
    registered: bool
    status: UnitStatus
    sources: tuple[str, ...]
    rules: tuple[RuleScore, ...]
    sections: tuple[SectionScore, ...]
    earned: Fraction
    available: Fraction
    score: Decimal | None
    grade: str | None
    grade_before_veto: str | None
    vetoed_by: tuple[str, ...]
    rank: int | None
    ranked_among: int
    rectification: tuple[Rectification, ...]
    problems: tuple[str, ...]

    def status_of(self, rule_id: str) -> Status | None:
        """The rule's status for this unit, or None when the rule does not apply to it."""
        for score in self.rules:
            if score.rule_id == rule_id:
                return score.status
        return None


@dataclass(frozen=True)
class RulePassRate:
    """How many of the units a rule applies to met it (达标率), over registered units with a verdict."""

    rule_id: str
    title: str
    section: int
    points: Fraction
    veto: bool
    applicable: int
    passed: int
    failed: int
    not_reported: int
    error: int
    rate: Decimal | None  # percent, one decimal; None when the rule applied to no unit


@dataclass(frozen=True)
class ReportRecord:
    """Every report read, and what became of it."""

    source: str
    sha256: str
    unit_id: str | None
    status: ReportStatus
    problems: tuple[str, ...]


@dataclass(frozen=True)
class GradeCount:
    unit_type: str
    unit_type_name: str
    counts: tuple[tuple[str, int], ...]  # every grade best first, then 未评定 (ungraded) if any
    total: int


@dataclass(frozen=True)
class Assessment:
    """The city-wide result (年度考评结果)."""

    audit: Audit
    policy: ScoringPolicy
    policy_statement: str
    book: LoadedRulebook
    rules: tuple[Rule, ...]  # the scored (machine-checkable) rules, rulebook order
    units: tuple[UnitAssessment, ...]  # registered units by type, rank, id; then unregistered by id
    pass_rates: tuple[RulePassRate, ...]  # most-missed first
    grade_counts: tuple[GradeCount, ...]
    reports: tuple[ReportRecord, ...]  # sorted by source
    problems: tuple[str, ...]

    @property
    def registered_units(self) -> tuple[UnitAssessment, ...]:
        return tuple(u for u in self.units if u.registered)

    @property
    def unregistered_units(self) -> tuple[UnitAssessment, ...]:
        """Units that sent a report but are not in the registry: scored, never ranked."""
        return tuple(u for u in self.units if not u.registered)

    @property
    def exit_code(self) -> int:
        """0 when every registered unit passes every rule and every report was used cleanly, else 1."""
        units_ok = all(u.status == "pass" for u in self.units)
        reports_ok = all(r.status in ("used", "copy") for r in self.reports)
        return 0 if units_ok and reports_ok else 1


UNGRADED = "未评定"


# ------------------------------------------------------------------ numbers


def exact(value: float | int | None) -> Fraction:
    """A rulebook or report number as the decimal it was written as (0.1 is one tenth, not a binary float)."""
    if value is None:
        return Fraction(0)
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def round_half_up(value: Fraction, decimals: int) -> Decimal:
    """Round to `decimals` places, halves away from zero (四舍五入: 0.875 → 0.88 and −0.875 → −0.88)."""
    units = math.floor(abs(value) * 10**decimals + Fraction(1, 2))
    return Decimal(units if value >= 0 else -units).scaleb(-decimals)


def plain(value: Fraction | Decimal | None) -> int | float | None:
    """A number for JSON/CSV: whole numbers as integers, others as floats rounded to 6 decimals."""
    if value is None:
        return None
    as_float = round(float(value), 6)
    return int(as_float) if as_float.is_integer() else as_float


def text(value: Fraction | Decimal | None, decimals: int | None = None) -> str:
    """A number for people: '3', '2.5' (at most 6 decimals, never an exponent), or fixed decimals ('88.57').

    Both round half-up, a Decimal as much as a Fraction.
    """
    if value is None:
        return "—"
    if decimals is not None:
        return f"{round_half_up(Fraction(value), decimals):.{decimals}f}"
    return f"{round_half_up(Fraction(value), 6).normalize():f}"


# ------------------------------------------------------------------ one rule


def applies(rule: Rule, unit_id: str, unit_type: str) -> bool:
    return unit_type in rule.applies_to.types or unit_id in rule.applies_to.units


def deduction(rule: Rule, result: RuleResult, policy: ScoringPolicy) -> Fraction:
    """Points lost by a failed rule: never more than its cap or its points.

    partial_band counts: any shortfall costs at least one step (a fail is a fail); ignored: only whole steps
    count, so a shortfall of less than one step costs nothing.
    """
    points = exact(rule.points)
    scoring = rule.scoring
    if isinstance(scoring, AllOrNothing):
        return points
    amount = exact(result.shortfall_amount)
    if isinstance(scoring, PerShortfall):
        units, per, cap = amount, exact(scoring.per), exact(scoring.cap)
    else:
        assert isinstance(scoring, RateBands)
        units, per, cap = amount / exact(scoring.step), exact(scoring.per), points
    # 不足一档按一档 (counts): any shortfall costs at least one step; ignored: only whole steps count
    whole = max(1, math.ceil(units)) if policy.partial_band == "counts" else math.floor(units)
    return min(per * whole, cap, points)


def rule_points(rule: Rule, result: RuleResult, policy: ScoringPolicy) -> Fraction | None:
    """Points earned, or None when the policy leaves the rule out of the unit's denominator."""
    points = exact(rule.points)
    status = result.status
    if status == "pass":
        return points
    if status == "not_applicable":
        return None
    if status == "not_reported":
        return Fraction(0)  # policy.not_reported is always count_zero: a gap is never silently dropped
    if status == "error":
        return Fraction(0) if policy.error == "count_zero" else None
    return max(Fraction(0), points - deduction(rule, result, policy))


def grade_for(score: Decimal, policy: ScoringPolicy) -> str:
    for band in policy.grades:
        if score >= Decimal(str(band.min_score)):
            return band.grade
    return policy.fallback_grade


def capped(grade: str, cap: str, policy: ScoringPolicy) -> str:
    """The worse of grade and cap (一票否决: a veto failure caps the grade)."""
    order = policy.ordered_grades()
    return grade if order.index(grade) >= order.index(cap) else cap


def policy_statement(policy: ScoringPolicy) -> str:
    """The denominator and grading policy in words; printed with every score."""
    bands = "，".join(f"{b.grade}≥{text(exact(b.min_score))}" for b in policy.grades)
    error = "计0分并计入应得分" if policy.error == "count_zero" else "不计入应得分"
    vetoes = "、".join({"fail": "未达标", "not_reported": "未报送", "error": "数据矛盾"}[s] for s in policy.veto_on)
    band = "不足一档按一档扣分" if policy.partial_band == "counts" else "不足一档不扣分"
    return (
        f"得分 = 实得分 ÷ 应得分 × 100（保留{policy.decimals}位小数，四舍五入）；"
        f"应得分为适用于该单位的可机读规则分值之和。不适用：不计入应得分；未报送：计0分并计入应得分；"
        f"数据矛盾：{error}；不可机读规则：不计入机器评分。等次：{bands}，否则{policy.fallback_grade}；"
        f"否决项{vetoes}的，等次最高为{policy.veto_cap}；未提交报告的单位为{policy.no_report_grade}。"
        f"分档扣分{band}，扣分不超过该项分值。"
        f" | Score = earned ÷ available × 100. not_applicable: excluded; not_reported: 0 points, counted; "
        f"error: {'0 points, counted' if policy.error == 'count_zero' else 'excluded'}; "
        f"not machine-checkable rules: excluded."
    )


# ------------------------------------------------------------------ one unit


def _required(rule: Rule) -> str:
    assert rule.check is not None
    return f"{OP_SYMBOL[rule.check.op.value]} {text(exact(rule.check.target))}{rule.unit or ''}"


def _measured(rule: Rule, result: RuleResult) -> str:
    if result.measured is None:
        return "—"
    shown = round_half_up(exact(result.measured), 2).normalize()
    return f"{shown:f}{rule.unit or ''}"


def _to_pass(rule: Rule, result: RuleResult, fields: str) -> str:
    if result.status == "fail":
        return result.shortfall or f"须达到 {_required(rule)}（must reach {_required(rule)}）"
    if result.status == "error":
        return f"更正报告数据（correct the report）：{result.reason or ''}".rstrip("：")
    reason = result.reason or ""
    extra = (
        ""
        if not reason or reason.startswith("报告未填写") or reason in (NO_REPORT_REASON, INVALID_REASON)
        else f"；{reason}"
    )
    return f"在报告中填写 {fields}（report {fields}）{extra}"


def rectification(rule: Rule, section: int, score: RuleScore, fields: str = "") -> Rectification:
    """`fields`: where in the report the unit writes what the rule's measure reads."""
    result = score.result
    lost = score.points - score.earned if score.earned is not None else Fraction(0)
    return Rectification(
        rule_id=rule.id,
        title=rule.title.zh,
        section=section,
        status=result.status,
        required=_required(rule),
        measured=_measured(rule, result),
        to_pass=_to_pass(rule, result, fields),
        item=rule.source.item,
        where=rule.source.label,
        clause=rule.source.clause,
        points_lost=lost,
        veto=rule.veto,
        records=result.records if result.status == "fail" else (),
    )


def _placeholder(rule: Rule, reason: str) -> RuleResult:
    assert rule.check is not None
    return RuleResult(
        rule_id=rule.id,
        status="not_reported",
        measured=None,
        target=rule.check.target,
        op=rule.check.op.value,
        unit=rule.unit,
        reason=reason,
    )


@dataclass(frozen=True)
class _Unit:
    unit_id: str
    name: str
    unit_type: str
    registered: bool


def report_fields(book: LoadedRulebook, rule: Rule) -> str:
    measure = book.measures.get(rule.check.measure) if rule.check else None
    return measure.plan.fields if measure else ""


def score_unit(
    book: LoadedRulebook,
    unit: _Unit,
    results: Sequence[RuleResult] | None,
    status: UnitStatus,
    sources: tuple[str, ...],
    problems: tuple[str, ...],
) -> UnitAssessment:
    """Points, sections, score, grade and rectification for one unit (results None: nothing usable arrived)."""
    policy = book.meta.scoring
    by_id = {r.rule_id: r for r in results or ()}
    sections = {placed.rule.id: placed.section for placed in book.placed}
    scores: list[RuleScore] = []
    fixes: list[Rectification] = []
    for rule in book.checkable:
        if not applies(rule, unit.unit_id, unit.unit_type):
            continue
        if results is None:
            result = _placeholder(rule, NO_REPORT_REASON if status == "not_reported" else INVALID_REASON)
        else:
            found = by_id.get(rule.id)
            if found is None:
                continue
            result = found
        rs = RuleScore(
            rule.id, sections[rule.id], exact(rule.points), rule_points(rule, result, policy), rule.veto, result
        )
        scores.append(rs)
        if result.status in FAILING:
            fixes.append(rectification(rule, sections[rule.id], rs, report_fields(book, rule)))
    subtotals = tuple(
        SectionScore(
            s.number,
            s.title.zh,
            sum((r.earned for r in scores if r.section == s.number and r.earned is not None), Fraction(0)),
            sum((r.points for r in scores if r.section == s.number and r.earned is not None), Fraction(0)),
        )
        for s in book.meta.sections
    )
    earned = sum((s.earned for s in subtotals), Fraction(0))
    available = sum((s.available for s in subtotals), Fraction(0))
    score: Decimal | None = None
    grade = before = None
    vetoed = tuple(r.rule_id for r in scores if r.veto and r.status in policy.veto_on)
    if status != "duplicate":
        if available > 0:
            score = round_half_up(100 * earned / available, policy.decimals)
        if status in ("not_reported", "invalid"):
            grade = before = policy.no_report_grade
        elif score is not None:
            before = grade_for(score, policy)
            grade = capped(before, policy.veto_cap, policy) if vetoed else before
    if status == "fail" and not any(r.status in FAILING for r in scores):
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
        sections=subtotals,
        earned=earned,
        available=available,
        score=score,
        grade=grade,
        grade_before_veto=before,
        vetoed_by=vetoed,
        rank=None,
        ranked_among=0,
        rectification=tuple(fixes),
        problems=problems,
    )


# ------------------------------------------------------------------ city-wide


def _ranked(units: Iterable[UnitAssessment]) -> dict[str, tuple[int, int]]:
    """Competition ranking (1, 2, 2, 4) by score within each unit type; unscored units are not ranked."""
    by_type: dict[str, list[UnitAssessment]] = defaultdict(list)
    for unit in units:
        if unit.registered and unit.score is not None:
            by_type[unit.unit_type].append(unit)
    ranks: dict[str, tuple[int, int]] = {}
    for members in by_type.values():
        members.sort(key=lambda u: (-(u.score or 0), u.unit_id))
        previous: Decimal | None = None
        rank = 0
        for position, unit in enumerate(members, start=1):
            if unit.score != previous:
                rank, previous = position, unit.score
            ranks[unit.unit_id] = (rank, len(members))
    return ranks


def pass_rates(
    rules: Sequence[Rule], book: LoadedRulebook, units: Sequence[UnitAssessment]
) -> tuple[RulePassRate, ...]:
    rates: list[RulePassRate] = []
    for rule in rules:
        statuses = [
            s for u in units if u.registered and u.status != "duplicate" and (s := u.status_of(rule.id)) is not None
        ]
        considered = [s for s in statuses if s != "not_applicable"]
        passed = sum(1 for s in considered if s == "pass")
        rate = round_half_up(Fraction(100 * passed, len(considered)), 1) if considered else None
        rates.append(
            RulePassRate(
                rule_id=rule.id,
                title=rule.title.zh,
                section=book.section_of(rule.id),
                points=exact(rule.points),
                veto=rule.veto,
                applicable=len(considered),
                passed=passed,
                failed=considered.count("fail"),
                not_reported=considered.count("not_reported"),
                error=considered.count("error"),
                rate=rate,
            )
        )
    order = {rule.id: i for i, rule in enumerate(rules)}
    return tuple(sorted(rates, key=lambda r: (r.rate is None, r.rate or 0, -r.applicable, order[r.rule_id])))


def grade_counts(book: LoadedRulebook, units: Sequence[UnitAssessment]) -> tuple[GradeCount, ...]:
    grades = book.meta.scoring.ordered_grades()
    out: list[GradeCount] = []
    for unit_type in book.registry.types:
        members = [u for u in units if u.registered and u.unit_type == unit_type.id]
        counts = [(g, sum(1 for u in members if u.grade == g)) for g in grades]
        ungraded = sum(1 for u in members if u.grade is None)
        if ungraded:
            counts.append((UNGRADED, ungraded))
        out.append(GradeCount(unit_type.id, unit_type.name, tuple(counts), len(members)))
    return tuple(out)


def assess(book: LoadedRulebook, cards: Iterable[Scorecard], audit: Audit) -> Assessment:
    """Every registry unit (reported or not) and every report (read or not) -> one city-wide assessment."""
    cards = sorted(cards, key=lambda c: (c.source, c.digest))
    registered_ids = {u.id for u in book.registry.units}
    valid: dict[str, list[Scorecard]] = defaultdict(list)
    invalid: dict[str, list[Scorecard]] = defaultdict(list)
    reports: list[ReportRecord] = []
    problems: list[str] = []
    for card in cards:
        if card.problems:
            if card.unit_id is not None:
                invalid[card.unit_id].append(card)
            reports.append(ReportRecord(card.source, card.digest, card.unit_id, "invalid", card.problems))
            problems.extend(card.problems)
        elif card.unit_id is not None:
            valid[card.unit_id].append(card)

    used: dict[str, tuple[Scorecard | None, UnitStatus, tuple[str, ...], tuple[str, ...]]] = {}
    for unit_id in sorted(set(valid) | registered_ids):
        found = valid.get(unit_id, [])
        unit_problems = [f"{c.source}: report rejected" for c in invalid.get(unit_id, [])]
        registered = unit_id in registered_ids
        status: UnitStatus
        chosen: Scorecard | None = None
        if not found:
            status = "invalid" if invalid.get(unit_id) else "not_reported"
        elif len({c.digest for c in found}) > 1:
            status = "duplicate"
            message = (
                f"E310 unit '{unit_id}' has {len(found)} different reports ({', '.join(c.source for c in found)}); "
                f"none was scored — keep one report per unit"
            )
            unit_problems.append(message)
            problems.append(message)
        else:
            status = "fail"  # resolved to pass in score_unit when nothing fails
            chosen = found[0]
            for copy in found[1:]:
                unit_problems.append(f"{copy.source}: identical copy of {chosen.source}, counted once")
        for card in found:
            if status == "duplicate":
                kind: ReportStatus = "duplicate"
                note: tuple[str, ...] = (f"E310 one of {len(found)} different reports for '{unit_id}'; not scored",)
            elif card is chosen:
                kind, note = (
                    ("used", ())
                    if registered
                    else (
                        "unregistered",
                        (f"{card.source}: E305 unit '{unit_id}' is not in the unit registry; scored, not ranked",),
                    )
                )
            else:
                kind, note = "copy", (f"identical copy of {chosen.source if chosen else '?'}, counted once",)
            reports.append(ReportRecord(card.source, card.digest, unit_id, kind, note))
            if kind == "unregistered":
                problems.extend(note)
        used[unit_id] = (chosen, status, tuple(c.source for c in found), tuple(unit_problems))

    units: list[UnitAssessment] = []
    for unit_id, (chosen, status, sources, notes) in used.items():
        entry = book.unit(unit_id)
        if entry is not None:
            unit = _Unit(unit_id, entry.name, entry.type, True)
        else:
            first = valid[unit_id][0]
            unit = _Unit(unit_id, first.unit_name or unit_id, first.unit_type or "", False)
        if status == "duplicate":
            results: Sequence[RuleResult] | None = ()
        else:
            results = chosen.results if chosen is not None else None
        units.append(score_unit(book, unit, results, status, sources, notes))

    ranks = _ranked(units)
    type_order = {t.id: i for i, t in enumerate(book.registry.types)}
    units = [_with_rank(u, ranks.get(u.unit_id)) for u in units]
    units.sort(
        key=lambda u: (
            not u.registered,
            type_order.get(u.unit_type, len(type_order)),
            u.rank is None,
            u.rank or 0,
            u.unit_id,
        )
    )
    rules = book.checkable
    reports.sort(key=lambda r: (r.source, r.sha256))
    return Assessment(
        audit=audit,
        policy=book.meta.scoring,
        policy_statement=policy_statement(book.meta.scoring),
        book=book,
        rules=rules,
        units=tuple(units),
        pass_rates=pass_rates(rules, book, units),
        grade_counts=grade_counts(book, units),
        reports=tuple(reports),
        problems=tuple(sorted(set(problems))),
    )


def _with_rank(unit: UnitAssessment, rank: tuple[int, int] | None) -> UnitAssessment:
    return unit if rank is None else replace(unit, rank=rank[0], ranked_among=rank[1])
