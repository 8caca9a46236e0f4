"""The one interface every format implements (an assessment in, text or bytes out), and what they share.

Renderers never open files or streams: the command owns where output goes (`emit`, `-` is stdout).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import NamedTuple, Protocol

from compliance.labels import STATUS_LABEL
from compliance.lang import Lang
from compliance.loading.rulebook import LoadedRulebook
from compliance.model import UnitType
from compliance.scoring import (
    Assessment,
    GroupScore,
    RuleScore,
    Scale,
    UnitAssessment,
    VetoApplied,
    manual_note,
    points_text,
    text,
)
from compliance.scoring.summary import Replayed, Summarised, UnitSummary

UNIT_STATUS_LABEL = {
    "pass": "全部达标 pass",
    "fail": "有未达标项 fail",
    "not_reported": "未报送 not reported",
    "invalid": "报告无效 invalid",
    "duplicate": "报告重复 duplicate",
}
RULE_SYMBOL = {"pass": "✓", "fail": "✗", "not_reported": "?", "error": "!", "not_applicable": "–"}
SYMBOL_KEY = "✓ 通过  ✗ 未达标  ? 未报送  ! 数据矛盾  – 不适用  （空白：规则不适用于该类单位）"
MANUAL_MARK = "*"  # beside a verdict an assessor set (人工评定)
MANUAL_KEY = "* 人工评定 manual"
MISSING_REPORT = {"not_reported": "未提交年度报告", "invalid": "报告无效，须重新报送"}

# Headings written in Chinese only (a circular's tables are), in English for --lang en.
HEADINGS_EN = {
    "排名": "rank",
    "单位": "unit",
    "得分": "score",
    "加分": "bonus",
    "等次": "grade",
    "状态": "status",
    "实得/应得": "earned/available",
    "报告": "reports",
    "类型": "type",
    "合计": "total",
    "规则": "rule",
    "要求": "requirement",
    "达标/适用": "passed/applicable",
    "达标率": "rate",
    "未达标": "failed",
    "未报送": "not reported",
    "数据矛盾": "error",
    "一票否决": "veto",
    "结果": "status",
    "要求值": "required",
    "实际": "measured",
    "失分": "points lost",
    "依据": "clause",
}


def heading(text: str, lang: Lang) -> str:
    """A heading in the chosen language: a '中文 English' one split, a Chinese-only one translated for English."""
    picked = lang.pick(text)
    return HEADINGS_EN.get(picked, picked) if lang is Lang.EN else picked


class Renderer(Protocol):
    def __call__(self, assessment: Assessment, /, lang: Lang = Lang.BOTH) -> str | bytes: ...


class Streaming(NamedTuple):
    """A format written as it goes: `detail` makes what a unit's part needs before ranks are known (put aside on
    disk); `chunks` writes the whole output from the summaries and those parts, the same bytes `render` gives."""

    detail: Callable[[LoadedRulebook, bool, Lang], Callable[[UnitAssessment], bytes]]  # (book, manual?, lang)
    chunks: Callable[[Summarised, Lang], Iterator[bytes]]


def status_label(status: str) -> str:
    return STATUS_LABEL.get(status, status)


def manual_scores(unit: UnitAssessment) -> list[RuleScore]:
    """The unit's rules whose points an assessor set (人工评分), rulebook order."""
    return [s for s in unit.rules if s.manual is not None]


def manual_line(score: RuleScore, scale: Scale) -> str:
    """One manual item for people: the rule, its points, the machine verdict it replaced, the reason, who, when
    (`scale`: the unit's, see `UnitAssessment.scale`)."""
    assert score.manual is not None
    earned = (
        "不计分 not counted"
        if score.earned is None
        else f"{points_text(score.earned, scale)}/{points_text(score.points, scale)}分"
    )
    machine = (
        f"机器结论 {status_label(score.machine)}" if score.machine is not None else "不可机读 not machine-checkable"
    )
    return f"{score.rule_id} {earned}（{machine}）— {manual_note(score.manual)}"


def matrix_symbol(unit: UnitAssessment, rule_id: str) -> str:
    """The matrix cell: the verdict's symbol, marked when an assessor set it."""
    for score in unit.rules:
        if score.rule_id == rule_id:
            return RULE_SYMBOL.get(score.status, "") + (MANUAL_MARK if score.manual is not None else "")
    return ""


def unit_label(unit: UnitAssessment) -> str:
    return f"{unit.unit_name}（{unit.unit_id}）"


class Ranked(Protocol):
    @property
    def rank(self) -> int | None: ...
    @property
    def ranked_among(self) -> int: ...


def rank_text(unit: Ranked) -> str:
    return f"{unit.rank}/{unit.ranked_among}" if unit.rank is not None else "—"


def rate_text(rate: Decimal | None) -> str:
    return f"{text(rate, 1)}%" if rate is not None else "—"


def veto_lowered(unit: UnitAssessment) -> bool:
    """Whether a veto failure (一票否决) made the grade worse than the score's."""
    return bool(unit.vetoed_by) and unit.grade != unit.grade_before_veto


