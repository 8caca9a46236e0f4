"""`compliance lint`, `--coverage`, the output formats, exit codes, and `compliance schema`."""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance.cli import main
from compliance.coverage import measurable_clauses, targets_in
from compliance.loading.rulebook import DEFAULT_RULES
from compliance.source import SourceText, normalize_source
from tests.made_up import MADE_UP_PLAN

BUNDLED_SOURCE = DEFAULT_RULES / "source" / "nantong-2018-work-points.txt"
SHARED_SOURCE = DEFAULT_RULES.parents[2] / "shared" / "source" / "nantong-2018-work-points.txt"

# Clauses of the 34 items that state a measurable target: (item, the target as written).
MEASURABLE = [
    (5, "达100%"),
    (10, "不少于30日"),
    (12, "编制年度市政府重大行政决策目录"),
    (14, "换届"),
    (24, "达100%"),
    (24, "按时"),
    (29, "完成"),
    (31, "每年"),
    (32, "4次以上"),
    (32, "2次以上"),
    (32, "1期以上"),
    (11, "所有"),  # every document filed: 100%
    (11, "向社会公布"),
    (26, "网上公开"),
    (27, "提高行政机关负责人出庭应诉率"),
    (19, "不得"),  # 不得授予执法资格, 不得从事执法活动
    (32, "开展领导干部任前法律知识和依法行政能力测试"),
    (33, "年度"),  # 做好2018年度法治政府建设考评工作: the year's assessment
]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("source", [BUNDLED_SOURCE, SHARED_SOURCE], ids=["bundled-source", "shared-source"])
def test_bundled_rulebook_is_sound(source: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not source.is_file():
        pytest.skip(f"{source} is outside this checkout")
    code, out, _ = run(["lint", "--source", str(source)], capsys)
    assert (code, out) == (0, "")


def test_default_source_is_the_one_the_rulebook_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["lint", str(DEFAULT_RULES)], capsys)[:2] == (0, "")


def test_coverage_table_lists_no_uncited_clause(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["lint", "--coverage", "--format", "json"], capsys)
    assert code == 0
    rows = json.loads(out)["coverage"]
    assert rows and all(row["rules"] for row in rows)
    assert {(31, "NT18-31.1"), (32, "NT18-32.1"), (29, "NT18-29.1")} <= {
        (r["item"], x) for r in rows for x in r["rules"]
    }
    code, out, _ = run(["lint", "--coverage"], capsys)
    assert code == 0 and "0 uncited" in out and "NT18-32.3" in out


def test_measurable_clauses_are_found() -> None:
    clauses = measurable_clauses(SourceText.parse(BUNDLED_SOURCE.read_text(encoding="utf-8")))
    found = {(c.item, evidence) for c in clauses for evidence in c.evidence}
    assert set(MEASURABLE) <= found
    assert sum(1 for c in clauses if c.item == 31 and "annual" in c.kinds and "每年" in c.text) == 2
    assert [c.text for c in clauses if c.item == 19] == ["不得授予执法资格", "不得从事执法活动"]
    assert [c.text for c in clauses if c.item == 33] == [
        "围绕法治政府建设年度重点任务开展督察活动",
        "做好2018年度法治政府建设考评工作",
    ]
    assert all(c.item is not None for c in clauses)  # no rule cites a passage by locator: items only


def test_measurable_clauses_point_at_their_place_in_the_file_as_received() -> None:
    raw = BUNDLED_SOURCE.read_text(encoding="utf-8")
    lines = raw.split("\n")
    clauses = measurable_clauses(SourceText.parse(raw))
    assert clauses
    for clause in clauses:
        assert clause.column is not None
        assert normalize_source(lines[clause.line - 1][clause.column - 1 :]).startswith(clause.text), clause
    # item 14 (line 26): `14.深化政府法律顧問制度。開展市政府法律顧問委員會(huì)換屆工作。`
    assert [(c.line, c.column) for c in clauses if c.item == 14] == [(26, 15)]


