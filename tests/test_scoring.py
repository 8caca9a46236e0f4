"""Scoring (考评计分): points per rule, partial deductions, normalised scores, grades, veto caps — by hand.

Every expected number below is worked out from the rulebook's points (rules/nantong-2018/rules/*.yaml and the
`scoring:` policy in rulebook.yaml), written as arithmetic in the test, never copied from the code's output.
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from compliance.assessment import run_assessment
from compliance.evaluate import RuleResult, Scorecard, Status
from compliance.loading.documents import Document
from compliance.loading.rulebook import DEFAULT_RULES, Declarations, LoadedRulebook, PlacedRule, load_rulebook
from compliance.model import Registry, Rule, Rulebook, ScoringPolicy
from compliance.scoring import (
    Assessment,
    Audit,
    RuleScore,
    UnitAssessment,
    assess,
    capped,
    deduction,
    grade_for,
    rectification,
    round_half_up,
    rule_points,
    text,
    veto_of,
)
from compliance.scoring.declarations import scoring_problems
from compliance.scoring.numbers import Points, Scale

WHEN = dt.datetime(2019, 1, 15, 1, 0, tzinfo=dt.UTC)
POLICY = ScoringPolicy()
SCALE = Scale(100)  # hundredths: every rulebook number below has at most two decimals


def earned(r: Rule, result: RuleResult, policy: ScoringPolicy = POLICY) -> Fraction | None:
    """The points a rule earns, as a number of points (scoring counts them in hundredths)."""
    points = rule_points(r, result, policy, SCALE)
    return None if points is None else Fraction(points, SCALE)


def got(u: UnitAssessment, *values: Points | None) -> tuple[Fraction | None, ...]:
    """A unit's point values as numbers of points (the unit counts them in 1/u.scale)."""
    return tuple(None if v is None else Fraction(v, u.scale) for v in values)


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
    assert earned(rule(3), failed(1)) == 0


def test_per_shortfall_deducts_per_unit_up_to_the_cap() -> None:
    r = rule(4, {"mode": "per_shortfall", "per": 0.5, "cap": 2})
    assert earned(r, failed(1)) == Fraction(7, 2)  # 4 - 0.5×1
    assert earned(r, failed(3)) == Fraction(5, 2)  # 4 - 0.5×3
    assert earned(r, failed(6)) == 2  # 0.5×6 = 3 > cap 2 → 4 - 2


def test_deduction_never_exceeds_the_rules_points() -> None:
    r = rule(1, {"mode": "per_shortfall", "per": 2, "cap": 5})  # a cap above the points is clamped to the points
    assert deduction(r, failed(3), POLICY, SCALE) == 1 * SCALE
    assert earned(r, failed(3)) == 0
    bands = rule(3, {"mode": "rate_bands", "step": 10, "per": 1})
    assert earned(bands, failed(70, measured=30)) == 0  # 7 bands × 1 = 7 > 3 → 0, never negative


def test_rate_bands_count_a_started_band() -> None:
    r = rule(3, {"mode": "rate_bands", "step": 10, "per": 1})  # NT18-05.1's scoring
    assert earned(r, failed(5, measured=95)) == 2  # 5 pp below → one band (不足一档按一档) → 3 - 1
    assert earned(r, failed(10, measured=90)) == 2  # exactly one band → 3 - 1
    assert earned(r, failed(17.5, measured=82.5)) == 1  # 1.75 → 2 bands → 3 - 2
    assert earned(r, failed(0.1, measured=99.9)) == 2  # any shortfall costs a band


