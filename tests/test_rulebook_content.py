"""The bundled Nantong 2018 rulebook states the document's measurable targets with the right scopes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from compliance.cli import main


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
