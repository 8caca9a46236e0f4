"""The Excel fill-in template (openpyxl): an instruction sheet with the unit's header, one sheet per record list,
one sheet of single values; typed cells with data validation. Laid out as `compliance.loading.excel` reads it.

Cells are typed as the report model declares: date columns formatted and validated as dates, choices and
yes/no as drop-down lists, numbers validated as whole or decimal numbers within the declared bounds, text
columns formatted as text (so a document number 12 stays "12"). Every field's label carries a comment with how
to fill it in and an example. The bytes are the same for the same rulebook and unit (fixed timestamps).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from compliance.facts.declare import FactType
from compliance.loading.excel import (
    FIRST_RECORD_ROW,
    INSTRUCTIONS,
    KEY_COLUMN,
    KEY_ROW,
    LABEL_ROW,
    LISTS,
    MAX_ROWS,
    NO,
    NONE_KEY,
    NOTE_KEY,
    SINGLE,
    VALUE_COLUMN,
    YES,
    Column,
    Kind,
    RecordSheet,
    SingleFact,
    WorkbookLayout,
    layout,
)
from compliance.templates.needs import FactNeed, UnitTemplate, target_text
from compliance.templates.text import how_to_fill, number_text, rule_line, units_text, yaml_value

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # a zip entry's earliest date: the template carries no run time
DATE_FORMAT = "yyyy-mm-dd"
NUMBER_FORMAT = {Kind.DATE: DATE_FORMAT, Kind.INTEGER: "0", Kind.TEXT: "@"}

_HEAD = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED = PatternFill("solid", fgColor="FCE4D6")
_ASK = PatternFill("solid", fgColor="FFF2CC")
_GREY = PatternFill("solid", fgColor="EDEDED")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_NOTE = Font(italic=True, color="595959")
_KEY = Font(color="808080", size=9)
_WRAP = Alignment(wrap_text=True, vertical="top")
_LAST_ROW = MAX_ROWS + FIRST_RECORD_ROW - 1
_HEADER_KEYS = ("unit_id", "year", "unit_name", "submitted", "contact")  # unit_type: only for unregistered units
_PART_WORDS = {"numerator": "分子", "denominator": "分母"}  # a rate's parts, when each rate names them its own way


def render_xlsx(template: UnitTemplate) -> bytes:
    shape = layout(template.book.report.model)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = INSTRUCTIONS
    lists = _Lists(book)
    records = [(need, shape.record_path(_path(need))) for need in template.facts]
    sheets = [(need, found) for need, found in records if found is not None and need.fact.type is FactType.RECORDS]
    singles = [(need, found) for need in template.facts if (found := shape.single_path(_path(need))) is not None]
    where = {need.fact.id: found.title for need, found in sheets} | {need.fact.id: SINGLE for need, _ in singles}
    _instructions(sheet, template, shape, where, lists)
    for need, record_sheet in sheets:
        _record_sheet(book.create_sheet(record_sheet.title), need, record_sheet, lists)
    if singles:
        _single_sheet(book.create_sheet(SINGLE), singles, lists)
    lists.finish()
    for each in book.worksheets:
        each.page_setup.orientation = "landscape"  # printed to check, or to sign: every column on one page wide
        each.page_setup.fitToWidth = 1
        each.page_setup.fitToHeight = 0
        each.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    book.properties.creator = "compliance"
    book.properties.title = f"{template.book.meta.title.zh} · {template.unit.name}"
    book.properties.created = dt.datetime(*FIXED_TIME)
    buffer = io.BytesIO()
    book.save(buffer)
    return reproducible(buffer.getvalue())


def reproducible(data: bytes) -> bytes:
    """The same archive with fixed entry dates and a fixed "modified" property (openpyxl stamps the save time)."""
    stamp = dt.datetime(*FIXED_TIME).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", content
                )
            info = zipfile.ZipInfo(entry.filename, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return out.getvalue()


def _path(need: FactNeed) -> tuple[str, ...]:
    fact = need.fact
    return (fact.group, fact.report_key) if fact.group else (fact.report_key,)


# ---------------------------------------------------------------- validation


class _Lists:
    """Drop-down lists: inline when short, else on a hidden sheet (Excel limits an inline list to 255 chars)."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.sheet: Worksheet | None = None
        self.columns = 0

    def formula(self, choices: Sequence[str]) -> str:
        inline = ",".join(choices)
        if len(inline) <= 250 and not any("," in c or '"' in c for c in choices):
            return f'"{inline}"'
        if self.sheet is None:
            self.sheet = self.book.create_sheet(LISTS)
        self.columns += 1
        letter = get_column_letter(self.columns)
        for row, choice in enumerate(choices, start=1):
            self.sheet.cell(row, self.columns, choice)
        return f"{quote_sheetname(LISTS)}!${letter}$1:${letter}${len(choices)}"

    def finish(self) -> None:
        if self.sheet is not None:
            self.sheet.sheet_state = "hidden"


