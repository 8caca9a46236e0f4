"""Manual points (人工评分, `assess --manual FILE`): the assessor's points for rules no machine can judge, and
overrides of machine verdicts — scored by hand in both modes, every validation error located, every output
marking them, the same inputs giving the same bytes.

Scores below are worked out by hand from the made-up rulebooks' points, arithmetic in the comments.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from compliance.cli import main
from compliance.errors import ComplianceError
from compliance.loading.manual import ManualPoints, load_manual
from compliance.loading.rulebook import LoadedRulebook
from compliance.scoring import UnitAssessment, assess
from tests.test_scoring import (
    AUDIT,
    FIXED,
    FIXED_POLICY,
    ITEM2_FIXED,
    all_pass,
    card,
    got,
    made_up_book,
    made_up_rule,
    verdict,
)

SAMPLES = Path(__file__).parent.parent / "sample_reports"
EXAMPLE = Path(__file__).parent.parent / "examples" / "manual-points.yaml"


def entry(unit: str, rule: str, **fields: Any) -> dict[str, Any]:
    return {"unit": unit, "rule": rule, "reason": "现场检查认定", "assessor": "张三", "date": "2019-01-10", **fields}


def manual_file(tmp_path: Path, *entries: dict[str, Any], name: str = "manual.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"entries": list(entries)}, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def scored(book: LoadedRulebook, manual: ManualPoints | None, *cards: Any) -> dict[str, UnitAssessment]:
    return {u.unit_id: u for u in assess(book, cards, AUDIT, manual).units}


# normalised: section 1 T-01.1 (10, checkable) and T-02.1 (6, not machine-checkable); section 2 T-03.1 (4).
# Without a manual entry T-02.1 is left out: available 10 + 4 = 14.
NORMALISED = {
    1: [
        made_up_rule("T-01.1", 10),
        {
            **{k: v for k, v in made_up_rule("T-02.1", 6).items() if k not in ("check", "unit")},
            "not_checkable": {"reason": "judgement", "note": "由考评组现场认定（assessed on site）"},
        },
    ],
    2: [made_up_rule("T-03.1", 4)],
}
COUNTIES = tuple((f"c{i}", "county") for i in range(1, 5))


def test_normalised_manual_points_enter_the_denominator(tmp_path: Path) -> None:
    book = made_up_book(NORMALISED, units=COUNTIES)
    path = manual_file(
        tmp_path,
        entry("c2", "T-02.1", points=3),
        entry("c3", "T-01.1", verdict="pass"),  # the machine said fail
        entry("单位c3", "T-03.1", points=1),  # the unit by its Chinese name; the machine said pass
        entry("c4", "T-03.1", verdict="不适用"),  # the machine said fail; a Chinese verdict
    )
    manual = load_manual(path, book)
    units = scored(
        book,
        manual,
        card("c1", "county", all_pass("T-01.1", "T-03.1")),
        card("c2", "county", all_pass("T-01.1", "T-03.1")),
        card("c3", "county", [verdict("T-01.1", "fail"), verdict("T-03.1", "pass")]),
        card("c4", "county", [verdict("T-01.1", "pass"), verdict("T-03.1", "fail")]),
    )
    # c1: no entry, T-02.1 left out: 14 / 14 → 100
    c1 = units["c1"]
    assert (*got(c1, c1.earned, c1.available), c1.score) == (14, 14, Decimal("100.00"))
    # c2: T-02.1 counts with 3 of its 6: (10 + 3 + 4) / (10 + 6 + 4) = 17 / 20 → 85.00; it is a shortfall to mend
    c2 = units["c2"]
    assert (*got(c2, c2.earned, c2.available), c2.score, c2.status) == (17, 20, Decimal("85.00"), "fail")
    (fix,) = c2.rectification
    assert (fix.rule_id, *got(c2, fix.points_lost), fix.manual is not None) == ("T-02.1", 3, True)
    assert "现场检查认定" in fix.to_pass and "张三" in fix.to_pass
    # c3: T-01.1 overridden to pass (10), T-03.1 set to 1 of 4: (10 + 1) / 14 = 78.571… → 78.57
    c3 = units["c3"]
    assert (*got(c3, c3.earned, c3.available), c3.score) == (11, 14, Decimal("78.57"))
    machine = {s.rule_id: (s.status, s.machine, *got(c3, s.earned)) for s in c3.rules}
    assert machine == {"T-01.1": ("pass", "fail", 10), "T-03.1": ("fail", "pass", 1)}
    # c4: T-03.1 not applicable by the assessor: out of the denominator: 10 / 10 → 100
    c4 = units["c4"]
    assert (*got(c4, c4.earned, c4.available), c4.score) == (10, 10, Decimal("100.00"))


def test_manual_points_finer_than_the_rulebook_count_exactly(tmp_path: Path) -> None:
    """The rulebook's points are whole; an assessor's 2.125 and '0.000001' are counted as written (the plan's
    scale widens to millionths), never rounded to the rulebook's hundredths."""
    book = made_up_book(NORMALISED, units=COUNTIES)
    path = manual_file(tmp_path, entry("c1", "T-02.1", points=2.125), entry("c2", "T-02.1", points="0.000001"))
    reports = (card(u, "county", all_pass("T-01.1", "T-03.1")) for u in ("c1", "c2"))
    units = scored(book, load_manual(path, book), *reports)
    c1, c2 = units["c1"], units["c2"]
    assert c1.scale == c2.scale == 10**6
    # c1: (10 + 2.125 + 4) / (10 + 6 + 4) = 16.125 / 20 = 80.625 → 80.63 (half-up)
    assert (*got(c1, c1.earned, c1.available), c1.score) == (Fraction("16.125"), 20, Decimal("80.63"))
    (fix,) = c1.rectification
    assert got(c1, fix.points_lost) == (Fraction("3.875"),)
    # c2: 14.000001 / 20 = 70.00000500… → 70.00
    assert (*got(c2, c2.earned), c2.score) == (Fraction("14.000001"), Decimal("70.00"))


