"""The assessment for a terminal: audit header, rankings per unit type, grade counts, pass rates, matrix, fixes."""

from __future__ import annotations

from tabulate import tabulate

from compliance.render.interface import RULE_SYMBOL, SYMBOL_KEY, UNIT_STATUS_LABEL, grade_text, rank_text, status_label
from compliance.scoring import Assessment, text


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


def render(a: Assessment) -> str:
    decimals = a.policy.decimals
    out = _header(a)
    sections = [s.number for s in a.book.meta.sections]
    for unit_type in a.book.registry.types:
        members = [u for u in a.registered_units if u.unit_type == unit_type.id]
        if not members:
            continue
        rows: list[list[object]] = [
            [
                rank_text(u),
                u.unit_id,
                u.unit_name,
                text(u.score, decimals),
                grade_text(u),
                UNIT_STATUS_LABEL[u.status],
                f"{text(u.earned)}/{text(u.available)}",
                *(f"{text(s.earned)}/{text(s.available)}" if s.available else "" for s in u.sections),
            ]
            for u in members
        ]
        headers = [
            "排名 rank",
            "单位 unit",
            "名称 name",
            "得分 score",
            "等次 grade",
            "状态 status",
            "实得/应得",
            *(f"({n})" for n in sections),
        ]
        out += [
            "",
            f"【{unit_type.name}】{unit_type.name_en} — 排名 ranking",
            tabulate(rows, headers=headers, disable_numparse=True),
        ]
    others = [u for u in a.units if not u.registered]
    if others:
        rows = [
            [u.unit_id, u.unit_name, u.unit_type_name, text(u.score, decimals), grade_text(u), ", ".join(u.sources)]
            for u in others
        ]
        out += [
            "",
            "【不在考评对象名单中的报告 reports from units not in the registry】（不排名 not ranked）",
            tabulate(rows, headers=["单位 unit", "名称 name", "类型 type", "得分 score", "等次 grade", "报告 report"]),
        ]

    all_grades = list(dict.fromkeys(g for count in a.grade_counts for g, _ in count.counts))
    rows = [[g.unit_type_name, *(dict(g.counts).get(name, 0) for name in all_grades), g.total] for g in a.grade_counts]
    out += ["", "等次分布 grade counts by unit type", tabulate(rows, headers=["类型 type", *all_grades, "合计 total"])]

    rows = []
    for r in a.pass_rates:
        bar = "█" * round(float(r.rate) / 10) if r.rate is not None else ""
        rate = f"{text(r.rate, 1)}%" if r.rate is not None else "—"
        rows.append(
            [r.rule_id, r.title, f"{r.passed}/{r.applicable}", rate, bar, r.not_reported, "否决" if r.veto else ""]
        )
    out += [
        "",
        "各项达标率（未达标最多的在前）rule pass rates, most missed first",
        tabulate(
            rows, headers=["规则 rule", "要求 requirement", "达标 passed", "达标率 rate", "", "未报送", "一票否决"]
        ),
    ]

    short = [rule.id.split("-", 1)[-1] for rule in a.rules]
    rows = [
        [u.unit_id, *(RULE_SYMBOL.get(u.status_of(rule.id) or "", "") for rule in a.rules)] for u in a.registered_units
    ]
    out += ["", f"单位 × 规则 matrix   {SYMBOL_KEY}", tabulate(rows, headers=["单位 unit", *short], stralign="center")]

    out += ["", "整改清单 rectification lists"]
    for u in a.units:
        if not u.rectification:
            continue
        out.append(
            f"■ {u.unit_name}（{u.unit_id}）{text(u.score, decimals)}分 {grade_text(u)} — {len(u.rectification)}项"
        )
        if u.status in ("not_reported", "invalid"):
            what = "未提交年度报告" if u.status == "not_reported" else "报告无效，须重新报送"
            needed = ", ".join(f.rule_id for f in u.rectification)
            out.append(f"  - {what}（{UNIT_STATUS_LABEL[u.status]}）；须报送以下各项：{needed}")
            continue
        for fix in u.rectification:
            veto = " 【一票否决】" if fix.veto else ""
            out.append(
                f"  - {fix.rule_id} [{status_label(fix.status)}]{veto} {fix.title}：要求 {fix.required}；"
                f"实际 {fix.measured}；"
                f"{fix.to_pass}；失分 {text(fix.points_lost)}（第{fix.item}条：{fix.clause}）"
            )
            out += [f"      · {record}" for record in fix.records]

    flagged = [r for r in a.reports if r.problems]
    if flagged:
        out += ["", "报告问题 report problems"]
        for report in flagged:
            out += [f"  {report.source} [{report.status}]"] + [f"    {p}" for p in report.problems]
    return "\n".join(out) + "\n"
