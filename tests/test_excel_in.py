"""Excel reports in: the template a clerk filled is read like YAML and JSON by check, score and assess, and a
wrongly filled cell is named as `file.xlsx:Sheet!B7` with a Chinese-first message naming the field."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from compliance.cli import main
from compliance.loading.excel import INSTRUCTIONS, NONE_KEY, SINGLE
from compliance.loading.reports import read_report_file
from compliance.loading.rulebook import LoadedRulebook

# ---------------------------------------------------------------- how a clerk fills the template (with openpyxl)


def record_sheet(book: Workbook, title: str) -> Worksheet:
    return book[title]


def column_of(sheet: Worksheet, key: str) -> int:
    """The column whose hidden row 2 holds `key`."""
    for cell in sheet[2]:
        if cell.value == key:
            return int(cell.column)
    raise KeyError(key)


def add_record(sheet: Worksheet, row: int, **values: Any) -> None:
    for key, value in values.items():
        sheet.cell(row, column_of(sheet, key), value)


def single_cell(sheet: Worksheet, key: str, header: str) -> tuple[int, int]:
    """(row, column) of a single fact's part: its row is keyed in column A, its column named in the block's
    header row (the nearest row above whose column B reads 事项)."""
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == key)
    head = next(r for r in range(row, 0, -1) if sheet.cell(r, 2).value == "事项")
    column = next(c for c in range(3, sheet.max_column + 1) if sheet.cell(head, c).value == header)
    return row, column


def set_single(sheet: Worksheet, key: str, header: str, value: Any) -> str:
    row, column = single_cell(sheet, key, header)
    cell = sheet.cell(row, column)
    cell.value = value  # (sheet.cell(row, column, None) would leave the old value)
    return str(cell.coordinate)


def say_none(sheet: Worksheet) -> None:
    sheet.cell(3, column_of(sheet, NONE_KEY), "是")


SESSIONS = "领导班子学法活动"
HEARD = "政府常务会、部门办公会听取法治政府建设汇报"
DRAFTS = "政府立法草案"
SUBMISSIONS = "法治政府建设工作报送"
DISCLOSURE = "政府信息公开申请"


def fill_jiaoyu(book: Workbook) -> None:
    """市教育局's year as a clerk types it: study sessions (one from December 2017, one row left empty),
    a report heard, no drafts this year, submissions in three quarters, a disclosure request answered across
    the Spring Festival, four rates and the work plan; three rates left out."""
    sessions = record_sheet(book, SESSIONS)
    add_record(sessions, 3, date=dt.date(2018, 3, 20), topic="宪法修正案", format="集体学法")
    add_record(sessions, 4, date=dt.date(2018, 6, 15), topic="监察法")
    add_record(sessions, 6, date=dt.date(2017, 12, 28), topic="十九大精神")  # row 5 left empty
    add_record(record_sheet(book, HEARD), 3, date=dt.date(2018, 11, 2), meeting="局长办公会")
    say_none(record_sheet(book, DRAFTS))
    submissions = record_sheet(book, SUBMISSIONS)
    for row, day in enumerate((dt.date(2018, 1, 15), dt.date(2018, 4, 10), dt.date(2018, 7, 20)), start=3):
        add_record(submissions, row, date=day, title=f"{day.month}月重点工作推进情况")
    add_record(
        record_sheet(book, DISCLOSURE),
        3,
        request_no="教公开〔2018〕1号",
        received=dt.date(2018, 2, 9),
        replied=dt.date(2018, 3, 5),
        extended="否",
    )
    single = book[SINGLE]
    set_single(single, "rates.suggestions_replied_on_time", "分子", 99)
    set_single(single, "rates.suggestions_replied_on_time", "分母", 100)
    set_single(single, "rates.enforcement_staff_certified", "分子", 50)
    set_single(single, "rates.enforcement_staff_certified", "分母", 50)
    set_single(single, "rates.court_appearance", "负责人出庭件数", 30)
    set_single(single, "rates.court_appearance", "开庭件数", 50)
    set_single(single, "rates.court_appearance", "上年度比率（%）", 55)
    set_single(single, "rates.court_judgments_performed", "分子", 3)
    set_single(single, "rates.court_judgments_performed", "分母", 3)
    set_single(single, "milestones.annual_work_plan", "完成日期", dt.date(2018, 2, 10))
    set_single(single, "milestones.annual_work_plan", "文号", "通教发〔2018〕5号")


# Worked out by hand from the rules: 2 sessions in 2018 meet ">= 2" (the 2017 one does not count); 99/100 is
# 99%, short of 100%; 50/50 certified; court appearance 30/50 = 60% against 55% last year is a gain; the plan
# was issued in 2018; one report heard; no drafts this year: both draft rules not applicable; no submission in
# the fourth quarter; the request received Friday 9 February was answered Monday 5 March: 13 working days
# (the day received not counted; Sunday 11 and Saturday 24 February were make-up working days, 15-21 February
# the Spring Festival holiday), within 15; no extended request: not applicable; 3 of 3 judgments performed.
EXPECTED = {
    "NT18-00.1": "fail",
    "NT18-05.1": "not_reported",
    "NT18-10.1": "not_applicable",
    "NT18-10.2": "not_applicable",
    "NT18-18.2": "not_reported",
    "NT18-19.1": "pass",
    "NT18-20.1": "pass",
    "NT18-20.2": "not_applicable",
    "NT18-24.1": "fail",
    "NT18-24.2": "pass",
    "NT18-27.1": "pass",
    "NT18-30.2": "not_reported",
    "NT18-31.2": "pass",
    "NT18-31.3": "pass",
    "NT18-32.2": "pass",
}


@pytest.fixture
def template(tmp_path: Path, book: LoadedRulebook, capsys: pytest.CaptureFixture[str]) -> Path:
    # The clerk first finds the unit's code: 市教育局 in the registry (`compliance units` lists it)
    unit = next(unit for unit in book.registry.units if unit.name == "市教育局")
    path = tmp_path / "template.xlsx"
    assert main(["template", unit.id, "--format", "xlsx", "-o", str(path)]) == 0
    capsys.readouterr()
    return path


def filled(template: Path, name: str, change: Callable[[Workbook], Any] | None = None) -> Path:
    book = load_workbook(template)
    fill_jiaoyu(book)
    if change is not None:
        change(book)
    out = template.parent / name
    book.save(out)
    return out


def statuses(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["score", str(path), "--format", "json", "--workers", "1", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_clerk_fills_the_excel_template_and_checks_it(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = filled(template, "filled.xlsx")
    assert main(["check", str(report)]) == 1  # a rule fails: exit 1, not 2 (the report is valid)
    out = capsys.readouterr()
    assert "NT18-24.1" in out.out and "还差1%" in out.out
    code, data = statuses(report, capsys)
    (unit,) = data["units"]
    assert code == 1
    assert (unit["unit_id"], unit["status"], unit["problems"]) == ("jiaoyu", "fail", [])
    got = {r["rule_id"]: r["status"] for r in unit["results"]}
    assert got == EXPECTED
    by_id = {r["rule_id"]: r for r in unit["results"]}
    assert by_id["NT18-32.2"]["measured"] == 2
    assert by_id["NT18-24.1"]["measured"] == 99
    assert by_id["NT18-27.1"]["measured"] == 5  # 60% - 55%
    assert by_id["NT18-20.1"]["measured"] == 13  # working days


def test_a_wrongly_typed_cell_is_named_by_sheet_and_cell(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def typed_as_text(book: Workbook) -> None:
        sessions = record_sheet(book, SESSIONS)
        sessions.cell(4, column_of(sessions, "date"), "2018/3/15")  # text, not a date

    report = filled(template, "filled.xlsx", typed_as_text)
    assert main(["check", str(report)]) == 2
    err = capsys.readouterr().err
    assert f"{report}:{SESSIONS}!A4: E104 「学法日期」应填日期" in err
    assert "2018/3/15" in err and "[law_study_sessions[1].date]" in err


CELL_MISTAKES: list[tuple[str, Callable[[Workbook], str], str, str]] = [
    # (case, the mistake -> the cell it is in, code, words the message must hold)
    (
        "percent-as-text",
        lambda book: set_single(book[SINGLE], "rates.suggestions_replied_on_time", "分子", "100%"),
        "E104",
        "「按时办复件数」应填整数，不小于0，此格是文字“100%”",
    ),
    (
        "percent-formatted-number",
        lambda book: _percent_formatted(book),
        "E104",
        "百分比格式",
    ),
    (
        "digits-stored-as-text",
        lambda book: set_single(book[SINGLE], "rates.enforcement_staff_certified", "分母", "50"),
        "E104",
        "数字存成了文本",
    ),
    (
        "fraction-in-a-whole-number",
        lambda book: set_single(book[SINGLE], "rates.enforcement_staff_certified", "分子", 49.5),
        "E104",
        "「持证人数」应填整数，不小于0，此格是数字 49.5",
    ),
    (
        "chinese-date-as-text",
        lambda book: set_single(book[SINGLE], "milestones.annual_work_plan", "完成日期", "2018年2月10日"),
        "E104",
        "「完成日期」应填日期",
    ),
    (
        "date-serial-as-number",
        lambda book: _as_general(book, set_single(book[SINGLE], "milestones.annual_work_plan", "完成日期", 43141)),
        "E104",
        "这是一个数字而不是日期",
    ),
    (
        "date-with-a-time",
        lambda book: set_single(
            book[SINGLE], "milestones.annual_work_plan", "完成日期", dt.datetime(2018, 2, 10, 9, 30)
        ),
        "E104",
        "此格是日期 2018-02-10 09:30：请只填日期，不带时刻",
    ),
    (
        "required-field-left-empty",
        lambda book: _cleared(book, SESSIONS, 4, "topic"),
        "E103",
        "「学习主题」未填写（必填）",
    ),
    (
        "document-number-missing",
        lambda book: set_single(book[SINGLE], "milestones.annual_work_plan", "文号", None),
        "E103",
        "文号",
    ),
    (
        "impossible-date",
        lambda book: _set_record(book, SESSIONS, 3, "date", "2018-02-30"),
        "E104",
        "YYYY-MM-DD",
    ),
    (
        "records-yet-marked-none",
        lambda book: _none_and_record(book),
        "E104",
        "却又标明本年度无此类记录",
    ),
    (
        "none-answered-otherwise",
        lambda book: _set_none(book, SESSIONS, "没有"),
        "E104",
        "“本年度无此类记录”请填“是”",
    ),
    (
        "cell-outside-the-table",
        lambda book: _stray(book),
        "E101",
        "此格不在任何字段的列中",
    ),
    (
        "negative-count",
        lambda book: set_single(book[SINGLE], "rates.court_appearance", "开庭件数", -3),
        "E104",
        "「开庭件数」应填整数，不小于0，此格是数字 -3",
    ),
    (
        "header-year-as-text",
        lambda book: _header(book, "year", "2018年"),
        "E104",
        "「考评年度」应填整数",
    ),
]


def _percent_formatted(book: Workbook) -> str:
    coordinate = set_single(book[SINGLE], "rates.court_appearance", "上年度比率（%）", 0.55)
    book[SINGLE][coordinate].number_format = "0%"  # the clerk typed 55% and Excel stored 0.55
    return coordinate


def _as_general(book: Workbook, coordinate: str) -> str:
    book[SINGLE][coordinate].number_format = "General"  # the date column's format was cleared: 43141 shows as a number
    return coordinate


def _cleared(book: Workbook, title: str, row: int, key: str) -> str:
    sheet = book[title]
    cell = sheet.cell(row, column_of(sheet, key))
    cell.value = None
    return str(cell.coordinate)


def _set_record(book: Workbook, title: str, row: int, key: str, value: Any) -> str:
    sheet = book[title]
    return str(sheet.cell(row, column_of(sheet, key), value).coordinate)


def _set_none(book: Workbook, title: str, value: str) -> str:
    sheet = book[title]
    return str(sheet.cell(3, column_of(sheet, NONE_KEY), value).coordinate)


def _none_and_record(book: Workbook) -> str:
    add_record(book[DRAFTS], 3, title="南通市教育条例（草案）")
    return _set_none(book, DRAFTS, "是")


def _stray(book: Workbook) -> str:
    sheet = book[SESSIONS]
    return str(sheet.cell(8, column_of(sheet, "format") + 1, "备注：另见附件").coordinate)


def _header(book: Workbook, key: str, value: Any) -> str:
    sheet = book[INSTRUCTIONS]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == key)
    return str(sheet.cell(row, 3, value).coordinate)


@pytest.mark.parametrize(("case", "mistake", "code", "words"), CELL_MISTAKES, ids=[c[0] for c in CELL_MISTAKES])
def test_cell_mistakes_are_located_and_explained(
    template: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
    mistake: Callable[[Workbook], str],
    code: str,
    words: str,
) -> None:
    where: list[str] = []

    def change(book: Workbook) -> None:
        where.append(mistake(book))

    report = filled(template, f"{case}.xlsx", change)
    assert main(["check", str(report)]) == 2
    lines = capsys.readouterr().err.splitlines()
    located = [line for line in lines if f"!{where[0]}: {code} " in line]
    assert located, lines
    assert words in located[0]
    assert located[0].startswith(f"{report}:")
    message = located[0].split(f": {code} ", 1)[1]
    assert "\u4e00" <= message[0] <= "\u9fff" or message[0] in "「“", message  # Chinese first


def test_problems_carry_their_cell_in_json(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def mistake(book: Workbook) -> None:
        set_single(book[SINGLE], "rates.suggestions_replied_on_time", "分子", "100%")

    report = filled(template, "bad.xlsx", mistake)
    code, data = statuses(report, capsys)
    (unit,) = data["units"]
    assert code == 1 and unit["status"] == "invalid" and unit["unit_id"] == "jiaoyu"
    (problem,) = unit["problems"]
    row, column = single_cell(load_workbook(report)[SINGLE], "rates.suggestions_replied_on_time", "分子")
    assert problem.startswith(f"{report}:{SINGLE}!{chr(64 + column)}{row}: E104 ")


def test_untouched_template_reports_nothing(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = statuses(template, capsys)
    (unit,) = data["units"]
    assert code == 1 and unit["problems"] == []
    assert {r["status"] for r in unit["results"]} == {"not_reported"}
    assert {r["rule_id"] for r in unit["results"]} == set(EXPECTED)


def test_folder_scan_reads_workbooks_and_names_what_it_skips(
    tmp_path: Path, template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    report = filled(template, "filled.xlsx")
    shutil.copy(report, folder / "jiaoyu.xlsx")
    (folder / "~$jiaoyu.xlsx").write_bytes(b"\x00lock")  # Excel's lock file while the workbook is open
    (folder / "说明.docx").write_bytes(b"PK\x03\x04")
    (folder / "统计.csv").write_text("a,b\n", encoding="utf-8")
    (folder / "haimen.yaml").write_text("unit_id: haimen\nyear: 2018\n", encoding="utf-8")
    code = main(["score", str(folder), "--format", "json", "--workers", "2"])
    out, err = capsys.readouterr()
    units = json.loads(out)["units"]
    assert [u["source"] for u in units] == [str(folder / "haimen.yaml"), str(folder / "jiaoyu.xlsx")]
    assert {r["rule_id"]: r["status"] for r in units[1]["results"]} == EXPECTED
    notices = [line for line in err.splitlines() if "未读取" in line]
    assert len(notices) == 1  # one notice names them all
    for name in ("~$jiaoyu.xlsx", "说明.docx", "统计.csv"):
        assert name in notices[0]
    assert code == 1


def test_assess_reads_workbooks(tmp_path: Path, template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = filled(template, "filled.xlsx")
    main(["assess", str(report), "--format", "json", "--workers", "1", "--time", "2019-01-15T09:00:00+08:00"])
    data = json.loads(capsys.readouterr().out)
    unit = next(u for u in data["units"] if u["unit_id"] == "jiaoyu")
    assert unit["status"] != "not_reported" and unit["reports"]
    assert {r["rule_id"]: r["status"] for r in unit["rules"] if r["rule_id"] in EXPECTED} == EXPECTED


def test_lock_file_and_foreign_files_named_xlsx(tmp_path: Path, book: LoadedRulebook) -> None:
    lock = tmp_path / "~$jiaoyu.xlsx"
    lock.write_bytes(b"\x00\x01")
    (item,) = read_report_file(lock, book.report.model)
    assert item.report is None and item.problems[0].code == "E000" and "锁定文件" in item.problems[0].message
    fake = tmp_path / "report.xlsx"
    fake.write_text("unit_id,year\njiaoyu,2018\n", encoding="utf-8")  # a CSV renamed
    (item,) = read_report_file(fake, book.report.model)
    assert item.report is None and item.problems[0].code == "E001"
    assert str(item.problems[0]).startswith(f"{fake}: E001 无法读取 Excel 工作簿")


def test_unknown_sheet_gets_a_suggestion(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def renamed(book: Workbook) -> None:
        book[HEARD].title = "政府常务会部门办公会听取法治政府建设汇报"

    report = filled(template, "renamed.xlsx", renamed)
    assert main(["check", str(report)]) == 2
    err = capsys.readouterr().err
    assert "E102 未知的工作表“政府常务会部门办公会听取法治政府建设汇报”" in err and f"did you mean '{HEARD}'" in err


def test_columns_found_by_label_when_the_key_row_is_gone(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def without_keys(book: Workbook) -> None:
        sheet = book[SESSIONS]
        for cell in sheet[2]:
            if cell.value and not str(cell.value).startswith("_"):
                cell.value = None  # a clerk who rebuilt the sheet kept only the labels

    report = filled(template, "labels.xlsx", without_keys)
    code, data = statuses(report, capsys)
    assert code == 1  # NT18-24.1 fails, as in the template with its keys
    assert {r["rule_id"]: r["status"] for r in data["units"][0]["results"]} == EXPECTED


def test_workbook_with_an_xml_entity_bomb_is_refused(template: Path, book: LoadedRulebook) -> None:
    import zipfile

    bomb = template.parent / "bomb.xlsx"
    entities = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(bomb, "w") as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = entities.encode() + data.replace(b"jiaoyu", b"&b;")
            target.writestr(entry, data)
    (item,) = read_report_file(bomb, book.report.model)
    assert item.report is None and item.problems[0].code == "E001"
    assert "EntitiesForbidden" in item.problems[0].message  # defusedxml refused it: nothing was expanded
    assert "\n" not in str(item.problems[0])  # one line per problem, whatever the parser said


def test_records_beyond_the_limit_are_refused(
    template: Path, book: LoadedRulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("compliance.loading.excel.MAX_ROWS", 2)
    report = filled(template, "many.xlsx")  # 3 study sessions, rows 3, 4 and 6 (row 5 empty)
    (item,) = read_report_file(report, book.report.model)
    assert item.report is None
    problems = [str(p) for p in item.problems if f"{SESSIONS}!" in str(p)]
    assert len(problems) == 1 and f"{SESSIONS}!A5: E104 工作表超过 4 行，其后未读取" in problems[0]


def test_a_long_choice_list_goes_to_a_hidden_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(Path(__file__).parent / "rulebooks" / "madeup-county-2025", rules)
    facts = rules / "facts.yaml"
    many = ", ".join(f"第{n}种学习形式（含线上线下）" for n in range(1, 21))  # far beyond 255 characters inline
    text = facts.read_text(encoding="utf-8").replace(
        "values: [集体学法, 专题讲座, 自学]", f"values: [集体学法, 专题讲座, 自学, {many}]"
    )
    facts.write_text(text, encoding="utf-8")
    path = tmp_path / "office.xlsx"
    assert main(["template", "office", "--rules", str(rules), "-o", str(path)]) == 0
    workbook = load_workbook(path)
    assert workbook["选项"].sheet_state == "hidden"
    sessions = workbook["集体学法活动"]
    (check,) = [dv for dv in sessions.data_validations.dataValidation if "C3" in dv.sqref]
    assert check.formula1 == "'选项'!$A$1:$A$23"
    assert [workbook["选项"].cell(r, 1).value for r in (1, 23)] == ["集体学法", "第20种学习形式（含线上线下）"]
    add_record(sessions, 3, date=dt.date(2025, 5, 6), topic="民法典", form="第20种学习形式（含线上线下）")
    workbook.save(path)
    capsys.readouterr()
    main(["score", str(path), "--rules", str(rules), "--format", "json", "--workers", "1"])
    (unit,) = json.loads(capsys.readouterr().out)["units"]
    assert unit["problems"] == []  # the hidden list sheet is not read as an unknown sheet
    assert {r["rule_id"]: r["status"] for r in unit["results"]}["MU-01.2"] == "fail"  # that form is not counted
