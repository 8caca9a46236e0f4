"""Pydantic models of rule files, the unit registry and unit reports, validated at the edge.

What a unit reports is declared by each rulebook (facts.yaml); its model is generated in `compliance.facts.report`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from compliance.locator import parse_locator

RULE_ID = r"^[A-Z][A-Z0-9]*-\d{2,3}\.\d{1,2}$"  # item 01-999
SLUG = r"^[a-z][a-z0-9_-]*$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
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


class Bilingual(Strict):
    zh: Text
    en: Text


def _readable_locator(value: str) -> str:
    parse_locator(value)  # raises ValueError saying where it cannot be read
    return value


def _number_as_text(value: object) -> object:
    # `at: 120` in YAML is an integer; as a locator it is the item numbered 120
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Locator = Annotated[
    str,
    BeforeValidator(_number_as_text),
    StringConstraints(strip_whitespace=True, min_length=1),
    AfterValidator(_readable_locator),
    WithJsonSchema({"anyOf": [{"type": "string", "minLength": 1}, {"type": "integer", "minimum": 1}]}),
]


class SourceRef(Strict):
    """Where a rule comes from (出处): a numbered item (`item: 5`) or any division by locator (`at: 三、(二)`),
    and the clause quoted in simplified Chinese. Exactly one of `item` and `at`."""

    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["item"]}, {"required": ["at"]}]},
    )

    item: int | None = Field(
        default=None,
        ge=0,
        description="条目序号：来源按其条目编号（rulebook.yaml 的 source.numbering）的第N条 "
        "(the number of an item in the source's item numbering)",
    )
    at: Locator | None = Field(
        default=None,
        description="定位符：来源中的标题序号路径，由外到内，如 三、(二)、（一）3、第二章第5条 "
        "(a locator: the source's heading numbers, outermost first, e.g. 三、(二), （一）3, 第二章第5条)",
        examples=["三、(二)", "（一）3", "第5条"],
    )
    clause: Text = Field(
        description="引文：来源中的原话，简体中文，lint 核对它确在所引之处 "
        "(the words quoted from the source in simplified Chinese; lint checks they stand where cited)"
    )

    @model_validator(mode="after")
    def _item_or_at(self) -> SourceRef:
        if (self.item is None) == (self.at is None):
            raise ValueError("item（条目序号）与 at（定位符）须写且只写一个 (source takes item or at, exactly one)")
        return self

    @property
    def label(self) -> str:
        """How people name the place: 第5条, or the locator as written (三、(二))."""
        return self.at if self.at is not None else f"第{self.item}条"


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

DenominatorPolicy = Literal["count_zero", "exclude"]
VetoTrigger = Literal["fail", "not_reported", "error"]
VetoTriggers = Annotated[
    tuple[VetoTrigger, ...],
    Field(
        description="触发否决的结果（默认取 scoring.veto_on） · the verdicts that trigger it (default: veto_on)",
    ),
]


class Veto(Strict):
    """一票否决 with its own consequence: `cap_grade` (the grade is at most `grade`, whatever the score) or `fail`
    (the unit gets the lowest grade, scoring.fallback_grade). `when` names the verdicts that trigger it."""

    consequence: Literal["cap_grade", "fail"] = Field(
        description="cap_grade：等次最高为 grade；fail：直接定为最低等次 · cap the grade, or fail outright"
    )
    grade: Text | None = Field(
        default=None, description="cap_grade 的最高等次，须为 scoring.grades 之一 · the best grade a cap_grade leaves"
    )
    # `when`, not `on`: YAML 1.1 reads a bare `on` key as the boolean true
    when: VetoTriggers | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Veto:
        if self.consequence == "cap_grade" and self.grade is None:
            raise ValueError("a cap_grade veto needs `grade` (the best grade it leaves, e.g. 合格)")
        if self.when == ():
            raise ValueError("`when` needs at least one verdict (fail, not_reported, error), or leave it out")
        if self.consequence == "fail" and self.grade is not None:
            raise ValueError("a fail veto takes no `grade`: it gives the lowest grade (scoring.fallback_grade)")
        return self


def _veto_kind(value: object) -> str:
    return "Veto" if isinstance(value, dict | Veto) else "Flag"


# One member is validated, chosen by the input's shape, so `veto: maybe` gets one message, not one per member;
# the tags start with a capital so error locations leave them out, as for other union members.
VetoDeclaration = Annotated[Annotated[bool, Tag("Flag")] | Annotated[Veto, Tag("Veto")], Discriminator(_veto_kind)]


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


class NotCheckableReason(StrEnum):
    """Why a clause gets no machine check: the only three acceptable reasons."""

    JUDGEMENT = "judgement"  # needs an assessor's judgement (定性，需考评组认定)
    EXAMINATION = "examination"  # a separate examination assesses it (另有专项考核)
    AFTER_YEAR = "after_year"  # it falls after the assessment year (在考评年度之后)


class NotCheckable(Strict):
    reason: NotCheckableReason
    note: Text


class Rule(Strict):
    id: Annotated[str, StringConstraints(pattern=RULE_ID)]
    title: Bilingual
    source: SourceRef
    applies_to: AppliesTo
    check: Check | None = None
    not_checkable: NotCheckable | None = None
    unit: Text | None = None
    points: float = Field(
        default=0,
        ge=0,
        description="分值；扣分组成员为本项最多扣分，加分项为最多加分 · points (in a deduction group: the most this "
        "rule deducts; a bonus rule: the most it adds)",
    )
    scoring: Scoring = Field(default_factory=AllOrNothing)
    veto: VetoDeclaration = Field(
        default=False,
        description="一票否决：true 即等次最高为 scoring.veto_cap；或 {consequence: cap_grade, grade: 合格}、"
        "{consequence: fail} · veto: true caps the grade at scoring.veto_cap; or a consequence of its own",
    )
    group: Slug | None = Field(
        default=None,
        description="扣分组 id（rulebook.yaml 的 deduction_groups）：同组各项扣分合计不超过该组上限 · the deduction "
        "group whose cap this rule's deduction shares",
    )
    bonus: bool = Field(
        default=False,
        description="加分项：通过即加 points 分，不计入应得分，合计不超过 scoring.bonus_cap · a bonus item: adds its "
        "points on a pass, never counts in what a unit could earn",
    )
    note: Text | None = None
    examples: tuple[Example, ...] = ()

    @model_validator(mode="after")
    def _checkable_or_reason(self) -> Rule:
        if (self.check is None) == (self.not_checkable is None):
            raise ValueError(
                "a rule has either `check` (machine-checkable) or `not_checkable: {reason, note}`, not both"
            )
        return self

    @property
    def checkable(self) -> bool:
        return self.check is not None

    @property
    def is_veto(self) -> bool:
        """Whether the rule is a veto item (一票否决), whatever its consequence."""
        return self.veto is not False


class RuleFile(Strict):
    """One file of rules: one section of the work plan."""

    section: int = Field(ge=1)
    rules: tuple[Rule, ...]


class Section(Strict):
    number: int = Field(ge=1)
    title: Bilingual
    weight: float | None = Field(
        default=None,
        gt=0,
        description="本部分分值：lint 核对它等于本部分各规则分值之和（扣分组计一次，加分项不计） · the section's "
        "points; lint checks it equals its rules' points (a deduction group once, bonus rules aside)",
    )


class DeductionGroup(Strict):
    """扣分组: one assessment item whose several deduction rules share one cap (本项N分，扣完为止 / 最多扣M分).

    The group's `points` count once in what a unit could earn (its member rules' own points do not: each is
    the most that rule deducts); the members' deductions add up, then at most `cap` is taken off.
    """

    id: Slug
    title: Bilingual
    points: float = Field(gt=0, description="本项分值 · what the item is worth")
    cap: float | None = Field(
        default=None, gt=0, description="本项最多扣分（默认等于 points） · the most the item loses (default: points)"
    )
    note: Text | None = None

    @property
    def deduction_cap(self) -> float:
        return self.points if self.cap is None else self.cap


class GradeBand(Strict):
    grade: Text
    min_score: float = Field(ge=0, le=100)


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
    not_checkable: Literal["exclude"] = "exclude"
    veto_on: tuple[VetoTrigger, ...] = ("fail",)
    partial_band: Literal["counts", "ignored"] = "counts"
    decimals: int = Field(default=2, ge=0, le=6)
    mode: Literal["normalised", "fixed_100"] = Field(
        default="normalised",
        description="normalised：得分 = 实得分 ÷ 应得分 × 100；fixed_100（倒扣分）：得分 = 100 − 扣分，"
        "不适用的规则保留其分值 · normalised: earned / available × 100; fixed_100: 100 minus deductions",
    )
    bonus_cap: float | None = Field(
        default=None,
        gt=0,
        description="加分项合计最多加分（百分制分数上另加） · the most bonus rules add to the score, on the 100 scale",
    )

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
    """The work plan the rules are taken from (来源文件), and how its items are numbered."""

    title: Text
    number: Text
    path: Text
    numbering: Literal["auto", "第N条", "一、", "（一）", "(一)", "1.", "1、", "1．", "（1）", "(1)", "①"] = Field(
        default="auto",
        description="条目编号：`item: N` 所指的标题序号样式；auto 依次取来源中出现的 第N条、1.、（一）、一、、（1）、① "
        "(how the items cited by `item: N` are numbered; auto takes the first of these the source uses)",
    )


class Rulebook(Strict):
    """rulebook.yaml: the rulebook's identity, source document, assessment year and scoring policy."""

    id: Slug
    title: Bilingual
    year: int = Field(ge=1990, le=2100)
    source: SourceDocument
    sections: tuple[Section, ...]
    scoring: ScoringPolicy = Field(default_factory=ScoringPolicy)
    deduction_groups: tuple[DeductionGroup, ...] = ()


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
