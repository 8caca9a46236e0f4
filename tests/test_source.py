"""The source normaliser: pinyin out, simplified Chinese in, all 34 items and their responsible units intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from compliance.cli import main
from compliance.loading.rulebook import DEFAULT_RULES
from compliance.locator import Kind, chinese_number, heading, parse_locator
from compliance.model import SourceRef
from compliance.source import (
    TONE_MARKED,
    SourceText,
    comparable,
    normalize_source,
    parse_items,
    split_clauses,
    strip_pinyin,
)
from tests.made_up import MADE_UP_PLAN

# The bundled copy is byte for byte the distributed ../shared/source file (pinyin, mojibake and all).
RAW = (DEFAULT_RULES / "source" / "nantong-2018-work-points.txt").read_text(encoding="utf-8")
TEXT = normalize_source(RAW)

# 责任单位 of each item, as the document prints them (simplified).
UNITS = {
    1: "市编办、市审批局、市财政局、市物价局,市政府各部门",
    2: "市编办、市法制办,市政府各部门",
    3: "市编办,市政府各部门",
    4: "市法制办、市工商局、市编办,市政府各部门",
    5: "市经信委,市政府各部门",
    6: "市民政局、市财政局",
    7: "市环保局、市发改委、市财政局、市水利局、市物价局",
    8: "市法制办,市政府各部门",
    9: "市法制办,市政府各部门",
    10: "市法制办,市政府各部门",
    11: "市法制办,市政府各部门",
    12: "市政府办公室、市法制办,市政府各部门",
    13: "市政府办公室、市法制办,市政府各部门",
    14: "市法制办、市司法局,市政府各部门",
    15: "市政府各部门",
    16: "市编办、市法制办,市政府各部门",
    17: "市法制办,市政府各部门",
    18: "市法制办,市政府各部门",
    19: "市法制办,市政府各部门",
    20: "市政府办公室,市政府各部门",
    21: "市审批局、市政府办公室,市政府各部门",
    22: "市政府办公室,市政府各部门",
    23: "市审计局、市法制办、市人社局,市政府各部门",
    24: "市政府办公室、市法制办,市政府各部门",
    25: "市信访局、市网信办,市政府各部门",
    26: "市法制办,市政府各部门",
    27: "市法制办,市政府各部门",
    28: "市法制办,市政府各部门",
    29: "市法制办、市司法局,南通仲裁委",
    30: "市信访局,市政府各部门",
    31: "市政府办公室、市法制办,市政府各部门",
    32: "市政府办公室、市法制办、市司法局,市政府各部门",
    33: "市法制办,市政府各部门",
    34: "市法制办、市司法局,市政府各部门",
}
# Section (一)…(八) of each item: 1-7, 8-11, 12-15, 16-19, 20-22, 23-25, 26-30, 31-34.
SECTIONS = dict.fromkeys(range(1, 8), 1) | dict.fromkeys(range(8, 12), 2) | dict.fromkeys(range(12, 16), 3)
SECTIONS |= dict.fromkeys(range(16, 20), 4) | dict.fromkeys(range(20, 23), 5) | dict.fromkeys(range(23, 26), 6)
SECTIONS |= dict.fromkeys(range(26, 31), 7) | dict.fromkeys(range(31, 35), 8)

SIMPLIFIED = [
    "南通市人民政府办公室关于印发南通市2018年法治政府建设工作要点的通知",
    "(一)依法全面履行政府职能",
    "深化“放管服”改革,完善权责清单",
    "实现法人、个体工商户及其他组织代码转换率达100%",
    "除依法需要保密的外,政府立法草案要通过网络、报纸等媒体向社会公开征求意见,期限一般不少于30日",
    "建议、提案按时办复率达100%",
    "完成南通仲裁委员会换届工作",
    "每年党委常委会听取法治建设工作汇报",
    "市、县(市、区)政府领导班子开展4次以上常务会议学法活动,市政府部门领导班子开展2次以上集体学法活动",
    "市、县(市、区)政府举办1期以上领导干部法治专题培训班",
    "联系电话85099096、85215196",
]
TRADITIONAL = ["發", "縣", "區", "機", "辦", "關", "規", "執", "復", "與", "議", "務", "應", "網", "幹"]


def test_every_item_is_present_in_order_and_ends_with_its_responsible_units() -> None:
    lines = [line for line in TEXT.split("\n") if re.match(r"^\d{1,2}\.", line)]
    assert [int(line.split(".", 1)[0]) for line in lines] == list(range(1, 35))
    for number, line in enumerate(lines, start=1):
        assert line.endswith(f"({UNITS[number]})"), line[-40:]


def test_parsed_items_carry_number_section_units_and_line() -> None:
    items = parse_items(TEXT)
    assert [i.number for i in items] == list(range(1, 35))
    assert {i.number: i.units for i in items} == UNITS
    assert {i.number: i.section for i in items} == SECTIONS
    lines = TEXT.split("\n")
    for item in items:
        assert lines[item.line - 1].startswith(f"{item.number}.")
        assert not item.body.endswith(")")


def test_county_parentheses_survive() -> None:
    assert TEXT.count("县(市、区)") == 3  # items 16 and 32 (twice)
    assert "各县(市)、区人民政府" in TEXT


def test_no_tone_marked_latin_is_left() -> None:
    assert TONE_MARKED.search(RAW)  # the input has pinyin…
    assert TONE_MARKED.search(TEXT) is None  # …the output none
    assert re.search(r"\([a-z]+\)", TEXT) is None


@pytest.mark.parametrize("phrase", SIMPLIFIED)
def test_known_simplified_strings(phrase: str) -> None:
    assert phrase in TEXT


def test_no_traditional_characters_left() -> None:
    assert [c for c in TRADITIONAL if c in TEXT] == []


def test_line_structure_is_kept() -> None:
    assert TEXT.count("\n") == RAW.replace("\r\n", "\n").count("\n")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("發(fā)展", "發展"),
        ("綠(lǜ)色", "綠色"),
        ("縣(市、區)", "縣(市、區)"),
        ("實施綱要(2015-2020年)", "實施綱要(2015-2020年)"),
        ("市(市政府各部門)", "市(市政府各部門)"),
        ("code(abc)", "code(abc)"),  # no tone mark, no CJK before it: not pinyin
        ("創新?(dān)當", "創新?當"),  # a character lost to '?', its annotation kept
        ("日??己恕m?xiàng)測評", "日??己恕m?測評"),  # … even without its opening parenthesis
        ("女(nǚ)綠(lǜ)略(lüè)", "女綠略"),  # ü with a tone mark
        ("發展(fāzhǎn)", "發展"),  # a word annotated at once
        ("法治政府(fǎzhìzhèngfǔ)", "法治政府"),  # … however long
        ("西安(xī'ān)", "西安"),  # … with a syllable-dividing apostrophe
        ("我(wǒ)們(men)的(de)", "我們的"),  # neutral tone, in an annotated text
        ("綠(lǜ)色(se)", "綠色"),
        ("編號(a)、代碼(men)", "編號(a)、代碼(men)"),  # no tone mark anywhere: not an annotated text
        ("咖啡(café)", "咖啡(café)"),  # a tone-like accent on a word that is no pinyin syllable
        ("代碼(code)、發(fā)", "代碼(code)、發"),  # untoned words are never stripped as several syllables
        ("站點(www)、發(fā)", "站點(www)、發"),
    ],
)
def test_strip_pinyin(raw: str, clean: str) -> None:
    assert strip_pinyin(raw) == clean


def test_every_annotation_in_the_source_is_pinyin_and_is_stripped() -> None:
    annotations = re.findall(r"\(([^()]*[a-z][^()]*)\)", RAW)
    assert len(annotations) > 500
    assert re.search(r"\([^()]*[a-z][^()]*\)", strip_pinyin(RAW)) is None


def test_only_latin_left_is_the_garbled_letter_of_item_31() -> None:
    # `日??己恕m?(xiàng)`: characters of 日常考核、专项 lost in transmission; the `m` is debris, not pinyin.
    latin = [(m.group(), TEXT[m.start() - 5 : m.end() + 3]) for m in re.finditer(r"[A-Za-zÀ-ɏ]+", TEXT)]
    assert latin == [("m", "日??己恕m?测评")]


def test_decomposed_tone_marks_are_stripped_too() -> None:
    # a + U+0304 (combining macron), as text copied from some PDFs carries it
    assert normalize_source("發(fa\u0304)展(zha\u030cn)") == "发展"


def test_comparable_ignores_width_and_whitespace() -> None:
    assert comparable("深化“放管服”改革，完善 权责清单（试行）") == comparable("深化“放管服”改革,完善权责清单(试行)")


@pytest.mark.parametrize(
    ("quote", "source"),
    [
        ('深化"放管服"改革', "深化“放管服”改革"),  # quotation marks typed in half-width mode
        ("深化'放管服'改革", "深化‘放管服’改革"),
        ("强化清单管理.进一步减轻负担", "强化清单管理。进一步减轻负担"),  # 。 typed as .
        ("完善\u200b权责清单\u00ad", "\ufeff完善权责清单"),  # invisible characters copied from a web page
        ("完善　权责\n清单", "完善权责清单"),  # ideographic space, line break
    ],
)
def test_comparable_folds_half_width_typing(quote: str, source: str) -> None:
    assert comparable(quote) == comparable(source)


def test_clauses_do_not_split_inside_brackets() -> None:
    text = "贯彻落实《甲,乙》和“丙,丁”,每年听取汇报。完成换届"
    assert [text[a:b] for a, b in split_clauses(text)] == ["贯彻落实《甲,乙》和“丙,丁”", "每年听取汇报", "完成换届"]


def test_nearest_passage_names_the_item() -> None:
    source = SourceText.parse(RAW)
    near = source.nearest("市、县政府领导班子开展四次以上常务会议学法活动")
    assert near is not None and near.item == 32
    assert "4次以上常务会议学法活动" in near.text


def test_source_normalize_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = tmp_path / "source.txt"
    raw.write_text(RAW, encoding="utf-8")
    assert main(["source", "normalize", str(raw)]) == 0
    assert capsys.readouterr().out == TEXT


def test_source_normalize_missing_file_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["source", "normalize", str(tmp_path / "missing.txt")]) == 2
    assert "E000" in capsys.readouterr().err


# ---------------------------------------------------------------- sources of any layout
# Every text below is MADE UP for these tests (虚构的测试文本): no real document is quoted.


MADE_UP_REGULATION = """\
某市行政执法监督办法（虚构，仅供测试）
第一章　总则
第一条　为了规范行政执法监督，制定本办法。
第二条　本办法适用于：
（一）市级行政机关；
（二）区级行政机关。
第二章　监督
第三条　行政机关不得拒绝监督。
第十二条　每年报告一次。
"""


def test_chinese_numerals_are_read_as_numbers() -> None:
    assert [chinese_number(n) for n in ("一", "十", "十二", "二十", "九十九", "一百", "一百零五", "两百", "三千")] == [
        1, 10, 12, 20, 99, 100, 105, 200, 3000,
    ]  # fmt: skip
    assert chinese_number("第") == 0


@pytest.mark.parametrize(
    ("line", "kind", "number"),
    [
        ("1.深化改革", Kind.ARABIC, 1),
        ("2、深化改革", Kind.ARABIC, 2),
        ("3．深化改革", Kind.ARABIC, 3),  # full-width full stop
        ("１２．深化改革", Kind.ARABIC, 12),  # full-width digits
        ("120、深化改革", Kind.ARABIC, 120),
        ("（一）学法用法", Kind.PAREN_CN, 1),
        ("(十二)学法用法", Kind.PAREN_CN, 12),
        ("三、工作要求", Kind.CN, 3),
        ("（3）细目", Kind.PAREN_ARABIC, 3),
        ("②细目", Kind.CIRCLED, 2),
        ("第五条　为了规范", Kind.ARTICLE, 5),
        ("第105条 为了规范", Kind.ARTICLE, 105),
        ("第一百零五条为了规范", Kind.ARTICLE, 105),
        ("第二章　监督", Kind.CHAPTER, 2),
    ],
)
def test_headings_of_every_numbering(line: str, kind: Kind, number: int) -> None:
    found = heading(line)
    assert found is not None
    assert (found[0].kind, found[0].number) == (kind, number)
    assert not found[1].startswith(("　", " "))


@pytest.mark.parametrize(
    "line",
    [
        "30.5%的单位完成换届",  # a wrapped line that starts with a decimal
        "2018、2019年连续两年",  # a year is no item number (at most three digits)
        "2018.12.31前完成",
        "(2015-2020年)实施纲要",
        "（市司法局）",
        "十九大精神",
        "第二次全体会议",  # 第N次 is no division
        "依照本办法第五条",
    ],
)
def test_lines_that_open_no_heading(line: str) -> None:
    assert heading(line) is None


def test_a_plan_numbered_1_dun_with_sections_numbered_anew() -> None:
    source = SourceText.parse(MADE_UP_PLAN)
    assert source.item_kind is Kind.ARABIC
    assert [(i.locator, i.section, i.units) for i in source.items] == [
        ("（一）1", 1, "市司法局，各部门"),
        ("（一）2", 1, "市司法局"),
        ("（二）1", 2, "各执法部门"),
        ("（二）2", 2, "各执法部门"),
    ]
    assert [i.body for i in source.items][2] == "行政执法案卷评查合格率达到95%以上。"
    # item 1 is numbered twice: only a locator names one
    assert len(source.resolve(item=1)) == 2
    (item,) = source.resolve(at="（二）1")
    assert item.body.startswith("行政执法案卷评查")
    assert source.resolve(at="一、（二）1") == source.resolve(at="(二)1.") == (item,)  # widths and 、 optional
    # passages outside the numbered items, cited by locator
    (passage,) = source.resolve(at="二、（二）")
    assert not passage.item and passage.body == "发生行政诉讼败诉案件的，每起扣2分。"
    assert passage.locator == "二、（二）" and passage.line == 11
    assert len(source.resolve(at="（二）")) == 2  # 一、（二） and 二、（二）
    assert source.resolve(at="三、（二）") == ()
    # a division spans what stands inside it
    (part,) = source.resolve(at="一、")
    assert [d.locator for d in source.divisions[part.index : part.end]][1:] == [
        "一、（一）", "（一）1", "（一）2", "一、（二）", "（二）1", "（二）2",
    ]  # fmt: skip
    assert source.containing("不得从事执法活动") == (source.items[3],)
    assert source.items[3].inside(part) and not passage.inside(part)


def test_a_regulation_is_cited_by_article() -> None:
    source = SourceText.parse(MADE_UP_REGULATION)
    assert source.item_kind is Kind.ARTICLE
    assert [(i.number, i.section, i.name) for i in source.items] == [
        (1, 1, "第一条"), (2, 1, "第二条"), (3, 2, "第三条"), (12, 2, "第十二条"),
    ]  # fmt: skip
    assert source.resolve(item=12) == source.resolve(at="第12条") == source.resolve(at="第二章第十二条")
    (enumerated,) = source.resolve(at="第二条（二）")
    assert enumerated.body == "区级行政机关。" and enumerated.inside(source.items[1])
    assert source.items[1].units == ""  # an article closes with no responsible units


def test_declared_numbering_overrides_detection() -> None:
    source = SourceText.parse(MADE_UP_REGULATION, numbering="（一）")
    assert source.item_kind is Kind.PAREN_CN
    assert [i.body for i in source.items] == ["市级行政机关；", "区级行政机关。"]
    assert SourceText.parse(MADE_UP_REGULATION, numbering="1、").items == ()


def test_a_plan_numbered_with_the_fullwidth_stop_or_with_sections_only() -> None:
    stops = SourceText.parse("二、重点工作\n（一）甲类\n1．第一项任务。\n2.第二项任务。\n3、第三项任务。\n")
    assert [i.number for i in stops.items] == [1, 2, 3]  # one numbering, however its stop is typed
    sections = SourceText.parse("一、任务\n（一）完成甲。\n（二）完成乙。\n二、要求\n（一）按时报送。\n")
    assert sections.item_kind is Kind.PAREN_CN
    assert [i.locator for i in sections.items] == ["一、（一）", "（二）", "二、（一）"]  # the shortest that is unique


def test_more_than_99_items() -> None:
    lines = ["一、工作任务"] + [f"{n}、第{n}项任务，每年完成{n}次。（责任单位{n}）" for n in range(1, 121)]
    lines.insert(100, "30.5%的单位已完成。")  # a wrapped line inside item 99
    source = SourceText.parse("\n".join(lines) + "\n")
    assert [i.number for i in source.items] == list(range(1, 121))
    assert source.item(99) is not None and source.item(99).body.endswith("30.5%的单位已完成。")  # type: ignore[union-attr]
    (item,) = source.resolve(item=120)
    assert (item.body, item.units, item.line) == ("第120项任务，每年完成120次。", "责任单位120", 122)
    assert item.name == "第120条"


@pytest.mark.parametrize(
    ("locator", "steps"),
    [
        ("三、(二)", [(Kind.CN, 3), (Kind.PAREN_CN, 2)]),
        ("三（二）", [(Kind.CN, 3), (Kind.PAREN_CN, 2)]),
        ("（一）3", [(Kind.PAREN_CN, 1), (Kind.ARABIC, 3)]),
        ("二、(三) 12.", [(Kind.CN, 2), (Kind.PAREN_CN, 3), (Kind.ARABIC, 12)]),
        ("第二章第5条", [(Kind.CHAPTER, 2), (Kind.ARTICLE, 5)]),
        ("第五条（二）", [(Kind.ARTICLE, 5), (Kind.PAREN_CN, 2)]),
        ("120", [(Kind.ARABIC, 120)]),
        ("一 / (1) / ①", [(Kind.CN, 1), (Kind.PAREN_ARABIC, 1), (Kind.CIRCLED, 1)]),
    ],
)
def test_locators_are_read_step_by_step(locator: str, steps: list[tuple[Kind, int]]) -> None:
    assert [(m.kind, m.number) for m in parse_locator(locator)] == steps


@pytest.mark.parametrize("locator", ["", "  ", "三、(二", "工作要求", "第5款", "（零）"])
def test_unreadable_locators_say_where(locator: str) -> None:
    with pytest.raises(ValueError, match="定位符") as raised:
        parse_locator(locator)
    assert "locator" in str(raised.value) or "empty" in str(raised.value)


def test_nantong_passage_outside_the_items_is_citable_by_locator() -> None:
    source = SourceText.parse(RAW)
    (passage,) = source.resolve(at="三、(二)")
    assert not passage.item and passage.locator == "三、(二)"
    assert "通过“南通市建设法治政府工作报送系统”实时报送" in passage.body
    assert {d.locator for d in source.containing("南通市建设法治政府工作报送系统")} == {"三、(二)"}
    assert [d.locator for d in source.resolve(at="(二)")] == ["二、(二)", "三、(二)"]  # (二) alone is ambiguous
    # the 34 items keep their plain numbers as locators, and nothing outside part 二 is an item
    assert [i.locator for i in source.items] == [str(n) for n in range(1, 35)]
    assert all(i.path[0].number == 2 for i in source.items)


def test_source_outline_lists_each_division_with_the_locator_that_cites_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.txt"
    plan.write_text(MADE_UP_PLAN, encoding="utf-8")
    assert main(["source", "outline", str(plan)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "条目编号 items numbered: 1."
    rows = [line.split() for line in lines[3:]]
    assert [row[:3] for row in rows if row[1] == "item:"] == [
        ["4", "item:", "1"], ["5", "item:", "2"], ["7", "item:", "1"], ["8", "item:", "2"],
    ]  # fmt: skip
    assert [row[1] for row in rows if row[1] != "item:"] == [
        "一、",
        "一、（一）",
        "一、（二）",
        "二、",
        "二、（一）",
        "二、（二）",
    ]
    assert [row[3] for row in rows if row[1] == "item:"] == ["（一）1", "（一）2", "（二）1", "（二）2"]
    assert main(["source", "outline", str(plan), "--numbering", "（一）"]) == 0
    assert re.search(r"item: 2 +二、（二）", capsys.readouterr().out)  # columns as wide as wcwidth measures them
    assert main(["source", "outline", str(tmp_path / "missing.txt")]) == 2
    assert "E000" in capsys.readouterr().err


def test_an_unquoted_number_is_a_locator_too() -> None:
    # `at: 120` in YAML arrives as an integer: it names the item numbered 120, as `at: "120"` does
    assert SourceRef.model_validate({"at": 120, "clause": "甲"}).at == "120"
    with pytest.raises(ValidationError):
        SourceRef.model_validate({"at": True, "clause": "甲"})
