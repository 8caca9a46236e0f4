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
        "做好2018年度法治政府建设考评工作",
        "法治政府建设实施纲要(2015-2020年)",
        "巩固提升“3550”改革成效",
        "深入推进“263”专项行动",
        "联系电话85099096、85215196",
        "定期组织开展立法后评估",
        "提升办案质量和办案效率",  # efficiency (效率) is no rate anyone reports
        "深入推进行政权力网上公开透明运行",
        "按照同一事情由一个部门负责的原则",  # a numeral without a comparison
        "是改革开放40周年",
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
    assert lines[0].startswith(f"{(broken / 'rules' / 's4-enforcement.yaml').resolve()}:5:5: E101 unknown field")


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