def test_a_clause_on_a_wrapped_line_is_placed_on_that_line() -> None:
    raw = (
        "二、重点工作\n(一)甲\n1.深化改革,完善清單。\n  實(shí)現代碼轉換率\n達(dá)100%,\n"
        "30.5%的單位完成換屆。(市編辦)\n2.乙。(市法制辦)\n"  # 30.5% continues item 1: it is no item 30
    )
    source = SourceText.parse(raw)
    assert [i.number for i in source.items] == [1, 2]
    assert [(c.line, c.column, c.text) for c in measurable_clauses(source)] == [
        (4, 3, "实现代码转换率达100%"),
        (6, 1, "30.5%的单位完成换届"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "全面贯彻落实中共中央、国务院《关于加强和完善城乡社区治理的意见》(中发〔2017〕13号)",
        "法治政府建设实施纲要(2015-2020年)",
        "巩固提升“3550”改革成效",
        "深入推进“263”专项行动",
        "联系电话85099096、85215196",
        "定期组织开展立法后评估",
        "提升办案质量和办案效率",  # efficiency (效率) is no rate anyone reports
        "深入推进行政权力网上公开透明运行",
        "按照同一事情由一个部门负责的原则",  # a numeral without a comparison
        "是改革开放40周年",
        "无论何种情况",  # 无论/无需/无偿 open no clause about something missing
        "依法无偿提供",
        "不得不加快进度",  # 不得不 is "must", no prohibition
        "组织开展专项评估",  # holding events other than tests is left out (see compliance.coverage)
        "定期进行统计和通报",
    ],
)
def test_names_and_numbers_that_are_not_targets(text: str) -> None:
    assert targets_in(text) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("开展4次以上常务会议学法活动", "number"),
        ("期限一般不少于30日", "number"),
        ("转换率达100%", "number"),
        ("举办1期以上培训班", "number"),
        ("每年听取法治政府建设工作汇报", "annual"),
        ("于6月底前报送", "deadline"),
        ("完成南通仲裁委员会换届工作", "completion"),
        ("开展市政府法律顾问委员会换届工作", "completion"),
        ("提高行政机关负责人出庭应诉率和应诉质量", "rate"),
        ("对报送备案的所有规范性文件", "universal"),
        ("并将清理结果向社会公布", "completion"),
        ("实行行政复议决定书网上公开", "completion"),
        ("开展两次以上集体学法活动", "number"),  # numbers written in Chinese
        ("每季度至少召开一次", "number"),
        ("不少于三十日", "number"),
        ("2018年底前出台实施办法", "deadline"),  # a year before 年底 is no name
        ("2018年6月底前完成", "deadline"),
        ("年内出台", "deadline"),
        ("在48小时内答复", "number"),
        ("5个工作日内办结", "number"),
        ("每周通报", "annual"),
        ("按季度报送", "annual"),
        ("做好2018年度法治政府建设考评工作", "annual"),
        ("开展领导干部任前法律知识和依法行政能力测试", "test"),
        ("组织执法人员资格考试", "test"),
        ("扣2分", "deduction"),
        ("每缺1次扣0.5分", "deduction"),
        ("扣一分", "deduction"),
        ("该项不得分", "deduction"),
        ("实行一票否决", "deduction"),
        ("获评市级以上法治建设示范单位的，加2分", "bonus"),
        ("每起扣2分", "per_incident"),
        ("每件", "per_incident"),
        ("每发生一起行政诉讼败诉案件", "per_incident"),
        ("发生重大执法过错2起", "per_incident"),
        ("无年度学法计划的", "absence"),
        ("凡无正当理由不出庭应诉的", "absence"),
        ("不得从事执法活动", "prohibition"),
        ("严禁超越职权", "prohibition"),
    ],
)
def test_targets_are_recognised(text: str, kind: str) -> None:
    assert kind in {k for k, _ in targets_in(text)}


def test_missing_rulebook_folder_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["lint", str(tmp_path / "nowhere")], capsys)
    assert (code, out) == (2, "")
    assert "E000" in err and "Traceback" not in err


def test_unreadable_source_option_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["lint", "--source", str(tmp_path / "missing.txt")], capsys)
    assert code == 2 and "E000" in err


