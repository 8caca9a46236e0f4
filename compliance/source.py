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
TONE_MARKED = re.compile(rf"[{_TONED}]")
_TONELESS = str.maketrans(_TONED, "aaaaeeeeiiiioooouuuuüüüü")
# Every syllable of standard Mandarin pinyin, without tones: what an annotation may spell, so that an accented
# word that is no pinyin (咖啡(café)) stays.
_SYLLABLE_TABLE = """
    a ai an ang ao e ei en eng er o ou
    ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun wa wai wan wang wei wen weng wo wu
    ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu
    pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu
    ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu
    fa fan fang fei fen feng fo fou fu
    da dai dan dang dao de dei den deng di dia dian diao die ding diu dong dou du duan dui dun duo
    ta tai tan tang tao te tei teng ti tian tiao tie ting tong tou tu tuan tui tun tuo
    na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nun nuo nü nüe
    la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu luan lun luo lü lüe
    ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo
    ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo
    ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo
    ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun
    qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun
    xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun
    zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo
    cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui chun chuo
    sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo
    ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo
    za zai zan zang zao ze zei zen zeng zi zong zou zu zuan zui zun zuo
    ca cai can cang cao ce cen ceng ci cong cou cu cuan cui cun cuo
    sa sai san sang sao se sen seng si song sou su suan sui sun suo
"""
_SYLLABLES = frozenset(_SYLLABLE_TABLE.split())
_SYLLABLE_RUN = re.compile("(?:{})+".format("|".join(sorted(_SYLLABLES, key=len, reverse=True))))
_WORD = rf"[a-zü{_TONED}]+"
_CJK = "\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# A pinyin annotation in ASCII parentheses right after a CJK character: a syllable (發(fā)), or a word
# (發展(fāzhǎn), 西安(xī'ān)). `縣(市、區)` and `(2018)` hold no Latin word and survive.
# The distributed file also lost a few characters to '?' (or U+FFFD), sometimes with the opening
# parenthesis of their annotation (`?(dāng)`, `?xiàng)`); those annotations are stripped too and
# the '?' is left as the gap it is (item 31: `日??己恕m?测评`).
_ANNOTATION = re.compile(rf"(?<=[{_CJK}])\(({_WORD}(?:['’ ]{_WORD})*)\)|(?<=[?\ufffd])\(?({_WORD})\)")


def _is_pinyin(word: str) -> bool:
    return all(_SYLLABLE_RUN.fullmatch(part) for part in re.split(r"['’ ]", word.translate(_TONELESS)))


def pinyin_annotations(text: str) -> list[tuple[int, int]]:
    """Spans of the pinyin annotations in a text, in order.

    An annotation carries a tone mark somewhere. A neutral-tone syllable (們(men), 的(de)) carries none, so an
    untoned one is an annotation only in a text that has toned ones, and only as a single syllable: `代碼(code)`
    or `(a)` in a text without pinyin is left alone.
    """
    found = [m for m in _ANNOTATION.finditer(text) if _is_pinyin(m[1] or m[2])]
    annotated = any(TONE_MARKED.search(m[0]) for m in found)
    return [
        m.span()
        for m in found
        if TONE_MARKED.search(m[0]) or (annotated and m[1] and m[1].translate(_TONELESS) in _SYLLABLES)
    ]


_CHINESE_NUMERALS = "一二三四五六七八九十"
_PART = re.compile(rf"^([{_CHINESE_NUMERALS}]+)、")  # 一、指导思想 / 二、重点工作及责任单位 / 三、工作要求
_SECTION = re.compile(rf"^\(([{_CHINESE_NUMERALS}]+)\)")  # (一)依法全面履行政府职能
_ITEM = re.compile(r"^(\d{1,2})\.(?!\d)")  # 1.深化“放管服”改革… (not 30.5% on a wrapped line)
_UNITS = re.compile(r"\(([^()]*)\)\s*$")  # …(市编办、市法制办,市政府各部门)
_OPENERS = {"(": ")", "（": "）", "《": "》", "〈": "〉", "“": "”", "‘": "’", "「": "」", "〔": "〕", "[": "]"}
CLAUSE_BREAKS = frozenset("。；;,，！？")  # ASCII "?" marks lost characters in this source, not questions


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def strip_pinyin(text: str) -> str:
    kept, at = [], 0
    for start, end in pinyin_annotations(text):
        kept.append(text[at:start])
        at = end
    kept.append(text[at:])
    return "".join(kept)


