"""Excel and Word out: the workbook the office works in and the document leadership reads, opened as they open them.

The Word document is also printed to PDF with LibreOffice (CI installs it; elsewhere that test is skipped unless
COMPLIANCE_REQUIRE_PDF=1) to count its pages and read what each page starts with.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from docx import Document
from openpyxl.worksheet.worksheet import Worksheet
from pypdf import PdfReader

from compliance.cli import main
from compliance.render.xlsx import STATUS_FILL, sheet_title

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_reports"
TIME = "2019-01-15T09:00:00+08:00"
HASH = re.compile(r"\b[0-9a-f]{64}\b")
HEX_RUN = re.compile(r"[0-9a-f]{32,}")  # a hash a PDF line break has cut (lines joined)
SOFFICE = next((b for b in ("soffice", "libreoffice") if shutil.which(b)), None)
# The sample units that sent a report that could be read, and those that did not (README, "What scoring the
# samples prints"): tongzhou's report is invalid, so it is listed with the units that sent nothing.
REPORTING = {
    "南通仲裁委员会",
    "市法制办",
    "市住房公积金管理中心",
    "市工商局",
    "海门市人民政府",
    "市交通运输局",
    "南通经济技术开发区管委会",
    "南通市人民政府",
    "启东市人民政府",
    "如皋市人民政府",
    "市住建局",
}


def assess(tmp_path: Path, fmt: str, *extra: str, source: Path = SAMPLES) -> Path:
    target = tmp_path / f"assessment.{fmt}"
    assert main(["assess", str(source), "--format", fmt, "-o", str(target), "--time", TIME, *extra]) == 1
    return target


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    return openpyxl.load_workbook(assess(tmp_path_factory.mktemp("xlsx"), "xlsx", "--lang", "zh"))


def rows(ws: Worksheet) -> list[list[Any]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def row_of(ws: Worksheet, first: str) -> list[Any]:
    return next(r for r in rows(ws) if first in r)


# ------------------------------------------------------------------ Excel


def test_workbook_has_the_expected_sheets(workbook: openpyxl.Workbook) -> None:
    names = workbook.sheetnames
    assert names[:4] == ["汇总", "矩阵", "达标率", "未报送"] and names[-1] == "审计"
    assert set(names[4:-1]) == REPORTING  # one sheet per reporting unit, none for a unit that sent nothing


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same assessment as JSON, the stable interface the workbook must agree with (its numbers are checked
    by hand in test_scoring)."""
    target = assess(tmp_path_factory.mktemp("json"), "json")
    data: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return data


def test_summary_has_grade_counts_and_rankings(workbook: openpyxl.Workbook, expected: dict[str, Any]) -> None:
    summary = workbook["汇总"]
    grades = row_of(summary, "类型")
    for count in expected["grade_counts"]:
        shown = dict(zip(grades, row_of(summary, count["unit_type_name"]), strict=False))
        assert {g: shown[g] for g in count["counts"]} == count["counts"] and shown["合计"] == count["total"]
    units = {u["unit_id"]: u for u in expected["units"]}
    for unit_id in ("qidong", "haimen", "jiaotong", "rugao"):
        unit = units[unit_id]
        row = row_of(summary, unit_id)
        assert row[:4] == [unit["rank"], unit_id, unit["unit_name"], unit["score"]]
        assert row[4].startswith(unit["grade"])
    at = [r[1] for r in rows(summary)].index("qidong") + 1
    assert summary.cell(row=at, column=4).number_format == "0.00"
    assert row_of(summary, "jiaotong")[4].endswith("（一票否决，原优秀）")  # NT18-19.1, a veto rule, fails


def test_matrix_colours_each_verdict(workbook: openpyxl.Workbook) -> None:
    matrix = workbook["矩阵"]
    header = rows(matrix)[0]
    column = header.index("NT18-32.1") + 1
    units = [r[0] for r in rows(matrix)]

    def cell(unit_id: str) -> Any:
        return matrix.cell(row=units.index(unit_id) + 1, column=column)

    assert cell("qidong").value == "✗" and cell("qidong").fill.fgColor.rgb.endswith(STATUS_FILL["fail"])
    assert cell("haimen").value == "✓" and cell("haimen").fill.fgColor.rgb.endswith(STATUS_FILL["pass"])
    assert cell("chongchuan").value == "?" and cell("chongchuan").fill.fgColor.rgb.endswith(STATUS_FILL["not_reported"])
    assert cell("jiaotong").value is None  # a county-government rule: nothing for a bureau
    red, green = (int(STATUS_FILL["fail"][i : i + 2], 16) for i in (0, 2))
    assert red > green  # failures are red, whatever the constants say