def test_folder_without_rulebook_files_is_a_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["lint", str(tmp_path)], capsys)
    assert code == 1
    assert "rulebook.yaml: E000" in out


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """The bundled rulebook with an unknown key whose name needs XML escaping."""
    root = tmp_path / "book"
    shutil.copytree(DEFAULT_RULES, root)
    path = root / "rules" / "s4-enforcement.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("  - id: NT18-16.1\n", '  - id: NT18-16.1\n    "a<b&c\\u0001": 1\n', 1), encoding="utf-8"
    )
    return root


def test_json_format_lists_problem_objects(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["lint", str(broken), "--format", "json"], capsys)
    problems: list[dict[str, Any]] = json.loads(out)
    assert code == 1
    assert [(p["code"], p["line"], p["category"]) for p in problems] == [("E101", 5, "schema")]
    assert set(problems[0]) == {"file", "line", "column", "code", "category", "message", "field"}


def test_junit_format_is_valid_xml_with_a_failure_per_failing_category(
    broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["lint", str(broken), "--format", "junit"], capsys)
    assert code == 1
    root = ET.fromstring(out.encode("utf-8"))
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert set(cases) == {"read", "schema", "consistency", "examples", "faithfulness", "coverage"}
    failure = cases["schema"].find("failure")
    assert failure is not None and failure.text is not None
    assert "E101" in failure.text and "a<b&c" in failure.text
    assert all(cases[name].find("failure") is None for name in cases if name != "schema")


def test_junit_for_a_sound_rulebook_has_no_failures(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["lint", "--format", "junit"], capsys)
    assert code == 0
    assert not list(ET.fromstring(out.encode("utf-8")).iter("failure"))


def test_text_format_is_one_line_per_problem(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["lint", str(broken)], capsys)
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{(broken / 'rules' / 's4-enforcement.yaml').resolve()}:5:5: E101 没有「")
    assert "（unknown field 'a<b&c" in lines[0]  # Chinese first, English after


@pytest.mark.parametrize("kind", ["rules", "report", "rulebook", "units"])
def test_schema_is_json_schema_forbidding_unknown_keys(kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["schema", kind], capsys)
    schema = json.loads(out)
    assert code == 0
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["additionalProperties"] is False


def test_schema_defaults_to_rules_and_accepts_the_bundled_rule_files(capsys: pytest.CaptureFixture[str]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    code, out, _ = run(["schema"], capsys)
    schema = json.loads(out)
    assert code == 0 and "rules" in schema["properties"]
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((DEFAULT_RULES / "rules").glob("*.yaml")):
        data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
        assert list(validator.iter_errors(data)) == [], path.name
    data["rules"][0]["not_checkble"] = "x"
    assert list(validator.iter_errors(data))


@pytest.mark.parametrize("fmt", ["text", "json", "junit"])
def test_a_folder_name_that_is_not_utf8_is_shown_not_a_traceback(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a rulebook unzipped from an archive made on Chinese Windows: GBK bytes in the folder name
    root = tmp_path / os.fsdecode("规则".encode("gbk"))
    try:
        shutil.copytree(DEFAULT_RULES, root)
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system takes only UTF-8 names")
    path = root / "rules" / "s4-enforcement.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  - id: NT18-16.1\n", "  - id: NT18-16.1\n    x: 1\n", 1))
    code, out, err = run(["lint", str(root), "--format", fmt], capsys)
    assert code == 1, err
    assert "Traceback" not in err
    shown = "\\xb9\\xe6\\xd4\\xf2"  # 规则 in GBK, byte by byte
    if fmt == "json":
        assert [p["code"] for p in json.loads(out)] == ["E101"] and shown in json.loads(out)[0]["file"]
    elif fmt == "junit":
        assert shown in ET.fromstring(out.encode("utf-8")).find("testsuite").get("name")  # type: ignore[union-attr]
    else:
        assert shown in out and "E101" in out


# ---------------------------------------------------------------- sources of any layout, cited by item or locator
# The plans, rulebooks and rules below are MADE UP for these tests (虚构，仅供测试); no real document is quoted.