def test_fixed_100_manual_points_deduct_what_they_leave_out(tmp_path: Path) -> None:
    # FIXED (test_scoring): T-01.1 30, item 2 20 (T-02.1 10, T-02.2 10, cap 12), T-03.1 40 (10 per started band
    # of 10), T-04.1 10 not machine-checkable, bonus T-05.1 5 (bonus_cap 4)
    units = (("c1", "county"), ("b1", "bureau"), ("b2", "bureau"))
    book = made_up_book(FIXED, FIXED_POLICY, (ITEM2_FIXED,), units)
    path = manual_file(
        tmp_path,
        entry("c1", "T-04.1", points=4),
        entry("c1", "T-05.1", points=3),
        entry("b2", "T-03.1", points=35),
    )
    units_ = scored(
        book,
        load_manual(path, book),
        card("c1", "county", [*all_pass("T-01.1", "T-02.1", "T-02.2", "T-03.1"), verdict("T-05.1", "fail")]),
        card("b1", "bureau", all_pass("T-01.1", "T-03.1")),
        card("b2", "bureau", [verdict("T-01.1", "pass"), verdict("T-03.1", "fail", 25)]),
    )
    # c1: T-04.1 given 4 of 10 deducts 10 − 4 = 6; the bonus given 3 (under the cap of 4): 100 − 6 + 3 = 97
    c1 = units_["c1"]
    assert (*got(c1, c1.earned, c1.bonus_applied), c1.score) == (94, 3, Decimal("97.00"))
    assert {s.number: got(c1, s.earned) for s in c1.sections} == {1: (50,), 2: (50 - 6,)}
    # b1: no entry, T-04.1 keeps its 10 as any not machine-checkable rule: 100
    assert units_["b1"].score == Decimal("100.00")
    # b2: the machine's 25 short (3 bands, −30) replaced by 35 of 40: 100 − 5 = 95
    assert units_["b2"].score == Decimal("95.00")


