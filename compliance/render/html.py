"""The assessment as one self-contained HTML file: ranking, colour-coded matrix, pass-rate bar chart, per-unit pages.

No scripts, no external assets, no network (a Content-Security-Policy forbids them too); every string from a
rulebook, registry or report goes through jinja2's autoescape.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from decimal import Decimal
from typing import Protocol

from jinja2 import Environment, StrictUndefined

from compliance.lang import Lang
from compliance.plaintext import without_c0
from compliance.render.interface import (
    RULE_SYMBOL,
    UNIT_STATUS_LABEL,
    Unfolded,
    bonus_text,
    grade_columns,
    grade_text,
    group_text,
    heading,
    manual_line,
    manual_scores,
    rank_text,
    rankings,
    rate_text,
    status_label,
    utf8,
    veto_lowered,
)
from compliance.render.office import ABSENT, absent, reporting
from compliance.scoring import Assessment, Points, Scale, UnitAssessment, points_text, text
from compliance.scoring.summary import Summarised

# Matrix colours (ColorBrewer RdYlGn-like, readable for most colour-blind readers with the symbols alongside).
COLOURS = {
    "pass": "#1a9850",
    "fail": "#d73027",
    "not_reported": "#fdae61",
    "error": "#7b3294",
    "not_applicable": "#bababa",
}
BAR = "#4575b4"
BAR_TRACK = "#e6e6e6"
CHART_LABEL_WIDTH = 420
CHART_BAR_WIDTH = 440
CHART_ROW = 26

TEMPLATE = """<!DOCTYPE html>
<html lang="{{ "en" if english else "zh-CN" }}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="compliance {{ a.audit.tool_version }}">
<title>{{ a.audit.rulebook_title }} — {{ a.audit.rulebook_year }}年度考评结果</title>
<style>
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       margin: 24px; color: #222; line-height: 1.45; }
h1 { font-size: 24px; margin: 0 0 8px; }
h2 { font-size: 19px; border-bottom: 2px solid #4575b4; padding-bottom: 3px; margin-top: 32px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 14px; font-size: 13px; }
th, td { border: 1px solid #c8c8c8; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.audit { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; font-size: 13px; margin: 8px 0; }
dl.audit dt { font-weight: bold; } dl.audit dd { margin: 0; font-family: monospace; word-break: break-all; }
.policy { font-size: 13px; background: #f7f7f7; border-left: 4px solid #4575b4; padding: 6px 10px; }
table.matrix td.cell { width: 30px; height: 20px; text-align: center; padding: 0; font-weight: bold; color: #fff; }
table.matrix th.rule { writing-mode: vertical-rl; font-size: 11px; padding: 4px 2px; }
{% for status, colour in colours.items() %}.s-{{ status }} { background: {{ colour }}; }
{% endfor %}.legend span { display: inline-block; padding: 1px 8px; margin-right: 6px; color: #fff; font-size: 12px; }
.veto { color: #b2182b; font-weight: bold; }
.problem { color: #b2182b; }
section.unit { border-top: 1px solid #ddd; }
.print-audit { display: none; }
/* Printed for leadership: A4, each part and each unit on a page of its own, colours kept, the audit details
   (hashes, run time) moved from the first page to the last. */
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { margin: 0; font-size: 10pt; line-height: 1.35; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  header dl.audit { display: none; }
  .print-audit { display: block; }
  h2 { break-before: page; }
  header + h2 { break-before: auto; }
  h2, h3 { break-after: avoid; }
  section.unit + section.unit, section.absent { break-before: page; }
  tr, .policy, dl.audit, svg { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  svg#pass-rate-chart { width: 100%; height: auto; }
  table.matrix { font-size: 7pt; }
  table.matrix td.cell { width: auto; height: auto; }
}
</style>
</head>
<body>
<header>
<h1>{{ a.audit.rulebook_title }} — {{ a.audit.rulebook_year }}年度考评结果</h1>
<p>依据 {{ a.audit.source_document }}</p>
<dl class="audit">
<dt>规则集 rulebook</dt><dd>{{ a.audit.rulebook_id }} · sha256 {{ a.audit.rulebook_sha256 }}</dd>
<dt>考评对象 registry</dt><dd>{{ a.audit.registry_source }} · sha256 {{ a.audit.registry_sha256 }}</dd>
{% if a.audit.manual_source is not none %}
<dt>人工评分 manual</dt><dd>{{ a.audit.manual_source }} · sha256 {{ a.audit.manual_sha256 }}</dd>
{% endif %}
<dt>工具 tool</dt><dd>compliance {{ a.audit.tool_version }}</dd>
<dt>生成时间 generated</dt><dd>{{ a.audit.generated_at }}</dd>
<dt>报告 reports</dt><dd>{{ a.reports|length }}</dd>
</dl>
<p class="policy"><strong>计分办法 policy：</strong>{{ a.policy_statement }}</p>
</header>

<h2 id="grades">{{ "一、等次分布 Grade counts"|t }}</h2>
<table class="grades">
<tr>
  <th>{{ "类型 type"|t }}</th>
  {% for g in grade_names %}<th>{{ g }}</th>{% endfor %}
  <th>{{ "合计 total"|t }}</th>
</tr>
{% for g in a.grade_counts %}
<tr>
  <td>{{ g.unit_type_name }}</td>
  {% for name in grade_names %}<td class="num">{{ g.counts|dict_get(name) }}</td>{% endfor %}
  <td class="num">{{ g.total }}</td>
</tr>
{% endfor %}
</table>

<h2 id="pass-rates">{{ "二、各项要求达标率（未达标最多的在前）Rule pass rates"|t }}</h2>
<svg id="pass-rate-chart" xmlns="http://www.w3.org/2000/svg" role="img"
     width="{{ chart.width }}" height="{{ chart.height }}"
     viewBox="0 0 {{ chart.width }} {{ chart.height }}" font-size="12">
<title>各项要求达标率 pass rate per rule</title>
{% for row in chart.rows %}
<g class="bar">
  <text x="{{ chart.label_width - 6 }}" y="{{ row.y + 15 }}" text-anchor="end">{{ row.label }}</text>
  <rect x="{{ chart.label_width }}" y="{{ row.y + 3 }}" width="{{ chart.bar_width }}"
        height="{{ chart.row - 8 }}" fill="{{ track }}"/>
  <rect class="rate" x="{{ chart.label_width }}" y="{{ row.y + 3 }}" width="{{ row.width }}"
        height="{{ chart.row - 8 }}" fill="{{ bar }}"><title>{{ row.tip }}</title></rect>
  <text x="{{ chart.label_width + chart.bar_width + 6 }}" y="{{ row.y + 15 }}">{{ row.value }}</text>
</g>
{% endfor %}
</svg>
<table class="rates">
<tr>
  <th>{{ "规则 rule"|t }}</th><th>{{ "要求 requirement"|t }}</th><th>{{ "达标/适用"|t }}</th><th>{{ "达标率"|t }}</th>
  <th>{{ "未达标"|t }}</th><th>{{ "未报送"|t }}</th><th>{{ "数据矛盾"|t }}</th><th>{{ "一票否决"|t }}</th>
</tr>
{% for r in a.pass_rates %}
<tr>
  <td>{{ r.rule_id }}</td><td>{% if r.bonus %}【加分项】{% endif %}{{ r.title }}</td>
  <td class="num">{{ r.passed }}/{{ r.applicable }}</td><td class="num">{{ rate(r.rate) }}</td>
  <td class="num">{{ r.failed }}</td><td class="num">{{ r.not_reported }}</td><td class="num">{{ r.error }}</td>
  <td>{% if r.veto %}<span class="veto">是</span>{% endif %}</td>
</tr>
{% endfor %}
</table>

<h2 id="matrix">{{ "三、单位 × 规则 Matrix"|t }}</h2>
<p class="legend">
{% for status, colour in colours.items() %}
  <span class="s-{{ status }}">{{ symbol[status] }} {{ status_label(status) }}</span>
{% endfor %}
  空白：规则不适用于该单位
</p>
<table class="matrix" id="matrix-grid">
<tr>
  <th>{{ "单位 unit"|t }}</th>
  {% for rule in a.rules %}<th class="rule" title="{{ rule.title.zh }}">{{ rule.id }}</th>{% endfor %}
</tr>
{% for u in a.registered_units %}
<tr>
  <td><a href="#unit-{{ u.unit_id }}">{{ u.unit_name }}</a></td>
  {% for rule in a.rules %}
  {% set s = u.status_of(rule.id) %}
  {% if s %}
  <td class="cell s-{{ s }}" title="{{ u.unit_name }} · {{ rule.id }} · {{ status_label(s) }}">{{ symbol[s] }}</td>
  {% else %}
  <td class="cell"></td>
  {% endif %}
  {% endfor %}
</tr>
{% endfor %}
</table>

<h2 id="ranking">{{ "四、各类单位排名 Rankings"|t }}</h2>
{% for t in types %}
<h3>{{ t.name }} <small>{{ t.name_en }}</small></h3>
<table class="ranking">
<tr>
  <th>{{ "排名"|t }}</th><th>{{ "单位"|t }}</th><th>{{ "得分"|t }}</th>
  {% if a.has_bonus %}<th>{{ "加分"|t }}</th>{% endif %}<th>{{ "等次"|t }}</th><th>{{ "状态"|t }}</th>
  <th>{{ "实得/应得"|t }}</th>
  {% for s in a.book.meta.sections %}<th title="{{ s.title.zh }}">({{ s.number }})</th>{% endfor %}
</tr>
{% for u in t.units %}
<tr>
  <td class="num">{{ rank_text(u) }}</td>
  <td><a href="#unit-{{ u.unit_id }}">{{ u.unit_name }}</a></td>
  <td class="num">{{ score(u) }}</td>
  {% if a.has_bonus %}<td class="num">{{ bonus_text(u) }}</td>{% endif %}
  <td{% if veto_lowered(u) %} class="veto"{% endif %}>{{ grade_text(u) }}</td>
  <td>{{ unit_status[u.status] }}</td>
  <td class="num">{{ of(u, u.scale) }}</td>
  {% for s in u.sections %}
  <td class="num">{% if s.available %}{{ of(s, u.scale) }}{% endif %}</td>
  {% endfor %}
</tr>
{% endfor %}
</table>
{% endfor %}
{% if others %}
<h3>不在考评对象名单中的报告（不排名）Reports from units not in the registry</h3>
<table>
<tr><th>{{ "单位"|t }}</th><th>{{ "得分"|t }}</th><th>{{ "等次"|t }}</th><th>{{ "报告"|t }}</th></tr>
{% for u in others %}
<tr>
  <td><a href="#unit-{{ u.unit_id }}">{{ u.unit_name }}</a>（{{ u.unit_id }}）</td>
  <td class="num">{{ score(u) }}</td><td>{{ grade_text(u) }}</td><td>{{ u.sources|join(", ") }}</td>
</tr>
{% endfor %}
</table>
{% endif %}

<h2 id="units">{{ "五、各单位得分与整改清单 Units"|t }}</h2>
{% for u in present %}
<section class="unit" id="unit-{{ u.unit_id }}">
<h3>{{ u.unit_name }}（{{ u.unit_id }}，{{ u.unit_type_name }}）</h3>
<p>得分 <strong>{{ score(u) }}</strong>{% if u.bonus %}（加分 {{ bonus_text(u) }}）{% endif %}
 · 等次 <strong>{{ grade_text(u) }}</strong> · 排名 {{ rank_text(u) }}
 · {{ unit_status[u.status] }} · 实得/应得 {{ of(u, u.scale) }}
{% if u.sources %} · 报告 {{ u.sources|join(", ") }}{% endif %}</p>
{% for p in u.problems %}
<p class="problem">{{ p }}</p>
{% endfor %}
{% if u.rules %}
<table class="sections">
<tr>{% for s in u.sections %}<th>({{ s.number }}) {{ s.title }}</th>{% endfor %}</tr>
<tr>
  {% for s in u.sections %}
  <td class="num">{% if s.available %}{{ of(s, u.scale) }}{% else %}—{% endif %}</td>
  {% endfor %}
</tr>
</table>
{% endif %}
{% if u.rectification %}
<table class="fixes">
<tr>
  <th>{{ "规则"|t }}</th><th>{{ "要求"|t }}</th><th>{{ "结果"|t }}</th><th>{{ "要求值"|t }}</th><th>{{ "实际"|t }}</th>
  <th>{{ "整改 what would make it pass"|t }}</th><th>{{ "失分"|t }}</th><th>{{ "依据"|t }}</th>
</tr>
{% for f in u.rectification %}
<tr>
  <td>{{ f.rule_id }}{% if f.veto %} <span class="veto">否决</span>{% endif %}</td>
  <td>{{ f.title }}</td>
  <td class="s-{{ f.status }}" style="color:#fff">{{ status_label(f.status) }}</td>
  <td>{{ f.required }}</td><td>{{ f.measured }}</td>
  <td>{{ f.to_pass }}{% for r in f.records %}<br>· {{ r }}{% endfor %}</td>
  <td class="num">{{ num(f.points_lost, u.scale) }}</td>
  <td>{{ f.where }}：{{ f.clause }}</td>
</tr>
{% endfor %}
</table>
{% elif u.status == "pass" %}
<p>全部达标，无整改事项。</p>
{% endif %}
{% for score in manual_scores(u) %}
{% if loop.first %}<p><strong>人工评分 manual points</strong></p><ul class="manual">{% endif %}
<li>{{ manual_line(score, u.scale) }}</li>
{% if loop.last %}</ul>{% endif %}
{% endfor %}
{% for g in u.groups if g.deducted %}
<p class="group">{{ group_text(g, u.scale) }}</p>
{% endfor %}
</section>
{% endfor %}
{% if absent %}
<section class="absent">
<h3>{{ "未报送及报告无效的单位 Units without a usable report"|t }}（{{ absent|length }}）</h3>
<p>以下单位等次为{{ a.policy.no_report_grade }}，须报送（或重新报送）年度报告。</p>
<table class="absent">
<tr><th>{{ "单位"|t }}</th><th>{{ "类型"|t }}</th><th>{{ "状态"|t }}</th><th>{{ "说明 details"|t }}</th></tr>
{% for u in absent %}
<tr id="unit-{{ u.unit_id }}">
  <td>{{ u.unit_name }}（{{ u.unit_id }}）</td><td>{{ u.unit_type_name }}</td><td>{{ unit_status[u.status] }}</td>
  <td>{% for p in u.problems %}<div class="problem">{{ p }}</div>{% endfor %}</td>
</tr>
{% endfor %}
</table>
</section>
{% endif %}

<h2 id="reports">{{ "六、报告 Reports read"|t }}</h2>
<table class="reports">
<tr>
  <th>{{ "报告 source"|t }}</th><th>{{ "单位"|t }}</th><th>{{ "状态"|t }}</th><th>sha256</th>
  <th>{{ "问题 problems"|t }}</th>
</tr>
{% for r in a.reports %}
<tr>
  <td>{{ r.source }}</td><td>{{ r.unit_id or "—" }}</td><td>{{ r.status }}</td><td><code>{{ r.sha256 }}</code></td>
  <td>{% for p in r.problems %}<div class="problem">{{ p }}</div>{% endfor %}</td>
</tr>
{% endfor %}
</table>
<section class="print-audit">
<h2>{{ "附：审计信息 Audit"|t }}</h2>
<dl class="audit">
<dt>规则集 rulebook</dt><dd>{{ a.audit.rulebook_id }} · sha256 {{ a.audit.rulebook_sha256 }}</dd>
<dt>考评对象 registry</dt><dd>{{ a.audit.registry_source }} · sha256 {{ a.audit.registry_sha256 }}</dd>
{% if a.audit.manual_source is not none %}
<dt>人工评分 manual</dt><dd>{{ a.audit.manual_source }} · sha256 {{ a.audit.manual_sha256 }}</dd>
{% endif %}
<dt>工具 tool</dt><dd>compliance {{ a.audit.tool_version }}</dd>
<dt>生成时间 generated</dt><dd>{{ a.audit.generated_at }}</dd>
</dl>
</section>
</body>
</html>
"""


def _environment(lang: Lang = Lang.BOTH) -> Environment:
    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["dict_get"] = lambda pairs, key: dict(pairs).get(key, 0)
    env.filters["t"] = lambda text: heading(text, lang)  # headings only: never applied to report text
    return env


def _chart(a: Assessment | Unfolded) -> dict[str, object]:
    rows = []
    for i, r in enumerate(a.pass_rates):
        share = float(r.rate or Decimal(0)) / 100
        rows.append(
            {
                "y": 10 + i * CHART_ROW,
                "label": f"{r.rule_id} {r.title[:22]}{'…' if len(r.title) > 22 else ''}",
                "width": round(CHART_BAR_WIDTH * share, 1),
                "value": f"{rate_text(r.rate)} ({r.passed}/{r.applicable})",
                "tip": f"{r.rule_id} {r.title}: {rate_text(r.rate)}",
            }
        )
    return {
        "rows": rows,
        "label_width": CHART_LABEL_WIDTH,
        "bar_width": CHART_BAR_WIDTH,
        "row": CHART_ROW,
        "width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 130,
        "height": 20 + len(rows) * CHART_ROW,
    }


class _Share(Protocol):
    """A unit's or a section's points: what it earned of what it could."""

    @property
    def earned(self) -> Points: ...
    @property
    def available(self) -> Points: ...


def _earned_of(share: _Share, scale: Scale) -> str:
    """'实得/应得' as people read it: '63/66', '2.5/3'."""
    return f"{points_text(share.earned, scale)}/{points_text(share.available, scale)}"


def _context(a: Assessment | Unfolded, lang: Lang) -> dict[str, object]:
    """What the template reads: the same names for an assessment in memory and one read back from disk."""
    if isinstance(a, Unfolded):
        present: Iterable[UnitAssessment] = a.where(lambda u: u.status not in ABSENT)
        missing: Sized | Iterable[UnitAssessment] = a.where(lambda u: u.status in ABSENT)
    else:
        present, missing = reporting(a), absent(a)
    return {
        "a": a,
        "english": lang is Lang.EN,
        "types": [{"name": t.name, "name_en": t.name_en, "units": members} for t, members in rankings(a)],
        "others": a.unregistered_units,
        "present": present,
        "absent": missing,
        "grade_names": grade_columns(a),
        "chart": _chart(a),
        "colours": COLOURS,
        "bar": BAR,
        "track": BAR_TRACK,
        "symbol": RULE_SYMBOL,
        "unit_status": UNIT_STATUS_LABEL,
        "status_label": status_label,
        "manual_scores": manual_scores,
        "manual_line": manual_line,
        "grade_text": grade_text,
        "rank_text": rank_text,
        "veto_lowered": veto_lowered,
        "bonus_text": bonus_text,
        "group_text": group_text,
        "rate": rate_text,
        "score": lambda u: text(u.score, a.policy.decimals),
        "num": points_text,
        "of": _earned_of,
    }


def render(a: Assessment, lang: Lang = Lang.BOTH) -> str:
    template = _environment(lang).from_string(TEMPLATE)
    # the template has no control characters: any in the page came from a report, and HTML has no use for them
    return without_c0(template.render(**_context(a, lang)))


def chunks(s: Summarised, lang: Lang = Lang.BOTH) -> Iterator[bytes]:
    """The bytes of `render` for the same assessment, as jinja2 generates the page: each unit read back from
    disk when the template reaches it."""
    template = _environment(lang).from_string(TEMPLATE)
    return utf8(without_c0(piece) for piece in template.generate(**_context(Unfolded(s), lang)))