def test_rate_bands_may_ignore_a_partial_band() -> None:
    lenient = ScoringPolicy(partial_band="ignored")
    r = rule(3, {"mode": "rate_bands", "step": 10, "per": 1})
    assert earned(r, failed(5, measured=95), lenient) == 3  # 0.5 band → 0 bands
    assert earned(r, failed(17.5, measured=82.5), lenient) == 2  # 1.75 → 1 band


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
    assert earned(r, na) is None  # excluded from the denominator
    assert earned(r, missing) == 0  # counted, zero points
    assert earned(r, error) == 0
    assert earned(r, error, ScoringPolicy(error="exclude")) is None


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
    assert got(u, u.available, u.earned) == (66, 66 - 2 - 2 - 1)
    assert u.score == Decimal("92.42")  # 61 / 66 × 100 = 92.424… → 92.42
    assert u.grade == "优秀"  # 90 ≤ 92.42
    rules = {s.rule_id: s.earned for s in u.rules}
    assert got(u, rules["NT18-32.1"], rules["NT18-24.1"], rules["NT18-05.1"]) == (2, 2, 2)
    sections = {s.number: got(u, s.earned, s.available) for s in u.sections}
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
    assert got(u, u.earned, u.available) == (37, 39)
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
    assert got(u, u.earned, u.available) == (0 + 2 + 3 + 2 + 3, 16)
    assert u.score == Decimal("62.50")  # 10 / 16 × 100 = 62.5
    assert u.grade == "合格"
    assert {f.rule_id: f.status for f in u.rectification} == {"NT18-24.1": "not_reported", "NT18-32.2": "fail"}


def test_unit_without_report_is_not_reported(hand: Assessment) -> None:
    u = unit(hand, "haimen")
    assert u.status == "not_reported"
    assert u.grade == "不合格"
    assert u.score == 0 and got(u, u.available) == (66,)
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
    assert got(u, next(s.earned for s in u.rules if s.rule_id == "NT18-32.1")) == (Fraction(5, 2),)
    assert got(u, u.earned) == (66 - Fraction(3, 2),)
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
    assert got(u, fix.points_lost) == (2,)  # all-or-nothing


def test_a_rectification_names_the_place_its_rule_cites() -> None:
    """第1条 for a rule citing an item; the locator for one citing a passage outside the items (三、(二))."""
    by_item = rule(3)
    by_locator = Rule.model_validate(by_item.model_dump() | {"source": {"at": "三、(二)", "clause": "实时报送"}})
    for cited, where in ((by_item, "第1条"), (by_locator, "三、(二)")):
        fix = rectification(cited, 8, RuleScore("T-01.1", 8, Points(3 * SCALE), Points(0), False, failed(1)))
        assert (fix.item, fix.where) == (cited.source.item, where)


# ------------------------------------------------------------------ scoring declarations, on a made-up rulebook
#
# A made-up rulebook built from the models (no loader, no engine) and fabricated verdicts: each test states the
# declarations, the verdicts and the arithmetic, so the expected scores are worked out by hand, not read back.

AUDIT = Audit("made-up", "虚构规则集", 2018, "虚〔2018〕1号", "0" * 64, "units.yaml", "0" * 64, "test", "2019-01-15")
TYPES = [
    {"id": "county", "name": "县（市、区）", "name_en": "County"},
    {"id": "bureau", "name": "市级部门", "name_en": "Bureau"},
]


def made_up_rule(rule_id: str, points: float, types: tuple[str, ...] = ("county",), **extra: Any) -> dict[str, Any]:
    return {
        "id": rule_id,
        "title": {"zh": f"虚构要求{rule_id}", "en": f"made-up requirement {rule_id}"},
        "source": {"item": int(rule_id.split("-")[1].split(".")[0]), "clause": "虚构条款"},
        "applies_to": {"types": list(types)},
        "check": {"measure": "made_up_count", "op": ">=", "target": 100},
        "unit": "%",
        "points": points,
        **extra,
    }


@functools.cache
def _bundled_declarations() -> Declarations:
    return load_rulebook().declared


