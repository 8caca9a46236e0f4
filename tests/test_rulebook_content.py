"""The bundled Nantong 2018 rulebook states the document's measurable targets with the right scopes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from compliance.cli import main
from compliance.loading.rulebook import LoadedRulebook
from compliance.model import NotCheckable


def listed(capsysbinary: pytest.CaptureFixture[bytes]) -> dict[str, dict[str, Any]]:
    assert main(["rules", "--format", "json"]) == 0
    return {r["id"]: r for r in json.loads(capsysbinary.readouterr().out)}


# (item, measure, op, target, unit types it must cover) — straight from 通政办发〔2018〕37号
REQUIRED = [
    (32, "law_study_sessions", ">=", 4, {"city_government", "county_government"}),  # 4次以上常务会议学法
    (32, "law_study_sessions", ">=", 2, {"city_department"}),  # 部门 2次以上集体学法
    (32, "training_classes", ">=", 1, {"city_government", "county_government"}),  # 1期以上培训班
    (10, "draft_consultation_days", ">=", 30, {"city_government"}),  # 不少于30日
    (5, "credit_code_conversion_rate", ">=", 100, {"county_government"}),  # 代码转换率达100%
    (24, "suggestion_reply_rate", ">=", 100, {"city_department", "county_government"}),  # 按时办复率达100%
]


@pytest.mark.parametrize(("item", "measure", "op", "target", "types"), REQUIRED)
def test_required_targets_are_present(
    capsysbinary: pytest.CaptureFixture[bytes], item: int, measure: str, op: str, target: int, types: set[str]
) -> None:
    rules = listed(capsysbinary)
    matching = [
        r
        for r in rules.values()
        if r.get("measure") == measure and r["item"] == item and r["op"] == op and r["target"] == target
    ]
    assert matching, f"no rule for item {item}: {measure} {op} {target}"
    covered = set().union(*(set(r["applies_to"]["types"]) for r in matching))
    assert types <= covered


def test_county_target_is_not_applied_to_departments(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    rules = listed(capsysbinary)
    four = [r for r in rules.values() if r.get("measure") == "law_study_sessions" and r["target"] == 4]
    assert all("city_department" not in r["applies_to"]["types"] for r in four)


def test_every_item_is_covered_and_every_checkable_rule_is_complete(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    rules = listed(capsysbinary)
    assert {r["item"] for r in rules.values()} >= set(range(1, 35))
    for r in rules.values():
        assert r["id"] and r["title"] and r["title_en"] and r["clause"]
        if r["machine_checkable"]:
            assert {"measure", "op", "target", "unit", "points"} <= r.keys()
            assert isinstance(r["target"], int | float)
        else:
            assert r["not_checkable"]


def types_of(book: LoadedRulebook, measure: str) -> set[str]:
    matching = [p.rule for p in book.placed if p.rule.check is not None and p.rule.check.measure == measure]
    assert matching, f"no rule measures {measure}"
    return set().union(*(set(r.applies_to.types) for r in matching))


def test_scopes_follow_the_responsible_units(book: LoadedRulebook) -> None:
    # Item 19: affiliated units that employ enforcement staff (市港口管理局) are held to it like departments.
    assert {"city_department", "affiliated_unit"} <= types_of(book, "enforcement_certified_rate")
    # Item 5 names 市政府各部门: every department reports, 0 of 0 when it registers nothing.
    assert {"county_government", "city_department"} <= types_of(book, "credit_code_conversion_rate")


def test_real_time_reporting_is_checked_every_quarter(book: LoadedRulebook) -> None:
    """三、(二): 各地、各部门 report their key work through the 报送系统 in real time, and it is scored."""
    assert {"county_government", "development_zone", "city_department", "affiliated_unit"} <= types_of(
        book, "work_submissions_per_quarter"
    )
    rule = next(p.rule for p in book.placed if p.rule.source.at == "三、(二)")
    assert rule.check is not None and rule.check.measure == "work_submissions_per_quarter"


def test_no_clause_is_left_unchecked_for_want_of_a_report_field(book: LoadedRulebook) -> None:
    unchecked = [p.rule for p in book.placed if p.rule.check is None]
    assert unchecked
    for rule in unchecked:
        reason = rule.not_checkable
        assert isinstance(reason, NotCheckable), f"{rule.id}: the reason must say which of the three kinds it is"
        assert not any(words in reason.note for words in ("报告格式", "not collected", "report format")), rule.id