MADE_UP_RULES = {
    "s1.yaml": """\
section: 1
rules:
  - id: TP-01.1
    title: {zh: 每季度学法, en: Quarterly law study}
    source:
      at: "（一）1"
      clause: 各部门每季度至少召开1次常务会议学法
    applies_to: {types: [department]}
    not_checkable: {reason: judgement, note: 由考评组认定}
  - id: TP-02.1
    title: {zh: 法治培训班, en: Training classes}
    source:
      at: "（一）2"
      clause: 举办领导干部法治培训班不少于2期
    applies_to: {types: [department]}
    not_checkable: {reason: judgement, note: 由考评组认定}
""",
    "s2.yaml": """\
section: 2
rules:
  - id: TP-03.1
    title: {zh: 案卷评查合格率, en: Case file review pass rate}
    source:
      at: "（二）1"
      clause: 行政执法案卷评查合格率达到95%以上
    applies_to: {types: [department]}
    not_checkable: {reason: judgement, note: 由考评组认定}
  - id: TP-04.1
    title: {zh: 持证执法, en: Certified enforcement only}
    source:
      at: "一、（二）2"
      clause: 未经考试合格的人员，不得从事执法活动
    applies_to: {types: [department]}
    not_checkable: {reason: judgement, note: 由考评组认定}
  - id: TP-05.1
    title: {zh: 按时报送, en: Progress reported on time}
    source:
      at: "二、（一）"
      clause: 各部门于每季度结束后10个工作日内报送工作进展
    applies_to: {types: [department]}
    not_checkable: {reason: judgement, note: 由考评组认定}
  - id: TP-06.1
    title: {zh: 败诉扣分, en: Points off per lost lawsuit}
    source:
      at: "二、（二）"
      clause: 发生行政诉讼败诉案件的，每起扣2分
    applies_to: {types: [department]}
    not_checkable: {reason: judgement, note: 由考评组认定}
""",
}


def made_up_book(
    root: Path, source: str = MADE_UP_PLAN, rules: dict[str, str] | None = None, numbering: str | None = None
) -> Path:
    """A rulebook written from scratch around a made-up source."""
    (root / "rules").mkdir(parents=True)
    (root / "source").mkdir()
    (root / "source" / "plan.txt").write_text(source, encoding="utf-8")
    declared = f"\n  numbering: {numbering}" if numbering else ""
    (root / "rulebook.yaml").write_text(
        f"""\
id: made-up-plan
title: {{zh: 虚构测试规则, en: Made-up test rules}}
year: 2030
source:
  title: 某市2030年依法行政工作计划（虚构）
  number: 虚构〔2030〕1号
  path: source/plan.txt{declared}
sections:
  - {{number: 1, title: {{zh: 学法用法, en: Law study}}}}
  - {{number: 2, title: {{zh: 执法监督, en: Enforcement oversight}}}}
""",
        encoding="utf-8",
    )
    (root / "units.yaml").write_text(
        "types:\n  - {id: department, name: 市政府部门, name_en: City department}\n"
        "units:\n  - {id: sifaju, name: 市司法局, type: department}\n",
        encoding="utf-8",
    )
    # the report format: one fact and one measure, which these citation tests never read
    (root / "facts.yaml").write_text(
        "facts:\n  - {id: lost_lawsuits, label: {zh: 败诉案件数, en: Lawsuits lost}, description: 本年度败诉案件数, "
        "type: count, unit: 起}\n",
        encoding="utf-8",
    )
    (root / "measures.yaml").write_text(
        "measures:\n  - {id: lost_lawsuits, label: {zh: 败诉案件数, en: Lawsuits lost}, unit: 起, "
        "value: {fact: lost_lawsuits}}\n",
        encoding="utf-8",
    )
    for name, text in (MADE_UP_RULES if rules is None else rules).items():
        (root / "rules" / name).write_text(text, encoding="utf-8")
    return root


def where(path: Path, text: str) -> tuple[int, int]:
    """1-based line and column of the first occurrence of text in a file: where an editor shows it."""
    lines = path.read_text(encoding="utf-8").split("\n")
    line = next(i for i, content in enumerate(lines) if text in content)
    return line + 1, lines[line].index(text) + 1


