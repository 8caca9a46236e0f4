"""The assessor's own points (人工评分): a YAML or Excel file the evaluation office fills, read and checked against
the rulebook into frozen `ManualEntry` values.

An entry gives, for one unit and one rule, either `points` (a number from 0 to the rule's points: the way to
score a rule a machine cannot judge, or to set a machine-judged rule's points) or `verdict` (pass, fail or
not_applicable: an override of the machine's verdict on a machine-checkable rule), with the reason, the assessor
and the date. Every problem is reported at once, Chinese first, located as `file:line:col` (YAML) or
`file.xlsx:Sheet!C5` (Excel); any problem refuses the whole file (exit 2), since a silently dropped entry would
silently change a score.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from compliance.errors import ComplianceError, Problem
from compliance.loading.documents import Document, parse_file, read_bytes
from compliance.loading.excel import cell_name
from compliance.loading.rulebook import LoadedRulebook
from compliance.suggest import did_you_mean

Verdict = Literal["pass", "fail", "not_applicable"]
FIELDS = ("unit", "rule", "points", "verdict", "reason", "assessor", "date")
# the Excel header: each column's Chinese label; the English key is read as well
LABELS: Mapping[str, str] = {
    "unit": "单位",
    "rule": "规则",
    "points": "评定分",
    "verdict": "评定结论",
    "reason": "理由",
    "assessor": "考评人",
    "date": "日期",
}
INFO_LABELS = ("规则名称", "满分", "机器结论")  # columns the template adds for the reader; never read
SHEET = "人工评分"
# a verdict may be written in Chinese, as the office would
VERDICTS: Mapping[str, Verdict] = {
    "pass": "pass",
    "fail": "fail",
    "not_applicable": "not_applicable",
    "通过": "pass",
    "达标": "pass",
    "未通过": "fail",
    "不通过": "fail",
    "未达标": "fail",
    "不适用": "not_applicable",
}
VERDICT_LABEL: Mapping[Verdict, str] = {"pass": "通过", "fail": "未通过", "not_applicable": "不适用"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# the most decimals points may have: every output shows points to at most 6 decimals, so a 7th could never be seen
# (and scoring works in units of the finest decimal any points have: 1e-1000 would make every sum a huge number)
POINTS_DECIMALS = 6


@dataclass(frozen=True)
class ManualEntry:
    """One assessor's decision for one unit and one rule (人工评定): `points` or `verdict`, never both."""

    unit_id: str
    rule_id: str
    points: Decimal | None  # as written: 2.5 is exactly two and a half
    verdict: Verdict | None
    reason: str
    assessor: str
    date: str  # YYYY-MM-DD
    where: str  # the entry's place in the file: `manual.yaml:4:5` or `manual.xlsx:人工评分!A3`


@dataclass(frozen=True)
class ManualPoints:
    """Every entry of one manual file, in file order, and the file's SHA-256 for the audit header."""

    source: str
    sha256: str
    entries: tuple[ManualEntry, ...]

    def for_unit(self, unit_id: str) -> dict[str, ManualEntry]:
        return {e.rule_id: e for e in self.entries if e.unit_id == unit_id}


# ------------------------------------------------------------------ reading


@dataclass(frozen=True)
class _Row:
    """One entry as written, and how to name the place of each of its fields."""

    values: Mapping[str, Any]
    locate: Callable[[str | None], tuple[int | None, int | None, str | None]]  # field -> (line, col, cell)
    where: str


def load_manual(path: Path, book: LoadedRulebook) -> ManualPoints:
    """The manual file at `path`, checked against the rulebook; ComplianceError (every problem) when it is wrong."""
    raw = read_bytes(path)  # never a FIFO (it would wait for a writer forever), never more than 16 MB
    rows = _xlsx_rows(path, raw) if path.suffix.lower() == ".xlsx" else _yaml_rows(path)
    entries = _checked(str(path), rows, book)
    return ManualPoints(str(path), hashlib.sha256(raw).hexdigest(), entries)


def _yaml_rows(path: Path) -> list[_Row]:
    doc = parse_file(path)  # a YAML or JSON syntax error is a ComplianceError with its line and column
    data = doc.data
    if not isinstance(data, dict) or set(data) != {"entries"} or not isinstance(data["entries"], list):
        extra = sorted(str(k) for k in data) if isinstance(data, dict) else []
        raise ComplianceError(
            doc.problem(
                "E710",
                "人工评分文件须为 `entries:` 下的条目列表"
                + (f"，不认识的键：{', '.join(k for k in extra if k != 'entries')}" if len(extra) > 1 else "")
                + "（a manual file is a mapping with one key, `entries:`, holding a list of entries）",
            )
        )
    rows: list[_Row] = []
    for i, item in enumerate(data["entries"]):
        rows.append(_yaml_row(doc, i, item))
    return rows


