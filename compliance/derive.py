"""Records -> metrics: sessions dated in the assessment year, consultation days, rates from their parts.

Every metric a rule may read is declared here in METRICS; lint checks rules against this catalogue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from compliance.model import DatedEvent, RateParts, StudySession, TrainingClass, UnitReport

Kind = Literal["count", "rate", "gain", "done", "days_per_record"]
Unmet = Literal["not_reported", "not_applicable", "error"]


@dataclass(frozen=True)
class Measured:
    """A number the engine compares, with the records it was counted from and any caveats."""

    value: int | float
    counted: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PerRecord:
    """One value per record (e.g. each draft's consultation days); every record must meet the target."""

    items: tuple[tuple[str, int], ...]
    exempt: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unmeasured:
    """No number to compare: the facts are missing, do not apply, or contradict themselves."""

    status: Unmet
    reason: str


Metric = Measured | PerRecord | Unmeasured


@dataclass(frozen=True)
class MetricSpec:
    name: str
    kind: Kind
    unit: str
    zh: str
    fields: str  # the report fields it is derived from, for docs and lint messages
    derive: Callable[[UnitReport, int], Metric]


# ------------------------------------------------------------------ counts of dated records


def _count(
    records: Sequence[StudySession | TrainingClass | DatedEvent] | None,
    declared: int | None,
    year: int,
    field: str,
) -> Metric:
    if records is None:
        if declared is None:
            return Unmeasured("not_reported", f"报告未填写 {field}（no records and no declared total）")
        return Measured(declared, notes=(f"填报数 {declared}，无逐条记录（declared total, no records）",))
    counted: list[str] = []
    notes: list[str] = []
    seen: set[tuple[dt.date, str]] = set()
    for record in records:
        day = record.start_date if isinstance(record, TrainingClass) else record.date
        label = _label(record)
        if day.year != year:
            notes.append(f"{day.isoformat()} {label}：不在{year}年度内，不计入（outside {year}, not counted）")
            continue
        if (day, label) in seen:
            notes.append(f"{day.isoformat()} {label}：重复记录，只计一次（duplicate, counted once）")
            continue
        seen.add((day, label))
        counted.append(f"{day.isoformat()} {label}")
    if declared is not None and declared != len(counted):
        notes.append(
            f"填报数 {declared} 与记录数 {len(counted)} 不符，以记录为准（declared total differs; records win）"
        )
    return Measured(len(counted), tuple(counted), tuple(notes))


def _label(record: StudySession | TrainingClass | DatedEvent) -> str:
    if isinstance(record, StudySession):
        return record.topic
    if isinstance(record, TrainingClass):
        return record.title
    return record.title or record.meeting or record.document_no or ""


def _counter(field: str) -> Callable[[UnitReport, int], Metric]:
    def derive(report: UnitReport, year: int) -> Metric:
        return _count(getattr(report, field), getattr(report.declared, field), year, field)

    return derive


# ------------------------------------------------------------------ rates


def rate_of(parts: RateParts | None, field: str) -> Metric:
    """A percentage from numerator/denominator (exact: n*100/d), else from a declared percent."""
    if parts is None:
        return Unmeasured("not_reported", f"报告未填写 rates.{field}（missing）")
    if parts.numerator is not None and parts.denominator is not None:
        n, d = parts.numerator, parts.denominator
        if n > d:
            return Unmeasured("error", f"rates.{field}: 分子 {n} 大于分母 {d}（numerator exceeds denominator）")
        if d == 0:
            return Unmeasured("not_applicable", f"rates.{field}: 分母为0，本年度无此项工作（nothing to count）")
        value = n * 100 / d
        notes: tuple[str, ...] = ()
        if parts.percent is not None and abs(parts.percent - value) > 0.05:
            notes = (f"填报比率 {parts.percent}% 与 {n}/{d} 不符，以分子分母为准（declared percent differs）",)
        return Measured(value, (f"{n}/{d}",), notes)
    if parts.percent is None:
        return Unmeasured("not_reported", f"rates.{field}: 未填写分子分母或比率（no parts, no percent）")
    if parts.percent > 100:
        return Unmeasured("error", f"rates.{field}: 比率 {parts.percent}% 超过100%（percent above 100）")
    return Measured(parts.percent, notes=("仅填报比率，无分子分母（declared percent only）",))


def _rate(field: str) -> Callable[[UnitReport, int], Metric]:
    def derive(report: UnitReport, year: int) -> Metric:
        return rate_of(getattr(report.rates, field), field)

    return derive


def _court_appearance_gain(report: UnitReport, year: int) -> Metric:
    """出庭应诉率的提高：本年度比率减上年度比率（百分点）。Both at 100% cannot be raised: not applicable."""
    parts = report.rates.court_appearance
    current = rate_of(parts, "court_appearance")
    if not isinstance(current, Measured):
        return current
    assert parts is not None
    if parts.previous_year_percent is None:
        return Unmeasured("not_reported", "rates.court_appearance.previous_year_percent: 未填写上年度出庭应诉率")
    previous = parts.previous_year_percent
    if current.value == 100 and previous == 100:
        return Unmeasured("not_applicable", "出庭应诉率已连续两年为100%，无法再提高（already at 100%）")
    gain = round(current.value - previous, 9)
    counted = (*current.counted, f"上年度 {previous:g}%")
    return Measured(gain, counted, current.notes)


# ------------------------------------------------------------------ milestones


def _done(field: str) -> Callable[[UnitReport, int], Metric]:
    def derive(report: UnitReport, year: int) -> Metric:
        milestone = getattr(report.milestones, field)
        if milestone is None:
            return Unmeasured("not_reported", f"报告未填写 milestones.{field}（missing）")
        label = f"{milestone.completed.isoformat()} {milestone.document_no}"
        if milestone.completed.year != year:
            return Measured(0, notes=(f"{label}：完成日期不在{year}年度内（completed outside {year}）",))
        return Measured(1, (label,))

    return derive


# ------------------------------------------------------------------ consultation periods


def consultation_days(start: dt.date, end: dt.date) -> int:
    """征求意见期限（日）。Civil Code art. 201: the starting day is not counted, so days = end - start."""
    return (end - start).days


def _draft_days(report: UnitReport, year: int) -> Metric:
    drafts = report.draft_regulations
    if drafts is None:
        return Unmeasured("not_reported", "报告未填写 draft_regulations（missing; write [] if there were none）")
    items: list[tuple[str, int]] = []
    exempt: list[str] = []
    notes: list[str] = []
    for draft in drafts:
        name = f"《{draft.title}》"
        if draft.confidential and draft.legal_basis:
            exempt.append(f"{name} 依法保密（{draft.legal_basis}），不公开征求意见")
            continue
        if draft.confidential:
            notes.append(f"{name} 标为保密但未写明法律依据，不能免于公开征求意见（no legal basis named）")
        if draft.consultation_start is None or draft.consultation_end is None:
            notes.append(f"{name} 未公开征求意见（no consultation dates）")
            items.append((name, 0))
            continue
        days = consultation_days(draft.consultation_start, draft.consultation_end)
        if days < 0:
            return Unmeasured(
                "error",
                f"{name} 征求意见截止日 {draft.consultation_end} 早于开始日 {draft.consultation_start}"
                "（consultation ends before it starts）",
            )
        items.append((name, days))
    if not items:
        reason = "本年度无需公开征求意见的立法草案（no draft to consult on）"
        return Unmeasured("not_applicable", reason + ("；" + "；".join(exempt) if exempt else ""))
    return PerRecord(tuple(items), tuple(exempt), tuple(notes))


# ------------------------------------------------------------------ catalogue

_SPECS = (
    MetricSpec(
        "law_study_sessions", "count", "次", "学法活动次数", "law_study_sessions[]", _counter("law_study_sessions")
    ),
    MetricSpec(
        "training_classes", "count", "期", "法治专题培训班期数", "training_classes[]", _counter("training_classes")
    ),
    MetricSpec(
        "pre_appointment_law_tests",
        "count",
        "次",
        "任前法律知识测试次数",
        "pre_appointment_law_tests[]",
        _counter("pre_appointment_law_tests"),
    ),
    MetricSpec(
        "rule_of_law_reports_heard",
        "count",
        "次",
        "常务会/办公会听取法治政府建设汇报次数",
        "rule_of_law_reports_heard[]",
        _counter("rule_of_law_reports_heard"),
    ),
    MetricSpec(
        "party_committee_reports_heard",
        "count",
        "次",
        "党委常委会听取法治建设汇报次数",
        "party_committee_reports_heard[]",
        _counter("party_committee_reports_heard"),
    ),
    MetricSpec(
        "draft_consultation_days",
        "days_per_record",
        "日",
        "立法草案公开征求意见期限",
        "draft_regulations[]",
        _draft_days,
    ),
    MetricSpec(
        "credit_code_conversion_rate",
        "rate",
        "%",
        "统一社会信用代码转换率",
        "rates.credit_code_conversion",
        _rate("credit_code_conversion"),
    ),
    MetricSpec(
        "suggestion_reply_rate",
        "rate",
        "%",
        "建议提案按时办复率",
        "rates.suggestions_replied_on_time",
        _rate("suggestions_replied_on_time"),
    ),
    MetricSpec(
        "enforcement_certified_rate",
        "rate",
        "%",
        "执法人员持证上岗率",
        "rates.enforcement_staff_certified",
        _rate("enforcement_staff_certified"),
    ),
    MetricSpec(
        "normative_docs_online_rate",
        "rate",
        "%",
        "备案规范性文件网上查询和在线评价比率",
        "rates.filed_normative_documents_online",
        _rate("filed_normative_documents_online"),
    ),
    MetricSpec(
        "review_decisions_published_rate",
        "rate",
        "%",
        "行政复议决定书网上公开率",
        "rates.review_decisions_published_online",
        _rate("review_decisions_published_online"),
    ),
    MetricSpec(
        "court_appearance_rate_gain",
        "gain",
        "百分点",
        "行政机关负责人出庭应诉率提高幅度",
        "rates.court_appearance",
        _court_appearance_gain,
    ),
    MetricSpec(
        "annual_work_plan_done",
        "done",
        "项",
        "制定年度法治政府建设工作计划",
        "milestones.annual_work_plan",
        _done("annual_work_plan"),
    ),
    MetricSpec(
        "major_decision_catalogue_done",
        "done",
        "项",
        "编制年度重大行政决策目录",
        "milestones.major_decision_catalogue",
        _done("major_decision_catalogue"),
    ),
    MetricSpec(
        "legal_advisory_reelection_done",
        "done",
        "项",
        "法律顾问委员会换届",
        "milestones.legal_advisory_committee_reelection",
        _done("legal_advisory_committee_reelection"),
    ),
    MetricSpec(
        "arbitration_reelection_done",
        "done",
        "项",
        "仲裁委员会换届",
        "milestones.arbitration_commission_reelection",
        _done("arbitration_commission_reelection"),
    ),
    MetricSpec(
        "normative_docs_cleanup_published_done",
        "done",
        "项",
        "规范性文件清理结果向社会公布",
        "milestones.normative_documents_cleanup_published",
        _done("normative_documents_cleanup_published"),
    ),
)

METRICS: dict[str, MetricSpec] = {spec.name: spec for spec in _SPECS}


def derive_metrics(report: UnitReport, year: int, measures: Iterable[str]) -> dict[str, Metric]:
    """Each needed metric once per unit."""
    return {name: METRICS[name].derive(report, year) for name in measures}