def lint_problems(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]]]:
    code, out, _ = run(["lint", str(root), "--format", "json"], capsys)
    return code, json.loads(out)


def test_a_made_up_plan_numbered_1_dun_with_sections_is_citable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = made_up_book(tmp_path / "book")
    assert lint_problems(root, capsys) == (0, [])
    code, out, _ = run(["lint", str(root), "--coverage", "--format", "json"], capsys)
    rows = json.loads(out)["coverage"]
    assert code == 0
    assert {(r["at"], r["item"], r["clause"], tuple(r["rules"])) for r in rows} == {
        ("（一）1", 1, "各部门每季度至少召开1次常务会议学法", ("TP-01.1",)),
        ("（一）2", 2, "举办领导干部法治培训班不少于2期", ("TP-02.1",)),
        ("（二）1", 1, "行政执法案卷评查合格率达到95%以上", ("TP-03.1",)),
        ("（二）2", 2, "不得从事执法活动", ("TP-04.1",)),
        # passages outside the items, in scope because a rule cites them by locator
        ("二、（一）", None, "各部门于每季度结束后10个工作日内报送工作进展", ("TP-05.1",)),
        ("二、（二）", None, "每起扣2分", ("TP-06.1",)),
    }
    kinds = {kind for r in rows for kind in r["kinds"]}
    assert {"annual", "number", "deadline", "prohibition", "deduction", "per_incident"} <= kinds