# each entry is written unit, rule, reason, assessor, date (lines 2–6), then points or verdict (line 7); a
# problem with no field of its own (a field missing, or one not known) is placed at the entry (line 2)
@pytest.mark.parametrize(
    ("written", "code", "line", "field"),
    [
        (entry("c9", "T-01.1", points=1), "E701", 2, "unit"),
        (entry("c1", "T-01.2", points=1), "E702", 3, "rule"),
        (entry("b1", "T-02.1", points=1), "E703", 3, "rule"),  # item 2 is for counties
        (entry("c1", "T-01.1", points=31), "E704", 7, "points"),
        (entry("c1", "T-01.1", points=-1), "E704", 7, "points"),
        (entry("c1", "T-01.1", points="三分"), "E704", 7, "points"),
        (entry("c1", "T-01.1", points=1.0000001), "E704", 7, "points"),  # a 7th decimal no output could show
        (entry("c1", "T-01.1", points="0.00000001"), "E704", 7, "points"),  # nor an 8th, written as text
        (entry("c1", "T-01.1", points=1, verdict="pass"), "E705", 7, "points"),
        (entry("c1", "T-01.1"), "E705", 2, ""),
        (entry("c1", "T-01.1", verdict="maybe"), "E705", 7, "verdict"),
        (entry("c1", "T-04.1", verdict="pass"), "E706", 7, "verdict"),
        (entry("c1", "T-01.1", points=1, reason=""), "E708", 4, "reason"),
        ({k: v for k, v in entry("c1", "T-01.1", points=1).items() if k != "assessor"}, "E708", 2, ""),
        (entry("c1", "T-01.1", points=1, date="2019/1/10"), "E709", 6, "date"),
        (entry("c1", "T-01.1", points=1, score=3), "E710", 2, ""),
    ],
)
def test_each_mistake_has_its_code_and_line(
    tmp_path: Path, written: dict[str, Any], code: str, line: int, field: str
) -> None:
    book = made_up_book(FIXED, FIXED_POLICY, (ITEM2_FIXED,), (("c1", "county"), ("b1", "bureau")))
    path = manual_file(tmp_path, written)
    with pytest.raises(ComplianceError) as caught:
        load_manual(path, book)
    (problem,) = caught.value.problems
    assert (problem.code, problem.line) == (code, line), str(problem)
    assert problem.field.endswith(field)
    assert str(problem).startswith(f"{path}:{line}:")
    # Chinese first: the message opens with a Chinese character
    assert "\u4e00" <= problem.message[0] <= "\u9fff" or problem.message[0] in "“规须"


def test_did_you_mean_and_duplicates(tmp_path: Path) -> None:
    book = made_up_book(FIXED, FIXED_POLICY, (ITEM2_FIXED,), (("c1", "county"), ("b1", "bureau")))
    path = manual_file(
        tmp_path,
        entry("c1", "T-01.1", points=1),
        entry("单位c1", "T-01.1", points=2),  # the same unit by its name
        entry("c1", "T-01.11", points=2),
    )
    with pytest.raises(ComplianceError) as caught:
        load_manual(path, book)
    found = [(p.code, p.line) for p in caught.value.problems]
    assert found == [("E707", 9), ("E702", 15)]  # each entry is 6 lines; `rule:` is its second
    assert "T-01.1" in caught.value.problems[1].message  # did you mean