def grade_text(unit: UnitAssessment) -> str:
    if unit.grade is None:
        return "未评定 ungraded"
    if veto_lowered(unit):
        outright = any(v.consequence == "fail" for v in unit.vetoes)
        how = "一票否决，直接定为最低等次" if outright else "一票否决"
        return f"{unit.grade}（{how}，原{unit.grade_before_veto}）"
    return unit.grade


def veto_label(veto: VetoApplied, default_cap: str) -> str:
    """A triggered veto: the rule id alone for the policy's usual cap, else with what it does."""
    if veto.consequence == "fail":
        return f"{veto.rule_id}（直接定为{veto.grade}）"
    return veto.rule_id if veto.grade == default_cap else f"{veto.rule_id}（最高{veto.grade}）"


def bonus_text(unit: UnitAssessment) -> str:
    """加分: what is added to the score, and what was earned when the cap cut it ('' when nothing)."""
    if not unit.bonus:
        return ""
    added = points_text(unit.bonus_applied, unit.scale)
    if unit.bonus_applied != unit.bonus:
        return f"+{added}（得{points_text(unit.bonus, unit.scale)}，封顶）"
    return f"+{added}"


def group_text(group: GroupScore, scale: Scale) -> str:
    """扣分组 for one unit: what its rules deducted together and what the cap let it lose (`scale`: the unit's)."""
    capped = f"，本项最多扣{points_text(group.cap, scale)}分" if group.capped else ""
    return (
        f"扣分组 {group.title}（{group.group_id}，{points_text(group.points, scale)}分）：各项合计扣"
        f"{points_text(group.deducted, scale)}分{capped}，实扣{points_text(group.applied, scale)}分"
    )


class Unfolded:
    """An assessment put aside on disk seen as the `Assessment` it stands for, for a format that reads whole
    units: each unit's detail is its pickled `UnitAssessment`, read back (ranked) each time the units are gone
    through, so only one is in memory at a time."""

    def __init__(self, s: Summarised) -> None:
        self._s = s
        self.audit = s.audit
        self.policy = s.policy
        self.policy_statement = s.policy_statement
        self.book = s.book
        self.rules = s.rules
        self.pass_rates = s.pass_rates
        self.grade_counts = s.grade_counts
        self.reports = s.reports
        self.problems = s.problems
        self.exit_code = s.exit_code
        self.units = self._of(s.units)
        self.registered_units = self._of(s.registered(None))
        self.unregistered_units = self._of(s.unregistered)
        self.has_bonus = any(rule.bonus for rule in s.rules)

    def _unit(self, u: UnitSummary) -> UnitAssessment:
        unit: UnitAssessment = pickle.loads(self._s.detail(u))
        return unit if u.rank is None else replace(unit, rank=u.rank, ranked_among=u.ranked_among)

    def _of(self, summaries: Replayed[UnitSummary]) -> Replayed[UnitAssessment]:
        return Replayed(len(summaries), lambda: map(self._unit, summaries))

    def registered_of(self, unit_type: str) -> Replayed[UnitAssessment]:
        return self._of(self._s.registered(unit_type))

    def where(self, keep: Callable[[UnitSummary], bool]) -> Replayed[UnitAssessment]:
        """The units whose summary `keep` accepts, in output order (counted by a first read of the summaries)."""
        count = sum(1 for u in self._s.units if keep(u))
        return Replayed(count, lambda: (self._unit(u) for u in self._s.units if keep(u)))


def pickled(book: LoadedRulebook, manual: bool, lang: Lang) -> Callable[[UnitAssessment], bytes]:
    """A unit's detail for `Unfolded`: the whole `UnitAssessment` (the same whatever the rulebook, assessor's file
    or language)."""
    return _pickled


def _pickled(unit: UnitAssessment) -> bytes:
    return pickle.dumps(unit, protocol=pickle.HIGHEST_PROTOCOL)


def utf8(pieces: Iterator[str], size: int = 1 << 16) -> Iterator[bytes]:
    """Text pieces as UTF-8 in blocks of about `size` characters (a write per piece would be slow)."""
    batch: list[str] = []
    held = 0
    for piece in pieces:
        batch.append(piece)
        held += len(piece)
        if held >= size:
            yield "".join(batch).encode("utf-8")
            batch.clear()
            held = 0
    yield "".join(batch).encode("utf-8")


def grade_columns(a: Assessment | Unfolded | Summarised) -> list[str]:
    """The grades of the grade-count table: best first, then 未评定 when some unit type has ungraded units."""
    return list(dict.fromkeys(g for count in a.grade_counts for g, _ in count.counts))


def rankings(a: Assessment | Unfolded) -> list[tuple[UnitType, Sequence[UnitAssessment] | Replayed[UnitAssessment]]]:
    """Registered units per unit type (registry order), ranked; types with no units left out."""
    groups: list[tuple[UnitType, Sequence[UnitAssessment] | Replayed[UnitAssessment]]]
    if isinstance(a, Unfolded):
        groups = [(t, a.registered_of(t.id)) for t in a.book.registry.types]
    else:
        groups = [(t, [u for u in a.registered_units if u.unit_type == t.id]) for t in a.book.registry.types]
    return [(t, members) for t, members in groups if len(members)]