def _yaml_row(doc: Document, i: int, item: Any) -> _Row:
    def locate(name: str | None, i: int = i) -> tuple[int | None, int | None, str | None]:
        line, col = doc.locate(("entries", i) if name is None else ("entries", i, name))
        return line, col, None

    line, col = doc.locate(("entries", i))
    where = f"{doc.path}:{line}:{col}" if line is not None else doc.path
    return _Row(item if isinstance(item, dict) else {"": item}, locate, where)


def _xlsx_rows(path: Path, raw: bytes) -> list[_Row]:
    from openpyxl import load_workbook  # a heavy import, only when a workbook is read

    name = str(path)
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # openpyxl fails in many ways on a damaged or foreign file; each is "unreadable"
        raise ComplianceError(
            Problem(name, None, None, "E710", "无法作为 Excel 工作簿读取（not a readable .xlsx workbook）")
        ) from None
    try:
        titles = [str(s.title) for s in book.worksheets]
        sheet = book[SHEET] if SHEET in titles else (book.worksheets[0] if len(titles) == 1 else None)
        if sheet is None:
            raise ComplianceError(
                Problem(
                    name, None, None, "E710", f"工作簿中没有“{SHEET}”工作表（the workbook has no sheet named {SHEET}）"
                )
            )
        title = str(sheet.title)
        grid = [[_cell(c) for c in row] for row in sheet.iter_rows(max_col=32)]
    finally:
        book.close()
    if not grid:
        empty = f"{title} 为空（the sheet is empty）"
        raise ComplianceError(Problem(name, None, None, "E710", empty, cell=f"{title}!A1"))
    columns: dict[str, int] = {}
    by_label = {v: k for k, v in LABELS.items()} | {k: k for k in LABELS}
    problems: list[Problem] = []
    for col, head in enumerate(grid[0], start=1):
        if head is None:
            continue
        key = by_label.get(str(head).split("（")[0].split("(")[0].strip())
        if key is not None:
            columns[key] = col
        elif str(head).split("（")[0].strip() not in INFO_LABELS:
            problems.append(
                Problem(
                    name,
                    None,
                    None,
                    "E710",
                    f"不认识的列标题“{head}”（unknown column heading），可用：{'、'.join(LABELS.values())}",
                    cell=cell_name(title, 1, col),
                )
            )
    for key in ("unit", "rule", "reason", "assessor", "date"):
        if key not in columns:
            problems.append(
                Problem(
                    name,
                    None,
                    None,
                    "E710",
                    f"缺少“{LABELS[key]}”列（missing the {key} column）",
                    cell=f"{title}!1:1",
                )
            )
    if problems:
        raise ComplianceError(problems)
    rows: list[_Row] = []
    for r, cells in enumerate(grid[1:], start=2):
        values = {k: cells[c - 1] for k, c in columns.items() if c - 1 < len(cells) and cells[c - 1] is not None}
        if not values:
            continue  # a blank row: the office leaves gaps

        def locate(field: str | None, r: int = r) -> tuple[int | None, int | None, str | None]:
            return None, None, cell_name(title, r, columns.get(field or "unit", 1))

        rows.append(_Row(values, locate, f"{name}:{cell_name(title, r, 1)}"))
    return rows


def _cell(cell: Any) -> Any:
    value = getattr(cell, "value", None)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# ------------------------------------------------------------------ checking


