"""The assessment as CSV for Excel: one row per unit (rank, score, grade, section subtotals, one column per rule).

UTF-8 with a byte-order mark so Excel opens Chinese text correctly; cells that Excel would run as a formula
(starting with = + - @) are prefixed with an apostrophe. The audit header is in the JSON and other formats.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from compliance.lang import Lang
from compliance.loading.rulebook import LoadedRulebook
from compliance.plaintext import without_c0
from compliance.render.interface import (
    MANUAL_MARK,
    UNIT_STATUS_LABEL,
    manual_line,
    manual_scores,
    status_label,
    veto_label,
)
from compliance.scoring import Assessment, UnitAssessment, points_plain, points_text, text
from compliance.scoring.summary import Summarised

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = without_c0(value)  # NUL, ESC, VT… from a report: Excel shows them as junk or stops reading
        return "'" + value if value.startswith(FORMULA_START) else value
    return str(value)


def _groups(u: UnitAssessment) -> str:
    """Each deduction group that deducted: id, what its rules deducted together, what it lost after its cap."""
    return "\n".join(
        f"{g.group_id} {g.title}：扣{points_text(g.deducted, u.scale)}，实扣{points_text(g.applied, u.scale)}"
        for g in u.groups
        if g.deducted
    )


def _status(u: UnitAssessment, rule_id: str, lang: Lang) -> str:
    """The rule's verdict for the unit, marked `*（人工）` when an assessor set it; '' when it does not apply."""
    for score in u.rules:
        if score.rule_id == rule_id:
            mark = f"{MANUAL_MARK}（人工 manual）" if score.manual is not None else ""
            return lang.pick(status_label(score.status)) + mark
    return ""


def _header(book: LoadedRulebook, manual: bool, lang: Lang) -> str:
    """The header line; the bonus and deduction-group columns appear only for rulebooks that declare them, the
    manual column only when an assessor's file was folded in."""
    sections = book.meta.sections
    header = [
        "类型 unit type",
        "排名 rank",
        "同类单位数 of",
        "单位代码 unit id",
        "单位 unit",
        "考评对象 registered",
        "状态 status",
        "得分 score",
        *(["加分 bonus earned", "计入加分 bonus added"] if _has_bonus(book) else []),
        "等次 grade",
        "否决前等次 grade before veto",
        "一票否决项 veto failures",
        "实得分 earned",
        "应得分 available",
        *(["扣分组 deduction groups"] if book.meta.deduction_groups else []),
        *(
            h
            for s in sections
            for h in (
                f"第{s.number}部分得分 section {s.number} earned",
                f"第{s.number}部分应得分 section {s.number} available",
            )
        ),
        *(rule.id for rule in book.checkable),
        "整改项数 fixes",
        "整改清单 rectification",
        *(["人工评分 manual points"] if manual else []),
        "报告 reports",
    ]
    return _line([lang.pick(name) for name in header])


def _has_bonus(book: LoadedRulebook) -> bool:
    return any(rule.bonus for rule in book.checkable)


def _line(cells: Sequence[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([_cell(v) for v in cells])
    return buffer.getvalue()


def unit_detail(book: LoadedRulebook, manual: bool, lang: Lang) -> Callable[[UnitAssessment], bytes]:
    """A unit's row from its id on, as `render` writes it (the type and rank cells before it wait for the ranks)."""
    decimals = book.meta.scoring.decimals
    veto_cap = book.meta.scoring.veto_cap
    bonus = _has_bonus(book)
    groups = bool(book.meta.deduction_groups)
    rules = book.checkable

    def detail(u: UnitAssessment) -> bytes:
        scale = u.scale
        fixes = "\n".join(
            f"{f.rule_id} {f.title}：要求 {f.required}；实际 {f.measured}；{f.to_pass}" for f in u.rectification
        )
        row: list[object] = [
            u.unit_id,
            u.unit_name,
            "是" if u.registered else "否",
            lang.pick(UNIT_STATUS_LABEL[u.status]),
            text(u.score, decimals) if u.score is not None else None,
            *([points_plain(u.bonus, scale), points_plain(u.bonus_applied, scale)] if bonus else []),
            u.grade,
            u.grade_before_veto,
            " ".join(veto_label(v, veto_cap) for v in u.vetoes),
            points_plain(u.earned, scale),
            points_plain(u.available, scale),
            *([_groups(u)] if groups else []),
            *(v for s in u.sections for v in (points_plain(s.earned, scale), points_plain(s.available, scale))),
            *(_status(u, rule.id, lang) for rule in rules),
            len(u.rectification),
            fixes,
            *(["\n".join(manual_line(score, scale) for score in manual_scores(u))] if manual else []),
            " ".join(u.sources),
        ]
        return _line(row).encode("utf-8")

    return detail


class _Ranked(Protocol):
    @property
    def rank(self) -> int | None: ...
    @property
    def ranked_among(self) -> int: ...


def _placed(u: _Ranked, type_name: str, rest: bytes) -> bytes:
    """The whole row: the unit's type and rank, then the rest (a cell is quoted on its own, whatever its place)."""
    head = _line([type_name, u.rank, u.ranked_among if u.rank is not None else None])
    return head[: -len("\r\n")].encode("utf-8") + b"," + rest


def chunks(s: Summarised, lang: Lang = Lang.BOTH) -> Iterator[bytes]:
    """The bytes of `render` for the same assessment, one row at a time."""
    yield ("\ufeff" + _header(s.book, s.audit.manual_source is not None, lang)).encode("utf-8")
    for u in s.units:
        yield _placed(u, s.book.type_name(u.unit_type), s.detail(u))


def render(a: Assessment, lang: Lang = Lang.BOTH) -> bytes:
    """One row per unit, in the order of `a.units`."""
    manual = a.audit.manual_source is not None  # the column appears only when an assessor's file was folded in
    detail = unit_detail(a.book, manual, lang)
    rows = (_placed(u, u.unit_type_name, detail(u)) for u in a.units)
    return ("\ufeff" + _header(a.book, manual, lang)).encode("utf-8") + b"".join(rows)
