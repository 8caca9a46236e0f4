"""Excel workbooks (.xlsx, the fill-in template filled) -> reports: the workbook layout both the template writer and
this reader follow, and the reading itself, every problem located as `file.xlsx:Sheet!B7`.

The layout is derived from the rulebook's generated report model (its JSON Schema: titles, types, enumerations,
bounds), so a template and the reader can never disagree about a plan's facts, and no Python names one:

- sheet `说明` (instructions): the report header (unit_id, year, ...) as rows keyed in hidden column A, values
  in column C; below it the rules and how to fill in, which the reader ignores;
- one sheet per record-list fact, named by its Chinese label: row 1 the field labels, row 2 (hidden) the field
  keys, one record per row from row 3; an empty row is skipped, a row with any value is a record; a column
  keyed `_none` (本年度无此类记录) answered 是 reports an empty list, which is not the same as not reporting;
- sheet `单项数据` (single values): one row per rate, milestone, count, number or flag, keyed in hidden column A
  by the fact's report path (`rates.conversion`); a composite fact's parts fill columns C, D, ... in the model's
  order (numerator, denominator, percent, ...), a single value column C.

Read with openpyxl (read-only, cached values): it gives dates as dates for date-formatted cells and each cell's
number format, so a percent-formatted cell (0.985 shown as 98.5%) is refused rather than read as 0.985, and it
honours defusedxml against XML bombs. Cells are converted by their column's declared type before validation;
a cell of the wrong type is a Chinese-first message naming the field's label and the cell.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from compliance.errors import Problem
from compliance.facts.report import HEADER_KEYS, ReportHeader
from compliance.loading.documents import Document, FieldPath, format_path, validation_problems
from compliance.loading.scan import is_lock_file
from compliance.suggest import did_you_mean

INSTRUCTIONS = "说明"  # the instruction sheet; the report header lives at its top
SINGLE = "单项数据"  # rates, milestones, counts, numbers and flags: one row each
LISTS = "选项"  # hidden: the choices of a choice field too long for an inline validation list
RESERVED = (INSTRUCTIONS, SINGLE, LISTS, "History")  # "History" is reserved by Excel itself

KEY_COLUMN = 1  # column A (hidden) keys the header rows of 说明 and the rows of 单项数据
VALUE_COLUMN = 3  # column C: a header value, or the first part of a single fact
LABEL_ROW, KEY_ROW, FIRST_RECORD_ROW = 1, 2, 3  # on a record sheet
NONE_KEY = "_none"  # the column of a record sheet that says "none this year"
NOTE_KEY = "_note"  # a record sheet's column of notes; any column keyed `_...` is the template's own, not a field
YES, NO = "是", "否"

MAX_ROWS = 20_000  # rows read per sheet: far beyond a year's records, short of a file built to exhaust memory
MAX_COLUMNS = 60  # a record has a handful of fields; a far-off column is not read
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31  # Excel's limit on a sheet name
_BOUND = 1e15  # integer bounds beyond this are the model's int64 guard, not a declared constraint


class Kind(StrEnum):
    """What a cell must hold, from the column's JSON Schema."""

    DATE = "date"
    INTEGER = "integer"
    DECIMAL = "decimal"
    TEXT = "text"
    FLAG = "flag"
    CHOICE = "choice"


KIND_ZH = {
    Kind.DATE: "日期",
    Kind.INTEGER: "整数",
    Kind.DECIMAL: "数字",
    Kind.TEXT: "文字",
    Kind.FLAG: "是/否",
    Kind.CHOICE: "选项",
}