def made_up_book(
    sections: dict[int, list[dict[str, Any]]],
    scoring: dict[str, Any] | None = None,
    groups: tuple[dict[str, Any], ...] = (),
    units: tuple[tuple[str, str], ...] = (),
) -> LoadedRulebook:
    meta = Rulebook.model_validate(
        {
            "id": "made-up",
            "title": {"zh": "虚构规则集（测试用）", "en": "A made-up rulebook (for tests)"},
            "year": 2018,
            "source": {"title": "虚构", "number": "虚〔2018〕1号", "path": "source.txt"},
            "sections": [{"number": n, "title": {"zh": f"第{n}部分", "en": f"part {n}"}} for n in sections],
            "scoring": scoring or {},
            "deduction_groups": list(groups),
        }
    )
    registry = Registry.model_validate(
        {"types": TYPES, "units": [{"id": u, "name": f"单位{u}", "type": t} for u, t in units]}
    )
    doc = Document("made-up/rules.yaml", None)
    placed = tuple(
        PlacedRule(Rule.model_validate(data), number, doc, i)
        for number, rules in sections.items()
        for i, data in enumerate(rules)
    )
    # scoring reads nothing of the facts and measures but the report fields a measure names, for advice; the
    # made-up rules read none, so the bundled rulebook's declarations stand in
    declared = _bundled_declarations()
    book = LoadedRulebook(Path("/nonexistent/made-up"), meta, registry, placed, "0" * 64, declared)
    assert list(scoring_problems(book)) == []  # the made-up declarations are ones lint accepts
    return book


def verdict(rule_id: str, status: Status, short: float | None = None) -> RuleResult:
    return RuleResult(rule_id, status, None, 100, ">=", "%", shortfall_amount=short)


def card(unit_id: str, unit_type: str, verdicts: list[RuleResult]) -> Scorecard:
    return Scorecard(f"{unit_id}.yaml", unit_id, unit_id, f"单位{unit_id}", unit_type, True, tuple(verdicts))


def assessed(book: LoadedRulebook, *cards: Scorecard) -> dict[str, UnitAssessment]:
    return {u.unit_id: u for u in assess(book, cards, AUDIT).units}


# A deduction group (扣分组): item 2 is worth 10 points and loses at most 6, whatever its three deduction
# rules add up to. Section 1: T-01.1 (10, all or nothing) and the group (10: T-02.1 4, T-02.2 4 per missing
# unit, T-02.3 3); section 2: T-03.1 (5). Available to a county: 10 + 10 + 5 = 25.
GROUPED = {
    1: [
        made_up_rule("T-01.1", 10),
        made_up_rule("T-02.1", 4, group="item2"),
        made_up_rule("T-02.2", 4, group="item2", scoring={"mode": "per_shortfall", "per": 1, "cap": 4}),
        made_up_rule("T-02.3", 3, group="item2"),
    ],
    2: [made_up_rule("T-03.1", 5)],
}
ITEM2 = {"id": "item2", "title": {"zh": "第二项", "en": "Item 2"}, "points": 10, "cap": 6}
COUNTIES = tuple((f"c{i}", "county") for i in range(1, 6))


def all_pass(*rule_ids: str) -> list[RuleResult]:
    return [verdict(rule_id, "pass") for rule_id in rule_ids]