def _checked(file: str, rows: Sequence[_Row], book: LoadedRulebook) -> tuple[ManualEntry, ...]:
    problems: list[Problem] = []
    entries: list[ManualEntry] = []
    seen: dict[tuple[str, str], str] = {}
    rules = {r.id: r for r in book.rules}

    for row in rows:

        def problem(code: str, message: str, field: str | None, row: _Row = row) -> None:
            line, col, cell = row.locate(field)
            problems.append(Problem(file, line, col, code, message, field or "", cell))

        before = len(problems)
        values = row.values
        for key in values:
            if key not in FIELDS:
                hint = did_you_mean(str(key), FIELDS)
                problem(
                    "E710",
                    f"不认识的字段“{key}”"
                    + (f"，是否为 {hint}？" if hint else "")
                    + f"（unknown field; allowed: {', '.join(FIELDS)}）",
                    None,
                )
        text = {k: _text(values.get(k)) for k in ("unit", "rule", "reason", "assessor", "date")}
        for key in ("unit", "rule", "reason", "assessor", "date"):
            if not text[key]:
                problem("E708", f"必须填写{LABELS[key]}（{key} is required）", key if key in values else None)
        unit = rule = None
        if text["unit"]:
            unit = book.resolve_unit(text["unit"])
            if unit is None:
                near = book.suggest_unit(text["unit"])
                hint = f"，是否为 {near.id}（{near.name}）？" if near else ""
                problem(
                    "E701",
                    f"单位“{text['unit']}”不在考评对象名单中{hint}（unit not in the registry; see `compliance units`）",
                    "unit",
                )
        if text["rule"]:
            rule = rules.get(text["rule"])
            if rule is None:
                hint = did_you_mean(text["rule"], rules)
                problem(
                    "E702",
                    f"规则“{text['rule']}”不在规则集中"
                    + (f"，是否为 {hint}？" if hint else "")
                    + "（unknown rule id; see `compliance rules`）",
                    "rule",
                )
        if text["date"] and not _is_date(text["date"]):
            problem("E709", f"日期“{text['date']}”须写作 YYYY-MM-DD，如 2019-01-10（date must be YYYY-MM-DD）", "date")
        if (
            unit is not None
            and rule is not None
            and not (unit.type in rule.applies_to.types or unit.id in rule.applies_to.units)
        ):
            problem(
                "E703",
                f"规则 {rule.id} 不适用于 {unit.name}（{unit.id}）（the rule does not apply to this unit）",
                "rule",
            )
        points, verdict = _decision(values, rule, problem)
        if unit is not None and rule is not None:
            pair = (unit.id, rule.id)
            if pair in seen:
                problem(
                    "E707",
                    f"{unit.name}（{unit.id}）的规则 {rule.id} 已在 {seen[pair]} 评定过，每个单位每条规则只能评定一次"
                    "（duplicate entry for this unit and rule）",
                    "rule",
                )
            else:
                seen[pair] = row.where
        if len(problems) == before:
            assert unit is not None and rule is not None
            entries.append(
                ManualEntry(
                    unit.id,
                    rule.id,
                    points,
                    verdict,
                    text["reason"],
                    text["assessor"],
                    text["date"],
                    row.where,
                )
            )
    if problems:
        raise ComplianceError(problems)
    return tuple(entries)


def _decision(
    values: Mapping[str, Any], rule: Any, problem: Callable[[str, str, str | None], None]
) -> tuple[Decimal | None, Verdict | None]:
    """(points, verdict) of one entry: exactly one of them, checked against the rule."""
    has_points = values.get("points") is not None
    has_verdict = _text(values.get("verdict")) != ""
    if has_points == has_verdict:
        problem(
            "E705",
            "须填写评定分（points）或评定结论（verdict）其中之一"
            "（give either points or a verdict: pass, fail, not_applicable — not both, not neither）",
            "points" if has_points else None,
        )
        return None, None
    if has_verdict:
        written = _text(values.get("verdict"))
        verdict = VERDICTS.get(written.casefold()) or VERDICTS.get(written)
        if verdict is None:
            problem(
                "E705",
                f"评定结论“{written}”须为 通过、未通过 或 不适用（verdict must be pass, fail or not_applicable）",
                "verdict",
            )
            return None, None
        if rule is not None and not rule.checkable:
            problem(
                "E706",
                f"规则 {rule.id} 不可机读，没有机器结论可推翻，请用评定分（points）给分"
                "（a not machine-checkable rule has no verdict to override: give points）",
                "verdict",
            )
            return None, None
        return None, verdict
    points = _number(values["points"])
    if points is None:
        problem("E704", f"评定分“{values['points']}”须为数字（points must be a number）", "points")
        return None, None
    decimals = max(0, -int(points.as_tuple().exponent) - _trailing_zeros(points))
    if decimals > POINTS_DECIMALS:
        problem(
            "E704",
            f"评定分 {values['points']} 最多保留{POINTS_DECIMALS}位小数，实有{decimals}位"
            f"（points may have at most {POINTS_DECIMALS} decimals; this has {decimals}）",
            "points",
        )
        return None, None
    if rule is not None:
        most = Decimal(repr(rule.points))
        if points < 0 or points > most:
            problem(
                "E704",
                f"评定分 {values['points']} 须在 0 到该规则分值 {rule.points:g} 之间"
                f"（points must be between 0 and the rule's {rule.points:g}）",
                "points",
            )
            return None, None
    return points, None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value).strip()


def _number(value: Any) -> Decimal | None:
    """A number as written (YAML int or float, an Excel number, or text such as `2.5`), exact; None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _trailing_zeros(number: Decimal) -> int:
    """How many zeros end the digits of `number` (2.50 has one): they are no decimals (normalize() would round)."""
    digits = "".join(map(str, number.as_tuple().digits))
    return len(digits) - len(digits.rstrip("0"))


def _is_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
