"""`compliance template UNIT`: a fill-in report with only the facts the unit's rules need, generated from the
rulebook (Nantong's and the made-up county's), in YAML commented in Chinese or as a typed Excel workbook."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from compliance.cli import main
from compliance.evaluate import Evaluator
from compliance.loading.reports import read_report_file
from compliance.loading.rulebook import LoadedRulebook, load_rulebook
from compliance.templates.needs import unit_template
from compliance.templates.xlsx_template import render_xlsx
from compliance.templates.yaml_template import render_yaml

ROOT = Path(__file__).resolve().parents[1]
NANTONG = ROOT / "rules" / "nantong-2018"
MADEUP = ROOT / "tests" / "rulebooks" / "madeup-county-2025"

# What each unit must report, read off the rules by hand: the facts the measures of its checkable rules read
# (and, for counts, the declared total they fall back on). Report paths.
NEEDS = {
    (NANTONG, "jiaoyu"): {  # a city_department
        "work_submissions",  # NT18-00.1
        "rates.credit_code_conversion",  # NT18-05.1
        "draft_regulations",  # NT18-10.1, NT18-10.2
        "rates.major_enforcement_decisions_reviewed",  # NT18-18.2
        "rates.enforcement_staff_certified",  # NT18-19.1
        "disclosure_requests",  # NT18-20.1, NT18-20.2
        "rates.suggestions_replied_on_time",  # NT18-24.1
        "rates.court_judgments_performed",  # NT18-24.2
        "rates.court_appearance",  # NT18-27.1
        "rates.petitions_online",  # NT18-30.2
        "milestones.annual_work_plan",  # NT18-31.2
        "rule_of_law_reports_heard",  # NT18-31.3
        "declared.rule_of_law_reports_heard",  # NT18-31.3's fallback
        "law_study_sessions",  # NT18-32.2
        "declared.law_study_sessions",  # NT18-32.2's fallback
    },
    (MADEUP, "office"): {"study_sessions", "drafts", "summary_report"},  # MU-01.1/01.2, MU-05.1, MU-20.1
    (MADEUP, "permits"): {
        "trainings",
        "rates.certified",
        "major_decisions",
        "permits",  # MU-04.1 names the unit
        "drafts",
        "work_plan",
        "rates.review_published",
        "lost_lawsuits",
        "overdue_petitions",
        "model_unit",
        "summary_report",
    },
}
NEEDS[(MADEUP, "police")] = NEEDS[(MADEUP, "permits")] - {"permits"}  # a department MU-04.1 does not name

_BOOKS: dict[Path, LoadedRulebook] = {}


def rulebook(path: Path) -> LoadedRulebook:
    if path not in _BOOKS:
        _BOOKS[path] = load_rulebook(path)
    return _BOOKS[path]


def yaml_fill_keys(text: str, book: LoadedRulebook) -> set[str]:
    """The report paths a YAML template offers to fill: its commented-out keys, a group's members nested."""
    groups = {group.id for group in book.declared.facts.groups}
    found: set[str] = set()
    top = None
    for line in text.splitlines():
        if m := re.match(r"^# ([a-z_][a-z0-9_]*):", line):
            top = m.group(1)
            found.add(top)
        elif (m := re.match(r"^#   ([a-z_][a-z0-9_]*):", line)) and top in groups:
            found.discard(top)
            found.add(f"{top}.{m.group(1)}")
    return found


def workbook_fill_keys(path: Path, book: LoadedRulebook) -> set[str]:
    """The report paths a workbook template offers: its record sheets (named by their fact's label) and the keys
    of the 单项数据 rows."""
    workbook = load_workbook(path)
    labels = {fact.label.zh: fact for fact in book.declared.facts.facts}
    found = set()
    for title in workbook.sheetnames:
        if title in labels:
            fact = labels[title]
            found.add(fact.path)
    if "单项数据" in workbook.sheetnames:
        sheet = workbook["单项数据"]
        found |= {str(sheet.cell(r, 1).value) for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value}
    return found


@pytest.mark.parametrize(("where", "unit"), list(NEEDS), ids=[f"{p.name}-{u}" for p, u in NEEDS])
def test_template_offers_exactly_the_facts_the_units_rules_need(where: Path, unit: str, tmp_path: Path) -> None:
    book = rulebook(where)
    text = render_yaml(unit_template(book, unit))
    assert yaml_fill_keys(text, book) == NEEDS[(where, unit)]
    path = tmp_path / "t.xlsx"
    path.write_bytes(render_xlsx(unit_template(book, unit)))
    assert workbook_fill_keys(path, book) == NEEDS[(where, unit)]