def test_deduction_group_shares_one_cap() -> None:
    book = made_up_book(GROUPED, groups=(ITEM2,), units=COUNTIES)
    ids = ("T-01.1", "T-02.1", "T-02.2", "T-02.3", "T-03.1")
    units = assessed(
        book,
        card("c1", "county", all_pass(*ids)),
        card(
            "c2",
            "county",
            [*all_pass("T-01.1", "T-02.3", "T-03.1"), verdict("T-02.1", "fail"), verdict("T-02.2", "fail", 3)],
        ),
        card("c3", "county", [*all_pass("T-01.1", "T-02.2", "T-02.3", "T-03.1"), verdict("T-02.1", "fail")]),
        card(
            "c4",
            "county",
            [verdict("T-01.1", "fail"), *(verdict(i, "not_applicable") for i in ids[1:4]), verdict("T-03.1", "pass")],
        ),
        card(
            "c5",
            "county",
            [*all_pass("T-01.1", "T-02.2", "T-03.1"), verdict("T-02.1", "not_reported"), verdict("T-02.3", "error")],
        ),
    )
    c1 = units["c1"]
    assert (*got(c1, c1.earned, c1.available), c1.score) == (25, 25, Decimal("100.00"))
    # c2: T-02.1 −4, T-02.2 3 short × 1 = −3: together −7, capped at −6 → the item keeps 4. 10 + 4 + 5 = 19 of 25.
    c2 = units["c2"]
    assert got(c2, c2.earned, c2.available) == (19, 25)
    assert c2.score == Decimal("76.00")  # 19 / 25 × 100
    (group,) = c2.groups
    assert (*got(c2, group.deducted, group.applied, group.earned), group.capped) == (7, 6, 4, True)
    assert {s.number: got(c2, s.earned, s.available) for s in c2.sections} == {1: (10 + 4, 20), 2: (5, 5)}
    # c3: only T-02.1 fails, −4 is under the cap: the item keeps 6. 10 + 6 + 5 = 21 → 84.00.
    c3 = units["c3"]
    assert (*got(c3, c3.earned), c3.score, c3.groups[0].capped) == (21, Decimal("84.00"), False)
    # c4: every member not applicable → the item is out of the denominator: available 10 + 5 = 15, earned 0 + 5.
    c4 = units["c4"]
    assert (*got(c4, c4.earned, c4.available), c4.score) == (5, 15, Decimal("33.33"))  # 5 / 15 × 100 = 33.333…
    assert c4.groups[0].earned is None
    # c5: T-02.1 not reported −4, T-02.3 contradictory (error counts zero) −3: −7 capped at −6 → 19 of 25 → 76.00.
    c5 = units["c5"]
    assert (*got(c5, c5.earned), c5.score) == (19, Decimal("76.00"))
    # a member's rectification still says what it cost on its own, and names its group
    fixes = {f.rule_id: (*got(c2, f.points_lost), f.group) for f in c2.rectification}
    assert fixes == {"T-02.1": (4, "item2"), "T-02.2": (3, "item2")}


# fixed_100 (倒扣分): 100 − deductions; a rule that does not apply, or is not machine-checkable, keeps its points.
# Section 1: T-01.1 (30, counties and bureaus) and item 2 (20, at most −12: T-02.1 10, T-02.2 10 at 2 per
# missing unit), counties only. Section 2: T-03.1 (40, 10 per started 10-point band, everyone) and T-04.1
# (10, assessed by hand: not machine-checkable). 30 + 20 + 40 + 10 = 100. A bonus T-05.1 (5) for counties,
# at most 4 added.
FIXED = {
    1: [
        made_up_rule("T-01.1", 30, ("county", "bureau")),
        made_up_rule("T-02.1", 10, group="item2"),
        made_up_rule("T-02.2", 10, group="item2", scoring={"mode": "per_shortfall", "per": 2, "cap": 10}),
    ],
    2: [
        made_up_rule("T-03.1", 40, ("county", "bureau"), scoring={"mode": "rate_bands", "step": 10, "per": 10}),
        {
            **{k: v for k, v in made_up_rule("T-04.1", 10, ("county", "bureau")).items() if k not in ("check", "unit")},
            "not_checkable": {"reason": "judgement", "note": "由考评组现场认定（assessed on site）"},
        },
        made_up_rule("T-05.1", 5, bonus=True),
    ],
}
FIXED_POLICY = {"mode": "fixed_100", "bonus_cap": 4}
ITEM2_FIXED = {"id": "item2", "title": {"zh": "第二项", "en": "Item 2"}, "points": 20, "cap": 12}


