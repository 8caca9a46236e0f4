"""--lang: headings and labels in Chinese, English or both; never a word of a unit's own text changed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from compliance.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "sample_reports"
TIME = "2019-01-15T09:00:00+08:00"


def assess(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["assess", *argv, "--time", TIME]) == 1
    return capsys.readouterr().out


def test_table_headings(capsys: pytest.CaptureFixture[str]) -> None:
    both = assess(capsys, str(SAMPLES))
    zh = assess(capsys, str(SAMPLES), "--lang", "zh")
    en = assess(capsys, str(SAMPLES), "--lang", "en")
    assert "排名 rank" in both and "等次分布 grade counts by unit type" in both
    header = next(line for line in zh.splitlines() if line.startswith("排名"))
    assert "rank" not in header and "score" not in header and "等次分布\n" in zh
    assert "\nrank " in en and "grade counts by unit type\n" in en and "排名" not in en


def test_markdown_and_html_headings(capsys: pytest.CaptureFixture[str]) -> None:
    md = assess(capsys, str(SAMPLES), "--format", "md", "--lang", "en")
    assert "## Rankings" in md and "| rank | unit | score |" in md
    html = assess(capsys, str(SAMPLES), "--format", "html", "--lang", "en")
    assert '<html lang="en">' in html and "<th>rank</th>" in html and "<th>排名</th>" not in html
    html_zh = assess(capsys, str(SAMPLES), "--format", "html", "--lang", "zh")
    assert '<html lang="zh-CN">' in html_zh and "<th>排名</th>" in html_zh and "Rankings" not in html_zh


def test_csv_headings(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["assess", str(SAMPLES), "--format", "csv", "--lang", "zh", "--time", TIME]) == 1
    header = next(csv.reader(io.StringIO(capsysbinary.readouterr().out.decode("utf-8-sig"))))
    assert header[:4] == ["类型", "排名", "同类单位数", "单位代码"]


def test_locale_decides_when_not_told(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "等次分布\n" in assess(capsys, str(SAMPLES))
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert "grade counts by unit type\n" in assess(capsys, str(SAMPLES))


def test_a_units_own_words_are_never_split(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A name shaped like a label ('中文 English') is the unit's, and is shown whole in every language."""
    name = "市教育局 Education Bureau"
    report = {"unit_id": "edu-bureau", "unit_name": name, "unit_type": "city_department", "year": 2018}
    (tmp_path / "r.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    for fmt in ("table", "md", "html"):
        for lang in ("zh", "en"):
            assert name in assess(capsys, str(tmp_path), "--format", fmt, "--lang", lang), (fmt, lang)