def _composed(text: str) -> str:
    """Line breaks as \\n, no BOM, and tone marks composed (a + U+0304 is ā) so that annotations are seen."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").lstrip("\ufeff"))


def normalize_source(text: str) -> str:
    """The clean simplified text of a source document, line structure kept."""
    return str(_converter().convert(strip_pinyin(_composed(text))))


# What NFKC leaves apart but a quote typed in half-width mode differs in: quotation marks and the full stop;
# and invisible characters (zero-width space, soft hyphen, BOM) that text copied from a web page carries.
_HALF_WIDTH = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "。": "."})
_INVISIBLE = re.compile(r"[\s\u00ad\u200b-\u200d\u2060\ufeff]+")


def comparable(text: str) -> str:
    """Fold what a quote may differ in: width (NFKC folds full-width punctuation; “” ‘’ 。 become " ' .),
    whitespace and invisible characters."""
    folded = unicodedata.normalize("NFKC", text).translate(_HALF_WIDTH)
    return _INVISIBLE.sub("", folded)


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
    # where each physical line of a wrapped item begins: (offset in body, line number, column in that line)
    lines: tuple[tuple[int, int, int], ...] = ()

    @cached_property
    def folded(self) -> str:
        return comparable(self.body)

    @cached_property
    def clause_spans(self) -> tuple[tuple[int, int], ...]:
        return tuple(split_clauses(self.body))

    def locate(self, offset: int) -> tuple[int, int]:
        """(line number, 0-based column in the normalised line) of an offset in the body."""
        line, column = self.line, offset
        for start, number, at in self.lines:
            if start <= offset:
                line, column = number, at + offset - start
        return line, column


@dataclass(frozen=True)
class SourceText:
    """A normalised source document and its numbered items (only part 二、重点工作及责任单位 has them)."""

    text: str
    items: tuple[SourceItem, ...]
    original: str = ""  # the text as received (line breaks as \n, NFC), for columns in the file itself

    @classmethod
    def parse(cls, raw: str) -> SourceText:
        original = _composed(raw)
        text = str(_converter().convert(strip_pinyin(original)))
        return cls(text, parse_items(text), original)

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

    @cached_property
    def _lines(self) -> tuple[list[str], list[int], list[tuple[int, int]]]:
        """The normalised lines, where each line starts in the original, and the pinyin stripped from it."""
        starts = [0]
        for line in self.original.split("\n"):
            starts.append(starts[-1] + len(line) + 1)
        return self.text.split("\n"), starts, pinyin_annotations(self.original)

    def position(self, item: SourceItem, offset: int) -> tuple[int, int | None]:
        """Line and 1-based column, in the file as received (pinyin and all), of an offset in an item's body.

        The column is None when it cannot be mapped back exactly (OpenCC changed the line's length).
        """
        line, column = item.locate(offset)
        lines, starts, annotations = self._lines  # as many lines as the original: normalising keeps them
        if not 0 < line <= len(lines):
            return line, None
        start, stop = starts[line - 1], starts[line] - 1
        removed = [(begin, end) for begin, end in annotations if start <= begin < stop]
        if stop - start - sum(end - begin for begin, end in removed) != len(lines[line - 1]):
            return line, None
        at = start + column
        for begin, end in removed:
            if begin <= at:
                at += end - begin
        return line, at - start + 1

    def nearest(self, quote: str) -> Passage | None:
        """The passage (one to four consecutive clauses of an item) most like the quote (difflib ratio)."""
        target = comparable(quote)
        best: tuple[float, Passage] | None = None
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(target)
        for item in self.items:
            spans = item.clause_spans
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
    """The numbered items of part 二 (重点工作及责任单位), each with its section (一)…(八) and lines."""
    found: list[tuple[int, int, str, list[tuple[int, int, int]]]] = []  # number, section, text, lines
    part = 0
    section = 0
    for index, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if match := _PART.match(stripped):
            part = _chinese_number(match.group(1))
        elif part != 2 or not stripped:
            continue
        elif match := _SECTION.match(stripped):
            section = _chinese_number(match.group(1))
        elif match := _ITEM.match(stripped):
            found.append((int(match.group(1)), section, stripped[match.end() :], [(0, index, indent + match.end())]))
        elif found:  # a wrapped item continues on the next line
            number, sec, rest, lines = found[-1]
            lines.append((len(rest), index, indent))
            found[-1] = (number, sec, rest + stripped, lines)
    items = []
    for number, sec, rest, lines in found:
        units = _UNITS.search(rest)
        body, who = (rest[: units.start()], units.group(1)) if units else (rest, "")
        items.append(SourceItem(number, sec, lines[0][1], body, who, tuple(lines)))
    return tuple(items)