def test_a_workbook_error_names_its_sheet_and_cell(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = made_up_book(FIXED, FIXED_POLICY, (ITEM2_FIXED,), (("c1", "county"), ("b1", "bureau")))
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "人工评分"
    ws.append(["单位", "规则", "评定分", "评定结论", "理由", "考评人", "日期"])
    ws.append(["c1", "T-04.1", 4, None, "现场检查", "张三", "2019-01-10"])
    ws.append(["c1", "T-01.1", 99, None, "复核", "李四", "2019-01-11"])
    path = tmp_path / "manual.xlsx"
    wb.save(path)
    with pytest.raises(ComplianceError) as caught:
        load_manual(path, book)
    (problem,) = caught.value.problems
    assert (problem.code, problem.cell) == ("E704", "人工评分!C3")
    assert str(problem).startswith(f"{path}:人工评分!C3: E704 ")
    # fixed, the workbook reads: the date typed as an Excel date as well
    import datetime as dt

    ws["C3"] = 10
    ws["G3"] = dt.datetime(2019, 1, 11)
    wb.save(path)
    entries = load_manual(path, book).entries
    assert [(e.rule_id, e.points, e.date) for e in entries] == [
        ("T-04.1", Decimal(4), "2019-01-10"),
        ("T-01.1", Decimal(10), "2019-01-11"),
    ]


def _assess(tmp_path: Path, fmt: str, manual: Path, name: str) -> bytes:
    out = tmp_path / name
    code = main(
        [
            *("assess", str(SAMPLES), "--manual", str(manual), "--format", fmt),
            "--time",
            "2019-01-15T09:00",
            "-o",
            str(out),
        ]
    )
    assert code in (0, 1)
    return out.read_bytes()


NANTONG = [
    # NT18-01.2 (2 points, machine-checkable) for 海门: overridden to fail; NT18-01.1 (not machine-checkable)
    entry("haimen", "NT18-01.2", verdict="fail", reason="抽查发现清单未公开"),
    entry("海门市人民政府", "NT18-01.1", points=0, reason="改革未达预期"),
]


def test_every_output_marks_manual_points(tmp_path: Path) -> None:
    manual = manual_file(tmp_path, *NANTONG)
    data = orjson.loads(_assess(tmp_path, "json", manual, "a.json"))
    assert data["audit"]["manual"]["source"] == str(manual)
    assert len(data["audit"]["manual"]["sha256"]) == 64
    haimen = next(u for u in data["units"] if u["unit_id"] == "haimen")
    rules = {r["rule_id"]: r for r in haimen["rules"]}
    over = rules["NT18-01.2"]
    assert (over["status"], over["earned"], over["manual"]["verdict"]) == ("fail", 0, "fail")
    assert over["manual"]["machine_status"] in ("pass", "fail", "not_reported", "error")
    assert (over["manual"]["reason"], over["manual"]["assessor"], over["manual"]["date"]) == (
        "抽查发现清单未公开",
        "张三",
        "2019-01-10",
    )
    judged = rules["NT18-01.1"]
    assert (judged["manual"]["points"], judged["manual"]["machine_status"], judged["counted"]) == (0, None, True)
    assert all(r["manual"] is None for u in data["units"] if u["unit_id"] != "haimen" for r in u["rules"])
    fix = next(f for f in haimen["rectification"] if f["rule_id"] == "NT18-01.2")
    assert fix["manual"]["reason"] == "抽查发现清单未公开"

    for fmt, name in (("table", "a.txt"), ("md", "a.md"), ("csv", "a.csv"), ("html", "c.html")):
        shown = _assess(tmp_path, fmt, manual, name).decode("utf-8-sig")
        assert "人工评定 未通过（manual）：抽查发现清单未公开（张三，2019-01-10）" in shown, fmt
        assert "NT18-01.1" in shown and "改革未达预期" in shown, fmt
    assert "人工评分 manual points" in _assess(tmp_path, "csv", manual, "b.csv").decode("utf-8-sig")
    for fmt, name in (("html", "a.html"), ("xlsx", "a.xlsx"), ("docx", "a.docx")):
        assert _assess(tmp_path, fmt, manual, name)  # renders with a not machine-checkable rule scored


@pytest.mark.parametrize("fmt", ["json", "table", "md", "csv", "xlsx", "docx", "html"])
def test_same_inputs_give_the_same_bytes(tmp_path: Path, fmt: str) -> None:
    manual = manual_file(tmp_path, *NANTONG)
    assert _assess(tmp_path, fmt, manual, "one") == _assess(tmp_path, fmt, manual, "two")


def test_a_bad_manual_file_is_exit_2_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manual = manual_file(tmp_path, entry("nowhere", "NT18-01.2", points=1))
    assert main(["assess", str(SAMPLES), "--manual", str(manual)]) == 2
    err = capsys.readouterr().err
    assert f"{manual}:2:" in err and "E701" in err and "Traceback" not in err


def test_the_readme_example_file_loads() -> None:
    from compliance.loading.rulebook import load_rulebook

    manual = load_manual(EXAMPLE, load_rulebook())
    assert manual.entries
