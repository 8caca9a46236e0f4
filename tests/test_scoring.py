"""Scoring (考评计分): points per rule, partial deductions, normalised scores, grades, veto caps — by hand.

Every expected number below is worked out from the rulebook's points (rules/nantong-2018/rules/*.yaml and the
`scoring:` policy in rulebook.yaml), written as arithmetic in the test, never copied from the code's output.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from compliance.assessment import run_assessment
from compliance.evaluate import RuleResult
from compliance.loading.rulebook import DEFAULT_RULES, LoadedRulebook, load_rulebook
from compliance.model import Rule, ScoringPolicy
from compliance.scoring import (
    Assessment,
    RuleScore,
    UnitAssessment,
    capped,
    deduction,
    grade_for,
    rectification,
    round_half_up,
    rule_points,
    text,
)

WHEN = dt.datetime(2019, 1, 15, 1, 0, tzinfo=dt.UTC)
POLICY = ScoringPolicy()


def rule(points: float, scoring: dict[str, Any] | None = None, veto: bool = False) -> Rule:
    data: dict[str, Any] = {
        "id": "T-01.1",
        "title": {"zh": "测试", "en": "test"},
        "source": {"item": 1, "clause": "测试条款"},
        "applies_to": {"types": ["county_government"]},
        "check": {"measure": "law_study_sessions", "op": ">=", "target": 4},
        "unit": "次",
        "points": points,
        "veto": veto,
    }
    if scoring is not None:
        data["scoring"] = scoring
    return Rule.model_validate(data)


def failed(amount: float, measured: float = 0) -> RuleResult:
    return RuleResult("T-01.1", "fail", measured, 4, ">=", "次", shortfall="x", shortfall_amount=amount)


# ------------------------------------------------------------------ one rule


def test_all_or_nothing_loses_every_point() -> None:
    assert rule_points(rule(3), failed(1), POLICY) == 0


def test_per_shortfall_deducts_per_unit_up_to_the_cap() -> None:
    r = rule(4, {"mode": "per_shortfall", "per": 0.5, "cap": 2})
    assert rule_points(r, failed(1), POLICY) == Fraction(7, 2)  # 4 - 0.5×1
    assert rule_points(r, failed(3), POLICY) == Fraction(5, 2)  # 4 - 0.5×3
    assert rule_points(r, failed(6), POLICY) == 2  # 0.5×6 = 3 > cap 2 → 4 - 2


def test_deduction_never_exceeds_the_rules_points() -> None:
    r = rule(1, {"mode": "per_shortfall", "per": 2, "cap": 5})  # a cap above the points is clamped to the points
    assert deduction(r, failed(3), POLICY) == 1
    assert rule_points(r, failed(3), POLICY) == 0
    bands = rule(3, {"mode": "rate_bands", "step": 10, "per": 1})
    assert rule_points(bands, failed(70, measured=30), POLICY) == 0  # 7 bands × 1 = 7 > 3 → 0, never negative


def test_rate_bands_count_a_started_band() -> None:
    r = rule(3, {"mode": "rate_bands", "step": 10, "per": 1})  # NT18-05.1's scoring
    assert rule_points(r, failed(5, measured=95), POLICY) == 2  # 5 pp below → one band (不足一档按一档) → 3 - 1
    assert rule_points(r, failed(10, measured=90), POLICY) == 2  # exactly one band → 3 - 1
    assert rule_points(r, failed(17.5, measured=82.5), POLICY) == 1  # 1.75 → 2 bands → 3 - 2
    assert rule_points(r, failed(0.1, measured=99.9), POLICY) == 2  # any shortfall costs a band


def test_rate_bands_may_ignore_a_partial_band() -> None:
    lenient = ScoringPolicy(partial_band="ignored")
    r = rule(3, {"mode": "rate_bands", "step": 10, "per": 1})
    assert rule_points(r, failed(5, measured=95), lenient) == 3  # 0.5 band → 0 bands
    assert rule_points(r, failed(17.5, measured=82.5), lenient) == 2  # 1.75 → 1 band


def test_rounding_is_half_up_on_both_sides_of_zero() -> None:
    # 四舍五入 rounds the magnitude: −0.875 → −0.88 just as 0.875 → 0.88 (not −0.87, which is rounding toward +∞).
    assert round_half_up(Fraction(7, 8), 2) == Decimal("0.88")
    assert round_half_up(Fraction(-7, 8), 2) == Decimal("-0.88")
    assert round_half_up(Fraction(-1, 8), 2) == Decimal("-0.13")
    assert round_half_up(Fraction(-1, 1000), 2) == 0
    assert round_half_up(Fraction(200, 7), 0) == 29  # 28.57… → 29


def test_numbers_for_people_round_half_up_and_never_use_exponents() -> None:
    assert text(Decimal("0.125"), 2) == "0.13"  # a Decimal is rounded half-up too, not half-even ("0.12")
    assert text(Decimal("88.57"), 2) == "88.57"
    assert text(Fraction(5, 2)) == "2.5" and text(Fraction(3)) == "3" and text(Fraction(0)) == "0"
    assert text(Fraction(2469135, 2)) == "1234567.5"  # not '1.23457e+06'
    assert text(Fraction(1, 3)) == "0.333333"  # six decimals, as in JSON, not six significant digits
    assert text(None) == "—"


def test_denominator_policy() -> None:
    r = rule(3)
    na = RuleResult("T-01.1", "not_applicable", None, 4, ">=", "次")
    missing = RuleResult("T-01.1", "not_reported", None, 4, ">=", "次")
    error = RuleResult("T-01.1", "error", None, 4, ">=", "次")
    assert rule_points(r, na, POLICY) is None  # excluded from the denominator
    assert rule_points(r, missing, POLICY) == 0  # counted, zero points
    assert rule_points(r, error, POLICY) == 0
    assert rule_points(r, error, ScoringPolicy(error="exclude")) is None


def test_grade_bands_and_veto_cap() -> None:
    assert grade_for(Decimal("90.00"), POLICY) == "优秀"
    assert grade_for(Decimal("89.99"), POLICY) == "良好"
    assert grade_for(Decimal("60"), POLICY) == "合格"
    assert grade_for(Decimal("59.99"), POLICY) == "不合格"
    assert capped("优秀", "合格", POLICY) == "合格"
    assert capped("不合格", "合格", POLICY) == "不合格"  # the cap never raises a grade


@pytest.mark.parametrize(
    "changes",
    [
        {"veto_cap": "很好"},
        {"no_report_grade": "差"},
        {"grades": [{"grade": "良好", "min_score": 80}, {"grade": "优秀", "min_score": 90}]},
        {"grades": [{"grade": "优秀", "min_score": 90}, {"grade": "优秀", "min_score": 80}]},
        {"veto_on": []},
    ],
    ids=["unknown-veto-cap", "unknown-no-report-grade", "bands-out-of-order", "duplicate-grade", "no-veto-trigger"],
)
def test_inconsistent_policy_is_rejected(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ScoringPolicy.model_validate(changes)


def test_bundled_policy_is_valid_and_stated(book: LoadedRulebook) -> None:
    policy = book.meta.scoring
    assert policy.veto_cap == "合格" and policy.no_report_grade == "不合格"
    assert "fail" in policy.veto_on


# ------------------------------------------------------------------ whole units, hand-computed

COUNTY_ALL_PASS: dict[str, Any] = {
    "year": 2018,
    "law_study_sessions": [
        {"date": "2018-02-27", "topic": "宪法"},
        {"date": "2018-05-29", "topic": "监察法"},
        {"date": "2018-08-28", "topic": "行政诉讼法"},
        {"date": "2018-11-27", "topic": "土地管理法"},
    ],
    "training_classes": [{"start_date": "2018-05-08", "title": "法治专题培训班"}],
    "pre_appointment_law_tests": [{"date": "2018-04-11", "title": "任前测试"}],
    "party_committee_reports_heard": [{"date": "2018-06-21", "meeting": "市委常委会"}],
    "rule_of_law_reports_heard": [{"date": "2018-12-14", "meeting": "常务会议"}],
    "approval_cases": [
        {"case_no": "KB1", "type": "开办企业", "accepted": "2018-03-05", "completed": "2018-03-08"},
        {"case_no": "BDC1", "type": "不动产登记", "accepted": "2018-03-05", "completed": "2018-03-12"},
        {"case_no": "SG1", "type": "工业建设项目施工许可", "accepted": "2018-03-01", "completed": "2018-04-20"},
    ],
    "major_decisions": [
        {
            "title": "公租房保障办法",
            "decided": "2018-06-19",
            "legality_reviewed": True,
            "collectively_decided": True,
            "livelihood": True,
            "surveyed": True,
            "congress_report_required": True,
            "congress_reported_before": True,
        }
    ],
    "disclosure_requests": [
        {"request_no": "1", "received": "2018-03-12", "replied": "2018-03-28", "extended": False},
        {"request_no": "2", "received": "2018-07-10", "replied": "2018-08-20", "extended": True},
    ],
    "review_hearings": [{"date": "2018-08-14", "case_no": "复1"}],
    "work_submissions": [
        {"date": "2018-03-28", "title": "一季度"},
        {"date": "2018-06-27", "title": "二季度"},
        {"date": "2018-09-26", "title": "三季度"},
        {"date": "2018-12-26", "title": "四季度"},
    ],
    "rates": {
        "credit_code_conversion": {"numerator": 100, "denominator": 100},
        "major_enforcement_decisions_reviewed": {"numerator": 38, "denominator": 38},
        "court_judgments_performed": {"numerator": 6, "denominator": 6},
        "petitions_online": {"numerator": 412, "denominator": 412},
        "filed_normative_documents_online": {"numerator": 21, "denominator": 21},
        "review_decisions_published_online": {"numerator": 64, "denominator": 64},
        "enforcement_staff_certified": {"numerator": 100, "denominator": 100},
        "suggestions_replied_on_time": {"numerator": 50, "denominator": 50},
        "court_appearance": {"numerator": 41, "denominator": 60, "previous_year_percent": 52.3},
    },
    "milestones": {
        "annual_work_plan": {"completed": "2018-02-28", "document_no": "政发〔2018〕12号"},
        "normative_documents_cleanup_published": {"completed": "2018-11-30", "document_no": "政发〔2018〕77号"},
    },
}


def write(folder: Path, name: str, data: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def county(unit_id: str, **overrides: Any) -> dict[str, Any]:
    data = {**COUNTY_ALL_PASS, "unit_id": unit_id}
    rates = {**COUNTY_ALL_PASS["rates"], **overrides.pop("rates", {})}
    return {**data, **overrides, "rates": rates}


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory, book: LoadedRulebook) -> Assessment:
    folder = tmp_path_factory.mktemp("reports")
    # rugao: two sessions, 90% replies, 95% conversion; everything else passes.
    write(
        folder,
        "rugao.yaml",
        county(
            "rugao",
            law_study_sessions=COUNTY_ALL_PASS["law_study_sessions"][:2],
            rates={
                "suggestions_replied_on_time": {"numerator": 90, "denominator": 100},
                "credit_code_conversion": {"numerator": 95, "denominator": 100},
            },
        ),
    )
    # jiaotong (市政府部门): one uncertified officer in a hundred — the veto rule NT18-19.1 fails.
    write(
        folder,
        "jiaotong.yaml",
        {
            "unit_id": "jiaotong",
            "year": 2018,
            "law_study_sessions": [{"date": "2018-05-15", "topic": "a"}, {"date": "2018-10-23", "topic": "b"}],
            "rule_of_law_reports_heard": [{"date": "2018-12-26", "meeting": "局长办公会"}],
            "draft_regulations": [
                {
                    "title": "某办法（草案）",
                    "consultation_start": "2018-06-01",
                    "consultation_end": "2018-07-06",
                    "deputies_consulted": True,
                }
            ],
            "disclosure_requests": [
                {"request_no": "1", "received": "2018-10-22", "replied": "2018-10-31", "extended": False}
            ],
            "work_submissions": COUNTY_ALL_PASS["work_submissions"],
            "rates": {
                "credit_code_conversion": {"numerator": 0, "denominator": 0},
                "major_enforcement_decisions_reviewed": {"numerator": 23, "denominator": 23},
                "court_judgments_performed": {"numerator": 3, "denominator": 3},
                "petitions_online": {"numerator": 164, "denominator": 164},
                "enforcement_staff_certified": {"numerator": 99, "denominator": 100},
                "suggestions_replied_on_time": {"numerator": 52, "denominator": 52},
                "court_appearance": {"numerator": 6, "denominator": 8, "previous_year_percent": 60},
            },
            "milestones": {"annual_work_plan": {"completed": "2018-02-11", "document_no": "通交〔2018〕22号"}},
        },
    )
    # gongjijin (市直属单位): one study session, no reply rate at all.
    write(
        folder,
        "gongjijin.yaml",
        {
            "unit_id": "gongjijin",
            "year": 2018,
            "law_study_sessions": [{"date": "2018-04-10", "topic": "a"}],
            "rule_of_law_reports_heard": [{"date": "2018-12-20", "meeting": "主任办公会"}],
            "disclosure_requests": [],
            "work_submissions": COUNTY_ALL_PASS["work_submissions"],
            "rates": {
                "enforcement_staff_certified": {"numerator": 0, "denominator": 0},
                "major_enforcement_decisions_reviewed": {"numerator": 0, "denominator": 0},
            },
            "milestones": {"annual_work_plan": {"completed": "2018-03-01", "document_no": "通公积金〔2018〕3号"}},
        },
    )
    return run_assessment(book, [folder], WHEN)


def unit(a: Assessment, unit_id: str) -> UnitAssessment:
    return next(u for u in a.units if u.unit_id == unit_id)


def test_county_with_partial_deductions(hand: Assessment) -> None:
    u = unit(hand, "rugao")
    # County rules and points: 05.1 3 + 11.1 2 + 11.2 2 + 19.1 4 + 24.1 4 + 26.1 2 + 27.1 2
    #                         + 31.1 2 + 31.2 2 + 31.3 3 + 32.1 4 + 32.3 3 + 32.4 2 = 35
    #   and, added by the re-encoding: 01.2 2 + 01.3 2 + 01.4 2 + 12.3 3 + 13.1 3 + 13.2 2 + 18.2 3
    #                         + 20.1 3 + 20.2 1 + 24.2 3 + 26.3 2 + 30.2 2 + 00.1 3 = 31 → 66 available.
    # 32.1 per_shortfall 1/session (cap 4): 2 of 4 sessions → 2 short → −2 → 2 of 4.
    # 24.1 rate_bands step 5 per 1: 90% is 10 pp short → 2 bands → −2 → 2 of 4.
    # 05.1 rate_bands step 10 per 1: 95% is 5 pp short → 1 started band → −1 → 2 of 3.
    assert u.available == 66
    assert u.earned == 66 - 2 - 2 - 1
    assert u.score == Decimal("92.42")  # 61 / 66 × 100 = 92.424… → 92.42
    assert u.grade == "优秀"  # 90 ≤ 92.42
    earned = {s.rule_id: s.earned for s in u.rules}
    assert (earned["NT18-32.1"], earned["NT18-24.1"], earned["NT18-05.1"]) == (2, 2, 2)
    sections = {s.number: (s.earned, s.available) for s in u.sections}
    assert sections[1] == (2 + 2 + 2 + 2, 3 + 2 + 2 + 2)  # 05.1 01.2 01.3 01.4
    assert sections[6] == (2 + 3, 4 + 3)  # 24.1 24.2
    assert sections[8] == (2 + 2 + 3 + 2 + 3 + 2, 2 + 2 + 3 + 4 + 3 + 2)  # 31.1 31.2 31.3 32.1 32.3 32.4
    assert [f.rule_id for f in u.rectification] == ["NT18-05.1", "NT18-24.1", "NT18-32.1"]


def test_veto_failure_caps_the_grade(hand: Assessment) -> None:
    u = unit(hand, "jiaotong")
    # 市政府部门 rules: 10.1 4 + 19.1 4 + 24.1 4 + 27.1 2 + 31.2 2 + 31.3 3 + 32.2 4 = 23
    #   + 10.2 2 + 18.2 3 + 20.1 3 + 24.2 3 + 30.2 2 + 00.1 3 = 39 available (05.1 is 0 of 0 and 20.2 has no
    #   extended request: not applicable, excluded).
    # 19.1 rate_bands step 5 per 2: 99% is 1 pp short → 1 started band → −2 → 2 of 4. Everything else passes.
    assert (u.earned, u.available) == (37, 39)
    assert u.score == Decimal("94.87")  # 37 / 39 × 100 = 94.871… → 94.87
    assert u.grade_before_veto == "优秀"
    assert u.vetoed_by == ("NT18-19.1",)
    assert u.grade == "合格"  # the veto cap, whatever the score
    assert u.rectification[0].veto


def test_not_reported_rate_counts_as_zero(hand: Assessment) -> None:
    u = unit(hand, "gongjijin")
    # 市直属单位 rules: 24.1 4 + 31.2 2 + 31.3 3 + 32.2 4 + 00.1 3 = 16 available (18.2, 19.1 are 0 of 0 and
    # 20.1, 20.2 have no request: not applicable, excluded).
    # 24.1 not reported → 0 of 4, still counted; 32.2 per_shortfall 2/session (cap 4): 1 of 2 → −2 → 2 of 4.
    assert (u.earned, u.available) == (0 + 2 + 3 + 2 + 3, 16)
    assert u.score == Decimal("62.50")  # 10 / 16 × 100 = 62.5
    assert u.grade == "合格"
    assert {f.rule_id: f.status for f in u.rectification} == {"NT18-24.1": "not_reported", "NT18-32.2": "fail"}


def test_unit_without_report_is_not_reported(hand: Assessment) -> None:
    u = unit(hand, "haimen")
    assert u.status == "not_reported"
    assert u.grade == "不合格"
    assert u.score == 0 and u.available == 66
    assert len(u.rectification) == 26
    assert all(f.status == "not_reported" for f in u.rectification)


def test_ranks_within_unit_type(hand: Assessment) -> None:
    counties = [u for u in hand.units if u.unit_type == "county_government"]
    assert counties[0].unit_id == "rugao" and counties[0].rank == 1
    assert {u.rank for u in counties[1:]} == {2}  # the seven silent counties tie at 0
    assert all(u.ranked_among == 8 for u in counties)


def test_cap_binds_with_a_rulebook_declared_cap(tmp_path: Path) -> None:
    """The issue's example: 0.5 points per missing session, at most 2 — here 0.5 per session, cap 1.5."""
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES, rules)
    s8 = rules / "rules" / "s8-safeguards.yaml"
    text = s8.read_text(encoding="utf-8")
    assert "scoring: {mode: per_shortfall, per: 1, cap: 4}" in text
    s8.write_text(text.replace("per: 1, cap: 4}", "per: 0.5, cap: 1.5}"), encoding="utf-8")
    book = load_rulebook(rules)
    folder = tmp_path / "reports"
    folder.mkdir()
    write(folder, "haimen.yaml", county("haimen", law_study_sessions=[]))
    u = unit(run_assessment(book, [folder], WHEN), "haimen")
    # 32.1: 0 of 4 sessions → 0.5 × 4 = 2 > cap 1.5 → −1.5 → 2.5 of 4; everything else passes.
    assert next(s.earned for s in u.rules if s.rule_id == "NT18-32.1") == Fraction(5, 2)
    assert u.earned == 66 - Fraction(3, 2)
    assert u.score == Decimal("97.73")  # 64.5 / 66 × 100 = 97.727… → 97.73
    assert u.grade == "优秀"


