"""The made-up rulebook scored end to end (fixed-100 倒扣分, a deduction group, a bonus item, a veto that caps the
grade, working days): a dozen reports whose scores and grades are worked out by hand below, one comment each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance.cli import main

RULES = Path(__file__).parent / "rulebooks" / "madeup-county-2025"

FULL: dict[str, Any] = {  # a department that meets every rule (drafts: none this year, so 05.1 does not apply)
    "trainings": [
        {"start": "2025-03-01", "title": "a", "hours": 24},
        {"start": "2025-09-01", "title": "b", "hours": 16},
    ],
    "rates": {
        "certified": {"numerator": 40, "denominator": 40},
        "review_published": {"numerator": 9, "denominator": 10, "previous_year_percent": 80},
    },
    "major_decisions": [{"date": "2025-02-01", "reviewed": True}],
    "drafts": [],
    "work_plan": {"completed": "2025-03-01", "document_no": "某〔2025〕1号"},
    "lost_lawsuits": 0,
    "overdue_petitions": 0,
    "summary_report": {"completed": "2026-01-10", "document_no": "某〔2026〕1号"},
}


def full(**changes: Any) -> dict[str, Any]:
    report = json.loads(json.dumps(FULL))
    for key, value in changes.items():
        if key in ("certified", "review_published"):
            report["rates"][key] = value
        else:
            report[key] = value
    return report


SESSIONS = [  # office: collective sessions in Q1, Q2, Q3 (none in Q4) and a lecture in Q3
    {"date": "2025-01-10", "topic": "a", "form": "集体学法"},
    {"date": "2025-04-10", "topic": "b", "form": "集体学法"},
    {"date": "2025-07-10", "topic": "c", "form": "集体学法"},
    {"date": "2025-08-10", "topic": "d", "form": "专题讲座"},
]
OFFICE_REST = {"drafts": [], "summary_report": {"completed": "2026-01-12", "document_no": "某办〔2026〕1号"}}

# unit -> (report, score, grade). Points (fixed_100): 01.1 10, 01.2 10, 02.1 10, 02.2 10, 03.1 10, 03.2 10,
# 04.1 10, 05.1 10, 06.1 5, 06.2 5, group G (07.1, 07.2) 5 with cap 5, 20.1 5 = 100; bonus 08.1 2, bonus_cap 2.
CASES: dict[str, tuple[dict[str, Any], float, str]] = {
    # everything met; rules of other unit types (01.x, 04.1) and 05.1 (no drafts) keep their points: 100
    "police": (full(), 100.0, "优秀"),
    # the same plus the bonus item: 100 + 2 = 102
    "taxes": (full(model_unit=True), 102.0, "优秀"),
    # 2 lawsuits lost (07.1: 2 x 1 = 2) and 3 overdue petitions (07.2: 3 x 0.5 = 1.5): 3.5 under the cap: 96.5
    "health": (full(lost_lawsuits=2, overdue_petitions=3), 96.5, "优秀"),
    # 3 lost (07.1 min(3, 3) = 3) and 6 overdue (07.2 min(3, 3) = 3): 6, but the group loses at most 5: 95
    "education": (full(lost_lawsuits=3, overdue_petitions=6), 95.0, "优秀"),
    # 34/40 = 85% certified: 15 points below 100%, 3 bands of 5, 1 each: 97; 03.1 is a veto: grade at most 合格
    "transport": (full(certified={"numerator": 34, "denominator": 40}), 97.0, "合格"),
    # work plan on 1 April (06.1, due 31 March: -5) and no rise in publication (06.2: 80% = 80%: -5): 90
    "water": (
        full(
            work_plan={"completed": "2025-04-01", "document_no": "x"},
            review_published={"numerator": 8, "denominator": 10, "previous_year_percent": 80},
        ),
        90.0,
        "优秀",
    ),
    # 40 hours in all (02.1 met) but one class of 7.5 (02.2: -10) and the summary a day late (20.1: -5): 85
    "land": (
        full(
            trainings=[
                {"start": "2025-03-01", "title": "a", "hours": 7.5},
                {"start": "2025-09-01", "title": "b", "hours": 32.5},
            ],
            summary_report={"completed": "2026-01-16", "document_no": "x"},
        ),
        85.0,
        "良好",
    ),
    # an empty report: every rule that applies is not reported and loses its points: 02.1 10, 02.2 10, 03.1 10,
    # 03.2 10, 05.1 10, 06.1 5, 06.2 5, G 5 (its members lose 3 + 3, capped at 5), 20.1 5 = 70 lost: 30
    "culture": ({}, 30.0, "不合格"),
    # permits: 2025-09-26 -> 2025-10-14 is 8 working days (National Day off, two make-up Saturdays/Sundays
    # worked): 04.1 (at most 7) -10: 90
    "permits": (full(permits=[{"accepted": "2025-09-26", "decided": "2025-10-14", "case_no": "P1"}]), 90.0, "优秀"),
    # a draft open 29 days (05.1: -10) and 41 certified of 40 (03.1 error, counted as zero: -10): 80
    "audit": (
        full(
            drafts=[{"title": "a", "opened": "2025-03-01", "closed": "2025-03-30"}],
            certified={"numerator": 41, "denominator": 40},
        ),
        80.0,
        "良好",
    ),
    # one of two major decisions not reviewed: 50% (03.2: -10): 90
    "stats": (
        full(major_decisions=[{"date": "2025-02-01", "reviewed": True}, {"date": "2025-06-01", "reviewed": False}]),
        90.0,
        "优秀",
    ),
    # office: no collective session in Q4 (01.1: -10); 3 collective + 1 lecture = 4 in the year (01.2 met);
    # department rules keep their points: 90
    "office": ({"study_sessions": SESSIONS, **OFFICE_REST}, 90.0, "优秀"),
    # office 2: two sessions, both in Q1: 01.1 -10; 01.2 2 short x 2.5 = -5: 85
    "office2": (
        {"study_sessions": [*SESSIONS[:1], {"date": "2025-02-10", "topic": "e", "form": "集体学法"}], **OFFICE_REST},
        85.0,
        "良好",
    ),
}


@pytest.fixture(scope="module")
def assessment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("reports")
    for unit, (report, _, _) in CASES.items():
        data = {"unit_id": unit, "year": 2025, **report}
        (folder / f"{unit}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = folder / "out.json"
    code = main(["assess", str(folder), "--rules", str(RULES), "--format", "json", "-o", str(out),
                 "--time", "2026-02-01T00:00:00Z"])  # fmt: skip
    assert code in (0, 1)
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


@pytest.mark.parametrize("unit", list(CASES))
def test_score_and_grade_computed_by_hand(assessment: dict[str, Any], unit: str) -> None:
    found = next(u for u in assessment["units"] if u["unit_id"] == unit)
    _, score, grade = CASES[unit]
    assert (found["score"], found["grade"]) == (pytest.approx(score), grade)


def test_a_missed_bonus_item_is_no_failure_in_score(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "police.yaml"  # meets every rule; the bonus item (model unit) is not reported
    report.write_text(yaml.safe_dump({"unit_id": "police", "year": 2025, **FULL}, allow_unicode=True), encoding="utf-8")
    assert main(["score", str(report), "--rules", str(RULES), "--format", "json"]) == 0
    (unit,) = json.loads(capsys.readouterr().out)["units"]
    assert unit["status"] == "pass"
    assert next(r for r in unit["results"] if r["rule_id"] == "MU-08.1")["status"] == "not_reported"


def test_the_made_up_rulebook_lints_clean(capsys: pytest.CaptureFixture[str]) -> None:
    # against its own source text, numbered 1、 with （一） sections, one passage cited by locator (二、（一）)
    assert main(["lint", str(RULES), "--coverage"]) == 0, capsys.readouterr()
