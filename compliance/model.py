"""Pydantic models of rule files, the unit registry and unit reports, validated at the edge.

Reports (年度法治政府建设工作报告) carry dated records; `compliance.derive` turns them into metrics.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

RULE_ID = r"^[A-Z][A-Z0-9]*-\d{2}\.\d{1,2}$"
SLUG = r"^[a-z][a-z0-9_-]*$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# Report numbers are strict: `true` or "5" is a typing mistake to point at, never a number to guess.
Count = Annotated[int, Field(strict=True, ge=0)]
Percent = Annotated[float, Field(strict=True, ge=0)]
Slug = Annotated[str, StringConstraints(pattern=SLUG)]


class Strict(BaseModel):
    """Every model forbids unknown keys: a misspelt field is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# ---------------------------------------------------------------- rulebook


class Op(StrEnum):
    GE = ">="
    GT = ">"
    LE = "<="
    LT = "<"
    EQ = "=="

    def holds(self, value: float, target: float) -> bool:
        """Used by lint messages and the benchmark baseline only; verdicts come from the engine."""
        return {
            Op.GE: value >= target,
            Op.GT: value > target,
            Op.LE: value <= target,
            Op.LT: value < target,
            Op.EQ: value == target,
        }[self]


class Bilingual(Strict):
    zh: Text
    en: Text


class SourceRef(Strict):
    """Where a rule comes from: the item number and the clause quoted in simplified Chinese."""

    item: int = Field(ge=0)
    clause: Text


class AppliesTo(Strict):
    """Unit types and/or named units a rule applies to (a unit matches if either matches)."""

    types: tuple[Slug, ...] = ()
    units: tuple[Slug, ...] = ()

    @model_validator(mode="after")
    def _not_empty(self) -> AppliesTo:
        if not self.types and not self.units:
            raise ValueError("applies_to needs at least one unit type or named unit")
        return self


class Check(Strict):
    """What a machine-checkable rule measures and the comparison it requires."""

    measure: Slug
    op: Op
    target: float | int

    @field_validator("target")
    @classmethod
    def _finite(cls, value: float) -> float:
        if isinstance(value, bool) or value != value or value in (float("inf"), float("-inf")):
            raise ValueError("target must be a finite number")
        return value


class AllOrNothing(Strict):
    mode: Literal["all_or_nothing"] = "all_or_nothing"


class PerShortfall(Strict):
    """Deduct `per` points for each unit of shortfall (one missing session, one day), at most `cap`."""

    mode: Literal["per_shortfall"]
    per: float = Field(gt=0)
    cap: float = Field(gt=0)


class RateBands(Strict):
    """Full points at the target; minus `per` points for every `step` percentage points below it."""

    mode: Literal["rate_bands"]
    step: float = Field(gt=0)
    per: float = Field(gt=0)


Scoring = Annotated[AllOrNothing | PerShortfall | RateBands, Field(discriminator="mode")]