def test_fixed_100_deducts_from_100_and_keeps_points_that_do_not_apply() -> None:
    units = (("c1", "county"), ("c2", "county"), ("c3", "county"), ("b1", "bureau"), ("b2", "bureau"))
    book = made_up_book(FIXED, FIXED_POLICY, (ITEM2_FIXED,), units)
    a = assessed(
        book,
        card(
            "c1",
            "county",
            [
                verdict("T-01.1", "fail"),
                verdict("T-02.1", "fail"),
                verdict("T-02.2", "fail", 2),
                verdict("T-03.1", "fail", 5),
                verdict("T-05.1", "fail"),
            ],
        ),
        card(
            "c2",
            "county",
            [verdict("T-01.1", "not_applicable"), *all_pass("T-02.1", "T-02.2", "T-03.1"), verdict("T-05.1", "pass")],
        ),
        card("b1", "bureau", [verdict("T-01.1", "pass"), verdict("T-03.1", "fail", 25)]),
        card("b2", "bureau", [verdict("T-01.1", "not_reported"), verdict("T-03.1", "error")]),
    )
    # c1: T-01.1 −30; item 2: −10 and 2 short × 2 = −4, −14 capped at −12; T-03.1 5 short → 1 band → −10;
    # the bonus failed: +0. 100 − 30 − 12 − 10 = 48.
    c1 = a["c1"]
    assert (*got(c1, c1.earned, c1.available), c1.score, c1.grade) == (48, 100, Decimal("48.00"), "不合格")
    assert {s.number: got(c1, s.earned, s.available) for s in c1.sections} == {1: (50 - 30 - 12, 50), 2: (50 - 10, 50)}
    assert got(c1, c1.deductions, c1.bonus) == (52, 0)
    # c2: T-01.1 not applicable keeps its 30, everything else passes: 100; the bonus 5 is capped at 4 → 104.
    c2 = a["c2"]
    assert (*got(c2, c2.earned, c2.bonus, c2.bonus_applied), c2.score, c2.grade) == (
        100,
        5,
        4,
        Decimal("104.00"),
        "优秀",
    )
    # b1: item 2 and the bonus do not apply to bureaus (the item keeps its 20); T-03.1 25 short → 3 bands → −30.
    assert (a["b1"].score, a["b1"].grade) == (Decimal("70.00"), "合格")  # 100 − 30
    # b2: T-01.1 not reported −30, T-03.1 contradictory (error counts zero) −40 → 30.
    assert (a["b2"].score, a["b2"].grade) == (Decimal("30.00"), "不合格")
    # c3 sent nothing: every county rule not reported: −30, item 2 −20 capped at −12, −40 → 18; graded 不合格.
    c3 = a["c3"]
    assert (c3.status, c3.score, c3.grade) == ("not_reported", Decimal("18.00"), "不合格")


# Bonus rules (加分项) in normalised scoring: T-01.1 (10) and T-02.1 (10) count; bonuses T-03.1 (2, all or
# nothing) and T-03.2 (2, −1 per missing unit) add at most 3 points to the 100-point score, never to available.
BONUS = {
    1: [made_up_rule("T-01.1", 10), made_up_rule("T-02.1", 10)],
    2: [
        made_up_rule("T-03.1", 2, bonus=True),
        made_up_rule("T-03.2", 2, bonus=True, scoring={"mode": "per_shortfall", "per": 1, "cap": 2}),
    ],
}