@pytest.mark.parametrize("where", [NANTONG, MADEUP], ids=["nantong-2018", "madeup-county-2025"])
def test_untouched_templates_are_valid_reports_that_report_nothing(where: Path, tmp_path: Path) -> None:
    book = rulebook(where)
    with Evaluator(book) as evaluator:
        for unit in book.registry.units:
            template = unit_template(book, unit.id)
            (tmp_path / f"{unit.id}.yaml").write_text(render_yaml(template), encoding="utf-8")
            (tmp_path / f"{unit.id}.xlsx").write_bytes(render_xlsx(template))
            for suffix in (".yaml", ".xlsx"):
                (item,) = read_report_file(tmp_path / f"{unit.id}{suffix}", book.report.model)
                assert item.problems == () and item.report is not None, (unit.id, suffix, item.problems)
                assert (item.report.unit_id, item.report.year, item.report.unit_name) == (
                    unit.id,
                    book.meta.year,
                    unit.name,
                )
                (card,) = evaluator.score([item])
                assert {r.status for r in card.results} <= {"not_reported"}, (unit.id, suffix)
                assert len(card.results) == len(template.checked)


def test_yaml_template_explains_each_fact_in_chinese() -> None:
    text = render_yaml(unit_template(rulebook(NANTONG), "市教育局"))  # the Chinese name finds the unit too
    assert text.startswith("# 南通市2018年法治政府建设考评规则 · 年度报告填报模板\n# 单位：市教育局（jiaoyu，")
    block = text.split("# ──── 领导班子学法活动（law_study_sessions）────\n", 1)[1].split("\n\n", 1)[0]
    assert block.splitlines()[0].startswith("# 领导班子常务会议学法或集体学法活动，每次一条")
    assert "# 考评规则：NT18-32.2 市政府部门领导班子开展2次以上集体学法活动（>= 2 次）" in block
    assert "# 计量单位：次" in block
    assert "# 示例（一条记录）：- {date: 2018-" in block
    assert "#   - date:" in block and "学法日期（日期 YYYY-MM-DD，必填）" in block
    rate = text.split("#   # ──── 建议提案按时办复（suggestions_replied_on_time）────\n", 1)[1].split("#\n", 1)[0]
    assert "按时办复件数（整数，不小于0）" in rate and "NT18-24.1" in rate and ">= 100 %" in rate
    assert "#   # 示例：suggestions_replied_on_time: {numerator:" in rate


def uncomment(text: str, first: str) -> str:
    """What a clerk does: delete the `# ` before a commented key and before the lines to fill under it."""
    lines = text.splitlines()
    i = lines.index(first)
    depth = len(first) - len(first[2:].lstrip()) - 2
    lines[i] = lines[i][2:]
    j = i + 1
    while j < len(lines) and lines[j].startswith("# ") and not lines[j][2:].lstrip().startswith("#"):
        body = lines[j][2:]
        if len(body) - len(body.lstrip()) <= depth:
            break
        lines[j] = body
        j += 1
    return "\n".join(lines) + "\n"


def fill(text: str, key: str, value: str, after: str) -> str:
    """Write `value` after the first empty `key:` that follows the line `after`."""
    start = text.index(after)
    m = re.compile(rf"^(\s*(?:- )?{key}:)(?=\s*(#|$))", re.M).search(text, start)
    assert m is not None, key
    return text[: m.end(1)] + f" {value}" + text[m.end(1) :]


def copy_entry(text: str, first: str, times: int) -> str:
    """A record list's entry (the `- ` line and the lines under it) copied, as a clerk adds records."""
    lines = text.splitlines()
    i = lines.index(first)
    j = i + 1
    while j < len(lines) and lines[j].startswith(" " * (len(first) - len(first.lstrip()) + 2)):
        j += 1
    entry = lines[i:j]
    return "\n".join(lines[:i] + entry * times + lines[j:]) + "\n"


def check_json(path: Path, capsys: pytest.CaptureFixture[str], rules: Path) -> dict[str, Any]:
    main(["score", str(path), "--rules", str(rules), "--format", "json", "--workers", "1"])
    (unit,) = json.loads(capsys.readouterr().out)["units"]
    assert unit["problems"] == [], unit["problems"]
    return {r["rule_id"]: r["status"] for r in unit["results"]}


