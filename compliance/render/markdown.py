"""The assessment as Markdown for a circular (通报): rankings, grade counts, most-missed rules, rectification lists.

Every string from a rulebook, registry or report is escaped, so a unit name can neither break a table nor
inject HTML into a Markdown viewer.
"""

from __future__ import annotations

import html
import re

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
    heading,
    manual_line,
    manual_scores,
    matrix_symbol,
    rank_text,
    rankings,
    rate_text,
    status_label,
    unit_label,
)
from compliance.scoring import Assessment, text

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(value: object) -> str:
    """Plain text inside Markdown: HTML-escaped, Markdown punctuation backslashed, one line (a line break is
    `<br>`, other control characters as in the terminal table)."""
    escaped = html.escape(str(value), quote=False)
    return one_line(_SPECIAL.sub(r"\\\1", escaped).replace("\r", " ").replace("\n", "<br>"))


def _table(headers: list[str], rows: list[list[str]], lang: Lang = Lang.BOTH) -> list[str]:
    headers = [heading(h, lang) for h in headers]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render(a: Assessment, lang: Lang = Lang.BOTH) -> str:
    audit = a.audit
    decimals = a.policy.decimals
    out = [
        f"# {md(audit.rulebook_title)} — {audit.rulebook_year}年度考评结果",
        "",
        f"依据 {md(audit.source_document)}。",
        "",
        f"- 规则集 rulebook：`{audit.rulebook_id}`，SHA-256 `{audit.rulebook_sha256}`",
        f"- 考评对象 registry：{md(audit.registry_source)}，SHA-256 `{audit.registry_sha256}`",
        f"- 工具 tool：compliance {md(audit.tool_version)}；生成时间 generated：{audit.generated_at}",
        f"- 报告 reports read：{len(a.reports)}",
        "",
        f"**计分办法 policy**：{md(a.policy_statement)}",
        "",
        "## " + lang.pick("一、各类单位排名 Rankings"),
    ]
    for unit_type, members in rankings(a):
        out += ["", f"### {md(unit_type.name)}", ""]
        rows = [
            [
                rank_text(u),
                md(u.unit_name),
                text(u.score, decimals),
                *([md(bonus_text(u))] if a.has_bonus else []),
                md(grade_text(u)),
                md(lang.pick(UNIT_STATUS_LABEL[u.status])),
                f"{text(u.earned)}/{text(u.available)}",
            ]
            for u in members
        ]
        headers = ["排名", "单位", "得分", *(["加分"] if a.has_bonus else []), "等次", "状态", "实得/应得"]
        out += _table(headers, rows, lang)
    others = a.unregistered_units
    if others:
        out += ["", "### 不在考评对象名单中的报告（不排名）", ""]
        out += _table(
            ["单位", "得分", "等次", "报告"],
            [
                [
                    md(unit_label(u)),
                    text(u.score, decimals),
                    md(grade_text(u)),
                    md(", ".join(u.sources)),
                ]
                for u in others
            ],
            lang,
        )

    out += ["", "## " + lang.pick("二、等次分布 Grade counts"), ""]
    names = grade_columns(a)
    out += _table(
        ["类型", *map(md, names), "合计"],
        [[md(g.unit_type_name), *(str(dict(g.counts).get(n, 0)) for n in names), str(g.total)] for g in a.grade_counts],
        lang,
    )

    out += ["", "## " + lang.pick("三、各项要求达标率（未达标最多的在前）Rule pass rates"), ""]
    out += _table(
        ["规则", "要求", "达标/适用", "达标率", "未报送", "一票否决"],
        [
            [
                r.rule_id,
                md(f"【加分项】{r.title}" if r.bonus else r.title),
                f"{r.passed}/{r.applicable}",
                rate_text(r.rate),
                str(r.not_reported),
                "是" if r.veto else "",
            ]
            for r in a.pass_rates
        ],
        lang,
    )

    key = f"{SYMBOL_KEY}  {MANUAL_KEY}" if a.audit.manual_source is not None else SYMBOL_KEY
    out += ["", "## " + lang.pick("四、单位 × 规则 Matrix"), "", md(key), ""]
    out += _table(
        ["单位", *(rule.id for rule in a.rules)],
        [[md(u.unit_name), *(md(matrix_symbol(u, rule.id)) for rule in a.rules)] for u in a.registered_units],
        lang,
    )
    if a.audit.manual_source is not None:
        out += ["", "### " + lang.pick("人工评分 Manual points") + f"（{md(a.audit.manual_source)}）", ""]
        for u in a.units:
            out += [f"- {md(unit_label(u))}：{md(manual_line(score))}" for score in manual_scores(u)]

    out += ["", "## " + lang.pick("五、整改清单 Rectification lists")]
    for u in a.units:
        if not u.rectification and not u.problems:
            continue
        bonus = f"（含加分{text(u.bonus_applied)}）" if u.bonus_applied else ""
        out += ["", f"### {md(unit_label(u))}：{text(u.score, decimals)}分{bonus}，{md(grade_text(u))}", ""]
        out += [f"- {md(p)}" for p in u.problems]
        if u.status in MISSING_REPORT:
            out.append(f"- {MISSING_REPORT[u.status]}；须报送：{', '.join(f.rule_id for f in u.rectification)}")
            continue
        for f in u.rectification:
            veto = "（一票否决项）" if f.veto else ""
            out.append(
                f"- **{f.rule_id}** {md(f.title)}{veto} — {md(status_label(f.status))}；要求 {md(f.required)}；"
                f"实际 {md(f.measured)}；{md(f.to_pass)}；失分 {text(f.points_lost)}。"
                f"依据{f.where}：“{md(f.clause)}”"
            )
            out += [f"  - {md(r)}" for r in f.records]
        out += [f"- {md(group_text(g))}" for g in u.groups if g.deducted]

    flagged = [r for r in a.reports if r.problems]
    if flagged:
        out += ["", "## " + lang.pick("六、报告问题 Report problems"), ""]
        for report in flagged:
            out.append(f"- {md(report.source)}（{report.status}）")
            out += [f"  - {md(p)}" for p in report.problems]
    return "\n".join(out) + "\n"