def test_bonus_points_are_added_up_to_their_cap() -> None:
    book = made_up_book(BONUS, {"bonus_cap": 3}, units=tuple((f"u{i}", "county") for i in range(1, 5)))
    a = assessed(
        book,
        card("u1", "county", [*all_pass("T-01.1", "T-03.1", "T-03.2"), verdict("T-02.1", "fail")]),
        card("u2", "county", [*all_pass("T-01.1", "T-02.1", "T-03.1"), verdict("T-03.2", "fail", 1)]),
        card(
            "u3",
            "county",
            [*all_pass("T-01.1", "T-02.1"), verdict("T-03.1", "not_reported"), verdict("T-03.2", "not_applicable")],
        ),
        card("u4", "county", [verdict("T-01.1", "fail"), verdict("T-02.1", "fail"), verdict("T-03.1", "pass")]),
    )
    # u1: 10 of 20 → 50, bonus 2 + 2 = 4 capped at 3 → 53.00.
    u1 = a["u1"]
    assert (*got(u1, u1.earned, u1.available, u1.bonus, u1.bonus_applied), u1.score) == (10, 20, 4, 3, Decimal("53.00"))
    # u2: 20 of 20 → 100, bonus 2 + (2 − 1) = 3 → 103.00 (a bonus may take the score past 100).
    u2 = a["u2"]
    assert (*got(u2, u2.bonus), u2.score, u2.grade) == (3, Decimal("103.00"), "优秀")
    # u3: 100; an unclaimed bonus adds nothing, costs nothing, and is nothing to rectify: the unit passes.
    u3 = a["u3"]
    assert (u3.score, *got(u3, u3.bonus), u3.status, u3.rectification) == (Decimal("100.00"), 0, "pass", ())
    # u4: 0 of 20 → 0, bonus 2 → 2.00.
    assert (a["u4"].score, a["u4"].grade) == (Decimal("2.00"), "不合格")


# Veto consequences (一票否决): every rule is worth 10 but T-05.1 (60). T-01.1 `veto: true` (today's meaning:
# at most scoring.veto_cap 合格, on scoring.veto_on), T-02.1 caps at 良好, T-03.1 fails outright, T-04.1 fails
# outright but only on a fail verdict (not when it is not reported).
VETOES = {
    1: [
        made_up_rule("T-01.1", 10, veto=True),
        made_up_rule("T-02.1", 10, veto={"consequence": "cap_grade", "grade": "良好"}),
        made_up_rule("T-03.1", 10, veto={"consequence": "fail"}),
        made_up_rule("T-04.1", 10, veto={"consequence": "fail", "when": ["fail"]}),
        made_up_rule("T-05.1", 60),
    ]
}
VETO_POLICY = {"veto_cap": "合格", "veto_on": ["fail", "not_reported", "error"]}


@pytest.mark.parametrize(
    ("failing", "score", "grade", "before", "vetoed"),
    [
        ({"T-02.1": "fail"}, "90.00", "良好", "优秀", ("T-02.1",)),  # 90 → 优秀, capped at 良好
        ({"T-01.1": "fail"}, "90.00", "合格", "优秀", ("T-01.1",)),  # veto: true → veto_cap 合格
        ({"T-03.1": "fail"}, "90.00", "不合格", "优秀", ("T-03.1",)),  # fails outright
        ({"T-04.1": "not_reported"}, "90.00", "优秀", "优秀", ()),  # its own `when: [fail]` spares a gap
        ({"T-04.1": "fail"}, "90.00", "不合格", "优秀", ("T-04.1",)),
        ({"T-02.1": "not_reported"}, "90.00", "良好", "优秀", ("T-02.1",)),  # policy veto_on includes not_reported
        ({"T-01.1": "fail", "T-02.1": "fail"}, "80.00", "合格", "良好", ("T-01.1", "T-02.1")),  # the worst cap
        ({"T-05.1": "fail", "T-02.1": "fail"}, "30.00", "不合格", "不合格", ("T-02.1",)),  # a cap never raises
    ],
)
def test_veto_consequences(
    failing: dict[str, Status], score: str, grade: str, before: str, vetoed: tuple[str, ...]
) -> None:
    book = made_up_book(VETOES, VETO_POLICY, units=(("u", "county"),))
    ids = ("T-01.1", "T-02.1", "T-03.1", "T-04.1", "T-05.1")
    u = assessed(book, card("u", "county", [verdict(i, failing.get(i, "pass")) for i in ids]))["u"]
    assert (u.score, u.grade, u.grade_before_veto, u.vetoed_by) == (Decimal(score), grade, before, vetoed)