def test_pass_rates_are_numbers(workbook: openpyxl.Workbook) -> None:
    sheet = workbook["达标率"]
    header = rows(sheet)[0]
    row = dict(zip(header, row_of(sheet, "NT18-24.1"), strict=True))
    # qidong fails it (999/1000), zhujian contradicts itself (47 of 45); haimen and others pass
    assert row["未达标"] >= 1 and row["数据矛盾"] == 1
    assert row["达标率"] == pytest.approx(row["达标"] / row["适用单位"], abs=0.0006)
    assert sheet.cell(row=2, column=header.index("达标率") + 1).number_format == "0.0%"


def test_unit_sheet_lists_its_rectification_in_plain_chinese(
    workbook: openpyxl.Workbook, expected: dict[str, Any]
) -> None:
    sheet = workbook["启东市人民政府"]
    fixes = {r[1]: r for r in rows(sheet) if isinstance(r[0], int)}
    qidong = next(u for u in expected["units"] if u["unit_id"] == "qidong")
    assert set(fixes) == {f["rule_id"] for f in qidong["rectification"]}
    # three of four 2018 study sessions count (one is dated 2017-12-31); 999 of 1000 replies on time
    assert "依据第32条" in fixes["NT18-32.1"][4] and "实际3次，还差1次" in fixes["NT18-32.1"][4]
    assert "实际99.9%，还差0.1个百分点" in fixes["NT18-24.1"][4]
    veto = {r[1]: r for r in rows(workbook["市交通运输局"]) if isinstance(r[0], int)}["NT18-19.1"][4]
    assert "实际98.85%，还差1.15个百分点" in veto and "一票否决" in veto  # 431/436: not 还差1.14679%


def test_units_without_a_report_are_listed_once(workbook: openpyxl.Workbook) -> None:
    listed = [r[0] for r in rows(workbook["未报送"])[1:]]
    assert "chongchuan" in listed and "tongzhou" in listed and "qidong" not in listed
    assert len(listed) == len(set(listed)) == 49  # 60 registered units, 11 with a report that could be read
    assert row_of(workbook["未报送"], "tongzhou")[3] == "报告无效"


def test_audit_sheet_holds_hashes_and_run_time(workbook: openpyxl.Workbook) -> None:
    audit = rows(workbook["审计"])
    assert any(isinstance(v, str) and HASH.fullmatch(v) for r in audit for v in r)
    assert [v for v in audit[5] if v is not None] == ["生成时间（UTC）", "2019-01-15T01:00:00Z"]
    assert not any(isinstance(v, str) and HASH.search(v) for r in rows(workbook["汇总"]) for v in r)


def test_english_headings(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(assess(tmp_path, "xlsx", "--lang", "en"))
    assert book.sheetnames[:4] == ["Summary", "Matrix", "Pass rates", "Not reported"]
    assert rows(book["Pass rates"])[0][:2] == ["rule", "requirement"]


def test_workbook_is_reproducible(tmp_path: Path) -> None:
    first = assess(tmp_path / "1", "xlsx").read_bytes()
    assert assess(tmp_path / "2", "xlsx").read_bytes() == first


def test_unit_strings_are_text_never_formulas(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    report = {
        "unit_id": "evil",
        "unit_type": "city_department",
        "unit_name": '=HYPERLINK("http://example.invalid","点我")\x1b\x00',
        "year": 2018,
    }
    (folder / "evil.json").write_text(json.dumps(report), encoding="utf-8")
    book = openpyxl.load_workbook(assess(tmp_path, "xlsx", "--lang", "zh", source=folder))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    named = [c for c in cells if c.value.startswith("=HYPERLINK")]
    assert named and all(c.data_type == "s" for c in named)
    assert all("\x1b" not in c.value and "\x00" not in c.value for c in cells)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("市教育局", "市教育局"), ("a/b:c*d?[e]", "a_b_c_d__e_"), ("很" * 40, "很" * 31), ("History", "History~2")],
)
def test_sheet_titles_are_valid_and_unique(name: str, expected: str) -> None:
    taken = {"history"} if name == "History" else set()
    assert sheet_title(name, taken) == expected
    assert sheet_title(name, taken) != expected  # a second unit of the same name gets its own sheet


