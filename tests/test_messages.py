"""Validation messages a clerk meets: Chinese first, English after, naming the field and what to write instead."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_core.core_schema import ErrorType

from compliance.loading.reports import read_report_file
from compliance.loading.rulebook import LoadedRulebook
from compliance.messages import CUSTOM_TYPES, TEMPLATES, chinese_first

CASES = yaml.safe_load((Path(__file__).parent / "messages" / "clerk-mistakes.yaml").read_text(encoding="utf-8"))
CHINESE_FIRST = re.compile(r"^[「\u4e00-\u9fff]")  # a Chinese character, or a field name in Chinese quotes
ENGLISH_AFTER = re.compile(r"（[^（）]*[A-Za-z][^（）]*(?:（[^（）]*）[^（）]*)*）$")  # （English）, maybe nested (…)


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 20
    assert len({case["name"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_clerk_mistake_gets_a_chinese_first_message(case: dict[str, Any], tmp_path: Path, book: LoadedRulebook) -> None:
    path = tmp_path / f"{case['name']}.yaml"
    path.write_text(case["report"], encoding="utf-8")
    (item,) = read_report_file(path, book.report.model)
    assert item.report is None, "the mistake must be refused, not guessed"
    at_field = [p for p in item.problems if p.field == case["field"]]
    assert at_field, f"no problem at {case['field']}: {[str(p) for p in item.problems]}"
    problem = at_field[0]
    assert problem.line is not None  # located in the file
    assert CHINESE_FIRST.match(problem.message), problem.message
    assert ENGLISH_AFTER.search(problem.message), problem.message
    for words in case["expect"]:
        assert words in problem.message


def test_every_template_is_a_pydantic_error_type() -> None:
    known = set(typing.get_args(ErrorType)) | CUSTOM_TYPES
    assert set(TEMPLATES) <= known, set(TEMPLATES) - known


def test_the_error_types_named_in_the_issue_have_their_own_sentence() -> None:
    wanted = {
        "missing",
        "extra_forbidden",
        "int_type",
        "date_from_datetime_parsing",
        "string_pattern_mismatch",
        "greater_than_equal",
        "literal_error",
        "tuple_type",
    }
    assert wanted <= set(TEMPLATES)


def test_a_label_lookup_names_the_field_in_chinese() -> None:
    error = {"type": "missing", "loc": ("law_study_sessions", 0, "date"), "msg": "Field required", "input": {}}
    labels = {("law_study_sessions", 0, "date"): "学法日期"}
    message = chinese_first(error, "required field 'date' is missing", label=labels.get)
    assert message == "缺少必填项「学法日期」（required field 'date' is missing）"
    # no label known for the path: the field's own name
    assert chinese_first(error, "x", label=lambda _: None).startswith("缺少必填项「date」")


def test_a_unit_code_in_chinese_is_told_what_a_code_looks_like() -> None:
    error = {
        "type": "string_pattern_mismatch",
        "loc": ("unit_id",),
        "msg": "String should match pattern '^[a-z][a-z0-9_-]*$'",
        "input": "市教育局",
        "ctx": {"pattern": "^[a-z][a-z0-9_-]*$"},
    }
    message = chinese_first(error, error["msg"])
    assert message.startswith("「unit_id」填的「市教育局」格式不对：代码只能用小写英文字母")
    assert message.endswith("（String should match pattern '^[a-z][a-z0-9_-]*$'）")


def test_literal_choices_are_listed() -> None:
    error = {
        "type": "literal_error",
        "loc": ("scoring", "mode"),
        "msg": "Input should be 'a' or 'b'",
        "input": "c",
        "ctx": {"expected": "'a' or 'b'"},
    }
    assert chinese_first(error, error["msg"]).startswith("「mode」只能填 'a' or 'b'")


def test_an_unknown_error_type_still_says_something_in_chinese() -> None:
    message = chinese_first({"type": "url_parsing", "loc": ("site",), "input": "x"}, "Input should be a valid URL")
    assert message == "「site」的数据有误（Input should be a valid URL）"


def test_a_message_already_chinese_first_is_not_wrapped_twice() -> None:
    own = "日期应写作 YYYY-MM-DD 的有效日期，如 2018-03-15（a valid date written YYYY-MM-DD）"
    error = {"type": "date_format", "loc": ("d",), "input": "2018/3/5", "msg": own}
    assert (
        chinese_first(error, own)
        == "「d」填的「2018/3/5」不是有效日期，应写作 2018-03-05（a valid date written YYYY-MM-DD）"
    )
    checked = {
        "type": "value_error",
        "loc": ("r",),
        "input": {},
        "ctx": {"error": "分子大于分母（numerator > denominator）"},
    }
    assert chinese_first(checked, "Value error, 分子大于分母（numerator > denominator）") == (
        "「r」：分子大于分母（numerator > denominator）"
    )


def test_values_are_quoted_safely_and_briefly() -> None:
    value = "\x1b[31m" + "很长" * 40
    message = chinese_first({"type": "date_parsing", "loc": ("d",), "input": value}, "bad")
    assert "\x1b" not in message and "…」" in message and len(message) < 120