def test_veto_true_keeps_todays_meaning() -> None:
    policy = ScoringPolicy(veto_cap="良好", veto_on=("fail", "error"))
    veto = veto_of(rule(4, veto=True), policy)
    assert veto is not None and (veto.consequence, veto.grade, veto.when) == ("cap_grade", "良好", ("fail", "error"))
    assert veto_of(rule(4), policy) is None


def test_nantong_with_a_deduction_group_and_a_bonus(tmp_path: Path) -> None:
    """The YAML syntax end to end, through the loader and the engine, on a copy of the bundled rulebook."""
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES, rules)
    meta = rules / "rulebook.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace(
            "scoring:\n",
            "deduction_groups:\n"
            "  - {id: study, title: {zh: 学法培训, en: Law study and training}, points: 9, cap: 4}\n"
            "scoring:\n  bonus_cap: 1\n",
        ),
        encoding="utf-8",
    )
    s8 = rules / "rules" / "s8-safeguards.yaml"
    text = s8.read_text(encoding="utf-8")
    for rule_id in ("NT18-32.1", "NT18-32.3", "NT18-32.4"):  # 4 + 3 + 2 = 9 points, in one group of 9
        text = text.replace(f"  - id: {rule_id}\n", f"  - id: {rule_id}\n    group: study\n")
    s8.write_text(text, encoding="utf-8")
    s7 = rules / "rules" / "s7-disputes.yaml"
    text = s7.read_text(encoding="utf-8")
    assert "  - id: NT18-27.1\n" in text
    s7.write_text(text.replace("  - id: NT18-27.1\n", "  - id: NT18-27.1\n    bonus: true\n"), encoding="utf-8")
    book = load_rulebook(rules)  # lint-clean: the group's 9 equals its members' 4 + 3 + 2, bonus_cap is set
    folder = tmp_path / "reports"
    folder.mkdir()
    write(folder, "haimen.yaml", county("haimen"))
    write(
        folder,
        "rugao.yaml",
        county(
            "rugao",
            law_study_sessions=COUNTY_ALL_PASS["law_study_sessions"][:2],
            training_classes=[],
            rates={"court_appearance": {"numerator": 30, "denominator": 60, "previous_year_percent": 52.3}},
        ),
    )
    a = run_assessment(book, [folder], WHEN)
    # County points (66, as in test_county_with_partial_deductions) without the bonus NT18-27.1 (2): 64 available.
    haimen = unit(a, "haimen")
    assert got(haimen, haimen.earned, haimen.available) == (64, 64)
    assert (*got(haimen, haimen.bonus, haimen.bonus_applied), haimen.score) == (
        2,
        1,
        Decimal("101.00"),
    )  # 100 + min(2, cap 1)
    # rugao: 32.1 2 sessions short → −2, 32.3 no class → −3: the group loses 5, capped at 4 → 64 − 4 = 60;
    # its court-appearance rate fell (50% < 52.3%): the bonus is not earned, and is nothing to rectify.
    rugao = unit(a, "rugao")
    assert got(rugao, rugao.earned, rugao.available, rugao.bonus) == (60, 64, 0)
    assert rugao.score == Decimal("93.75")  # 60 / 64 × 100
    assert [f.rule_id for f in rugao.rectification] == ["NT18-32.1", "NT18-32.3"]
    assert rugao.groups[0].capped and got(rugao, rugao.groups[0].applied) == (4,)


