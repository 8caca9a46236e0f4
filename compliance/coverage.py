"""Coverage: which clauses of the work plan state a measurable target, and which rules cite each one.

A clause (分句: a run of text between 。；, outside brackets) states a measurable target when it has
  number      an Arabic number with a unit or a comparison: 4次以上, 1期以上, 不少于30日, 达100%
  annual      a frequency or a yearly task: 每年…, 每季度…, 年度…, 年终…
  deadline    a date or an event to beat: 6月底前, 年底前, 限期…, 按时…, 出台前…
  completion  a thing ordered done: 完成…, …换届…
  deliverable a document ordered drawn up: 编制/制定…目录、计划、规划、规则、办法、方案、清单
Numbers that are names, not targets, are ignored: document numbers (〔2017〕13号), years and year
ranges (2018年, 2018年度, 2015-2020年), slogans in quotes (“3550”, “263”), and phone numbers.
“定期” (periodically) names no period and is not a target.

Scope: only the 34 numbered items of part 二、重点工作及责任单位. Part 一、指导思想 states aims, and
part 三、工作要求 tells units how the plan itself is run and reported (报送系统, 联系电话); it sets no
target a unit's year-end report could meet or miss, so it is not scanned.

A rule cites a clause when its quote (source.clause), found in the item it names (else anywhere in
the numbered items), overlaps the clause by at least half of the shorter of the two.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from compliance.model import Rule
from compliance.source import SourceItem, SourceText, comparable, split_clauses

_NOT_TARGETS = re.compile(
    r"〔\d{4}〕\d+号"  # document numbers
    r"|\d{4}(?:\s*-\s*\d{4})?年度?"  # years and year ranges
    r"|“\d+”"  # numbered slogans: “3550”改革, “263”专项行动
    r"|\d{7,}"  # phone numbers
)
_UNIT = r"(?:%|％|次|期|日|天|个月|周|件|项|人|名|家|个|所|批)"
_COMPARISON = r"(?:不少于|不低于|不超过|不高于|不多于|至少|达到|达|超过|低于|高于|以上|以下|以内)"
MEASURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("number", re.compile(rf"{_COMPARISON}\s*\d+(?:\.\d+)?\s*{_UNIT}?|\d+(?:\.\d+)?\s*{_UNIT}(?:{_COMPARISON})?")),
    ("annual", re.compile(r"每(?:年|季度?|月|半年)|年度|年终")),
    (
        "deadline",
        re.compile(r"(?:\d{1,2}月(?:\d{1,2}日)?|月底|年底|年末|年中|出台|作出|印发|公布)(?:前|之前|以前)|限期|按时"),
    ),
    ("completion", re.compile(r"完成(?!情况)|换届")),
    ("deliverable", re.compile(r"(?:编制|制定|制订)[^,，。；;]{0,30}?(?:目录|计划|规划|规则|办法|方案|清单)")),
)


@dataclass(frozen=True)
class Clause:
    """A clause of a numbered item that states a measurable target."""

    item: int
    line: int
    text: str
    start: int  # in the item's folded (comparable) body
    end: int
    kinds: tuple[str, ...]
    evidence: tuple[str, ...]


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


def measurable_clauses(items: Iterable[SourceItem]) -> list[Clause]:
    clauses: list[Clause] = []
    for item in items:
        for a, b in split_clauses(item.body):
            text = item.body[a:b].strip()
            found = targets_in(text)
            if not found:
                continue
            start = len(comparable(item.body[:a]))
            end = start + len(comparable(item.body[a:b]))
            kinds = tuple(dict.fromkeys(kind for kind, _ in found))
            clauses.append(Clause(item.number, item.line, text, start, end, kinds, tuple(m for _, m in found)))
    return clauses


def quote_spans(source: SourceText, rule: Rule) -> list[tuple[int, int, int]]:
    """(item, start, end) of every place the rule's quote stands, in the named item if it is there."""
    quote = comparable(rule.source.clause)
    if not quote:
        return []
    spans: list[tuple[int, int, int]] = []
    named = source.item(rule.source.item)
    candidates = [named] if named is not None and quote in named.folded else list(source.items)
    for item in candidates:
        at = item.folded.find(quote)
        while at != -1:
            spans.append((item.number, at, at + len(quote)))
            at = item.folded.find(quote, at + 1)
    return spans


def cites(span: tuple[int, int, int], clause: Clause) -> bool:
    item, start, end = span
    if item != clause.item:
        return False
    overlap = min(end, clause.end) - max(start, clause.start)
    return overlap > 0 and overlap * 2 >= min(end - start, clause.end - clause.start)


def coverage(source: SourceText, rules: Iterable[Rule]) -> list[CoverageRow]:
    spans = [(rule.id, span) for rule in rules for span in quote_spans(source, rule)]
    rows = []
    for clause in measurable_clauses(source.items):
        citing = tuple(dict.fromkeys(rule_id for rule_id, span in spans if cites(span, clause)))
        rows.append(CoverageRow(clause, citing))
    return rows