def test_a_negative_measured_value_is_rounded_half_up(tmp_path: Path, book: LoadedRulebook) -> None:
    # 481/800 = 60.125% this year against 61% last year: a gain of −0.875 百分点, shown to 2 places as −0.88.
    write(
        tmp_path,
        "haimen.yaml",
        county(
            "haimen", rates={"court_appearance": {"numerator": 481, "denominator": 800, "previous_year_percent": 61}}
        ),
    )
    u = unit(run_assessment(book, [tmp_path], WHEN), "haimen")
    fix = next(f for f in u.rectification if f.rule_id == "NT18-27.1")
    assert fix.measured == "-0.88百分点"
    assert fix.points_lost == 2  # all-or-nothing


def test_a_rectification_names_the_place_its_rule_cites() -> None:
    """第1条 for a rule citing an item; the locator for one citing a passage outside the items (三、(二))."""
    by_item = rule(3)
    by_locator = Rule.model_validate(by_item.model_dump() | {"source": {"at": "三、(二)", "clause": "实时报送"}})
    for cited, where in ((by_item, "第1条"), (by_locator, "三、(二)")):
        fix = rectification(cited, 8, RuleScore("T-01.1", 8, Fraction(3), Fraction(0), False, failed(1)))
        assert (fix.item, fix.where) == (cited.source.item, where)
