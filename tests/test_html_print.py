"""The HTML assessment printed (Chromium's print to PDF): A4 pages broken by part and by unit, the hashes and
run time on the last page instead of the first, units without a report listed once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from compliance.cli import main
from tests.test_html_browser import BROWSER, chromium
from tests.test_office import REPORTING

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_reports"
HEX_RUN = re.compile(r"[0-9a-f]{32,}")
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no headless chromium installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    tmp = tmp_path_factory.mktemp("print")
    html = tmp / "assessment.html"
    assert main(["assess", str(SAMPLES), "--format", "html", "-o", str(html), "--time", "2019-01-15T01:00:00Z"]) == 1
    pdf = tmp / "assessment.pdf"
    done = chromium(tmp, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri())
    assert done.returncode == 0 and pdf.exists(), done.stderr.decode(errors="replace")[-2000:]
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(pdf).pages]


def test_first_page_has_no_hash_and_the_last_has_them(pages: list[str]) -> None:
    assert "2018年度考评结果" in pages[0] and "等次分布" in pages[0]
    assert not HEX_RUN.search(pages[0]) and "sha256" not in pages[0]
    assert pages[-1].startswith("附：审计信息") and HEX_RUN.search(pages[-1])


def test_each_reporting_unit_starts_a_page(pages: list[str]) -> None:
    part = "五、各单位得分与整改清单Units"  # the first unit shares its page with the part's heading
    starts = [next((name for name in REPORTING if page.removeprefix(part).startswith(name)), None) for page in pages]
    assert sorted(name for name in starts if name) == sorted(REPORTING)
    # the whole print: summary parts, one page or so per reporting unit, the others listed once, the audit
    assert len(pages) <= 8 + 1.5 * len(REPORTING)
    assert sum(page.count("崇川区人民政府") for page in pages) <= 3  # ranking, matrix, the one list