@pytest.mark.parametrize(
    ("old", "new", "code", "says"),
    [
        ('at: "（一）2"', "item: 2", "E408", "（一）2、（二）2"),  # items are numbered anew in each section
        ('at: "（一）2"', 'at: "（三）2"', "E407", "did you mean '（一）2、（二）2'"),
        ('at: "（一）2"', 'at: "二、（三）"', "E407", "二、（三）"),
        ('at: "（一）2"', 'at: "（二）1"', "E402", "the quote is in （一）2, not in （二）1"),
        ('at: "（一）2"', 'at: "二、"', "E402", "not in 二、"),  # 二、 holds only the two requirements
        ('at: "（一）2"', 'at: "（二）"', "E408", "一、（二）、二、（二）"),
    ],
)
def test_a_citation_that_names_no_single_place_holding_the_quote(
    old: str, new: str, code: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = dict(MADE_UP_RULES, **{"s1.yaml": MADE_UP_RULES["s1.yaml"].replace(old, new)})
    root = made_up_book(tmp_path / "book", rules=rules)
    status, problems = lint_problems(root, capsys)
    assert status == 1
    assert [(p["code"], p["line"], p["column"]) for p in problems] == [(code, *where(root / "rules/s1.yaml", new))]
    assert says in problems[0]["message"], problems[0]["message"]
    assert problems[0]["field"] == "rules[1].source." + new.split(":")[0]


def test_a_whole_part_cited_by_locator_holds_the_quotes_of_its_items(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = dict(MADE_UP_RULES, **{"s1.yaml": MADE_UP_RULES["s1.yaml"].replace('at: "（一）2"', 'at: "一、"')})
    assert lint_problems(made_up_book(tmp_path / "book", rules=rules), capsys) == (0, [])


def test_a_passage_no_rule_cites_is_outside_coverage_a_cited_one_is_wholly_inside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    without = MADE_UP_RULES["s2.yaml"].split("  - id: TP-06.1")[0]
    root = made_up_book(tmp_path / "without", rules=dict(MADE_UP_RULES, **{"s2.yaml": without}))
    assert lint_problems(root, capsys) == (0, [])  # 二、（二） sets a deduction, but no rule takes a duty from it
    partial = MADE_UP_RULES["s2.yaml"].replace(
        "clause: 发生行政诉讼败诉案件的，每起扣2分", "clause: 发生行政诉讼败诉案件的"
    )
    root = made_up_book(tmp_path / "partial", rules=dict(MADE_UP_RULES, **{"s2.yaml": partial}))
    status, problems = lint_problems(root, capsys)
    assert status == 1
    assert [(p["code"], Path(p["file"]).name, p["line"], p["column"]) for p in problems] == [
        ("E501", "plan.txt", *where(root / "source/plan.txt", "每起扣2分"))
    ]
    assert "二、（二）" in problems[0]["message"] and "deduction" in problems[0]["message"]


def test_a_declared_numbering_the_source_does_not_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = made_up_book(tmp_path / "book", numbering="第N条")
    status, problems = lint_problems(root, capsys)
    assert status == 1
    assert [(p["code"], Path(p["file"]).name, p["line"], p["column"]) for p in problems] == [
        ("E406", "rulebook.yaml", *where(root / "rulebook.yaml", "numbering"))
    ]
    assert "第N条" in problems[0]["message"] and "一、 （一） 1." in problems[0]["message"]
    # declared as it is, the same rulebook is sound
    assert lint_problems(made_up_book(tmp_path / "declared", numbering="1、"), capsys) == (0, [])


def test_a_source_with_no_numbered_headings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = made_up_book(tmp_path / "book", source="一段没有编号的文字（虚构）。\n各部门每季度学法。\n")
    status, problems = lint_problems(root, capsys)
    assert status == 1
    assert [(p["code"], Path(p["file"]).name) for p in problems] == [("E406", "plan.txt")]


def test_a_regulation_is_cited_by_article_and_its_enumerations_by_locator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    regulation = (
        "某市行政执法监督办法（虚构，仅供测试）\n第一章　总则\n第一条　每年开展1次执法检查。\n"
        "第二条　下列行为不予处罚：\n（一）初次违法且危害后果轻微的；\n（二）主动消除危害后果的。\n"
        "第二章　监督\n第三条　行政机关不得拒绝监督。\n"
    )
    rules = {
        "s1.yaml": MADE_UP_RULES["s1.yaml"]
        .replace('at: "（一）1"', "item: 1")
        .replace("各部门每季度至少召开1次常务会议学法", "每年开展1次执法检查")
        .replace('at: "（一）2"', 'at: "第二条（二）"')
        .replace("举办领导干部法治培训班不少于2期", "主动消除危害后果的"),
        "s2.yaml": MADE_UP_RULES["s2.yaml"]
        .split("  - id: TP-04.1")[0]
        .replace('at: "（二）1"', "item: 3")
        .replace("TP-03.1", "TP-03.2")
        .replace("行政执法案卷评查合格率达到95%以上", "行政机关不得拒绝监督"),
    }
    root = made_up_book(tmp_path / "book", source=regulation, rules=rules)
    assert lint_problems(root, capsys) == (0, [])
    _, out, _ = run(["lint", str(root), "--coverage", "--format", "json"], capsys)
    assert {(r["at"], r["clause"]) for r in json.loads(out)["coverage"]} == {
        ("第一条", "每年开展1次执法检查"),
        ("第三条", "行政机关不得拒绝监督"),
    }
    # item 3 stands in 第二章: a file of section 1 may not claim it
    moved = {"s1.yaml": rules["s1.yaml"], "s2.yaml": rules["s2.yaml"].replace("section: 2", "section: 1")}
    status, problems = lint_problems(made_up_book(tmp_path / "moved", source=regulation, rules=moved), capsys)
    assert (status, [p["code"] for p in problems]) == (1, ["E405"])


def test_more_than_99_items(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = "一、工作任务\n（一）学法\n" + "".join(f"{n}、第{n}项任务按时完成。（市司法局）\n" for n in range(1, 121))
    rule = MADE_UP_RULES["s1.yaml"].split("  - id: TP-02.1")[0]
    cited = "".join(
        rule.replace("TP-01.1", f"TP-{n % 100:02d}.{n // 100 + 1}")
        .replace('at: "（一）1"', f'at: "{n}"')
        .replace("各部门每季度至少召开1次常务会议学法", f"第{n}项任务按时完成")
        .split("rules:\n")[1]
        for n in range(1, 121)
    )
    root = made_up_book(tmp_path / "book", source=plan, rules={"s1.yaml": "section: 1\nrules:\n" + cited})
    assert lint_problems(root, capsys) == (0, [])
    wrong = cited.replace("第120项任务按时完成", "第119项任务按时完成", 1)
    root = made_up_book(tmp_path / "wrong", source=plan, rules={"s1.yaml": "section: 1\nrules:\n" + wrong})
    status, problems = lint_problems(root, capsys)
    assert (status, [(p["code"], p["message"].split(" (")[0]) for p in problems]) == (
        1,
        [("E402", "引文在第119条，不在所引的第120条"), ("E501", "第120条：没有规则引用这一可量化的分句")],
    )


def test_nantong_three_two_is_citable_by_locator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """三、(二): the duty to report in real time through the 报送系统, which the plan says is scored."""
    root = tmp_path / "book"
    shutil.copytree(DEFAULT_RULES, root)
    assert lint_problems(root, capsys) == (0, [])  # the bundled NT18-00.1 cites all of 三、(二)
    (root / "rules" / "s9-requirements.yaml").unlink()  # start from a rulebook that does not cite it
    path = root / "rules" / "s8-safeguards.yaml"
    rule = """
  - id: NT18-00.1
    title: {zh: 通过报送系统实时报送, en: "Real-time reporting through the reporting system"}
    source:
      at: "三、(二)"
      clause: "通过“南通市建设法治政府工作报送系统”实时报送"
    applies_to: {types: [city_department]}
    not_checkable: {reason: judgement, note: 由考评组认定}
"""
    path.write_text(path.read_text(encoding="utf-8") + rule, encoding="utf-8")
    status, problems = lint_problems(root, capsys)
    # the quote is found in 三、(二); citing it puts 三、(二)'s other measurable clause in coverage's scope
    assert status == 1
    assert [(p["code"], p["line"]) for p in problems] == [("E501", 54)]
    assert "纳入年度法治政府建设考评内容" in problems[0]["message"] and "三、(二)" in problems[0]["message"]
    both = rule.replace(
        '"通过“南通市建设法治政府工作报送系统”实时报送"', '"实时报送和重点工作完成情况,纳入年度法治政府建设考评内容"'
    )
    path.write_text(path.read_text(encoding="utf-8") + both.replace("NT18-00.1", "NT18-00.2"), encoding="utf-8")
    assert lint_problems(root, capsys) == (0, [])
    wrong = path.read_text(encoding="utf-8").replace('at: "三、(二)"', 'at: "三、(一)"', 1)
    path.write_text(wrong, encoding="utf-8")
    status, problems = lint_problems(root, capsys)
    assert [(p["code"], p["message"].split(" (")[0]) for p in problems] == [
        ("E402", "引文在三、(二)，不在所引的三、(一)")
    ]


def test_schema_describes_both_citation_forms_and_the_declared_numbering(capsys: pytest.CaptureFixture[str]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    code, out, _ = run(["schema", "rules"], capsys)
    assert code == 0
    validator = jsonschema.Draft202012Validator(json.loads(out))

    def rule_file(source: dict[str, object]) -> dict[str, object]:
        rule = {"id": "TP-01.1", "title": {"zh": "甲", "en": "A"}, "source": source}
        reason = {"reason": "judgement", "note": "需要判断"}
        return {"section": 1, "rules": [rule | {"applies_to": {"types": ["x"]}, "not_checkable": reason}]}

    assert list(validator.iter_errors(rule_file({"item": 5, "clause": "甲"}))) == []
    assert list(validator.iter_errors(rule_file({"at": "三、(二)", "clause": "甲"}))) == []
    assert list(validator.iter_errors(rule_file({"at": 120, "clause": "甲"}))) == []  # YAML reads at: 120 as a number
    assert list(validator.iter_errors(rule_file({"item": 5, "at": "5", "clause": "甲"})))  # both
    assert list(validator.iter_errors(rule_file({"clause": "甲"})))  # neither
    assert "定位符" in json.loads(out)["$defs"]["SourceRef"]["properties"]["at"]["description"]
    code, out, _ = run(["schema", "rulebook"], capsys)
    numbering = json.loads(out)["$defs"]["SourceDocument"]["properties"]["numbering"]
    assert numbering["default"] == "auto" and {"1、", "（一）", "第N条"} <= set(numbering["enum"])
