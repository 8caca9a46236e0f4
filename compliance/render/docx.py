"""The assessment as a Word document for leadership (python-docx): a one-page summary first, then the rankings,
then each reporting unit on a page of its own with its rectification items in plain Chinese naming the clause;
units without a report listed once in an appendix; the audit details (hashes, run time) only in the last one.

Word is where the office edits a circular (通报) before it goes out, so the document uses Word's own heading
styles (the navigation pane and a table of contents work) and A4 pages numbered in the footer.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from compliance.lang import Lang
from compliance.render.interface import grade_columns, grade_text
from compliance.render.office import (
    ABSENT,
    absent,
    item_sentence,
    points,
    reporting,
    reproducible_zip,
    rule_and_score,
    run_datetime,
    score_text,
    stamp,
    xml_safe,
    zh,
)
from compliance.scoring import Assessment, UnitAssessment

BODY_FONT = "宋体"  # SimSun: what a Chinese government document is set in; LibreOffice substitutes a CJK font
HEADING_FONT = "黑体"  # SimHei
LATIN_FONT = "Times New Roman"
MONO_FONT = "Consolas"
TEXT_WIDTH_CM = 16.0  # A4 less 2.5 cm margins
MOST_MISSED = 5  # rules listed on the summary page
RECORDS_SHOWN = 5  # failing records listed under an item, then "等N条"
STATUS_TAG = {"fail": "未达标", "not_reported": "未报送", "error": "数据矛盾"}
CHINESE_NUMBERS = "一二三四五六七八九十"


def _font(run_or_style: Any, east_asian: str, latin: str = LATIN_FONT, size: float | None = None) -> None:
    """Latin and East Asian fonts: Word picks the font of each character by its script, so both are set."""
    font = run_or_style.font
    font.name = latin
    if size is not None:
        font.size = Pt(size)
    element = run_or_style.element
    r_pr = element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.append(fonts)
    fonts.set(qn("w:eastAsia"), east_asian)


def _setup(doc: DocumentType) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(2.5)
    normal = doc.styles["Normal"]
    _font(normal, BODY_FONT, size=11)
    normal.paragraph_format.space_after = Pt(3)
    for name, size in (("Title", 20), ("Heading 1", 16), ("Heading 2", 14), ("Heading 3", 12)):
        style = doc.styles[name]
        _font(style, HEADING_FONT, size=size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.bold = True
    _page_numbers(section.footer.paragraphs[0])


def _page_numbers(paragraph: Paragraph) -> None:
    """第 N 页 in the footer, as a PAGE field Word and LibreOffice fill in."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("第 ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"), ("end", None)):
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == "PAGE":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = "PAGE"
            run._r.append(instr)
        else:
            shown = OxmlElement("w:t")
            shown.text = text
            run._r.append(shown)
    paragraph.add_run(" 页")


def _para(doc: DocumentType, text: str = "", *, bold: bool = False, size: float | None = None) -> Paragraph:
    paragraph = doc.add_paragraph()
    if text:
        run = paragraph.add_run(xml_safe(text))
        run.bold = bold
        if size is not None:
            run.font.size = Pt(size)
    return paragraph


def _heading(doc: DocumentType, text: str, level: int, *, new_page: bool = False) -> Paragraph:
    heading: Paragraph = doc.add_heading(xml_safe(text), level=level)
    heading.paragraph_format.page_break_before = new_page
    heading.paragraph_format.keep_with_next = True
    return heading


def _table(
    doc: DocumentType,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    size: float = 10,
    mono: int | None = None,
) -> Table:
    """A grid table; `widths` are shares of the text width, one per column."""
    table: Table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        run = cell.paragraphs[0].add_run(xml_safe(text))
        run.bold = True
        run.font.size = Pt(size)
    _repeat_header(table)
    for values in rows:
        cells = table.add_row().cells  # type: ignore[no-untyped-call]
        for i, (cell, text) in enumerate(zip(cells, values, strict=True)):
            run = cell.paragraphs[0].add_run(xml_safe(text))
            run.font.size = Pt(size if i != mono else 7)
            if i == mono:
                _font(run, MONO_FONT, MONO_FONT)
    # Word reads the cells' widths, LibreOffice the grid's: set both
    total = sum(widths)
    sizes = [Cm(TEXT_WIDTH_CM * share / total) for share in widths]
    for grid_column, size in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), sizes, strict=True):
        grid_column.set(qn("w:w"), str(size.twips))
    for row in table.rows:
        for cell, size in zip(row.cells, sizes, strict=True):
            cell.width = size
    return table


def _repeat_header(table: Table) -> None:
    """The header row is printed again at the top of every page the table runs onto."""
    row_pr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    row_pr.append(repeat)


def _percent(value: object) -> str:
    return "—" if value is None else f"{value}%"