@dataclass(frozen=True)
class Column:
    """One field as a column (or a header row, or a part of a single fact)."""

    key: str
    title: str
    kind: Kind
    required: bool = False
    description: str | None = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class RecordSheet:
    """A record-list fact and the sheet that holds it."""

    path: tuple[str, ...]
    label: str
    title: str
    columns: tuple[Column, ...]

    @property
    def key(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class SingleFact:
    """A single-valued fact: one row of 单项数据; a composite (rate, milestone) has several parts."""

    path: tuple[str, ...]
    label: str
    description: str | None
    parts: tuple[Column, ...]
    composite: bool

    @property
    def key(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class WorkbookLayout:
    """Where every fact of a report model stands in a workbook."""

    header: tuple[Column, ...]
    records: tuple[RecordSheet, ...]
    singles: tuple[SingleFact, ...]

    def record_sheet(self, title: str) -> RecordSheet | None:
        return next((sheet for sheet in self.records if sheet.title == title), None)

    def single(self, key: str) -> SingleFact | None:
        return next((fact for fact in self.singles if fact.key == key), None)

    def record_path(self, path: Sequence[str]) -> RecordSheet | None:
        return next((sheet for sheet in self.records if sheet.path == tuple(path)), None)

    def single_path(self, path: Sequence[str]) -> SingleFact | None:
        return next((fact for fact in self.singles if fact.path == tuple(path)), None)


# ---------------------------------------------------------------- the layout, from the model's JSON Schema

_LAYOUTS: dict[type[ReportHeader], WorkbookLayout] = {}


def layout(model: type[ReportHeader]) -> WorkbookLayout:
    """The workbook layout of a rulebook's report model (worked out once per model)."""
    found = _LAYOUTS.get(model)
    if found is None:
        found = _LAYOUTS[model] = _layout(model.model_json_schema(by_alias=True))
    return found


def _layout(schema: Mapping[str, Any]) -> WorkbookLayout:
    defs: Mapping[str, Any] = schema.get("$defs", {})
    header: list[Column] = []
    facts: list[tuple[tuple[str, ...], Mapping[str, Any]]] = []
    required = set(schema.get("required", ()))
    for name, prop in schema["properties"].items():
        if name in HEADER_KEYS:
            header.append(_column(name, prop, defs, name in required))
            continue
        inner, nullable = _unwrap(prop, defs)
        if not nullable and inner.get("type") == "object" and "properties" in inner:  # a group of facts
            facts.extend(((name, member), sub) for member, sub in inner["properties"].items())
        else:
            facts.append(((name,), prop))
    records: list[RecordSheet] = []
    singles: list[SingleFact] = []
    taken = {name.casefold() for name in RESERVED}
    for path, prop in facts:
        inner, _ = _unwrap(prop, defs)
        label = str(prop.get("title") or path[-1])
        if inner.get("type") == "array":
            item, _ = _unwrap(inner.get("items", {}), defs)
            title = sheet_title(label, taken)
            records.append(RecordSheet(path, label, title, _columns(item, defs)))
        elif inner.get("type") == "object":
            singles.append(SingleFact(path, label, prop.get("description"), _columns(inner, defs), True))
        else:
            column = _column("", prop, defs, False)
            singles.append(SingleFact(path, label, prop.get("description"), (column,), False))
    return WorkbookLayout(tuple(header), tuple(records), tuple(singles))


def _unwrap(prop: Mapping[str, Any], defs: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
    """The schema a value must meet, `$ref`s followed, and whether null is also allowed."""
    nullable = False
    options = prop.get("anyOf")
    if options:
        others = [option for option in options if option.get("type") != "null"]
        nullable = len(others) < len(options)
        prop = others[0] if len(others) == 1 else prop
    ref = prop.get("$ref")
    if isinstance(ref, str):
        prop = defs.get(ref.rsplit("/", 1)[-1], {})
    return prop, nullable


def _columns(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> tuple[Column, ...]:
    required = set(schema.get("required", ()))
    return tuple(_column(key, prop, defs, key in required) for key, prop in schema.get("properties", {}).items())


def _column(key: str, prop: Mapping[str, Any], defs: Mapping[str, Any], required: bool) -> Column:
    inner, _ = _unwrap(prop, defs)
    kind = Kind.TEXT
    choices: tuple[str, ...] = ()
    if "enum" in inner:
        kind, choices = Kind.CHOICE, tuple(str(value) for value in inner["enum"])
    elif inner.get("type") == "string" and inner.get("format") == "date":
        kind = Kind.DATE
    elif inner.get("type") == "integer":
        kind = Kind.INTEGER
    elif inner.get("type") == "number":
        kind = Kind.DECIMAL
    elif inner.get("type") == "boolean":
        kind = Kind.FLAG
    low, high = inner.get("minimum"), inner.get("maximum")
    return Column(
        key,
        str(prop.get("title") or inner.get("title") or key),
        kind,
        required,
        prop.get("description") or inner.get("description"),
        choices,
        low if isinstance(low, int | float) and abs(low) < _BOUND else None,
        high if isinstance(high, int | float) and abs(high) < _BOUND else None,
    )


def sheet_title(label: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (31 characters, none of []:*?/\\), distinct from those `taken` (which it joins)."""
    base = _SHEET_FORBIDDEN.sub("_", label).strip("' ") or "记录"
    title = base[:_SHEET_MAX]
    n = 1
    while title.casefold() in taken:
        n += 1
        suffix = f"({n})"
        title = base[: _SHEET_MAX - len(suffix)] + suffix
    taken.add(title.casefold())
    return title


def column_letter(column: int) -> str:
    """1 -> A, 27 -> AA (as openpyxl's get_column_letter, without importing openpyxl for YAML reports)."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(sheet: str, row: int, column: int) -> str:
    """`Sheet!B7`, the sheet quoted as Excel writes it when it is more than letters and digits."""
    quoted = sheet if re.fullmatch(r"\w+", sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!{column_letter(column)}{row}"


def bounds_text(column: Column) -> str:
    """`，不小于0` / `，0～100`: a number column's declared bounds, as a clerk reads them."""
    low, high = column.minimum, column.maximum
    if low is not None and high is not None:
        return f"，{_plain(low)}～{_plain(high)}"
    if low is not None:
        return f"，不小于{_plain(low)}"
    if high is not None:
        return f"，不大于{_plain(high)}"
    return ""


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# ---------------------------------------------------------------- reading cells


@dataclass(frozen=True)
class Cell:
    """A cell's cached value and how it is shown."""

    value: Any
    data_type: str
    number_format: str


Grid = list[list[Cell | None]]  # rows of cells, 0-based; None for an empty cell


@dataclass(frozen=True)
class _Sheet:
    """A sheet's cells as read; `cut` when it has rows beyond those read."""

    title: str
    grid: Grid
    cut: bool


def _sheets(raw: bytes) -> list[_Sheet]:
    from openpyxl import load_workbook  # a heavy import, only when a workbook is read

    window = MAX_ROWS + FIRST_RECORD_ROW - 1
    book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    try:
        out: list[_Sheet] = []
        for sheet in book.worksheets:
            grid: Grid = []
            for row in sheet.iter_rows(max_row=window + 1, max_col=MAX_COLUMNS):
                cells: list[Cell | None] = []
                for cell in row:
                    value = getattr(cell, "value", None)
                    if isinstance(value, str):
                        value = value.strip()
                    if value is None or value == "":
                        cells.append(None)
                    else:
                        cells.append(Cell(value, str(cell.data_type), str(getattr(cell, "number_format", ""))))
                while cells and cells[-1] is None:
                    cells.pop()
                grid.append(cells)
            # the dimension the file declares, or a filled row just past the window: rows were left unread
            cut = (sheet.max_row or 0) > window or (len(grid) > window and bool(grid[window]))
            out.append(_Sheet(str(sheet.title), grid[:window], cut))
        return out
    finally:
        book.close()


def _at(grid: Grid, row: int, column: int) -> Cell | None:
    """The cell at 1-based (row, column), None if empty."""
    if row - 1 >= len(grid):
        return None
    cells = grid[row - 1]
    return cells[column - 1] if column - 1 < len(cells) else None


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _shown(cell: Cell) -> str:
    value = cell.value
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < _BOUND:
        return str(int(value))
    return str(value)


def _found(cell: Cell) -> tuple[str, str]:
    """What a wrongly typed cell holds, in Chinese and in English."""
    shown = _shown(cell)
    if cell.data_type == "e":
        return f"公式错误 {shown}", f"the formula error {shown}"
    if isinstance(cell.value, dt.datetime | dt.date | dt.time):
        return f"日期 {shown}", f"the date {shown}"
    if isinstance(cell.value, bool):
        return f"逻辑值 {shown}", f"the logical value {shown}"
    if isinstance(cell.value, int | float):
        if "%" in cell.number_format:
            percent = f"{cell.value * 100:.10g}%"
            return f"百分比格式的数（显示为 {percent}，实为 {shown}）", f"a percent-formatted number ({percent})"
        return f"数字 {shown}", f"the number {shown}"
    return f"文字“{shown}”", f"the text '{shown}'"


def convert(cell: Cell, column: Column) -> Any:
    """A cell's value as the report model takes it, or _Refused with a Chinese-first message."""
    value, kind = cell.value, column.kind
    if cell.data_type == "e":
        raise _refused(cell, column, "请修正公式或直接填写数值")
    if kind is Kind.TEXT:
        if isinstance(value, dt.datetime):
            return _shown(cell)
        if isinstance(value, bool):
            return YES if value else NO
        return _shown(cell) if isinstance(value, int | float) else str(value)
    if kind is Kind.CHOICE:
        text = _shown(cell)
        if text in column.choices and not isinstance(value, bool | dt.date | dt.time):
            return text
        raise _refused(cell, column, "应为下列之一：" + "、".join(column.choices))
    if kind is Kind.FLAG:
        if isinstance(value, bool):
            return value
        if value in (YES, NO):
            return value == YES
        raise _refused(cell, column, f"请填“{YES}”或“{NO}”")
    if kind is Kind.DATE:
        if isinstance(value, dt.datetime) and value.time() == dt.time():
            return value.date()
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return value  # the model checks it is a real day
        hint = "请填写日期，如 2018-03-15，或把单元格格式设为日期"
        if isinstance(value, dt.datetime):
            hint = "请只填日期，不带时刻"
        elif isinstance(value, int | float) and not isinstance(value, bool):
            hint = "这是一个数字而不是日期：请把单元格格式设为日期，并核对所显示的日期"
        raise _refused(cell, column, hint)
    # a number
    if isinstance(value, bool) or not isinstance(value, int | float):
        hint = "请只填数字，不带单位或百分号"
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+(\.\d+)?", value):
            hint = "数字存成了文本：请把单元格格式设为“常规”或“数值”后重新输入"
        raise _refused(cell, column, hint)
    if "%" in cell.number_format:
        raise _refused(cell, column, "请去掉百分比格式，直接填写数字（如 98.5 表示 98.5%）")
    if kind is Kind.INTEGER and isinstance(value, float):
        if not value.is_integer():
            raise _refused(cell, column, "应为整数")
        value = int(value)
    if (column.minimum is not None and value < column.minimum) or (
        column.maximum is not None and value > column.maximum
    ):
        raise _refused(cell, column, "超出允许范围")
    return value


def _refused(cell: Cell, column: Column, hint: str) -> _Refused:
    zh, en = _found(cell)
    kind = KIND_ZH[column.kind] + bounds_text(column)
    key = column.key or "value"
    return _Refused(
        f"「{column.title}」应填{kind}，此格是{zh}：{hint}（{key}: expected {column.kind.value}, found {en}）"
    )


# ---------------------------------------------------------------- a workbook -> plain data with cell locations


@dataclass(frozen=True)
class Spot:
    """A cell of the workbook being read: its sheet (and the sheet's position, for ordering problems)."""

    sheet: str
    index: int
    row: int
    column: int

    def at(self, row: int, column: int) -> Spot:
        return Spot(self.sheet, self.index, row, column)

    @property
    def name(self) -> str:
        return cell_name(self.sheet, self.row, self.column)

    @property
    def order(self) -> tuple[int, int, int]:
        return (self.index, self.row, self.column)


_NOWHERE = (-1, 0, 0)  # problems of the whole workbook come first


@dataclass
class _Reading:
    """The report as plain data, where each field came from, and the problems found on the way."""

    path: str
    data: dict[str, Any] = field(default_factory=dict)
    spots: dict[FieldPath, Spot] = field(default_factory=dict)
    labels: dict[FieldPath, str] = field(default_factory=dict)
    problems: list[tuple[tuple[int, int, int], Problem]] = field(default_factory=list)

    def problem(self, code: str, message: str, where: FieldPath, spot: Spot) -> None:
        found = Problem(self.path, None, None, code, message, format_path(where), spot.name)
        self.problems.append((spot.order, found))

    def set(self, where: FieldPath, value: Any) -> None:
        target = self.data
        for part in where[:-1]:
            target = target.setdefault(str(part), {})
        target[str(where[-1])] = value

    def value(self, cell: Cell | None, column: Column, where: FieldPath, spot: Spot) -> tuple[bool, Any]:
        """(present, value) of one cell. A refused cell is a problem and still present (as its text), so the
        model's own complaint about the same field gives way to this one."""
        self.spots[where] = spot
        if cell is None:
            return False, None
        try:
            return True, convert(cell, column)
        except _Refused as exc:
            self.problem("E104", exc.message, where, spot)
            return True, _shown(cell)


def _keyed_rows(grid: Grid) -> Iterator[tuple[int, str]]:
    """(row number, key) of every row whose hidden column A holds a key."""
    for row_number, cells in enumerate(grid, start=1):
        key = cells[KEY_COLUMN - 1] if cells else None
        if key is not None and isinstance(key.value, str):
            yield row_number, key.value


def _read_header(reading: _Reading, shape: WorkbookLayout, grid: Grid, sheet: Spot) -> None:
    columns = {column.key: column for column in shape.header}
    seen: set[str] = set()
    for row_number, key in _keyed_rows(grid):
        column = columns.get(key)
        if column is None:
            continue
        spot = sheet.at(row_number, VALUE_COLUMN)
        if key in seen:
            reading.problem("E201", f"表头项 {key} 填了两行（{key} appears twice）", (key,), spot)
            continue
        seen.add(key)
        reading.labels[(key,)] = column.title
        present, value = reading.value(_at(grid, row_number, VALUE_COLUMN), column, (key,), spot)
        if present:
            reading.set((key,), value)


def _read_singles(reading: _Reading, shape: WorkbookLayout, grid: Grid, sheet: Spot) -> None:
    seen: set[str] = set()
    for row_number, key in _keyed_rows(grid):
        fact = shape.single(key)
        if fact is None:
            continue  # a block heading or a note
        if key in seen:
            reading.problem(
                "E201", f"“{fact.label}”填了两行（{key} appears twice）", fact.path, sheet.at(row_number, 2)
            )
            continue
        seen.add(key)
        reading.spots[fact.path] = sheet.at(row_number, VALUE_COLUMN)
        parts: dict[str, Any] = {}
        for offset, column in enumerate(fact.parts):
            col = VALUE_COLUMN + offset
            where = (*fact.path, column.key) if fact.composite else fact.path
            reading.labels[where] = f"{fact.label}·{column.title}" if fact.composite else fact.label
            present, value = reading.value(_at(grid, row_number, col), column, where, sheet.at(row_number, col))
            if present:
                parts[column.key] = value
        if parts:
            reading.set(fact.path, parts if fact.composite else parts[""])


@dataclass(frozen=True)
class _Columns:
    """What each column of a record sheet holds."""

    fields: dict[int, Column]
    none: int | None  # the column of "none this year"
    own: frozenset[int]  # the template's own columns (none, notes): never part of a record


def _columns_of(reading: _Reading, sheet: RecordSheet, grid: Grid, spot: Spot) -> _Columns:
    """Which field each column holds: by the hidden key in row 2, else by the label in row 1."""
    by_key = {column.key: column for column in sheet.columns}
    by_label = {column.title: column for column in sheet.columns}
    mapped: dict[int, Column] = {}
    none_column = None
    own: set[int] = set()
    width = max((len(cells) for cells in grid[:KEY_ROW]), default=0)
    for col in range(1, width + 1):
        key_cell, label_cell = _at(grid, KEY_ROW, col), _at(grid, LABEL_ROW, col)
        key = str(key_cell.value) if key_cell else ""
        label = re.sub(r"[*＊]$", "", str(label_cell.value)).strip() if label_cell else ""
        column = by_key.get(key) if key else by_label.get(label)
        if key.startswith("_"):
            own.add(col)
            none_column = col if key == NONE_KEY else none_column
        elif column is not None:
            if column in mapped.values():
                message = f"“{column.title}”列重复（column {column.key} appears twice）"
                reading.problem("E201", message, sheet.path, spot.at(LABEL_ROW, col))
            mapped[col] = column
        elif key or label:
            name = key or label
            hint = did_you_mean(name, [*by_key, *by_label])
            message = (
                f"未知的列“{name}”（unknown column '{name}'" + (f"; did you mean '{hint}'?" if hint else "") + "）"
            )
            reading.problem(
                "E102" if hint else "E101", message, sheet.path, spot.at(KEY_ROW if key else LABEL_ROW, col)
            )
    return _Columns(mapped, none_column, frozenset(own))


def _read_records(reading: _Reading, sheet: RecordSheet, grid: Grid, spot: Spot) -> None:
    columns = _columns_of(reading, sheet, grid, spot)
    mapped, none_column = columns.fields, columns.none
    records: list[dict[str, Any]] = []
    reading.spots[sheet.path] = spot.at(LABEL_ROW, min(mapped, default=1))
    for row_number in range(FIRST_RECORD_ROW, len(grid) + 1):
        row = grid[row_number - 1]
        filled = [i + 1 for i, cell in enumerate(row) if cell is not None and i + 1 not in columns.own]
        if not filled:
            continue  # an empty row
        for col in filled:
            if col not in mapped:
                message = "此格不在任何字段的列中（this cell is under no field's column）"
                reading.problem("E101", message, sheet.path, spot.at(row_number, col))
        if not any(col in mapped for col in filled):
            continue  # only stray cells: named above, not a record
        where_row: FieldPath = (*sheet.path, len(records))
        reading.spots[where_row] = spot.at(row_number, min(mapped, default=filled[0]))
        record: dict[str, Any] = {}
        for col, column in sorted(mapped.items()):
            where = (*where_row, column.key)
            reading.labels[where] = column.title
            present, value = reading.value(_at(grid, row_number, col), column, where, spot.at(row_number, col))
            if present:
                record[column.key] = value
        records.append(record)
    says_none = False
    if none_column is not None and (none := _at(grid, FIRST_RECORD_ROW, none_column)) is not None:
        here = spot.at(FIRST_RECORD_ROW, none_column)
        says_none = none.value is True or none.value == YES
        if not says_none and none.value not in (False, NO):
            reading.problem(
                "E104", f"“本年度无此类记录”请填“{YES}”或留空（answer {YES} or leave it empty）", sheet.path, here
            )
        elif says_none and records:
            message = (
                f"已填写 {len(records)} 条记录，却又标明本年度无此类记录（records given, yet marked as none this year）"
            )
            reading.problem("E104", message, sheet.path, here)
    if records or says_none:
        reading.set(sheet.path, records)


@dataclass(frozen=True)
class WorkbookReport:
    """A workbook read: the validated report, or the problems located by sheet and cell; `data` is what was read
    (so an invalid report still names its unit)."""

    report: ReportHeader | None
    problems: tuple[Problem, ...]
    data: Mapping[str, Any] | None


def read_workbook(path: str, raw: bytes, model: type[ReportHeader]) -> WorkbookReport:
    """A workbook's report validated by the model (`path` names it in messages; `raw` is its bytes)."""
    if is_lock_file(path):
        message = (
            "这是 Excel 打开文件时留下的锁定文件（~$），不是报告；请关闭 Excel 后读取原文件"
            "（an Excel lock file, not a report）"
        )
        return WorkbookReport(None, (Problem(path, None, None, "E000", message),), None)
    try:
        sheets = _sheets(raw)
    except Exception as exc:  # openpyxl fails in many ways on a damaged or foreign file; each is "unreadable"
        why = _why(exc)
        message = (
            f"无法读取 Excel 工作簿（.xlsx），请用 Excel 或 WPS 另存为 .xlsx（not a readable .xlsx workbook: {why}）"
        )
        return WorkbookReport(None, (Problem(path, None, None, "E001", message),), None)
    shape = layout(model)
    reading = _Reading(path)
    known = [INSTRUCTIONS, SINGLE, *(sheet.title for sheet in shape.records)]
    for index, read in enumerate(sheets):
        title, grid = read.title, read.grid
        spot = Spot(title, index, 1, 1)
        if read.cut:
            message = (
                f"工作表超过 {MAX_ROWS + FIRST_RECORD_ROW - 1} 行，其后未读取：请删去多余的行（包括只设了格式的空行）"
                f"（more rows than the {MAX_ROWS} records read）"
            )
            reading.problem("E104", message, (), spot.at(MAX_ROWS + FIRST_RECORD_ROW, 1))
        if title == INSTRUCTIONS:
            _read_header(reading, shape, grid, spot)
        elif title == SINGLE:
            _read_singles(reading, shape, grid, spot)
        elif (sheet := shape.record_sheet(title)) is not None:
            _read_records(reading, sheet, grid, spot)
        elif title != LISTS and any(cell is not None for cells in grid for cell in cells):
            hint = did_you_mean(title, known)
            message = f"未知的工作表“{title}”（unknown sheet" + (f"; did you mean '{hint}'?" if hint else "") + "）"
            reading.problem("E102" if hint else "E101", message, (), spot)
    if INSTRUCTIONS not in (read.title for read in sheets):
        message = (
            f"工作簿中没有“{INSTRUCTIONS}”工作表，读不到单位和年度（no {INSTRUCTIONS} sheet with unit_id and year）"
        )
        reading.problems.append((_NOWHERE, Problem(path, None, None, "E003", message)))
    report, problems = _validated(reading, model)
    return WorkbookReport(None if problems else report, tuple(problems), reading.data)


def _why(exc: BaseException) -> str:
    """The innermost cause (openpyxl wraps a parser's error in its own), on one line, not too long."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = " ".join(f"{type(exc).__name__}: {exc}".split()).rstrip(":")
    return text if len(text) <= 200 else text[:199] + "…"


def _validated(reading: _Reading, model: type[ReportHeader]) -> tuple[ReportHeader | None, list[Problem]]:
    """The model's verdict on the data read; its problems located at the cells they came from."""
    refused = {problem.field for _, problem in reading.problems}
    found = list(reading.problems)
    report = None
    try:
        report = model.model_validate(reading.data)
    except ValidationError as exc:
        for problem in validation_problems(Document(reading.path, reading.data), exc, model):
            if problem.field in refused:
                continue  # this cell already has its own message
            where = _parse_path(problem.field)
            spot = _nearest(reading, where)
            label = reading.labels.get(where)
            message = problem.message
            if problem.code == "E103" and label:
                message = f"「{label}」未填写（必填）（{message}）"
            located = replace(problem, message=message, cell=spot.name if spot else None)
            found.append((spot.order if spot else _NOWHERE, located))
    found.sort(key=lambda pair: (pair[0], pair[1].code, pair[1].message))
    return report, [problem for _, problem in found]


def _parse_path(field: str) -> FieldPath:
    parts: list[str | int] = []
    for name, number in re.findall(r"([^.\[\]]+)|\[(\d+)\]", field):
        parts.append(int(number) if number else name)
    return tuple(parts)


def _nearest(reading: _Reading, where: FieldPath) -> Spot | None:
    """The cell a field came from, or the one its nearest enclosing field came from."""
    while where:
        spot = reading.spots.get(where)
        if spot is not None:
            return spot
        where = where[:-1]
    return None
