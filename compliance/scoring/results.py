"""The frozen results of an assessment (考评结果): per rule, per deduction group, per section, per unit, city-wide."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from compliance.evaluate import RuleResult, Status
from compliance.loading.rulebook import LoadedRulebook
from compliance.model import Rule, ScoringPolicy
from compliance.scoring.numbers import NO_POINTS, Points, Scale

if TYPE_CHECKING:  # annotations only: importing the manual-points loader costs `check` its Excel reader
    from compliance.loading.manual import ManualEntry

UnitStatus = Literal["pass", "fail", "not_reported", "invalid", "duplicate"]
ReportStatus = Literal["used", "copy", "invalid", "duplicate", "unregistered"]
VetoKind = Literal["cap_grade", "fail"]
FAILING: frozenset[Status] = frozenset({"fail", "not_reported", "error"})
UNGRADED = "未评定"


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
    manual_source: str | None = None  # the assessor's points file (人工评分), when `assess --manual` names one
    manual_sha256: str | None = None


@dataclass(frozen=True)
class RuleScore:
    """One rule's points for one unit.

    `earned` is None when the rule is outside the denominator (not applicable, or an excluded error). `deducted`
    is what the rule takes off on its own: points − earned, or 0 when excluded or a bonus rule; a deduction
    group's cap then applies to the sum of its members' `deducted`. A bonus rule's `earned` is what it adds.

    `manual` is the assessor's entry (人工评定) when one set the points; `machine` is then the machine's own
    verdict it replaced (None for a rule no machine can check), so every output can show both.
    """

    rule_id: str
    section: int
    points: Points
    earned: Points | None
    veto: bool
    result: RuleResult
    group: str | None = None
    bonus: bool = False
    deducted: Points = NO_POINTS
    manual: ManualEntry | None = None
    machine: Status | None = None

    @property
    def status(self) -> Status:
        return self.result.status

    @property
    def counted(self) -> bool:
        return self.earned is not None


@dataclass(frozen=True)
class GroupScore:
    """扣分组 for one unit: its members' deductions, summed, then capped (本项最多扣 cap 分).

    `earned` is None when none of its members counts for the unit (all not applicable, in normalised mode).
    """

    group_id: str
    title: str
    section: int
    points: Points
    cap: Points
    rule_ids: tuple[str, ...]
    deducted: Points  # the members' deductions added up, before the cap
    applied: Points  # what the group actually loses: min(deducted, cap)
    earned: Points | None

    @property
    def capped(self) -> bool:
        """Whether the cap took something off (the members together deduct more than the item may lose)."""
        return self.deducted > self.cap


@dataclass(frozen=True)
class SectionScore:
    number: int
    title: str
    earned: Points
    available: Points


@dataclass(frozen=True)
class VetoApplied:
    """一票否决 triggered: which rule, what it does (cap the grade, or fail outright), and the grade it allows."""

    rule_id: str
    consequence: VetoKind
    grade: str


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
    points_lost: Points
    veto: bool
    records: tuple[str, ...]
    group: str | None = None
    manual: ManualEntry | None = None  # the assessor's entry (人工评定) that set this item


@dataclass(frozen=True)
class UnitAssessment:
    """One unit's year: its points, score (百分制), grade (等次), rank in its type and rectification list.

    score = earned ÷ available × 100 + bonus_applied, rounded half-up. In fixed_100 mode (倒扣分) available is
    100 and earned is 100 minus the deductions. Every point value of the unit (its own, its rules', groups',
    sections' and rectification items') is in `Points` at `scale`: show them with `numbers.points_text` and
    `points_plain`.
    """

    unit_id: str
    unit_name: str
    unit_type: str
    unit_type_name: str
    registered: bool
    status: UnitStatus
    sources: tuple[str, ...]
    rules: tuple[RuleScore, ...]
    sections: tuple[SectionScore, ...]
    earned: Points
    available: Points
    score: Decimal | None
    grade: str | None
    grade_before_veto: str | None
    vetoed_by: tuple[str, ...]
    rank: int | None
    ranked_among: int
    rectification: tuple[Rectification, ...]
    problems: tuple[str, ...]
    scale: Scale
    groups: tuple[GroupScore, ...] = ()
    bonus: Points = NO_POINTS  # what the unit's bonus rules add up to
    bonus_applied: Points = NO_POINTS  # what is added to its score: bonus, at most the policy's bonus_cap
    vetoes: tuple[VetoApplied, ...] = ()

    def status_of(self, rule_id: str) -> Status | None:
        """The rule's status for this unit, or None when the rule does not apply to it."""
        for score in self.rules:
            if score.rule_id == rule_id:
                return score.status
        return None

    @property
    def deductions(self) -> Points:
        """Points lost by the rules that count (deduction groups capped), bonus aside."""
        grouped = sum(g.applied for g in self.groups)
        alone = sum(r.deducted for r in self.rules if r.group is None and not r.bonus)
        return Points(grouped + alone)


@dataclass(frozen=True)
class RulePassRate:
    """How many of the units a rule applies to met it (达标率), over registered units with a verdict."""

    rule_id: str
    title: str
    section: int
    points: Decimal  # the rule's points as the rulebook wrote them
    veto: bool
    applicable: int
    passed: int
    failed: int
    not_reported: int
    error: int
    rate: Decimal | None  # percent, one decimal; None when the rule applied to no unit
    bonus: bool = False


@dataclass(frozen=True, slots=True)  # one per report read: a hundred thousand in a large assessment
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
    def has_bonus(self) -> bool:
        """Whether the rulebook has bonus rules (加分项), so outputs show a bonus column."""
        return any(rule.bonus for rule in self.rules)

    @property
    def exit_code(self) -> int:
        """0 when every registered unit passes every rule and every report was used cleanly, else 1."""
        return exit_code((u.status for u in self.units), self.reports)


def exit_code(units: Iterable[UnitStatus], reports: Iterable[ReportRecord]) -> int:
    """0 when every unit passes every rule and every report was used cleanly (or was an identical copy), else 1."""
    units_ok = all(status == "pass" for status in units)
    reports_ok = all(r.status in ("used", "copy") for r in reports)
    return 0 if units_ok and reports_ok else 1
