"""Source-document normalisation: strip inserted pinyin, convert to simplified Chinese, compare quotes.

The work plan's numbered items (`N.` paragraphs, each ending with its responsible units in parentheses)
are parsed here, and split into clauses (分句) so that lint can check quotes and coverage against them.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

import opencc

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# A pinyin annotation: one Latin syllable carrying a tone mark, in ASCII parentheses,
# right after a CJK character (e.g. 發(fā)). `縣(市、區)` has no Latin syllable and survives.
# The distributed file also lost a few characters to '?' (or U+FFFD), sometimes with the opening
# parenthesis of their annotation (`?(dāng)`, `?xiàng)`); those annotations are stripped too and
# the '?' is left as the gap it is (item 31: `日??己恕m?测评`).
PINYIN_ANNOTATION = re.compile(
    rf"(?<=[\u3400-\u9fff\uf900-\ufaff])\((?=[a-zü]*[{_TONED}])[a-zü{_TONED}]{{1,7}}\)"
    rf"|(?<=[?\ufffd])\(?(?=[a-zü]*[{_TONED}])[a-zü{_TONED}]{{1,7}}\)"
)
TONE_MARKED = re.compile(rf"[{_TONED}]")

_CHINESE_NUMERALS = "一二三四五六七八九十"
_PART = re.compile(rf"^([{_CHINESE_NUMERALS}]+)、")  # 一、指导思想 / 二、重点工作及责任单位 / 三、工作要求
_SECTION = re.compile(rf"^\(([{_CHINESE_NUMERALS}]+)\)")  # (一)依法全面履行政府职能
_ITEM = re.compile(r"^(\d{1,2})\.")  # 1.深化“放管服”改革…
_UNITS = re.compile(r"\(([^()]*)\)\s*$")  # …(市编办、市法制办,市政府各部门)
_OPENERS = {"(": ")", "（": "）", "《": "》", "〈": "〉", "“": "”", "‘": "’", "「": "」", "〔": "〕", "[": "]"}
CLAUSE_BREAKS = frozenset("。；;,，！？")  # ASCII "?" marks lost characters in this source, not questions


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def strip_pinyin(text: str) -> str:
    return PINYIN_ANNOTATION.sub("", text)


def normalize_source(text: str) -> str:
    """The clean simplified text of a source document, line structure kept."""
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    return str(_converter().convert(strip_pinyin(text)))


def comparable(text: str) -> str:
    """Fold what a quote may differ in: width (NFKC folds full-width punctuation), whitespace."""
    folded = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", folded)


def _chinese_number(numeral: str) -> int:
    """一..九十九 (section numbers only go to 八 here, but keep it honest for 十一, 二十)."""
    digits = {c: i + 1 for i, c in enumerate(_CHINESE_NUMERALS[:9])}
    if "十" not in numeral:
        return digits.get(numeral, 0)
    tens, _, ones = numeral.partition("十")
    return digits.get(tens, 1) * 10 + digits.get(ones, 0)


def split_clauses(text: str) -> list[tuple[int, int]]:
    """Spans of the clauses of a passage: split at 。；, and the like, never inside 《》 “” () brackets."""
    spans: list[tuple[int, int]] = []
    closers: list[str] = []
    start = 0
    for i, char in enumerate(text):
        if char in _OPENERS:
            closers.append(_OPENERS[char])
        elif closers and char == closers[-1]:
            closers.pop()
        elif char in CLAUSE_BREAKS and not closers:
            if text[start:i].strip():
                spans.append((start, i))
            start = i + 1
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


@dataclass(frozen=True)
class Passage:
    """A run of text inside one numbered item (what lint names as the nearest passage to a bad quote)."""

    item: int
    text: str


@dataclass(frozen=True)
class SourceItem:
    """One numbered item (工作要点第N条): its body and the responsible units (责任单位) that close it."""

    number: int
    section: int
    line: int
    body: str
    units: str

    @cached_property
    def folded(self) -> str:
        return comparable(self.body)

    @cached_property
    def clauses(self) -> tuple[str, ...]:
        return tuple(self.body[a:b] for a, b in split_clauses(self.body))


@dataclass(frozen=True)
class SourceText:
    """A normalised source document and its numbered items (only part 二、重点工作及责任单位 has them)."""

    text: str
    items: tuple[SourceItem, ...]

    @classmethod
    def parse(cls, raw: str) -> SourceText:
        text = normalize_source(raw)
        return cls(text, parse_items(text))

    def item(self, number: int) -> SourceItem | None:
        return next((i for i in self.items if i.number == number), None)

    @cached_property
    def folded(self) -> str:
        return comparable(self.text)

    def contains(self, quote: str) -> bool:
        return comparable(quote) in self.folded

    def items_containing(self, quote: str) -> tuple[int, ...]:
        folded = comparable(quote)
        return tuple(i.number for i in self.items if folded in i.folded)

    def nearest(self, quote: str) -> Passage | None:
        """The passage (one to four consecutive clauses of an item) most like the quote (difflib ratio)."""
        target = comparable(quote)
        best: tuple[float, Passage] | None = None
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(target)
        for item in self.items:
            spans = split_clauses(item.body)
            for first in range(len(spans)):
                for last in range(first, min(first + 4, len(spans))):
                    passage = item.body[spans[first][0] : spans[last][1]]
                    matcher.set_seq1(comparable(passage))
                    if best is not None and matcher.real_quick_ratio() <= best[0]:
                        continue
                    if best is not None and matcher.quick_ratio() <= best[0]:
                        continue
                    ratio = matcher.ratio()
                    if best is None or ratio > best[0]:
                        best = (ratio, Passage(item.number, passage))
        return best[1] if best else None


def parse_items(text: str) -> tuple[SourceItem, ...]:
    """The numbered items of part 二 (重点工作及责任单位), each with its section (一)…(八) and first line."""
    found: list[tuple[int, int, int, str]] = []  # number, section, line, text (wrapped lines joined)
    part = 0
    section = 0
    for index, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if match := _PART.match(stripped):
            part = _chinese_number(match.group(1))
        elif part != 2 or not stripped:
            continue
        elif match := _SECTION.match(stripped):
            section = _chinese_number(match.group(1))
        elif match := _ITEM.match(stripped):
            found.append((int(match.group(1)), section, index, stripped[match.end() :]))
        elif found:  # a wrapped item continues on the next line
            number, sec, first, rest = found[-1]
            found[-1] = (number, sec, first, rest + stripped)
    items = []
    for number, sec, first, rest in found:
        units = _UNITS.search(rest)
        body, who = (rest[: units.start()], units.group(1)) if units else (rest, "")
        items.append(SourceItem(number, sec, first, body, who))
    return tuple(items)