class Expect(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    NOT_REPORTED = "not_reported"
    ERROR = "error"


class Example(Strict):
    """A report fragment and the verdict the rule must give it (run by lint and by pytest)."""

    name: Slug
    expect: Expect
    report: dict[str, object] = Field(default_factory=dict)
    unit: Slug | None = None
    boundary: Literal["at_target", "nearest_miss"] | None = None


class Rule(Strict):
    id: Annotated[str, StringConstraints(pattern=RULE_ID)]
    title: Bilingual
    source: SourceRef
    applies_to: AppliesTo
    check: Check | None = None
    not_checkable: Text | None = None
    unit: Text | None = None
    points: float = Field(default=0, ge=0)
    scoring: Scoring = Field(default_factory=AllOrNothing)
    veto: bool = False
    note: Text | None = None
    examples: tuple[Example, ...] = ()

    @model_validator(mode="after")
    def _checkable_or_reason(self) -> Rule:
        if (self.check is None) == (self.not_checkable is None):
            raise ValueError("a rule has either `check` (machine-checkable) or `not_checkable: reason`, not both")
        if self.check is not None and self.unit is None:
            raise ValueError("a machine-checkable rule needs `unit` (its unit of measure, e.g. 次, 日, %)")
        return self

    @property
    def checkable(self) -> bool:
        return self.check is not None


class RuleFile(Strict):
    """One file of rules: one section of the work plan."""

    section: int = Field(ge=1)
    rules: tuple[Rule, ...]


class Section(Strict):
    number: int = Field(ge=1)
    title: Bilingual


class GradeBand(Strict):
    grade: Text
    min_score: float = Field(ge=0, le=100)


DenominatorPolicy = Literal["count_zero", "exclude"]
VetoTrigger = Literal["fail", "not_reported", "error"]


class ScoringPolicy(Strict):
    """How points become a score and a grade (考评办法); stated in the rulebook, printed with every score."""

    grades: tuple[GradeBand, ...] = (
        GradeBand(grade="优秀", min_score=90),
        GradeBand(grade="良好", min_score=80),
        GradeBand(grade="合格", min_score=60),
    )
    fallback_grade: Text = "不合格"
    veto_cap: Text = "合格"
    not_applicable: Literal["exclude"] = "exclude"
    not_reported: Literal["count_zero"] = "count_zero"
    error: DenominatorPolicy = "count_zero"
    no_report_grade: Text = "不合格"
    # Added for `compliance assess` (all optional, defaults as stated in the issue):
    not_checkable: Literal["exclude"] = "exclude"
    veto_on: tuple[VetoTrigger, ...] = ("fail",)
    partial_band: Literal["counts", "ignored"] = "counts"
    decimals: int = Field(default=2, ge=0, le=6)

    @model_validator(mode="after")
    def _consistent(self) -> ScoringPolicy:
        names = [band.grade for band in self.grades]
        if len(set(names)) != len(names) or self.fallback_grade in names:
            raise ValueError("grade names must be distinct (including fallback_grade)")
        floors = [band.min_score for band in self.grades]
        if floors != sorted(floors, reverse=True) or len(set(floors)) != len(floors):
            raise ValueError("grades must be listed best first, with strictly decreasing min_score")
        known = {*names, self.fallback_grade}
        for field_name in ("veto_cap", "no_report_grade"):
            if getattr(self, field_name) not in known:
                raise ValueError(f"{field_name} must be one of the grades: {', '.join(sorted(known))}")
        if not self.veto_on:
            raise ValueError("veto_on needs at least one status (normally fail)")
        return self

    def ordered_grades(self) -> tuple[str, ...]:
        """Grade names best first, ending with the fallback grade."""
        return (*(band.grade for band in self.grades), self.fallback_grade)


class SourceDocument(Strict):
    title: Text
    number: Text
    path: Text


class Rulebook(Strict):
    """rulebook.yaml: the rulebook's identity, source document, assessment year and scoring policy."""

    id: Slug
    title: Bilingual
    year: int = Field(ge=1990, le=2100)
    source: SourceDocument
    sections: tuple[Section, ...]
    scoring: ScoringPolicy = Field(default_factory=ScoringPolicy)


# ---------------------------------------------------------------- unit registry


class UnitType(Strict):
    id: Slug
    name: Text
    name_en: Text


class Unit(Strict):
    id: Slug
    name: Text
    type: Slug
    aliases: tuple[Text, ...] = ()


class Registry(Strict):
    """units.yaml: the unit types and the units the work plan addresses (考评对象)."""

    types: tuple[UnitType, ...]
    units: tuple[Unit, ...]


# ---------------------------------------------------------------- unit reports


class StudySession(Strict):
    """学法活动: one leadership law-study session (常务会议学法 / 集体学法)."""

    date: dt.date
    topic: Text
    format: Text | None = None


class TrainingClass(Strict):
    """法治专题培训班: counted in the year its first day falls in."""

    start_date: dt.date
    end_date: dt.date | None = None
    title: Text
    participants: Count | None = None


class DatedEvent(Strict):
    """A dated event: a report heard at a meeting (听取汇报), a pre-appointment law test (任前测试)."""

    date: dt.date
    meeting: Text | None = None
    title: Text | None = None
    document_no: Text | None = None


class DraftRegulation(Strict):
    """政府立法草案: one draft regulation and its public consultation (征求意见) period."""

    title: Text
    consultation_start: dt.date | None = None
    consultation_end: dt.date | None = None
    confidential: bool = False
    legal_basis: Text | None = None


class RateParts(Strict):
    """A rate from its parts (numerator/denominator), or a declared percent when parts are not kept."""

    numerator: Count | None = None
    denominator: Count | None = None
    percent: Percent | None = None
    previous_year_percent: Annotated[float, Field(strict=True, ge=0, le=100)] | None = None

    @model_validator(mode="after")
    def _parts_or_percent(self) -> RateParts:
        if (self.numerator is None) != (self.denominator is None):
            raise ValueError("give both numerator and denominator, or neither")
        return self


class Milestone(Strict):
    """A thing ordered done: completed on a date, evidenced by a document number (文号)."""

    completed: dt.date
    document_no: Text


class Rates(Strict):
    credit_code_conversion: RateParts | None = None
    suggestions_replied_on_time: RateParts | None = None
    enforcement_staff_certified: RateParts | None = None
    filed_normative_documents_online: RateParts | None = None
    review_decisions_published_online: RateParts | None = None
    court_appearance: RateParts | None = None


class Milestones(Strict):
    annual_work_plan: Milestone | None = None
    major_decision_catalogue: Milestone | None = None
    legal_advisory_committee_reelection: Milestone | None = None
    arbitration_commission_reelection: Milestone | None = None
    normative_documents_cleanup_published: Milestone | None = None


class Declared(Strict):
    """Typed totals (填报数), used only where the report has no records for the same metric."""

    law_study_sessions: Count | None = None
    training_classes: Count | None = None
    pre_appointment_law_tests: Count | None = None
    rule_of_law_reports_heard: Count | None = None
    party_committee_reports_heard: Count | None = None


class UnitReport(Strict):
    """One unit's year-end report (one file per unit per year)."""

    unit_id: Slug
    year: int = Field(ge=1990, le=2100)
    unit_name: Text | None = None
    unit_type: Slug | None = None
    submitted: dt.date | None = None
    contact: Text | None = None
    law_study_sessions: tuple[StudySession, ...] | None = None
    training_classes: tuple[TrainingClass, ...] | None = None
    pre_appointment_law_tests: tuple[DatedEvent, ...] | None = None
    rule_of_law_reports_heard: tuple[DatedEvent, ...] | None = None
    party_committee_reports_heard: tuple[DatedEvent, ...] | None = None
    draft_regulations: tuple[DraftRegulation, ...] | None = None
    rates: Rates = Field(default_factory=Rates)
    milestones: Milestones = Field(default_factory=Milestones)
    declared: Declared = Field(default_factory=Declared)


def report_field_names() -> set[str]:
    return set(UnitReport.model_fields)
