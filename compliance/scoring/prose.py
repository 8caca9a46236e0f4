"""Words for people: the scoring policy as a statement, and each rectification item (整改事项) in the rule's terms."""

from __future__ import annotations

from collections.abc import Sequence

from compliance.evaluate import RuleResult
from compliance.loading.manual import VERDICT_LABEL, ManualEntry
from compliance.loading.rulebook import LoadedRulebook
from compliance.model import DeductionGroup, Rule, ScoringPolicy
from compliance.scoring.numbers import NO_POINTS, Points, round_half_up, text, written
from compliance.scoring.points import veto_of
from compliance.scoring.results import Rectification, RuleScore

OP_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}
NO_REPORT_REASON = "未提交年度报告（no report received）"
INVALID_REASON = "报告无效，未能评分（the report could not be read or was rejected）"
_TRIGGER = {"fail": "未达标", "not_reported": "未报送", "error": "数据矛盾"}


def report_fields(book: LoadedRulebook, rule: Rule) -> str:
    """The report fields a rule's measure reads, for "fill in …" advice ('' when it names none)."""
    measure = book.measures.get(rule.check.measure) if rule.check else None
    return measure.plan.fields if measure else ""


def policy_statement(policy: ScoringPolicy, groups: Sequence[DeductionGroup] = (), rules: Sequence[Rule] = ()) -> str:
    """The denominator and grading policy in words; printed with every score.

    The deduction groups, bonus cap and rule-specific veto consequences are stated only when the rulebook has
    them, so a rulebook that uses none reads as it always did.
    """
    bands = "，".join(f"{b.grade}≥{text(written(b.min_score))}" for b in policy.grades)
    error = "计0分并计入应得分" if policy.error == "count_zero" else "不计入应得分"
    vetoes = "、".join(_TRIGGER[s] for s in policy.veto_on)
    band = "不足一档按一档扣分" if policy.partial_band == "counts" else "不足一档不扣分"
    if policy.mode == "fixed_100":
        head = (
            f"得分 = 100 − 扣分（倒扣分，保留{policy.decimals}位小数，四舍五入）；"
            f"各规则扣分不超过其分值。不适用的规则、不可机读的规则不扣分，保留其分值；未报送：扣除该项全部分值；"
            f"数据矛盾：{'扣除该项全部分值' if policy.error == 'count_zero' else '不扣分'}。"
        )
        error_en = "loses its points" if policy.error == "count_zero" else "no deduction"
        tail = (
            " | Score = 100 − deductions (fixed_100). not_applicable and not machine-checkable rules keep their "
            f"points; not_reported: loses its points; error: {error_en}."
        )
    else:
        head = (
            f"得分 = 实得分 ÷ 应得分 × 100（保留{policy.decimals}位小数，四舍五入）；"
            f"应得分为适用于该单位的可机读规则分值之和。不适用：不计入应得分；未报送：计0分并计入应得分；"
            f"数据矛盾：{error}；不可机读规则：不计入机器评分。"
        )
        tail = (
            f" | Score = earned ÷ available × 100. not_applicable: excluded; not_reported: 0 points, counted; "
            f"error: {'0 points, counted' if policy.error == 'count_zero' else 'excluded'}; "
            f"not machine-checkable rules: excluded."
        )
    extra = extra_en = ""
    if groups:
        listed = "；".join(
            f"{g.title.zh}（{g.id}）{text(written(g.points))}分，最多扣{text(written(g.deduction_cap))}分"
            for g in groups
        )
        extra += f"扣分组：{listed}，同组各项扣分合计不超过该组上限。"
        extra_en += (
            " Deduction groups: "
            + "; ".join(
                f"{g.id} {text(written(g.points))} points, at most −{text(written(g.deduction_cap))}" for g in groups
            )
            + "."
        )
    if any(rule.bonus for rule in rules):
        cap = "不设上限" if policy.bonus_cap is None else f"合计不超过{text(written(policy.bonus_cap))}分"
        extra += f"加分项：通过即在得分上另加其分值，{cap}，不计入应得分，未得分不扣分。"
        cap_en = "uncapped" if policy.bonus_cap is None else f"at most {text(written(policy.bonus_cap))} in all"
        extra_en += f" Bonus rules add their points to the score, {cap_en}, never counted in available."
    own = [f"{rule.id}{_veto_words(rule, policy)}" for rule in rules if not isinstance(rule.veto, bool)]
    if own:
        extra += f"另有规定的否决项：{'；'.join(own)}。"
        extra_en += " Some veto rules have a consequence of their own (listed above)."
    return (
        f"{head}等次：{bands}，否则{policy.fallback_grade}；"
        f"否决项{vetoes}的，等次最高为{policy.veto_cap}；未提交报告的单位为{policy.no_report_grade}。"
        f"分档扣分{band}，扣分不超过该项分值。{extra}{tail}{extra_en}"
    )


def _veto_words(rule: Rule, policy: ScoringPolicy) -> str:
    veto = veto_of(rule, policy)
    if veto is None:
        return ""
    when = "、".join(_TRIGGER[s] for s in veto.when)
    if veto.consequence == "fail":
        return f"{when}的，直接定为{veto.grade}"
    return f"{when}的，等次最高为{veto.grade}"


# ------------------------------------------------------------------ rectification


def _required(rule: Rule) -> str:
    assert rule.check is not None
    return f"{OP_SYMBOL[rule.check.op.value]} {text(written(rule.check.target))}{rule.unit or ''}"


def _measured(rule: Rule, result: RuleResult) -> str:
    if result.measured is None:
        return "—"
    shown = round_half_up(written(result.measured), 2).normalize()
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
    """What a failed, unreported or contradictory rule asks of the unit, and what it cost (before a group cap).

    `fields`: where in the report the unit writes what the rule's measure reads.
    """
    result = score.result
    lost = Points(score.points - score.earned) if score.earned is not None else NO_POINTS
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
        veto=rule.is_veto,
        records=result.records if result.status == "fail" else (),
        group=score.group,
    )


def manual_words(entry: ManualEntry) -> str:
    """The assessor's decision in words for people: `人工评定 3分` or `人工评定 未通过`."""
    if entry.points is not None:
        return f"人工评定 {text(entry.points)}分"
    assert entry.verdict is not None
    return f"人工评定 {VERDICT_LABEL[entry.verdict]}"


def manual_note(entry: ManualEntry) -> str:
    """The mark every output puts beside manual points: the decision, the reason, who and when."""
    return f"{manual_words(entry)}（manual）：{entry.reason}（{entry.assessor}，{entry.date}）"


def manual_rectification(rule: Rule, section: int, score: RuleScore, entry: ManualEntry) -> Rectification:
    """整改事项 for a rule the assessor scored below its points: the assessor's reason is what to mend."""
    lost = Points(score.points - score.earned) if score.earned is not None else NO_POINTS
    return Rectification(
        rule_id=rule.id,
        title=rule.title.zh,
        section=section,
        status=score.status,
        required=_required(rule) if rule.check is not None else "考评人员评定（assessor's judgement）",
        measured=manual_words(entry),
        to_pass=manual_note(entry),
        item=rule.source.item,
        where=rule.source.label,
        clause=rule.source.clause,
        points_lost=lost,
        veto=rule.is_veto,
        records=(),
        group=score.group,
        manual=entry,
    )


def placeholder(rule: Rule, reason: str) -> RuleResult:
    """The verdict of an applicable rule for a unit whose report never arrived or could not be read."""
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
