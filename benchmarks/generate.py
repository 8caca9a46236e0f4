"""Synthetic but realistic year-end reports as JSON Lines, deterministic for a seed.

Every unit type in the registry appears (registered units first, then numbered synthetic units of every type),
records are dated (a few outside the year, a few duplicates), about 5% of units fail something and a few are
invalid (wrong year, misspelt field, unknown unit type, broken JSON).

    python -m benchmarks.generate --units 100000 --out benchmarks/data/100k.jsonl --seed 2018
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import yaml

from compliance.loading.rulebook import DEFAULT_RULES

YEAR = 2018
TYPE_WEIGHTS = {
    "city_government": 1,
    "county_government": 10,
    "development_zone": 8,
    "city_department": 50,
    "affiliated_unit": 31,
}
TOPICS = ("宪法", "行政许可法", "行政处罚法", "行政复议法", "行政诉讼法", "政府信息公开条例", "民法总则", "监察法")
MEETINGS = ("常务会议", "党组会议", "办公会议", "主任会议")
FAILURE_RATE = 0.05
INVALID_RATE = 0.003


def registry(rules: Path = DEFAULT_RULES) -> tuple[list[str], list[dict[str, str]]]:
    data = yaml.safe_load((rules / "units.yaml").read_text(encoding="utf-8"))
    return [t["id"] for t in data["types"]], list(data["units"])


def _day(rng: random.Random, year: int = YEAR) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def _events(rng: random.Random, low: int, high: int, label: str) -> list[dict[str, Any]]:
    out = [
        {"date": _day(rng).isoformat(), "meeting": rng.choice(MEETINGS), "title": f"{label}第{i + 1}次"}
        for i in range(rng.randint(low, high))
    ]
    if out and rng.random() < 0.05:  # a record from last year: noted, not counted
        out.append(
            {"date": _day(rng, YEAR - 1).isoformat(), "meeting": rng.choice(MEETINGS), "title": f"{label}上年度"}
        )
    return sorted(out, key=lambda e: e["date"])


def _rate(rng: random.Random, full: bool = True) -> dict[str, int]:
    d = rng.randint(5, 400)
    return {"numerator": d if full else d - rng.randint(1, min(3, d)), "denominator": d}


def _milestone(rng: random.Random, n: int, year: int = YEAR) -> dict[str, str]:
    return {"completed": _day(rng, year).isoformat(), "document_no": f"通政发〔{year}〕{n}号"}


def passing_report(rng: random.Random, unit_id: str, unit_type: str, name: str, registered: bool) -> dict[str, Any]:
    """A complete report that meets every rule its unit type can be held to."""
    government = unit_type in ("city_government", "county_government")
    sessions = [
        {"date": _day(rng).isoformat(), "topic": rng.choice(TOPICS), "format": "集体学法"}
        for _ in range(rng.randint(4, 8) if government else rng.randint(2, 6))
    ]
    if rng.random() < 0.05:  # a duplicate entry: counted once
        sessions.append(dict(sessions[0]))
    drafts = []
    for i in range(rng.randint(0, 3)):
        start = _day(rng)
        drafts.append(
            {
                "title": f"{name}规章草案{i + 1}",
                "consultation_start": start.isoformat(),
                "consultation_end": (start + dt.timedelta(days=rng.randint(30, 45))).isoformat(),
                "deputies_consulted": True,
            }
        )
    if drafts and rng.random() < 0.1:
        drafts.append({"title": f"{name}保密草案", "confidential": True, "legal_basis": "保守国家秘密法第九条"})
    court_d = rng.randint(10, 60)
    court_n = rng.randint(court_d // 2, court_d)
    previous = round(court_n * 100 / court_d - rng.randint(1, 10), 1)
    report: dict[str, Any] = {
        "unit_id": unit_id,
        "year": YEAR,
        "unit_name": name,
        "submitted": f"{YEAR + 1}-01-{rng.randint(5, 25):02d}",
        "contact": "法制科",
        "law_study_sessions": sorted(sessions, key=lambda s: s["date"]),
        "training_classes": [
            {
                "start_date": _day(rng).isoformat(),
                "title": f"依法行政专题培训班{i + 1}",
                "participants": rng.randint(20, 200),
            }
            for i in range(rng.randint(1, 3))
        ],
        "pre_appointment_law_tests": _events(rng, 1, 3, "任前法律知识测试"),
        "rule_of_law_reports_heard": _events(rng, 1, 3, "听取法治政府建设汇报"),
        "party_committee_reports_heard": _events(rng, 1, 2, "党委常委会听取法治建设汇报"),
        "draft_regulations": drafts,
        "rates": {
            "credit_code_conversion": _rate(rng),
            "suggestions_replied_on_time": _rate(rng),
            "enforcement_staff_certified": _rate(rng),
            "filed_normative_documents_online": _rate(rng),
            "review_decisions_published_online": _rate(rng),
            "major_enforcement_decisions_reviewed": _rate(rng),
            "court_judgments_performed": _rate(rng),
            "petitions_online": _rate(rng),
            "arbitrator_disclosures": _rate(rng),
            "court_appearance": {
                "numerator": court_n,
                "denominator": court_d,
                "previous_year_percent": max(previous, 0),
            },
        },
        "milestones": {
            "annual_work_plan": _milestone(rng, rng.randint(1, 30)),
            "major_decision_catalogue": _milestone(rng, rng.randint(1, 30)),
            "legal_advisory_committee_reelection": _milestone(rng, rng.randint(1, 30)),
            "arbitration_commission_reelection": _milestone(rng, rng.randint(1, 30)),
            "normative_documents_cleanup_published": _milestone(rng, rng.randint(1, 30)),
            "social_org_annual_inspection": _milestone(rng, rng.randint(1, 30)),
            "normative_document_review_rules": _milestone(rng, rng.randint(1, 30)),
            "enforcement_systems_evaluation": _milestone(rng, rng.randint(1, 30)),
            "online_law_exam_system": _milestone(rng, rng.randint(1, 30)),
            "complaint_registration_system": _milestone(rng, rng.randint(1, 30)),
        },
    }
    report |= _later_facts(rng, name)
    if not registered:
        report["unit_type"] = unit_type
    return report


def _records(rng: random.Random, low: int, high: int, make: Any) -> list[dict[str, Any]]:
    return [make(i, _day(rng)) for i in range(rng.randint(low, high))]


def _later_facts(rng: random.Random, name: str) -> dict[str, Any]:
    """The facts the 2018 re-encoding added (issue 8), all within their limits: working-day cases close well inside
    their limits in calendar days, so no holiday can push them over."""

    def case(kind: str, most: int) -> Any:
        def make(i: int, day: dt.date) -> dict[str, Any]:
            done = day + dt.timedelta(days=rng.randint(0, most))
            return {"case_no": f"{kind}{i}", "type": kind, "accepted": day.isoformat(), "completed": done.isoformat()}

        return make

    def request(i: int, day: dt.date) -> dict[str, Any]:
        extended = rng.random() < 0.2
        replied = day + dt.timedelta(days=rng.randint(0, 30 if extended else 14))
        return {
            "request_no": f"公开{i}",
            "received": day.isoformat(),
            "replied": replied.isoformat(),
            "extended": extended,
        }

    def decision(i: int, day: dt.date) -> dict[str, Any]:
        return {
            "title": f"{name}重大决策{i + 1}",
            "decided": day.isoformat(),
            "legality_reviewed": True,
            "collectively_decided": True,
            "livelihood": rng.random() < 0.5,
            "surveyed": True,
            "congress_report_required": rng.random() < 0.3,
            "congress_reported_before": True,
        }

    def titled(label: str) -> Any:
        return lambda i, day: {"date": day.isoformat(), "title": f"{label}{i + 1}"}

    quarters = [dt.date(YEAR, 3 * q + 1, 1) + dt.timedelta(days=rng.randrange(85)) for q in range(4)]
    return {
        "approval_cases": [
            *_records(rng, 0, 3, case("开办企业", 2)),
            *_records(rng, 0, 2, case("不动产登记", 4)),
            *_records(rng, 0, 1, case("工业建设项目施工许可", 60)),
        ],
        "major_decisions": _records(rng, 0, 3, decision),
        "disclosure_requests": _records(rng, 0, 4, request),
        "post_legislative_evaluations": _records(rng, 1, 2, titled("立法后评估")),
        "enforcement_oversight": [
            {"kind": kind, "date": _day(rng).isoformat(), "title": f"{kind}{i}"}
            for i, kind in enumerate(("行政执法督查", "执法案卷评查"))
        ],
        "website_inspections": _records(rng, 1, 2, titled("政府网站抽查通报")),
        "review_hearings": [
            {"date": day.isoformat(), "case_no": f"复{i}"} for i, day in enumerate(_day(rng) for _ in range(2))
        ],
        "review_committee_sessions": _records(rng, 1, 3, titled("行政复议委员会案审会")),
        "arbitration_publicity": _records(rng, 1, 2, titled("仲裁法宣传")),
        "rule_of_law_inspections": [{"date": _day(rng).isoformat(), "topic": "法治政府建设督察"}],
        "demonstration_activities": [{"kind": "经验交流", "date": _day(rng).isoformat(), "title": "经验交流会"}],
        "work_submissions": [
            {"date": day.isoformat(), "title": f"{name}第{q + 1}季度重点工作推进情况"} for q, day in enumerate(quarters)
        ],
    }


def make_failing(rng: random.Random, report: dict[str, Any]) -> None:
    """One realistic shortfall: too few records, a rate short of 100%, a short consultation, a late milestone."""
    choice = rng.randrange(7)
    if choice == 0:
        report["law_study_sessions"] = report["law_study_sessions"][:1]
    elif choice == 1:
        field = rng.choice(["suggestions_replied_on_time", "enforcement_staff_certified", "credit_code_conversion"])
        report["rates"][field] = _rate(rng, full=False)
    elif choice == 2:
        start = _day(rng)
        report["draft_regulations"].append(
            {
                "title": "征求意见不足草案",
                "consultation_start": start.isoformat(),
                "consultation_end": (start + dt.timedelta(days=rng.randint(7, 29))).isoformat(),
            }
        )
    elif choice == 3:
        report["milestones"]["annual_work_plan"] = _milestone(rng, 99, YEAR - 1)
    elif choice == 4:
        del report["rule_of_law_reports_heard"]
    elif choice == 5:
        report["rates"]["suggestions_replied_on_time"] = {"numerator": 12, "denominator": 10}
    else:
        report["rule_of_law_reports_heard"] = []


def make_invalid(rng: random.Random, report: dict[str, Any]) -> bytes | None:
    """A report the reader or the registry refuses (or None to write the line broken)."""
    choice = rng.randrange(4)
    if choice == 0:
        report["year"] = YEAR - 1
    elif choice == 1:
        report["lawstudy_sessions"] = report.pop("law_study_sessions")
    elif choice == 2:
        report["unit_type"] = "village_committee"
    else:
        return orjson.dumps(report)[:-7]
    return None


def generate(units: int, seed: int = 2018, rules: Path = DEFAULT_RULES) -> Iterator[bytes]:
    """`units` report lines (without newlines): the registry's units first, then synthetic ones of every type."""
    rng = random.Random(seed)
    types, registered = registry(rules)
    weighted = [t for t in types for _ in range(TYPE_WEIGHTS.get(t, 5))]
    for i in range(units):
        if i < len(registered):
            entry = registered[i]
            unit_id, unit_type, name, known = entry["id"], entry["type"], entry["name"], True
        else:
            unit_type = types[i % len(types)] if i < len(registered) + len(types) else rng.choice(weighted)
            unit_id, name, known = f"syn-{i:07d}", f"合成单位{i:07d}", False
        report = passing_report(rng, unit_id, unit_type, name, known)
        roll = rng.random()
        broken = None
        if roll < INVALID_RATE:
            broken = make_invalid(rng, report)
        elif roll < INVALID_RATE + FAILURE_RATE:
            make_failing(rng, report)
        yield broken if broken is not None else orjson.dumps(report)


def write(path: Path, units: int, seed: int = 2018) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as handle:
        for line in generate(units, seed):
            handle.write(line + b"\n")
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, required=True, help="number of reports")
    parser.add_argument("--out", type=Path, required=True, help="JSON Lines file to write")
    parser.add_argument("--seed", type=int, default=2018)
    args = parser.parse_args(argv)
    if args.units < 1:
        parser.error("--units must be at least 1")
    write(args.out, args.units, args.seed)
    print(f"wrote {args.units} reports to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