def test_yaml_template_round_trip_nantong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "jiaoyu.yaml"
    assert main(["template", "jiaoyu", "-o", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    text = uncomment(text, "# law_study_sessions:")
    text = copy_entry(text, next(line for line in text.splitlines() if line.startswith("  - date:")), 3)
    for date, topic in (("2018-03-20", "宪法修正案"), ("2018-06-15", "监察法"), ("2017-12-28", "十九大精神")):
        text = fill(text, "date", date, "law_study_sessions:")
        text = fill(text, "topic", topic, "law_study_sessions:")
    text = uncomment(text, "# rule_of_law_reports_heard:")
    text = fill(text, "date", "2018-11-02", "rule_of_law_reports_heard:")
    text = text.replace("\n# draft_regulations:\n", "\ndraft_regulations: []\n#\n")  # none this year
    text = uncomment(text, "# rates:")
    for key, parts in (
        ("suggestions_replied_on_time", {"numerator": "99", "denominator": "100"}),
        ("enforcement_staff_certified", {"numerator": "50", "denominator": "50"}),
        ("court_appearance", {"numerator": "30", "denominator": "50", "previous_year_percent": "55"}),
    ):
        text = uncomment(text, f"#   {key}:")
        for part, value in parts.items():
            text = fill(text, part, value, f"  {key}:\n")
    text = uncomment(text, "# milestones:")
    text = uncomment(text, "#   annual_work_plan:")
    text = fill(text, "completed", "2018-02-10", "annual_work_plan:\n")
    text = fill(text, "document_no", "通教发〔2018〕5号", "annual_work_plan:\n")
    filled = tmp_path / "filled.yaml"
    filled.write_text(text, encoding="utf-8")
    # Worked out by hand, as for the Excel template in test_excel_in: the 2017 session does not count (2 >= 2),
    # 99/100 < 100%, no drafts this year (both draft rules not applicable), 60% against 55% last year is a gain;
    # the facts left commented out are not reported.
    assert check_json(filled, capsys, NANTONG) == {
        "NT18-00.1": "not_reported",
        "NT18-05.1": "not_reported",
        "NT18-10.1": "not_applicable",
        "NT18-10.2": "not_applicable",
        "NT18-18.2": "not_reported",
        "NT18-19.1": "pass",
        "NT18-20.1": "not_reported",
        "NT18-20.2": "not_reported",
        "NT18-24.1": "fail",
        "NT18-24.2": "not_reported",
        "NT18-27.1": "pass",
        "NT18-30.2": "not_reported",
        "NT18-31.2": "pass",
        "NT18-31.3": "pass",
        "NT18-32.2": "pass",
    }


def test_yaml_template_round_trip_madeup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "office.yaml"
    assert main(["template", "office", "--rules", str(MADEUP), "--format", "yaml", "-o", str(path)]) == 0
    text = uncomment(path.read_text(encoding="utf-8"), "# study_sessions:")
    text = copy_entry(text, next(line for line in text.splitlines() if line.startswith("  - date:")), 4)
    for date in ("2025-02-10", "2025-05-12", "2025-08-18", "2025-11-03"):  # one a quarter
        text = fill(text, "date", date, "study_sessions:")
        text = fill(text, "topic", f"第{date[5:7]}月学法", "study_sessions:")
        text = fill(text, "form", "集体学法", "study_sessions:")
    text = uncomment(text, "# drafts:")
    text = fill(text, "title", "某县养犬管理规定（草案）", "drafts:")
    text = fill(text, "opened", "2025-03-01", "drafts:")
    text = fill(text, "closed", "2025-03-30", "drafts:")  # 29 days
    text = fill(text, "secret", "false", "drafts:")
    text = uncomment(text, "# summary_report:")
    text = fill(text, "completed", "2026-01-15", "summary_report:\n")  # the last day allowed
    text = fill(text, "document_no", "某政办〔2026〕2号", "summary_report:\n")
    filled = tmp_path / "filled.yaml"
    filled.write_text(text, encoding="utf-8")
    assert check_json(filled, capsys, MADEUP) == {
        "MU-01.1": "pass",  # a 集体学法 session in every quarter
        "MU-01.2": "pass",  # 4 in the year
        "MU-05.1": "fail",  # open 29 days, 30 required
        "MU-20.1": "pass",  # by 15 January of the next year
    }


def _validation(sheet: Worksheet, cell: str) -> Any:
    found = [dv for dv in sheet.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) == 1, (sheet.title, cell, found)
    return found[0]


def test_excel_template_cells_are_typed(tmp_path: Path) -> None:
    book = rulebook(MADEUP)
    path = tmp_path / "permits.xlsx"
    path.write_bytes(render_xlsx(unit_template(book, "permits")))
    workbook = load_workbook(path)
    assert workbook.sheetnames == [
        "说明",
        "执法人员法治培训",
        "重大执法决定",
        "行政许可办件",
        "规范性文件草案",
        "单项数据",
    ]
    trainings = workbook["执法人员法治培训"]
    assert [c.value for c in trainings[1]][:4] == ["开班日期*", "结业日期", "名称*", "学时"]
    assert [c.value for c in trainings[2]][:4] == ["start", "end", "title", "hours"]
    assert trainings.row_dimensions[2].hidden
    assert trainings.column_dimensions["A"].number_format == "yyyy-mm-dd"
    assert trainings.column_dimensions["C"].number_format == "@"  # text stays text
    assert _validation(trainings, "A3").type == "date"
    hours = _validation(trainings, "D3")
    assert (hours.type, hours.operator, hours.formula1) == ("decimal", "between", "0")
    comment = trainings["A1"].comment
    assert comment is not None and "开班日期（日期 YYYY-MM-DD，必填）" in comment.text and "示例：2025-" in comment.text
    decisions = workbook["重大执法决定"]
    assert _validation(decisions, "B3").formula1 == '"是,否"'
    single = workbook["单项数据"]
    rows = {str(single.cell(r, 1).value): r for r in range(1, single.max_row + 1) if single.cell(r, 1).value}
    lost = _validation(single, f"C{rows['lost_lawsuits']}")
    assert (lost.type, lost.formula1) == ("whole", "0")
    assert _validation(single, f"C{rows['model_unit']}").formula1 == '"是,否"'
    assert single[f"C{rows['work_plan']}"].number_format == "yyyy-mm-dd"
    assert _validation(single, f"C{rows['work_plan']}").type == "date"
    review = _validation(single, f"F{rows['rates.review_published']}")  # previous_year_percent
    assert (review.type, review.formula1, review.formula2) == ("decimal", "0", "100")
    office = load_workbook_bytes(render_xlsx(unit_template(book, "office")), tmp_path)
    sessions = office["集体学法活动"]
    assert _validation(sessions, "C3").formula1 == '"集体学法,专题讲座,自学"'


def load_workbook_bytes(data: bytes, tmp_path: Path) -> Any:
    path = tmp_path / "x.xlsx"
    path.write_bytes(data)
    return load_workbook(path)


def test_excel_instructions_list_the_unit_and_every_rule(tmp_path: Path) -> None:
    book = rulebook(NANTONG)
    template = unit_template(book, "jiaoyu")
    sheet = load_workbook_bytes(render_xlsx(template), tmp_path)["说明"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    header = {row[0]: row[2] for row in cells if row[0]}
    assert header == {"unit_id": "jiaoyu", "year": 2018, "unit_name": "市教育局", "submitted": None, "contact": None}
    assert sheet.column_dimensions["A"].hidden
    rows = {row[1]: row for row in cells if row[1]}
    for rule_id, target in (("NT18-32.2", ">= 2 次"), ("NT18-24.1", ">= 100 %"), ("NT18-27.1", "> 0 百分点")):
        assert rows[rule_id][2] == target
    judged = {
        rule.id
        for rule in book.rules
        if rule.check is None and ("city_department" in rule.applies_to.types or "jiaoyu" in rule.applies_to.units)
    }
    assert judged and judged <= set(rows)
    listed = {key for key in rows if isinstance(key, str) and re.match(r"NT18-\d+\.\d+$", key)}
    applicable = {
        rule.id
        for rule in book.rules
        if "city_department" in rule.applies_to.types or "jiaoyu" in rule.applies_to.units
    }
    assert listed == applicable


def test_templates_are_deterministic() -> None:
    book = rulebook(NANTONG)
    assert render_xlsx(unit_template(book, "haimen")) == render_xlsx(unit_template(book, "haimen"))
    assert render_yaml(unit_template(book, "haimen")) == render_yaml(unit_template(book, "haimen"))


def test_unit_found_by_name_or_alias_and_refused_with_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["template", "海安县人民政府", "-o", str(tmp_path / "a.yaml")]) == 0  # an alias of haian
    assert "unit_id: haian" in (tmp_path / "a.yaml").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["template", "jiaoyuu", "-o", str(tmp_path / "b.yaml")]) == 2
    err = capsys.readouterr().err
    assert "E302 单位“jiaoyuu”不在考评对象名单中" in err and "did you mean 'jiaoyu'?" in err
    assert not (tmp_path / "b.yaml").exists()


def test_format_follows_the_output_suffix(tmp_path: Path) -> None:
    assert main(["template", "jiaoyu", "-o", str(tmp_path / "t.xlsx")]) == 0
    assert (tmp_path / "t.xlsx").read_bytes()[:2] == b"PK"  # a zip: an .xlsx workbook
