"""The YAML fill-in template: the header filled in, then one commented block per fact the unit reports.

Untouched, it is a valid report that reports nothing (every fact `not_reported`). A clerk fills a fact by
deleting the `# ` at the start of its lines and writing after the colons; the comments above say what the fact
is, which rules read it with their targets, the unit of measure, how each field is written, and an example.
"""

from __future__ import annotations

from collections.abc import Iterator

from compliance.facts.declare import FactType
from compliance.loading.excel import Column, WorkbookLayout, layout
from compliance.templates.needs import FactNeed, UnitTemplate
from compliance.templates.text import how_to_fill, rule_line, units_text, yaml_value

_WIDTH = 28  # where an inline comment starts, so a column of them lines up for ASCII keys


def _commented(line: str, comment: str) -> str:
    return f"{line.ljust(_WIDTH)}  # {comment}" if comment else line


def render_yaml(template: UnitTemplate) -> str:
    book, unit = template.book, template.unit
    lines = [
        f"# {book.meta.title.zh} · 年度报告填报模板",
        f"# 单位：{unit.name}（{unit.id}，{template.type_name}）  考评年度：{template.year}",
        f"# 依据：{book.meta.source.title}（{book.meta.source.number}）",
        f"# 由 `compliance template {unit.id} --format yaml` 根据规则集 {book.meta.id} 生成。",
        "#",
        "# 怎样填写（how to fill in）：",
        "#   1. 下面逐项列出本单位需要填报的事项，每项写明用于哪条考评规则、目标和计量单位，并附示例。",
        "#   2. 填写某项时，删去该项各行开头的“# ”（井号和一个空格），在冒号后填写；说明文字的行保留不动。",
        "#   3. 日期写作 YYYY-MM-DD（如 2018-03-15）；数字不带单位和百分号；是/否写 true / false。",
        "#   4. 逐条记录的事项，每条以“- ”开头，有几条就复制几份；本年度确实没有的，写成“事项: []”。",
        "#   5. 不填的事项视为未报送，相关规则不得分。",
        "#   6. 填好后自查：compliance check 本文件名.yaml",
    ]
    if template.judged:
        lines.append(f"#   另有 {len(template.judged)} 条规则由考评组认定，无需在此填写：")
        lines.extend(f"#     {rule.id} {rule.title.zh}" for rule in template.judged)
    lines += [
        "",
        _commented(f"unit_id: {yaml_value(unit.id)}", f"单位代码（{unit.name}）"),
        _commented(f"year: {template.year}", "考评年度"),
        _commented(f"unit_name: {yaml_value(unit.name)}", "单位名称"),
        _commented("submitted:", "报送日期 YYYY-MM-DD"),
        _commented("contact:", "联系人及电话"),
    ]
    shape = layout(book.report.model)
    groups = {group.id: group for group in book.declared.facts.groups}
    done: set[str] = set()
    for need in template.facts:
        group = need.fact.group
        if group is None:
            lines += ["", *(f"# {text}" for _, text in _fact_block(need, shape))]
            continue
        if group in done:
            continue
        done.add(group)
        declared = groups.get(group)
        label = declared.label.zh if declared else group
        lines += ["", f"# ════════ {label}（{group}）════════"]
        if declared is not None and declared.description:
            lines.append(f"# {declared.description}")
        lines += [f"# 填写下面任何一项时，也要删去“{group}:”一行开头的“# ”。", f"# {group}:"]
        for member in template.facts:
            if member.fact.group == group:
                lines.append("#")
                lines += (f"#   {text}" if fill else f"#   # {text}" for fill, text in _fact_block(member, shape))
    return "\n".join(lines) + "\n"


def _fact_block(need: FactNeed, shape: WorkbookLayout) -> Iterator[tuple[bool, str]]:
    """A fact's lines: (False, a note) or (True, a line to fill in), both written commented out."""
    fact = need.fact
    key = fact.report_key
    yield False, f"──── {fact.label.zh}（{key}）────"
    yield False, fact.description
    if need.fallback:
        yield False, "仅在没有逐条记录时填写；同时有记录的，以记录为准。"
    for i, rule in enumerate(need.rules):
        yield False, ("考评规则：" if i == 0 else "          ") + rule_line(rule)
    if need.units:
        yield False, f"计量单位：{units_text(need)}"
    if fact.type is FactType.RECORDS:
        sheet = shape.record_path(_path(need))
        columns = sheet.columns if sheet else ()
        yield False, "每条记录填写：" + "；".join(f"{c.key} {c.title}（{how_to_fill(c, yaml=True)}）" for c in columns)
        yield False, f"示例（一条记录）：- {yaml_value(need.example)}"
        yield False, f"本年度没有的，写成 {key}: []"
        yield True, f"{key}:"
        for i, column in enumerate(columns):
            lead = "  - " if i == 0 else "    "
            yield True, _commented(f"{lead}{column.key}:", _column_comment(column))
        return
    single = shape.single_path(_path(need))
    yield False, f"示例：{key}: {yaml_value(need.example)}"
    if single is None or not single.composite:
        value = single.parts[0] if single else None
        yield True, _commented(f"{key}:", _column_comment(value) if value else "")
        return
    yield True, f"{key}:"
    for column in single.parts:
        yield True, _commented(f"  {column.key}:", _column_comment(column))


def _column_comment(column: Column) -> str:
    text = f"{column.title}（{how_to_fill(column, yaml=True)}）"
    if column.description and column.description not in text:
        text += f"：{column.description}"
    return text


def _path(need: FactNeed) -> tuple[str, ...]:
    fact = need.fact
    return (fact.group, fact.report_key) if fact.group else (fact.report_key,)