def _validation(column: Column, lists: _Lists, title: str) -> DataValidation | None:
    """Excel's own check of what is typed into a cell: a list, a date, a whole or decimal number in bounds."""
    kind = column.kind
    words = f"{title}：{how_to_fill(column)}"
    if kind in (Kind.CHOICE, Kind.FLAG):
        choices = column.choices if kind is Kind.CHOICE else (YES, NO)
        check = DataValidation(type="list", formula1=lists.formula(choices), allow_blank=True)
    elif kind is Kind.DATE:
        check = DataValidation(
            type="date", operator="between", formula1="DATE(1990,1,1)", formula2="DATE(2100,12,31)", allow_blank=True
        )
    elif kind in (Kind.INTEGER, Kind.DECIMAL):
        low = number_text(column.minimum) if column.minimum is not None else "-999999999999999"
        high = number_text(column.maximum) if column.maximum is not None else "999999999999999"
        check = DataValidation(
            type="whole" if kind is Kind.INTEGER else "decimal",
            operator="between",
            formula1=low,
            formula2=high,
            allow_blank=True,
        )
    else:
        return None
    check.showErrorMessage = True
    check.errorTitle = "填写有误"
    check.error = _cut(words, 250)
    check.showInputMessage = True
    check.promptTitle = _cut(title, 30)
    check.prompt = _cut(how_to_fill(column) + (f"。{column.description}" if column.description else ""), 250)
    return check


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_cells(sheet: Worksheet, column: Column, ranges: Iterable[str], lists: _Lists, title: str) -> None:
    check = _validation(column, lists, title)
    if check is None:
        return
    sheet.add_data_validation(check)
    for cells in ranges:
        check.add(cells)


# ---------------------------------------------------------------- 说明


