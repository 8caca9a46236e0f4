"""The assessment as an Excel workbook (openpyxl): summary with grade counts and rankings, the unit × rule matrix
in colour, rule pass rates, units without a report, one sheet per reporting unit with its rectification list,
and the audit details on a sheet of their own.

Numbers are numbers (a score sorts and sums in Excel), shown to their unit's decimals by a number format. Every
string from a rulebook, registry or report is written as text, never as a formula, and characters a workbook
cannot hold are replaced, so a unit named `=HYPERLINK(…)` or holding an ESC is shown, not run or fatal.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.formatting.rule import DataBarRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from wcwidth import wcswidth

from compliance.lang import Lang
from compliance.render.interface import RULE_SYMBOL, grade_columns, grade_text, rankings
from compliance.render.office import (
    absent,
    finding,
    item_sentence,
    reporting,
    reproducible_zip,
    requirement,
    rule_and_score,
    run_datetime,
    stamp,
    xml_safe,
)
from compliance.scoring import Assessment, UnitAssessment, points_number

# Excel's own "good / bad / neutral" tints, with dark text: they print legibly in black and white as well.
STATUS_FILL = {
    "pass": "C6EFCE",
    "fail": "FFC7CE",
    "not_reported": "FFEB9C",
    "error": "E4C9F2",
    "not_applicable": "EDEDED",
}
HEADER_FILL = "D9E1F2"
Cellable = str | float | Decimal | None  # points go in as floats: `points_number`
NUMBER_FORMAT = {"%": '0.00"%"', "百分点": '0.00"个百分点"'}
MAX_WIDTH = 60
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
STATUS_WORDS = {
    "pass": ("通过", "pass"),
    "fail": ("未达标", "fail"),
    "not_applicable": ("不适用", "n/a"),
    "not_reported": ("未报送", "not reported"),
    "error": ("数据矛盾", "error"),
}
UNIT_STATUS_WORDS = {
    "pass": ("全部达标", "pass"),
    "fail": ("有未达标项", "fail"),
    "not_reported": ("未报送", "not reported"),
    "invalid": ("报告无效", "invalid"),
    "duplicate": ("报告重复", "duplicate"),
}


class _Sheet:
    """A worksheet written row by row, remembering how wide each column's text is."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.row = 0
        self.widths: dict[int, int] = {}

    def put(self, row: int, col: int, value: Cellable, fmt: str | None = None) -> None:
        cell = self.ws.cell(row=row, column=col)
        if value is None:
            return
        if isinstance(value, Decimal):
            value = float(value)
        if isinstance(value, str):
            cell.value = xml_safe(value)
            cell.data_type = "s"  # text, even when it starts with '=': never a formula
            width = max((wcswidth(line) for line in cell.value.split("\n")), default=0)
        else:
            cell.value = value
            width = 10
        if fmt:
            cell.number_format = fmt
        self.widths[col] = max(self.widths.get(col, 0), width if width >= 0 else len(str(value)))

    def line(self, values: Sequence[Cellable], formats: Sequence[str | None] = ()) -> int:
        self.row += 1
        for col, value in enumerate(values, start=1):
            self.put(self.row, col, value, formats[col - 1] if col - 1 < len(formats) else None)
        return self.row

    def heading(self, text: str, size: int = 12) -> None:
        self.row += 1 if self.row == 0 else 2
        cell = self.ws.cell(row=self.row, column=1, value=xml_safe(text))
        cell.data_type = "s"
        cell.font = Font(bold=True, size=size)

    def header(self, names: Sequence[str]) -> int:
        row = self.line(names)
        for col in range(1, len(names) + 1):
            cell = self.ws.cell(row=row, column=col)
            cell.font = Font(bold=True)
            cell.fill = _fill(HEADER_FILL)
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        return row

    def fill(self, row: int, col: int, status: str) -> None:
        if status in STATUS_FILL:
            self.ws.cell(row=row, column=col).fill = _fill(STATUS_FILL[status])

    def finish(self, wrap: Iterable[int] = ()) -> None:
        for col, width in self.widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = min(MAX_WIDTH, max(6, width + 2))
        for col in wrap:
            for (cell,) in self.ws.iter_rows(min_col=col, max_col=col, min_row=1, max_row=self.row):
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _fill(colour: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


def sheet_title(name: str, taken: set[str]) -> str:
    """A worksheet name Excel accepts (≤31 characters, none of []:*?/\\), unique in the workbook."""
    base = _SHEET_UNSAFE.sub("_", xml_safe(name)).strip("'") or "unit"
    title, n = base[:31], 1
    while title.casefold() in taken or title.casefold() == "history":
        n += 1
        suffix = f"~{n}"
        title = base[: 31 - len(suffix)] + suffix
    taken.add(title.casefold())
    return title


def _status(status: str, lang: Lang) -> str:
    zh, en = STATUS_WORDS.get(status, (status, status))
    return lang.label(zh, en)


def _unit_status(status: str, lang: Lang) -> str:
    zh, en = UNIT_STATUS_WORDS.get(status, (status, status))
    return lang.label(zh, en)


def _score_format(a: Assessment) -> str:
    return "0." + "0" * a.policy.decimals if a.policy.decimals else "0"


def _summary(sheet: _Sheet, a: Assessment, lang: Lang) -> None:
    audit = a.audit
    sheet.heading(f"{audit.rulebook_title} — {lang.label(f'{audit.rulebook_year}年度考评结果', 'assessment')}", 14)
    sheet.line([lang.label(f"依据 {audit.source_document}", f"Source: {audit.source_document}")])
    sheet.line(
        [lang.label("审计信息（规则集、报告的哈希值、生成时间）见「审计」表", "Audit details: see the audit sheet")]
    )
    sheet.heading(lang.label("等次分布", "Grade counts"))
    grades = grade_columns(a)
    sheet.header([lang.label("类型", "unit type"), *grades, lang.label("合计", "total")])
    for count in a.grade_counts:
        sheet.line([count.unit_type_name, *(dict(count.counts).get(g, 0) for g in grades), count.total])
    score_format = _score_format(a)
    headers = [
        lang.label("排名", "rank"),
        lang.label("单位代码", "unit id"),
        lang.label("单位", "unit"),
        lang.label("得分", "score"),
        lang.label("等次", "grade"),
        lang.label("状态", "status"),
        lang.label("实得分", "earned"),
        lang.label("应得分", "available"),
    ]
    for unit_type, members in rankings(a):
        sheet.heading(lang.label(f"{unit_type.name} 排名", f"{unit_type.name_en}: ranking"))
        sheet.header(headers)
        for u in members:
            status = _unit_status(u.status, lang)
            earned, available = points_number(u.earned, u.scale), points_number(u.available, u.scale)
            sheet.line(
                [u.rank, u.unit_id, u.unit_name, u.score, grade_text(u), status, earned, available],
                [None, None, None, score_format, None, None, "0.##", "0.##"],
            )
    if a.unregistered_units:
        sheet.heading(lang.label("不在考评对象名单中的报告（不排名）", "Reports from units not in the registry"))
        sheet.header([*headers[1:6], lang.label("报告", "report")])
        for u in a.unregistered_units:
            sheet.line(
                [u.unit_id, u.unit_name, u.score, grade_text(u), _unit_status(u.status, lang), ", ".join(u.sources)],
                [None, None, score_format],
            )
    sheet.finish()


def _matrix(sheet: _Sheet, a: Assessment, lang: Lang) -> None:
    fixed = [lang.label("单位代码", "unit id"), lang.label("单位", "unit"), lang.label("得分", "score")]
    sheet.header([*fixed, lang.label("等次", "grade"), *(rule.id for rule in a.rules)])
    first = len(fixed) + 2
    for u in a.registered_units:
        row = sheet.line([u.unit_id, u.unit_name, u.score, grade_text(u)], [None, None, _score_format(a)])
        for col, rule in enumerate(a.rules, start=first):
            status = u.status_of(rule.id)
            if status:
                sheet.put(row, col, RULE_SYMBOL.get(status, ""))
                sheet.fill(row, col, status)
                sheet.ws.cell(row=row, column=col).alignment = Alignment(horizontal="center")
    sheet.ws.freeze_panes = f"{get_column_letter(first)}2"
    sheet.row += 1
    for shown in STATUS_FILL:
        row = sheet.line(["", RULE_SYMBOL[shown], _status(shown, lang)])
        sheet.fill(row, 2, shown)
    sheet.line(["", "", lang.label("空白：规则不适用于该类单位", "blank: the rule does not apply")])
    sheet.finish()
    for col in range(first, first + len(a.rules)):
        sheet.ws.column_dimensions[get_column_letter(col)].width = 11


def _pass_rates(sheet: _Sheet, a: Assessment, lang: Lang) -> None:
    sheet.header(
        [
            lang.label("规则", "rule"),
            lang.label("要求", "requirement"),
            lang.label("部分", "section"),
            lang.label("分值", "points"),
            lang.label("一票否决", "veto"),
            lang.label("适用单位", "applicable"),
            lang.label("达标", "passed"),
            lang.label("未达标", "failed"),
            lang.label("未报送", "not reported"),
            lang.label("数据矛盾", "error"),
            lang.label("达标率", "pass rate"),
        ]
    )
    for r in a.pass_rates:
        rate = None if r.rate is None else r.rate / 100
        veto = lang.label("是", "yes") if r.veto else ""
        values: list[Cellable] = [r.rule_id, r.title, r.section, r.points, veto, r.applicable, r.passed, r.failed]
        sheet.line([*values, r.not_reported, r.error, rate], [None] * 10 + ["0.0%"])
    if a.pass_rates:
        column = get_column_letter(11)
        sheet.ws.conditional_formatting.add(
            f"{column}2:{column}{sheet.row}",
            DataBarRule(start_type="num", start_value=0, end_type="num", end_value=1, color="4575B4"),  # type: ignore[no-untyped-call]
        )
    sheet.ws.freeze_panes = "C2"
    sheet.ws.auto_filter.ref = f"A1:K{sheet.row}"
    sheet.finish(wrap=[2])


def _absent(sheet: _Sheet, a: Assessment, lang: Lang) -> None:
    sheet.header(
        [
            lang.label("单位代码", "unit id"),
            lang.label("单位", "unit"),
            lang.label("类型", "unit type"),
            lang.label("状态", "status"),
            lang.label("等次", "grade"),
            lang.label("说明", "details"),
        ]
    )
    for u in absent(a):
        detail = "\n".join(u.problems) if u.problems else lang.label("未提交年度报告", "no report received")
        sheet.line([u.unit_id, u.unit_name, u.unit_type_name, _unit_status(u.status, lang), u.grade, detail])
    sheet.ws.freeze_panes = "A2"
    sheet.finish(wrap=[6])


def _unit(sheet: _Sheet, a: Assessment, u: UnitAssessment, lang: Lang) -> None:
    sheet.heading(u.unit_name, 14)
    rank = f"{u.rank}/{u.ranked_among}" if u.rank is not None else "—"
    sheet.line([lang.label("单位代码", "unit id"), u.unit_id, lang.label("类型", "unit type"), u.unit_type_name])
    sheet.line(
        [lang.label("得分", "score"), u.score, lang.label("等次", "grade"), grade_text(u)], [None, _score_format(a)]
    )
    sheet.line(
        [lang.label("同类排名", "rank in type"), rank, lang.label("状态", "status"), _unit_status(u.status, lang)]
    )
    earned, available = points_number(u.earned, u.scale), points_number(u.available, u.scale)
    sheet.line([lang.label("实得分", "earned"), earned, lang.label("应得分", "available"), available])
    for problem in u.problems:
        sheet.line([lang.label("说明", "note"), problem])
    sheet.heading(lang.label(f"整改清单（{len(u.rectification)}项）", f"Rectification list ({len(u.rectification)})"))
    if u.rectification:
        start = sheet.header(
            [
                lang.label("序号", "no."),
                lang.label("规则", "rule"),
                lang.label("要求", "requirement"),
                lang.label("结果", "status"),
                lang.label("整改事项", "what to fix"),
                lang.label("失分", "points lost"),
                lang.label("记录", "records"),
            ]
        )
        for n, fix in enumerate(u.rectification, start=1):
            rule, score = rule_and_score(a, u, fix.rule_id)
            extra: list[Cellable] = [points_number(fix.points_lost, u.scale), "\n".join(fix.records)]
            sentence = item_sentence(fix, rule, score, u.scale)
            row = sheet.line(
                [n, fix.rule_id, fix.title, _status(fix.status, lang), sentence, *extra],
                [None] * 5 + ["0.##"],
            )
            sheet.fill(row, 4, fix.status)
        wrap_from = start
    else:
        sheet.line([lang.label("全部达标，无整改事项。", "Every rule met: nothing to fix.")])
        wrap_from = sheet.row
    sheet.heading(lang.label("各项结果", "Every rule"))
    sheet.header(
        [
            lang.label("规则", "rule"),
            lang.label("要求", "requirement"),
            lang.label("结果", "status"),
            lang.label("实际", "measured"),
            lang.label("目标", "target"),
            lang.label("说明", "details"),
            lang.label("分值", "points"),
            lang.label("得分", "earned"),
        ]
    )
    for score in u.rules:
        rule = next(r for r in a.book.rules if r.id == score.rule_id)  # a manual rule may be not checkable
        result = score.result
        unit = rule.unit or ""
        detail = finding(rule, score) or "；".join(result.records)
        points = [
            points_number(score.points, u.scale),
            None if score.earned is None else points_number(score.earned, u.scale),
        ]
        row = sheet.line(
            [rule.id, rule.title.zh, _status(result.status, lang), result.measured, requirement(rule), detail, *points],
            [None, None, None, NUMBER_FORMAT.get(unit, f'0"{unit}"' if unit else "0.##"), None, None, "0.##", "0.##"],
        )
        sheet.fill(row, 3, result.status)
    sheet.finish()
    for col, width in ((3, 40), (5, 50), (7, 40)):
        sheet.ws.column_dimensions[get_column_letter(col)].width = width
    for cells in sheet.ws.iter_rows(min_row=wrap_from, max_row=sheet.row):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _audit(sheet: _Sheet, a: Assessment, lang: Lang) -> None:
    audit = a.audit
    rows = [
        (lang.label("规则集", "rulebook"), f"{audit.rulebook_id} — {audit.rulebook_title}"),
        (lang.label("规则集 SHA-256", "rulebook SHA-256"), audit.rulebook_sha256),
        (lang.label("考评对象名单", "registry"), audit.registry_source),
        (lang.label("名单 SHA-256", "registry SHA-256"), audit.registry_sha256),
        *(
            [
                (lang.label("人工评分", "manual points"), audit.manual_source),
                (lang.label("人工评分 SHA-256", "manual points SHA-256"), audit.manual_sha256 or ""),
            ]
            if audit.manual_source is not None
            else []
        ),
        (lang.label("工具", "tool"), f"compliance {audit.tool_version}"),
        (lang.label("生成时间（UTC）", "generated (UTC)"), audit.generated_at),
        (lang.label("计分办法", "policy"), a.policy_statement),
    ]
    for key, value in rows:
        sheet.line([key, value])
    sheet.heading(lang.label("读取的报告", "Reports read"))
    sheet.header(
        [
            lang.label("报告", "report"),
            lang.label("单位代码", "unit id"),
            lang.label("状态", "status"),
            "SHA-256",
            lang.label("问题", "problems"),
        ]
    )
    for report in a.reports:
        sheet.line([report.source, report.unit_id, report.status, report.sha256, "\n".join(report.problems)])
    sheet.finish(wrap=[2, 5])


def render(a: Assessment, lang: Lang = Lang.BOTH) -> bytes:
    workbook = Workbook()
    taken: set[str] = set()

    def sheet(zh: str, en: str) -> _Sheet:
        ws = workbook.create_sheet(sheet_title(lang.label(zh, en), taken))
        return _Sheet(ws)

    for default in list(workbook.worksheets):  # the empty sheet a new workbook starts with
        workbook.remove(default)
    _summary(sheet("汇总", "Summary"), a, lang)
    _matrix(sheet("矩阵", "Matrix"), a, lang)
    _pass_rates(sheet("达标率", "Pass rates"), a, lang)
    _absent(sheet("未报送", "Not reported"), a, lang)
    for unit in reporting(a):
        _unit(_Sheet(workbook.create_sheet(sheet_title(unit.unit_name, taken))), a, unit, lang)
    _audit(sheet("审计", "Audit"), a, lang)
    when = run_datetime(a)
    props = workbook.properties
    props.creator = props.lastModifiedBy = "compliance"
    props.title = f"{a.audit.rulebook_title} {a.audit.rulebook_year}"
    props.created = props.modified = when
    buffer = io.BytesIO()
    workbook.save(buffer)
    return reproducible_zip(buffer.getvalue(), stamp(a))