def test_section_weights_that_match_load(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES, rules)
    meta = rules / "rulebook.yaml"
    text = meta.read_text(encoding="utf-8")
    # the bundled rules' points, section by section (rules/nantong-2018/rules/s<N>-*.yaml):
    #   1: 01.2 2 + 01.3 2 + 01.4 2 + 05.1 3 + 06.2 2 = 11
    #   2: 08.2 2 + 10.1 4 + 10.2 2 + 11.1 2 + 11.2 2 + 11.3 2 = 14
    #   3: 12.2 3 + 12.3 3 + 13.1 3 + 13.2 2 + 14.1 3 = 14
    #   4: 17.2 2 + 18.1 2 + 18.2 3 + 18.3 2 + 19.1 4 + 19.2 2 = 15
    #   5: 20.1 3 + 20.2 1 + 22.1 2 = 6                        6: 24.1 4 + 24.2 3 + 25.1 2 = 9
    #   7: 26.1 2 + 26.2 2 + 26.3 2 + 27.1 2 + 29.1 6 + 29.2 2 + 29.3 2 + 30.2 2 = 20
    #   8: 31.1 2 + 31.2 2 + 31.3 3 + 32.1 4 + 32.2 4 + 32.3 3 + 32.4 2 + 33.2 2 + 34.2 2 = 24      9: 00.1 3
    # (section 3 is left without a weight: a weight is optional)
    weights = {1: 11, 2: 14, 4: 15, 5: 6, 6: 9, 7: 20, 8: 24, 9: 3}
    for number, weight in weights.items():
        text = text.replace(f"  - {{number: {number}, title:", f"  - {{number: {number}, weight: {weight}, title:")
    meta.write_text(text, encoding="utf-8")
    book = load_rulebook(rules)
    assert [s.weight for s in book.meta.sections] == [11, 14, None, 15, 6, 9, 20, 24, 3]


# The declarations as the README documents them: the JSON Schemas an editor uses accept them, with descriptions.
DOCUMENTED_RULEBOOK = """
sections:
  - {number: 1, title: {zh: 依法行政, en: Law-based administration}, weight: 30}
deduction_groups:
  - id: enforcement
    title: {zh: 执法规范, en: Enforcement conduct}
    points: 10
    cap: 6
scoring:
  mode: fixed_100
  bonus_cap: 3
"""
DOCUMENTED_RULES = """
section: 1
rules:
  - {id: T-01.1, group: enforcement, points: 4}
  - {id: T-01.2, bonus: true, points: 2}
  - {id: T-01.3, veto: true}
  - {id: T-01.4, veto: {consequence: cap_grade, grade: 合格}}
  - {id: T-01.5, veto: {consequence: fail, when: [fail, error]}}
"""


def test_documented_declarations_fit_the_editor_schemas() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from compliance.commands.schema import json_schema

    rulebook = yaml.safe_load(DOCUMENTED_RULEBOOK)
    base = {"id": "made-up", "title": {"zh": "虚构", "en": "made up"}, "year": 2018}
    base["source"] = {"title": "虚构", "number": "虚〔2018〕1号", "path": "source.txt"}
    schema = json_schema("rulebook")
    assert list(jsonschema.Draft202012Validator(schema).iter_errors({**base, **rulebook})) == []
    assert "倒扣分" in schema["$defs"]["ScoringPolicy"]["properties"]["mode"]["description"]
    meta = Rulebook.model_validate({**base, **rulebook})
    assert (meta.scoring.mode, meta.scoring.bonus_cap, meta.sections[0].weight) == ("fixed_100", 3, 30)
    assert meta.deduction_groups[0].deduction_cap == 6

    rules = yaml.safe_load(DOCUMENTED_RULES)
    common = made_up_rule("T-01.1", 1)
    complete = [{**common, **r, "source": {"item": 1, "clause": "虚构条款"}} for r in rules["rules"]]
    validator = jsonschema.Draft202012Validator(json_schema("rules"))
    assert list(validator.iter_errors({"section": 1, "rules": complete})) == []
    parsed = [Rule.model_validate(r) for r in complete]
    assert [r.is_veto for r in parsed] == [False, False, True, True, True]
    assert (parsed[0].group, parsed[1].bonus) == ("enforcement", True)
    assert list(validator.iter_errors({"section": 1, "rules": [{**complete[4], "veto": {"consequence": "fial"}}]}))
    with pytest.raises(ValidationError, match="needs `grade`"):
        Rule.model_validate({**complete[3], "veto": {"consequence": "cap_grade"}})