def _instructions(
    sheet: Worksheet, template: UnitTemplate, shape: WorkbookLayout, where: dict[str, str], lists: _Lists
) -> None:
    book, unit = template.book, template.unit
    for letter, width in zip("ABCDEFG", (4, 24, 30, 60, 12, 8, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.column_dimensions["A"].hidden = True
    sheet["B1"] = f"{book.meta.title.zh} · 年度报告填报表"
    sheet["B1"].font = _TITLE
    sheet["B2"] = (
        f"单位：{unit.name}（{unit.id}，{template.type_name}）    考评年度：{template.year}    "
        f"依据：{book.meta.source.title}（{book.meta.source.number}）"
    )
    sheet["B3"] = f"由 compliance template {unit.id} --format xlsx 根据规则集 {book.meta.id} 生成。"
    sheet["B3"].font = _NOTE
    row = 5
    sheet.cell(row, 2, "单位信息").font = _BOLD
    values: dict[str, Any] = {"unit_id": unit.id, "year": template.year, "unit_name": unit.name}
    notes = {"unit_id": "单位代码，请勿改动", "year": "考评年度，请勿改动", "contact": "联系人及电话"}
    columns = {column.key: column for column in shape.header}
    for key in _HEADER_KEYS:
        column = columns.get(key)
        if column is None:
            continue
        row += 1
        sheet.cell(row, KEY_COLUMN, key).font = _KEY
        sheet.cell(row, 2, column.title).font = _BOLD
        cell = sheet.cell(row, VALUE_COLUMN, values.get(key))
        cell.fill = _ASK
        cell.number_format = NUMBER_FORMAT.get(column.kind, "General")
        sheet.cell(row, 4, notes.get(key) or how_to_fill(column)).font = _NOTE
        _type_cells(sheet, column, [cell.coordinate], lists, column.title)
    row += 2
    sheet.cell(row, 2, "怎样填写").font = _BOLD
    steps = [
        "1. 只填本单位需要填报的事项：每个逐条记录的事项一张工作表，比率、完成事项和数值在“单项数据”表。",
        "2. 逐条记录：每条记录一行，从第3行起往下填，不留空行也可以留空行（空行不计）；表头带 * 的为必填。",
        "3. 本年度确实没有某类记录的，在该表右侧“本年度无此类记录”下填“是”；什么都不填视为未报送，相关规则不得分。",
        "4. 日期填成日期（如 2018-3-15，Excel 显示为 2018-03-15）；数字不带单位和百分号；是/否从下拉列表中选。",
        "5. 鼠标停在表头上可看到每一栏的填写要求和示例；请不要改动工作表名称、表头和隐藏的行列。",
        f"6. 填好后保存为 .xlsx，用 compliance check 文件名.xlsx 自查；出错的格子会写明位置，如 {SINGLE}!C5。",
    ]
    for step in steps:
        row += 1
        sheet.cell(row, 2, step).alignment = _WRAP
        sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=7)
        _fit(sheet, row, [(step, 24 + 30 + 60 + 12 + 8 + 40)])
    row += 2
    sheet.cell(row, 2, "本单位适用的考评规则").font = _BOLD
    row += 1
    _head(sheet, row, ["规则", "目标", "要求", "分值", "", "填写在"])
    for rule in template.checked:
        row += 1
        assert rule.check is not None
        facts = book.measures[rule.check.measure].plan.facts
        places = dict.fromkeys(where[fact.id] for fact in facts if fact.id in where)
        _row(sheet, row, [rule.id, target_text(rule), rule.title.zh, number_text(rule.points), "", "、".join(places)])
    if template.judged:
        row += 2
        sheet.cell(row, 2, "由考评组认定的规则（无需在本表填写）").font = _BOLD
        row += 1
        _head(sheet, row, ["规则", "", "要求", "", "", "说明"])
        for rule in template.judged:
            row += 1
            reason = rule.not_checkable
            note = reason if isinstance(reason, str) else (reason.note if reason is not None else "")
            _row(sheet, row, [rule.id, "", rule.title.zh, "", "", note])
    row += 2
    sheet.cell(row, 2, "填报事项一览").font = _BOLD
    row += 1
    _head(sheet, row, ["事项", "填写在", "说明", "计量单位", "", "示例"])
    for need in template.facts:
        row += 1
        example = yaml_value(need.example)
        _row(
            sheet,
            row,
            [need.fact.label.zh, where.get(need.fact.id, ""), need.fact.description, units_text(need), "", example],
        )
    sheet.freeze_panes = "B5"


def _head(sheet: Worksheet, row: int, titles: Sequence[str]) -> None:
    for offset, title in enumerate(titles):
        if title:
            cell = sheet.cell(row, 2 + offset, title)
            cell.font = _BOLD
            cell.fill = _HEAD


def _row(sheet: Worksheet, row: int, values: Sequence[str]) -> None:
    for offset, value in enumerate(values):
        if value:
            sheet.cell(row, 2 + offset, value).alignment = _WRAP
    widths = [sheet.column_dimensions[get_column_letter(2 + offset)].width for offset in range(len(values))]
    _fit(sheet, row, list(zip(values, widths, strict=True)))


def _fit(sheet: Worksheet, row: int, texts: Sequence[tuple[str, float]]) -> None:
    """A row tall enough for its wrapped text: not every spreadsheet grows a row for wrapped text on opening."""
    lines = 1
    for text, width in texts:
        usable = max(int(width) - 1, 1)
        shown = [sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) for line in str(text).split("\n")]
        lines = max(lines, sum(max(1, -(-size // usable)) for size in shown))  # a CJK character is two wide
    if lines > 1:
        sheet.row_dimensions[row].height = 15 * lines


# ---------------------------------------------------------------- a record list


def _record_sheet(sheet: Worksheet, need: FactNeed, layout_of: RecordSheet, lists: _Lists) -> None:
    example = need.example if isinstance(need.example, dict) else {}
    for col, column in enumerate(layout_of.columns, start=1):
        letter = get_column_letter(col)
        label = sheet.cell(LABEL_ROW, col, column.title + ("*" if column.required else ""))
        label.font = _BOLD
        label.fill = _REQUIRED if column.required else _HEAD
        label.alignment = _WRAP
        label.comment = _comment(column, example.get(column.key))
        sheet.cell(KEY_ROW, col, column.key).font = _KEY
        dimension = sheet.column_dimensions[letter]
        dimension.width = _width(column)
        dimension.number_format = NUMBER_FORMAT.get(column.kind, "General")
        _type_cells(sheet, column, [f"{letter}{FIRST_RECORD_ROW}:{letter}{_LAST_ROW}"], lists, column.title)
    gap = len(layout_of.columns) + 2
    none = sheet.cell(LABEL_ROW, gap, "本年度无此类记录")
    none.font = _BOLD
    none.fill = _ASK
    none.alignment = _WRAP
    none.comment = Comment(
        f"本年度确实没有{need.fact.label.zh}的，在下面一格选“{YES}”；有记录的不填。"
        "什么都不填，视为未报送，相关规则不得分。",
        "compliance",
    )
    sheet.cell(KEY_ROW, gap, NONE_KEY).font = _KEY
    sheet.cell(FIRST_RECORD_ROW, gap).fill = _ASK
    flag = Column(NONE_KEY, "本年度无此类记录", Kind.FLAG)
    _type_cells(sheet, flag, [f"{get_column_letter(gap)}{FIRST_RECORD_ROW}"], lists, flag.title)
    sheet.column_dimensions[get_column_letter(gap)].width = 12
    notes = gap + 2
    sheet.cell(LABEL_ROW, notes, "填写说明").font = _BOLD
    sheet.cell(KEY_ROW, notes, NOTE_KEY).font = _KEY
    lines = [need.fact.description, *("考评规则：" + rule_line(rule) for rule in need.rules)]
    if need.units:
        lines.append(f"计量单位：{units_text(need)}")
    lines.append(f"示例：{example_text(need, layout_of)}")
    for offset, line in enumerate(lines):
        sheet.cell(FIRST_RECORD_ROW + offset, notes, line).font = _NOTE  # unwrapped: it runs on to the right
    sheet.column_dimensions[get_column_letter(notes)].width = 50
    sheet.row_dimensions[KEY_ROW].hidden = True
    sheet.freeze_panes = sheet.cell(FIRST_RECORD_ROW, 1).coordinate


def _comment(column: Column, example: Any) -> Comment:
    lines = [f"{column.title}（{how_to_fill(column)}）"]
    if column.description:
        lines.append(column.description)
    if example is not None:
        lines.append(f"示例：{_example_text(example, column)}")
    return Comment("\n".join(lines), "compliance", height=120, width=220)


def _example_text(value: Any, column: Column) -> str:
    if column.kind is Kind.FLAG and isinstance(value, bool):
        return YES if value else NO
    return str(value) if isinstance(value, str) else yaml_value(value)


def example_text(need: FactNeed, shape_of: RecordSheet | SingleFact | WorkbookLayout) -> str:
    """An example as a clerk reads it in a workbook: `学法日期 2018-02-27；学习主题 宪法修正案`."""
    if isinstance(shape_of, WorkbookLayout):
        found = shape_of.record_path(_path(need)) or shape_of.single_path(_path(need))
        if found is None:
            return yaml_value(need.example)
        shape_of = found
    columns = shape_of.columns if isinstance(shape_of, RecordSheet) else shape_of.parts
    value = need.example
    if not isinstance(value, dict):
        return _example_text(value, columns[0]) if columns else yaml_value(value)
    by_key = {column.key: column for column in columns}
    return "；".join(
        f"{by_key[key].title} {_example_text(item, by_key[key])}" for key, item in value.items() if key in by_key
    )


def _width(column: Column) -> float:
    if column.kind is Kind.DATE:
        return 13
    if column.kind is Kind.TEXT:
        return max(24, 2.2 * len(column.title))
    return max(10, 2.2 * len(column.title) + 2)


# ---------------------------------------------------------------- single values


def _single_sheet(sheet: Worksheet, singles: list[tuple[FactNeed, SingleFact]], lists: _Lists) -> None:
    width = max(len(fact.parts) for _, fact in singles)
    unit_col, note_col, example_col = (VALUE_COLUMN + width + i for i in range(3))
    sheet.column_dimensions[get_column_letter(KEY_COLUMN)].hidden = True
    sheet.column_dimensions["B"].width = 30
    for offset in range(width):
        sheet.column_dimensions[get_column_letter(VALUE_COLUMN + offset)].width = 14
    for col, size in ((unit_col, 10), (note_col, 60), (example_col, 36)):
        sheet.column_dimensions[get_column_letter(col)].width = size
    sheet["B1"] = "单项数据：比率、完成事项和数值"
    sheet["B1"].font = _TITLE
    sheet["B2"] = (
        "每个事项一行，在黄色格子里填写，灰色格子不用填。比率填分子和分母（整数）；无法提供分子分母时才填比率（%）。"
    )
    row = 2
    blocks: dict[tuple[str, ...], list[tuple[FactNeed, SingleFact]]] = {}
    for need, fact in singles:
        blocks.setdefault(tuple(column.key for column in fact.parts), []).append((need, fact))
    for keys, members in blocks.items():
        row += 2
        parts = [_part_title(index, [fact for _, fact in members]) for index in range(len(keys))]
        if not members[0][1].composite:
            parts = ["填写"]
        _head(sheet, row, ["事项", *parts, *([""] * (width - len(parts))), "计量单位", "说明", "示例"])
        for need, fact in members:
            row += 1
            sheet.cell(row, KEY_COLUMN, fact.key).font = _KEY
            label = sheet.cell(row, 2, need.fact.label.zh + ("（仅无逐条记录时填）" if need.fallback else ""))
            label.alignment = _WRAP
            sheet.cell(row, unit_col).alignment = _WRAP
            for offset in range(width):
                cell = sheet.cell(row, VALUE_COLUMN + offset)
                if offset >= len(fact.parts):
                    cell.fill = _GREY
                    continue
                column = fact.parts[offset]
                cell.fill = _ASK
                cell.number_format = NUMBER_FORMAT.get(column.kind, "General")
                title = f"{need.fact.label.zh}·{column.title}" if fact.composite else need.fact.label.zh
                _type_cells(sheet, column, [cell.coordinate], lists, _cut(title, 30))
            sheet.cell(row, unit_col, units_text(need))
            note, example = _single_note(need, fact, parts), example_text(need, fact)
            sheet.cell(row, note_col, note).alignment = _WRAP
            sheet.cell(row, example_col, example).alignment = _WRAP
            _fit(sheet, row, [(note, 60), (example, 36)])
    sheet.freeze_panes = "C3"


def _part_title(index: int, facts: Sequence[SingleFact]) -> str:
    titles = {fact.parts[index].title for fact in facts}
    key = facts[0].parts[index].key
    if len(titles) == 1:
        return titles.pop()
    return _PART_WORDS.get(key, key)


def _single_note(need: FactNeed, fact: SingleFact, heads: Sequence[str]) -> str:
    """The fact's description and rules; for a rate, what its numerator and denominator count."""
    lines = []
    named = [f"{head}：{column.title}" for head, column in zip(heads, fact.parts, strict=False) if head != column.title]
    if fact.composite and named:
        lines.append("；".join(named))
    lines.append(need.fact.description)
    lines.extend("考评规则：" + rule_line(rule) for rule in need.rules)
    return "\n".join(lines)