# ---------------------------------------------------------------- page one: the summary


def _summary(doc: DocumentType, a: Assessment) -> None:
    audit = a.audit
    title = doc.add_heading(xml_safe(audit.rulebook_title), level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = _para(doc, f"{audit.rulebook_year}年度考评结果", bold=True, size=16)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    basis = _para(doc, f"依据 {audit.source_document}", size=10)
    basis.alignment = WD_ALIGN_PARAGRAPH.CENTER
    registered = a.registered_units
    missing = [u for u in absent(a) if u.status == "not_reported"]
    rejected = [u for u in absent(a) if u.status == "invalid"]
    scored = [u for u in registered if u.status not in ABSENT]
    overview = f"本次考评对象共{len(registered)}个单位，{len(scored)}个单位报送了年度报告并参加评分"
    if missing or rejected:
        parts = [f"{len(missing)}个单位未报送"] if missing else []
        parts += [f"{len(rejected)}个单位报告无效"] if rejected else []
        overview += f"；{'、'.join(parts)}，等次为{a.policy.no_report_grade}（名单见附件一）"
    if a.unregistered_units:
        overview += f"；另有{len(a.unregistered_units)}份报告来自考评对象名单以外的单位，已评分但不排名"
    _para(doc, overview + "。")
    _heading(doc, "等次分布", 2)
    grades = grade_columns(a)
    rows = [
        [g.unit_type_name, *(str(dict(g.counts).get(name, 0)) for name in grades), str(g.total)]
        for g in a.grade_counts
        if g.total
    ]
    _table(doc, ["单位类型", *grades, "合计"], rows, [3.2] + [1] * (len(grades) + 1))
    vetoed = [u for u in a.units if u.vetoed_by and u.grade != u.grade_before_veto]
    if vetoed:
        _heading(doc, "一票否决", 2)
        for u in vetoed:
            _para(doc, f"{u.unit_name}：{'、'.join(u.vetoed_by)}未达标，等次由{u.grade_before_veto}降为{u.grade}。")
    missed = [r for r in a.pass_rates if r.rate is not None and r.passed < r.applicable][:MOST_MISSED]
    if missed:
        _heading(doc, "达标率最低的要求", 2)
        _table(
            doc,
            ["规则", "要求", "达标/适用", "达标率"],
            [[r.rule_id, r.title, f"{r.passed}/{r.applicable}", _percent(r.rate)] for r in missed],
            [2, 8, 1.8, 1.6],
        )
    _para(doc, "各类单位排名见第一部分，各单位得分与整改事项见第二部分；计分办法见附件二，审计信息见附件三。", size=9)


# ---------------------------------------------------------------- the body


def _rankings(doc: DocumentType, a: Assessment) -> None:
    _heading(doc, "一、各类单位排名", 1, new_page=True)
    decimals = a.policy.decimals
    for unit_type in a.book.registry.types:
        members = [
            u for u in a.registered_units if u.unit_type == unit_type.id and u.status not in ("not_reported", "invalid")
        ]
        if not members:
            continue
        _heading(doc, unit_type.name, 2)
        rows = [
            [str(u.rank) if u.rank is not None else "—", u.unit_name, score_text(u, decimals), grade_text(u)]
            for u in members
        ]
        _table(doc, ["排名", "单位", "得分", "等次"], rows, [1, 6, 1.5, 4])
    if absent(a):
        _para(
            doc,
            f"另有{len(absent(a))}个单位未报送或报告无效，等次为{a.policy.no_report_grade}，不列入排名（名单见附件一）。",
        )
    if a.unregistered_units:
        _heading(doc, "名单以外单位的报告（不排名）", 2)
        rows = [[u.unit_name, score_text(u, decimals), grade_text(u)] for u in a.unregistered_units]
        _table(doc, ["单位", "得分", "等次"], rows, [7, 1.5, 4])


def _sections(doc: DocumentType, u: UnitAssessment) -> None:
    shown = [s for s in u.sections if s.available]
    if not shown:
        return
    rows = []
    for i in range(0, len(shown), 2):
        pair = shown[i : i + 2]
        row: list[str] = []
        for s in pair:
            number = CHINESE_NUMBERS[s.number - 1] if 0 < s.number <= len(CHINESE_NUMBERS) else str(s.number)
            row += [f"（{number}）{s.title}", f"{points(s.earned, u.scale)}/{points(s.available, u.scale)}"]
        rows.append(row + ["", ""] * (2 - len(pair)))
    _table(doc, ["部分", "得分/应得", "部分", "得分/应得"], rows, [6, 2, 6, 2], size=9)


def _unit(doc: DocumentType, a: Assessment, number: int, u: UnitAssessment) -> None:
    _heading(doc, f"{number}. {u.unit_name}", 2, new_page=number > 1)  # the first shares the part's page
    facts = [u.unit_type_name]
    if u.status == "duplicate":
        facts.append("报送了多份不同的报告，未评分")
    else:
        facts += [f"得分 {score_text(u, a.policy.decimals)}", f"等次 {grade_text(u)}"]
        facts.append(f"同类排名 {u.rank}/{u.ranked_among}" if u.rank is not None else "不排名（不在考评对象名单中）")
    _para(doc, "｜".join(facts), bold=True)
    _sections(doc, u)
    if u.rectification:
        _heading(doc, f"整改事项（{len(u.rectification)}项）", 3)
        for n, fix in enumerate(u.rectification, start=1):
            rule, score = rule_and_score(a, u, fix.rule_id)
            head = _para(
                doc, f"{n}. 【{STATUS_TAG.get(fix.status, fix.status)}】{fix.title}（{fix.rule_id}）", bold=True
            )
            head.paragraph_format.keep_with_next = True
            _para(doc, item_sentence(fix, rule, score, u.scale))
            lines = [f"· {zh(record)}" for record in fix.records[:RECORDS_SHOWN]]
            if len(fix.records) > RECORDS_SHOWN:
                lines.append(f"· 等{len(fix.records)}条")
            lines += [f"注：{zh(note)}" for note in score.result.notes]  # why a record did not count
            for text in lines:
                _para(doc, text, size=9).paragraph_format.left_indent = Cm(0.75)
    elif u.status == "pass":
        _para(doc, "全部达标，无整改事项。")
    for problem in u.problems:
        note = _para(doc, f"说明：{problem}", size=9)
        note.runs[0].font.color.rgb = RGBColor(0x59, 0x59, 0x59)


# ---------------------------------------------------------------- appendices


def _appendices(doc: DocumentType, a: Assessment) -> None:
    missing = absent(a)
    _heading(doc, "附件一：未报送及报告无效的单位", 1, new_page=True)
    if missing:
        rows = [
            [
                str(n),
                u.unit_name,
                u.unit_type_name,
                "报告无效（问题见附件三）" if u.status == "invalid" else "未提交年度报告",
            ]
            for n, u in enumerate(missing, start=1)
        ]
        _table(doc, ["序号", "单位", "类型", "情况"], rows, [1, 6, 5, 4], size=9)
    else:
        _para(doc, "无。所有考评对象均报送了年度报告。")
    _heading(doc, "附件二：计分办法", 1, new_page=True)
    _para(doc, zh(a.policy_statement.split(" | ")[0]))
    audit = a.audit
    _heading(doc, "附件三：审计信息", 1, new_page=True)
    _para(doc, "以下信息用于核对本结果由哪些文件、在何时计算得出；同样的输入重新计算得到同样的结果。", size=9)
    details = [
        ["规则集", f"{audit.rulebook_id}（{audit.rulebook_title}）"],
        ["规则集 SHA-256", audit.rulebook_sha256],
        ["考评对象名单", audit.registry_source],
        ["名单 SHA-256", audit.registry_sha256],
        *(
            [["人工评分", audit.manual_source], ["人工评分 SHA-256", audit.manual_sha256 or ""]]
            if audit.manual_source is not None
            else []
        ),
        ["工具", f"compliance {audit.tool_version}"],
        ["生成时间（UTC）", audit.generated_at],
    ]
    _table(doc, ["项目", "内容"], details, [1, 3], size=9)
    _para(doc)
    rows = [[r.source, r.unit_id or "—", r.status, r.sha256] for r in a.reports]
    _table(doc, ["报告", "单位代码", "状态", "SHA-256"], rows, [5, 2, 1.6, 7.4], size=8, mono=3)
    problems = [(r.source, p) for r in a.reports for p in r.problems]
    if problems:
        _heading(doc, "报告问题", 3)
        for _, problem in problems:
            _para(doc, problem, size=8)


def render(a: Assessment, lang: Lang = Lang.BOTH) -> bytes:
    """The Word document (always in Chinese: it is written for the leadership it goes to)."""
    del lang
    doc = Document()
    _setup(doc)
    _summary(doc, a)
    _rankings(doc, a)
    units = reporting(a)
    if units:
        _heading(doc, "二、各单位得分与整改事项", 1, new_page=True)
        for number, unit in enumerate(units, start=1):
            _unit(doc, a, number, unit)
    _appendices(doc, a)
    props = doc.core_properties
    props.title = f"{a.audit.rulebook_title} {a.audit.rulebook_year}年度考评结果"
    props.author = props.last_modified_by = "compliance"
    props.created = props.modified = run_datetime(a)
    props.revision = 1
    buffer = io.BytesIO()
    doc.save(buffer)
    return reproducible_zip(buffer.getvalue(), stamp(a))
