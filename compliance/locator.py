"""The numbered headings of a Chinese official document, and the locators a rule cites a passage by.

A document is divided by numbered headings (结构层次序数). Their order of rank is fixed by convention, so a
source is parsed the same way whatever it uses:

    第一编 / 第一章 / 第一节 / 第一条       divisions of a regulation (立法法: 编、章、节、条)
    一、  （一）  1. 1、 1．  （1）  ①      the series of GB/T 9704-2012 §7.3.3 (党政机关公文格式)

A heading opens a division that runs to the next heading of the same or a higher rank; a heading of lower
rank opens a division inside it. `（一）` and `(一)` are the same kind; so are `1.`, `1、` and `1．`.

A locator is a path of headings, outermost first, written as the document writes them, with the trailing
punctuation optional: `三、(二)`, `（一）3`, `第二章第5条`, `5`. It names the division whose own heading matches
the last step and whose enclosing headings match the others in order (levels may be skipped: `(二)3` is the
item 3 inside any (二)). This module knows no source text; `compliance.source` matches locators to one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """A kind of numbered heading, in order of rank (outermost first)."""

    PART = "第N编"
    CHAPTER = "第N章"
    SECTION = "第N节"
    ARTICLE = "第N条"
    CN = "一、"
    PAREN_CN = "（一）"
    ARABIC = "1."
    PAREN_ARABIC = "（1）"
    CIRCLED = "①"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {kind: rank for rank, kind in enumerate(Kind)}
_ORDINAL_UNITS = {"编": Kind.PART, "章": Kind.CHAPTER, "节": Kind.SECTION, "条": Kind.ARTICLE}

# What rulebook.yaml may declare as `source.numbering`: how the items a rule cites by `item: N` are numbered.
NUMBERINGS: dict[str, Kind | None] = {
    "auto": None,
    "第N条": Kind.ARTICLE,
    "一、": Kind.CN,
    "（一）": Kind.PAREN_CN,
    "(一)": Kind.PAREN_CN,
    "1.": Kind.ARABIC,
    "1、": Kind.ARABIC,
    "1．": Kind.ARABIC,
    "（1）": Kind.PAREN_ARABIC,
    "(1)": Kind.PAREN_ARABIC,
    "①": Kind.CIRCLED,
}
# With `numbering: auto`, the items are the headings of the first of these kinds the source uses: a regulation
# is cited by article, a work plan by its arabic-numbered tasks, a plan without them by its (一) or 一、 parts.
AUTO_ORDER = (Kind.ARTICLE, Kind.ARABIC, Kind.PAREN_CN, Kind.CN, Kind.PAREN_ARABIC, Kind.CIRCLED)

_CN = "零〇一二两三四五六七八九十百千"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_ORDINAL = rf"第(?P<ord>[{_CN}]+|\d+)(?P<unit>[编章节条])"
_PAREN_CN = rf"[(（](?P<pcn>[{_CN}]+)[)）]"
_PAREN_AR = r"[(（](?P<par>\d{1,3})[)）]"
_CIRC = rf"(?P<circ>[{_CIRCLED}])"
# At the start of a line: 1. but not 30.5% (a wrapped line), and at most three digits (not 2018、2019年).
HEADING = re.compile(
    rf"^(?:{_ORDINAL}|(?P<cn>[{_CN}]+)、|{_PAREN_CN}|(?P<ar>\d{{1,3}})(?:[.．](?!\d)|、)|{_PAREN_AR}|{_CIRC})\s*"
)
# In a locator the trailing punctuation may be left out: 三(二)5 is 三、(二)5.
_STEP = re.compile(
    rf"{_ORDINAL}|{_PAREN_CN}|{_PAREN_AR}|(?P<cn>[{_CN}]+)、?|(?P<ar>\d+)[.．、]?|{_CIRC}|(?P<sep>[\s/>›]+)"
)


def chinese_number(numeral: str) -> int:
    """一 … 九千九百九十九 (二十一, 一百零五, 两百); 0 for text that is no numeral."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
    scales = {"十": 10, "百": 100, "千": 1000}
    total, pending = 0, None
    for char in numeral:
        if char in digits:
            pending = digits[char]
        elif char in scales:
            total += (1 if pending is None else pending) * scales[char]
            pending = None
        else:
            return 0
    return total + (pending or 0)


@dataclass(frozen=True)
class Marker:
    """One numbered heading: its kind, its number and how the document writes it (三、, (二), 12., 第五条)."""

    kind: Kind
    number: int
    written: str

    @property
    def label(self) -> str:
        """As a locator step: the marker as written, without the full stop of 12. or 12、 (kept for 三、)."""
        return self.written.rstrip(".．、") if self.kind is Kind.ARABIC else self.written


def _marker(match: re.Match[str]) -> Marker:
    written = match.group().strip()
    if match["ord"]:
        ordinal = match["ord"]
        number = int(ordinal) if ordinal.isdigit() else chinese_number(ordinal)
        return Marker(_ORDINAL_UNITS[match["unit"]], number, written)
    if match["cn"]:
        return Marker(Kind.CN, chinese_number(match["cn"]), written)
    if match["pcn"]:
        return Marker(Kind.PAREN_CN, chinese_number(match["pcn"]), written)
    if match["ar"]:
        return Marker(Kind.ARABIC, int(match["ar"]), written)
    if match["par"]:
        return Marker(Kind.PAREN_ARABIC, int(match["par"]), written)
    return Marker(Kind.CIRCLED, _CIRCLED.index(match["circ"]) + 1, written)


def heading(line: str) -> tuple[Marker, str] | None:
    """The numbered heading a (stripped) line opens with, and the text after it; None for a plain line."""
    match = HEADING.match(line)
    if match is None:
        return None
    marker = _marker(match)
    if marker.number < 1:  # 零、 opens nothing
        return None
    return marker, line[match.end() :]


def parse_locator(text: str) -> tuple[Marker, ...]:
    """The steps of a locator, outermost first. Raises ValueError, saying where, for text that is none."""
    steps: list[Marker] = []
    at = 0
    stripped = text.strip()
    while at < len(stripped):
        match = _STEP.match(stripped, at)
        if match is None or match.end() == at:
            raise ValueError(
                f"定位符“{text}”在第{at + 1}个字符“{stripped[at]}”处无法识别；应写成来源中的标题序号，"
                f"如 三、(二)、（一）3、第5条 (locator '{text}' cannot be read at character {at + 1}: "
                "write the heading numbers as the source does, e.g. 三、(二), （一）3, 第5条)"
            )
        at = match.end()
        if match["sep"] is None:
            marker = _marker(match)
            if marker.number < 1:
                raise ValueError(f"定位符“{text}”含序号0 (locator '{text}' has a number 0)")
            steps.append(marker)
    if not steps:
        raise ValueError("定位符为空 (the locator is empty)")
    return tuple(steps)


def matches(steps: tuple[Marker, ...], path: tuple[Marker, ...]) -> bool:
    """Whether a locator names the division at the end of a heading path (levels between steps may be skipped)."""
    if not path or not steps or not _same(steps[-1], path[-1]):
        return False
    at = len(path) - 1
    for step in reversed(steps[:-1]):
        at -= 1
        while at >= 0 and not _same(step, path[at]):
            at -= 1
        if at < 0:
            return False
    return True


def _same(step: Marker, marker: Marker) -> bool:
    return step.kind is marker.kind and step.number == marker.number


def label(path: tuple[Marker, ...]) -> str:
    return "".join(marker.label for marker in path)
