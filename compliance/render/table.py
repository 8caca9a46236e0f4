"""The assessment for a terminal: audit header, rankings per unit type, grade counts, pass rates, matrix, fixes.

Every line and cell goes through `one_line`: a unit name, record or file name cannot move the cursor, colour the
terminal or start a line of its own. Cells are never parsed as numbers (tabulate would print "1.50" as "1.5").
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal

from tabulate import tabulate

from compliance.lang import Lang
from compliance.plaintext import one_line
from compliance.render.interface import (
    MANUAL_KEY,
    MISSING_REPORT,
    SYMBOL_KEY,
    UNIT_STATUS_LABEL,
    bonus_text,
    grade_columns,
    grade_text,
    group_text,
    manual_line,
    manual_scores,
    matrix_symbol,
    rank_text,
    rankings,
    rate_text,
    status_label,
    unit_label,
)
from compliance.scoring import Assessment, half_up, points_text, text


def rate_bar(rate: Decimal | None) -> str:
    """One block per ten percent, rounded half-up (25% is three blocks, 15% two)."""
    if rate is None:
        return ""
    numerator, denominator = rate.as_integer_ratio()
    return "█" * int(half_up(numerator, denominator * 10, 0))


def _grid(
    rows: Sequence[Sequence[object]],
    headers: Sequence[str],
    right: Collection[int] = (),
    align: str = "left",
    lang: Lang = Lang.BOTH,
) -> list[str]:
    """The lines of a table of sanitised cells, nothing parsed as a number; columns in `right` right-aligned."""
    cells = [["" if cell is None else one_line(cell) for cell in row] for row in rows]
    colalign = ["right" if i in right else align for i in range(len(headers))]
    shown = [lang.pick(h) for h in headers]
    table: str = tabulate(cells, headers=shown, disable_numparse=True, colalign=colalign)
    return table.split("\n")


def _header(a: Assessment) -> list[str]:
    audit = a.audit
    return [
        f"{audit.rulebook_title}（{audit.source_document}）— {audit.rulebook_year}年度考评结果",
        f"规则集 rulebook: {audit.rulebook_id}  sha256 {audit.rulebook_sha256}",
        f"考评对象 registry: {audit.registry_source}  sha256 {audit.registry_sha256}",
        f"工具 tool: compliance {audit.tool_version}   生成时间 generated: {audit.generated_at}",
        f"报告 reports read: {len(a.reports)}",
        "",
        f"计分办法 policy: {a.policy_statement}",
    ]


def render(a: Assessment, lang: Lang = Lang.BOTH) -> str:
    decimals = a.policy.decimals
    out = _header(a)
    sections = [s.number for s in a.book.meta.sections]
    rows: list[list[object]]
    for unit_type, members in rankings(a):
        rows = [
            [
                rank_text(u),
                u.unit_id,
                u.unit_name,
                text(u.score, decimals),
                *([bonus_text(u)] if a.has_bonus else []),
                grade_text(u),
                lang.pick(UNIT_STATUS_LABEL[u.status]),
                f"{points_text(u.earned, u.scale)}/{points_text(u.available, u.scale)}",
                *(
                    f"{points_text(s.earned, u.scale)}/{points_text(s.available, u.scale)}" if s.available else ""
                    for s in u.sections
                ),
            ]
            for u in members
        ]
        headers = [
            "排名 rank",
            "单位 unit",
            "名称 name",
            "得分 score",
            *(["加分 bonus"] if a.has_bonus else []),
            "等次 grade",
            "状态 status",
            "实得/应得 earned/available",
            *(f"({n})" for n in sections),
        ]
        title = lang.label(f"【{unit_type.name}】排名", f"{unit_type.name_en}: ranking")
        out += ["", title if lang is not Lang.BOTH else f"【{unit_type.name}】{unit_type.name_en} — 排名 ranking"]
        out += _grid(rows, headers, lang=lang)
    others = a.unregistered_units
    if others:
        rows = [
            [u.unit_id, u.unit_name, u.unit_type_name, text(u.score, decimals), grade_text(u), ", ".join(u.sources)]
            for u in others
        ]
        out += [
            "",
            "【不在考评对象名单中的报告 reports from units not in the registry】（不排名 not ranked）",
            *_grid(
                rows,
                ["单位 unit", "名称 name", "类型 type", "得分 score", "等次 grade", "报告 report"],
                right=[3],
                lang=lang,
            ),
        ]

    grades = grade_columns(a)
    rows = [[g.unit_type_name, *(dict(g.counts).get(name, 0) for name in grades), g.total] for g in a.grade_counts]
    counts = range(1, len(grades) + 2)
    out += [
        "",
        lang.pick("等次分布 grade counts by unit type"),
        *_grid(rows, ["类型 type", *grades, "合计 total"], right=counts, lang=lang),
    ]

    rows = [
        [
            r.rule_id,
            f"【加分项】{r.title}" if r.bonus else r.title,
            f"{r.passed}/{r.applicable}",
            rate_text(r.rate),
            rate_bar(r.rate),
            r.not_reported,
            "否决" if r.veto else "",
        ]
        for r in a.pass_rates
    ]
    headers = ["规则 rule", "要求 requirement", "达标 passed", "达标率 rate", "", "未报送", "一票否决"]
    out += [
        "",
        lang.pick("各项达标率（未达标最多的在前）rule pass rates, most missed first"),
        *_grid(rows, headers, right=[5], lang=lang),
    ]

    short = [rule.id.split("-", 1)[-1] for rule in a.rules]
    rows = [[u.unit_id, *(matrix_symbol(u, rule.id) for rule in a.rules)] for u in a.registered_units]
    key = f"{SYMBOL_KEY}  {MANUAL_KEY}" if a.audit.manual_source is not None else SYMBOL_KEY
    out += ["", f"{lang.pick('单位 × 规则 matrix')}   {key}"]
    out += _grid(rows, ["单位 unit", *short], align="center", lang=lang)

    if a.audit.manual_source is not None:
        out += ["", lang.pick("人工评分 manual points") + f"（{a.audit.manual_source}）"]
        for u in a.units:
            if manual := manual_scores(u):
                out.append(f"■ {unit_label(u)}")
                out += [f"  - {manual_line(score, u.scale)}" for score in manual]

    out += ["", lang.pick("整改清单 rectification lists")]
    for u in a.units:
        if not u.rectification:
            continue
        bonus = f"（含加分{points_text(u.bonus_applied, u.scale)}）" if u.bonus_applied else ""
        out.append(f"■ {unit_label(u)}{text(u.score, decimals)}分{bonus} {grade_text(u)} — {len(u.rectification)}项")
        if u.status in MISSING_REPORT:
            needed = ", ".join(f.rule_id for f in u.rectification)
            out.append(
                f"  - {MISSING_REPORT[u.status]}（{lang.pick(UNIT_STATUS_LABEL[u.status])}）；须报送以下各项：{needed}"
            )
            continue
        for fix in u.rectification:
            veto = " 【一票否决】" if fix.veto else ""
            out.append(
                f"  - {fix.rule_id} [{lang.pick(status_label(fix.status))}]{veto} {fix.title}：要求 {fix.required}；"
                f"实际 {fix.measured}；"
                f"{fix.to_pass}；失分 {points_text(fix.points_lost, u.scale)}（{fix.where}：{fix.clause}）"
            )
            out += [f"      · {record}" for record in fix.records]
        out += [f"  - {group_text(g, u.scale)}" for g in u.groups if g.deducted]

    flagged = [r for r in a.reports if r.problems]
    if flagged:
        out += ["", lang.pick("报告问题 report problems")]
        for report in flagged:
            out += [f"  {report.source} [{report.status}]"] + [f"    {p}" for p in report.problems]
    return "\n".join(one_line(line) for line in out) + "\n"  # one entry, one line, whatever a name holds
