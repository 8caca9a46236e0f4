"""The one interface every format implements (an assessment in, text or bytes out), and labels they share.

Renderers never open files or streams: the command owns where output goes (`emit`, `-` is stdout).
"""

from __future__ import annotations

from typing import Protocol

from compliance.labels import STATUS_LABEL
from compliance.scoring import Assessment, UnitAssessment

UNIT_STATUS_LABEL = {
    "pass": "全部达标 pass",
    "fail": "有未达标项 fail",
    "not_reported": "未报送 not reported",
    "invalid": "报告无效 invalid",
    "duplicate": "报告重复 duplicate",
}
RULE_SYMBOL = {"pass": "✓", "fail": "✗", "not_reported": "?", "error": "!", "not_applicable": "–"}
SYMBOL_KEY = "✓ 通过  ✗ 未达标  ? 未报送  ! 数据矛盾  – 不适用  （空白：规则不适用于该类单位）"


class Renderer(Protocol):
    def __call__(self, assessment: Assessment, /) -> str | bytes: ...


def status_label(status: str) -> str:
    return STATUS_LABEL.get(status, status)


def unit_label(unit: UnitAssessment) -> str:
    return f"{unit.unit_name}（{unit.unit_id}）"


def rank_text(unit: UnitAssessment) -> str:
    return f"{unit.rank}/{unit.ranked_among}" if unit.rank is not None else "—"


def grade_text(unit: UnitAssessment) -> str:
    if unit.grade is None:
        return "未评定 ungraded"
    if unit.vetoed_by and unit.grade != unit.grade_before_veto:
        return f"{unit.grade}（一票否决，原{unit.grade_before_veto}）"
    return unit.grade