# ------------------------------------------------------------------ Word


@pytest.fixture(scope="module")
def docx_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return assess(tmp_path_factory.mktemp("docx"), "docx")


def test_document_starts_with_a_summary_and_gives_each_unit_a_page(docx_file: Path) -> None:
    doc = Document(str(docx_file))
    paragraphs = doc.paragraphs
    first_break = next(i for i, p in enumerate(paragraphs) if p.paragraph_format.page_break_before)
    summary = "\n".join(p.text for p in paragraphs[:first_break]) + "\n".join(
        c.text for t in doc.tables[:3] for row in t.rows for c in row.cells
    )
    assert "2018年度考评结果" in summary and "sha" not in summary.lower() and not HASH.search(summary)
    headings = [p for p in paragraphs if p.style.name == "Heading 2" and re.match(r"^\d+\. ", p.text)]
    assert {p.text.split(". ", 1)[1] for p in headings} == REPORTING
    assert all(p.paragraph_format.page_break_before for p in headings[1:])


def test_document_lists_units_without_a_report_once(docx_file: Path) -> None:
    doc = Document(str(docx_file))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert (text + "\n".join(cells)).count("崇川区人民政府") == 1
    assert "还差1.15个百分点" in text and "1.14679" not in text
    assert "依据第32条“市、县(市、区)政府领导班子开展4次以上常务会议学法活动”" in text


def test_document_is_reproducible(tmp_path: Path) -> None:
    first = assess(tmp_path / "1", "docx").read_bytes()
    assert assess(tmp_path / "2", "docx").read_bytes() == first


def test_document_survives_hostile_names(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    report = {"unit_id": "evil", "unit_type": "city_department", "unit_name": "坏\x1b[31m单位\x00", "year": 2018}
    (folder / "evil.yaml").write_text(yaml.safe_dump(report, allow_unicode=True), encoding="utf-8")
    doc = Document(str(assess(tmp_path, "docx", source=folder)))
    assert any("坏\ufffd[31m单位\ufffd" in p.text for p in doc.paragraphs)


@pytest.mark.skipif(
    SOFFICE is None and os.environ.get("COMPLIANCE_REQUIRE_PDF") != "1",
    reason="LibreOffice is not installed (apt-get install libreoffice-writer-nogui)",
)
def test_printed_document_has_a_summary_page_then_a_page_per_unit(docx_file: Path, tmp_path: Path) -> None:
    assert SOFFICE is not None, "COMPLIANCE_REQUIRE_PDF=1 but LibreOffice is not installed"
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"  # its own profile: no clash with others
    subprocess.run(
        [SOFFICE, profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx_file)],
        check=True,
        capture_output=True,
        timeout=300,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    pages = [page.extract_text() for page in PdfReader(tmp_path / "assessment.pdf").pages]
    first = pages[0]
    assert "2018" in first and "考评结果" in first and "等次分布" in first
    assert not HEX_RUN.search(re.sub(r"\s", "", first)) and "SHA" not in first.upper()
    assert pages[1].lstrip().startswith("一、各类单位排名")  # the summary kept to its one page
    # each reporting unit opens a page of its own, in the order the rankings give
    starts = {}
    for number, text in enumerate(pages):
        lines = [line for line in text.splitlines() if line.strip()]
        heading = next((line for line in lines[:3] if re.match(r"^\d+\. (?!【)", line.strip())), None)
        if heading:
            starts[re.sub(r"\s", "", heading.split(". ", 1)[1])] = number
    assert set(starts) == REPORTING
    body = max(starts.values()) - min(starts.values()) + 1
    assert len(REPORTING) <= body <= 2 * len(REPORTING)  # one page each, a long list may take two
    appendix = next(i for i, t in enumerate(pages) if t.lstrip().startswith("附件一"))
    assert appendix - min(starts.values()) <= int(1.5 * len(REPORTING))
    assert len(pages) <= 1 + 1 + 1.5 * len(REPORTING) + 5  # summary, rankings, units, three short appendices
    assert HEX_RUN.search(re.sub(r"\s", "", pages[-1]))  # the hashes are there, at the end
