"""Coverage: which clauses of the work plan state a measurable target, and which rules cite each one.

A clause (分句: a run of text between 。；, outside brackets) states a measurable target when it has
  number       a number with a unit or a comparison: 4次以上, 1期以上, 不少于30日, 达100%, 两次以上, 至少…一次
  rate         a rate to raise or lower: 提高…出庭应诉率
  universal    all of something, i.e. 100%: 所有…, 全部…, 一律…
  annual       a frequency or a yearly task: 每年…, 每季度…, 按月…, 年度…, 2018年度…, 年终…
  deadline     a date, a time limit or an event to beat: 6月底前, 年底, 年内, 5个工作日内, 限期…, 按时…, 出台前…
  completion   a thing ordered done: 完成…, …换届…, 建成…, 向社会公布, 网上公开
  test         a test or examination to hold: 开展…能力测试, 组织…考试
  deliverable  a document ordered drawn up: 编制/制定…目录、计划、规划、规则、办法、方案、清单
and, in the wording of assessment schemes (考评细则) that deduct points:
  deduction    points taken off: 扣2分, 扣0.5分, 扣一分, 不得分, 不计分, 一票否决
  bonus        points added (加分项): 加2分, 加0.5分
  per_incident a count of incidents: 每起…, 每件…, 每发生一起…, 发生…2起
  absence      a clause that opens with something missing: 无…(的), 凡无…
  prohibition  a thing forbidden, whose breach a report can show: 不得…, 严禁…, 禁止… (not 不得不, 不得分)
Numbers that are names, not targets, are ignored: document numbers (〔2017〕13号), years and year
ranges (2018年, 2015-2020年, but not the year of 2018年底前 or 2018年度), anniversaries (40周年), slogans in
quotes (“3550”, “263”), and phone numbers. Words that only look like targets are too: “定期” (periodically)
names no period, 效率 (efficiency) is no rate, 网上公开透明运行 is a way of working, not a publication, and
无论/无需/无偿… open no clause about something missing. Holding other events (开展…评估/检查/活动) is left
out on purpose: most such clauses order a way of working, and Nantong's items 8, 17 and 34 have three that no
rule cites.

Scope: every item (the divisions of the source's item numbering: Nantong's 34 `N.` tasks of part
二、重点工作及责任单位), and every division a rule cites by locator (`source.at`), with all inside it. Elsewhere
(Nantong's 一、指导思想 states aims; 三、工作要求 mostly tells units how the plan itself is run) is scanned only
once a rule takes a duty from it: citing 三、(二) puts all of 三、(二)'s measurable clauses in scope.

A rule cites a clause when its quote (source.clause), found in the division it cites (else anywhere in the
source's divisions), covers at least half of the clause. A quote may span several clauses and cite each; a
fragment (每年, which stands in two clauses of item 31) cites none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from compliance.model import Rule, SourceRef
from compliance.source import Division, SourceText, comparable

_NOT_TARGETS = re.compile(
    r"〔\d{4}〕\d+号"  # document numbers
    r"|\d{4}(?:\s*-\s*\d{4})?年(?![度底末内])"  # years, year ranges (not 2018年底前, 2018年度)
    r"|\d+周年"  # anniversaries
    r"|“\d+”"  # numbered slogans: “3550”改革, “263”专项行动
    r"|\d{7,}"  # phone numbers
)
_NUMBER = r"\d+(?:\.\d+)?"
_NUMERAL = r"[一二两三四五六七八九十百千万]+"  # in Chinese: a target only with a unit and a comparison
_UNIT = r"(?:%|％|次|期|日|天|个月|周|件|项|人|名|家|个|所|批|小时|工作日|倍|百分点)"
_PERIOD = r"个?(?:工作日|小时|日|天|月|周|年)"
_AT_LEAST = r"不少于|不低于|不超过|不高于|不多于|至少|最少|超过"  # may stand a verb away: 至少召开一次
_COMPARISON = rf"(?:{_AT_LEAST}|达到|达|低于|高于|以上|以下|以内)"
_CLAUSE_CHARS = r"[^,，。；;]"
MEASURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "number",
        re.compile(
            rf"{_COMPARISON}\s*{_NUMBER}\s*{_UNIT}?|{_NUMBER}\s*{_UNIT}(?:{_COMPARISON})?"
            rf"|(?:{_AT_LEAST})[\u4e00-\u9fff]{{0,4}}?{_NUMERAL}{_UNIT}|达到?{_NUMERAL}{_UNIT}"
            rf"|{_NUMERAL}{_UNIT}(?:以上|以下|以内)"
        ),
    ),
    (
        "rate",
        re.compile(
            rf"(?:提高|提升|降低|增加|减少){_CLAUSE_CHARS}{{0,20}}?(?<![效频概])率"
            rf"|(?<![效频概])率{_CLAUSE_CHARS}{{0,6}}?(?:提高|提升|上升|降低|下降)"
        ),
    ),
    ("universal", re.compile(r"所有|全部|一律")),
    ("annual", re.compile(r"每个?[一二两三四五六\d]*(?:年|季度?|月|半年|周|旬)|(?:按|逐)(?:年|季度?|月|周)|年度|年终")),
    (
        "deadline",
        re.compile(
            rf"(?:\d{{1,2}}月(?:\d{{1,2}}日)?|年中|出台|作出|印发|公布)(?:前|之前|以前)|月底|月末|年底|年末|年内"
            rf"|(?:{_NUMBER}|{_NUMERAL}){_PERIOD}(?:内|以内)|限期|按时|如期|按期"
        ),
    ),
    ("completion", re.compile(r"完成(?!情况)|换届|建成|向社会公布|网上公开(?!透明)")),
    ("test", re.compile(rf"(?:开展|组织|举办|举行){_CLAUSE_CHARS}{{0,25}}?(?:测试|考试)")),
    ("deduction", re.compile(rf"扣[减除]?\s*(?:{_NUMBER}|{_NUMERAL}|半)\s*分|不得分|不计分|一票否决")),
    ("bonus", re.compile(rf"加\s*(?:{_NUMBER}|{_NUMERAL}|半)\s*分")),
    (
        "per_incident",
        re.compile(
            rf"每(?:发生|出现)?\s*(?:一|1)?\s*(?:起|件|例|宗|人次)"
            rf"|(?:发生|出现){_CLAUSE_CHARS}{{0,20}}?(?:{_NUMBER}|{_NUMERAL})\s*(?:起|例|宗)"
        ),
    ),
    ("absence", re.compile(r"^\s*(?:凡|如|若)?无(?![论需须偿效疑法从一所形私人不非])")),
    ("prohibition", re.compile(r"不得(?![不分])|严禁|禁止")),
    ("deliverable", re.compile(rf"(?:编制|制定|制订){_CLAUSE_CHARS}{{0,30}}?(?:目录|计划|规划|规则|办法|方案|清单)")),
)


@dataclass(frozen=True)
class Clause:
    """A clause of the source that states a measurable target."""

    division: Division
    line: int  # where the clause starts in the source file as received
    column: int | None
    text: str
    start: int  # in the division's folded (comparable) body
    end: int
    kinds: tuple[str, ...]
    evidence: tuple[str, ...]

    @property
    def item(self) -> int | None:
        """The item number, for a clause of an item; None for a passage cited by locator."""
        return self.division.number if self.division.item else None

    @property
    def where(self) -> str:
        return self.division.name


@dataclass(frozen=True)
class CoverageRow:
    clause: Clause
    rules: tuple[str, ...]

    @property
    def cited(self) -> bool:
        return bool(self.rules)


def targets_in(text: str) -> list[tuple[str, str]]:
    """(kind, matched text) for each measurable target stated in a clause."""
    blanked = _NOT_TARGETS.sub(lambda m: "\0" * len(m.group()), text)
    found: list[tuple[str, str]] = []
    for kind, pattern in MEASURES:
        found.extend((kind, m.group().strip()) for m in pattern.finditer(blanked) if m.group().strip("\0 "))
    return found


def _resolved(source: SourceText, ref: SourceRef) -> tuple[Division, ...]:
    try:
        return source.resolve(ref.item, ref.at)
    except ValueError:  # an unreadable locator is lint's finding (E407), not coverage's
        return ()


def scope(source: SourceText, rules: Iterable[Rule]) -> tuple[Division, ...]:
    """What coverage scans: every item, and every division a rule cites by locator with all inside it.

    A locator that names several divisions is lint's finding (E408), and widens the scope by none of them.
    """
    chosen = {d.index for d in source.items}
    for rule in rules:
        if rule.source.at is not None and len(cited := _resolved(source, rule.source)) == 1:
            chosen.update(range(cited[0].index, cited[0].end))
    return tuple(source.divisions[i] for i in sorted(chosen))


def measurable_clauses(source: SourceText, rules: Iterable[Rule] = ()) -> list[Clause]:
    clauses: list[Clause] = []
    for division in scope(source, rules):
        for a, b in division.clause_spans:
            text = division.body[a:b]
            found = targets_in(text)
            if not found:
                continue
            lead = len(text) - len(text.lstrip())
            line, column = source.position(division, a + lead)
            start = len(comparable(division.body[:a]))
            end = start + len(comparable(text))
            kinds = tuple(dict.fromkeys(kind for kind, _ in found))
            evidence = tuple(m for _, m in found)
            clauses.append(Clause(division, line, column, text.strip(), start, end, kinds, evidence))
    return clauses


def quote_spans(source: SourceText, rule: Rule) -> list[tuple[int, int, int]]:
    """(division index, start, end) of every place the rule's quote stands, in the cited division if it is there."""
    quote = comparable(rule.source.clause)
    if not quote:
        return []
    named = _resolved(source, rule.source)
    inside = [d for c in named for d in source.divisions[c.index : c.end] if quote in d.folded_body]
    candidates = inside or list(source.divisions)
    spans: list[tuple[int, int, int]] = []
    for division in candidates:
        at = division.folded_body.find(quote)
        while at != -1:
            spans.append((division.index, at, at + len(quote)))
            at = division.folded_body.find(quote, at + 1)
    return spans


def cites(span: tuple[int, int, int], clause: Clause) -> bool:
    index, start, end = span
    if index != clause.division.index:
        return False
    overlap = min(end, clause.end) - max(start, clause.start)
    return overlap > 0 and overlap * 2 >= clause.end - clause.start


def coverage(source: SourceText, rules: Iterable[Rule]) -> list[CoverageRow]:
    rules = tuple(rules)
    spans = [(rule.id, span) for rule in rules for span in quote_spans(source, rule)]
    rows = []
    for clause in measurable_clauses(source, rules):
        citing = tuple(dict.fromkeys(rule_id for rule_id, span in spans if cites(span, clause)))
        rows.append(CoverageRow(clause, citing))
    return rows
