"""The source document: normalised (inserted pinyin stripped, simplified Chinese), divided and quoted from.

The text is divided at its numbered headings (一、 （一） 1. 1、 第N条 …, see `compliance.locator`) into
divisions; the divisions of one numbering are its items (the work plan's `N.` tasks, each ending with its
responsible units in parentheses). Division text is split into clauses (分句) so that lint can check quotes
and coverage against them, and a rule can cite any division by locator.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

import opencc

from compliance.locator import AUTO_ORDER, NUMBERINGS, Kind, Marker, heading, label, matches, parse_locator

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


_UNITS = re.compile(r"[(（]([^()（）]*)[)）]\s*$")  # …(市编办、市法制办,市政府各部门) closing an item
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
class Division:
    """One numbered division (层次) of the source: its heading path, its own text and where its lines start.

    Its own text runs from after its heading to the next heading of any rank; a sub-division is a division of
    its own, and `index`…`end` (positions in `SourceText.divisions`) span the division and everything inside it.
    An item (a heading of the numbering rules cite by `item: N`) keeps the responsible units (责任单位) that
    close it in parentheses apart from its body.
    """

    path: tuple[Marker, ...]
    line: int
    body: str
    units: str = ""
    # where each physical line of the division begins: (offset in body, line number, column in that line)
    lines: tuple[tuple[int, int, int], ...] = ()
    item: bool = False
    index: int = 0
    end: int = 0
    locator: str = ""  # the shortest locator that names this division alone

    @property
    def number(self) -> int:
        return self.path[-1].number

    @property
    def section(self) -> int:
        """The number of the enclosing heading ((三) for Nantong's item 12), 0 at the top level."""
        return self.path[-2].number if len(self.path) > 1 else 0

    @property
    def name(self) -> str:
        """How messages name it: 第12条 for an item cited by its bare number, else its locator (三、(二))."""
        return f"第{self.number}条" if self.item and self.locator.isdigit() else self.locator

    @property
    def text(self) -> str:
        """Body and responsible units, as the source prints them."""
        return f"{self.body}({self.units})" if self.units else self.body

    @cached_property
    def folded(self) -> str:
        return comparable(self.text)

    @cached_property
    def folded_body(self) -> str:
        return comparable(self.body)

    @cached_property
    def clause_spans(self) -> tuple[tuple[int, int], ...]:
        return tuple(split_clauses(self.body))

    def inside(self, other: Division) -> bool:
        """Whether this division is `other` or stands inside it."""
        return other.index <= self.index < other.end

    def locate(self, offset: int) -> tuple[int, int]:
        """(line number, 0-based column in the normalised line) of an offset in the body."""
        line, column = self.line, offset
        for start, number, at in self.lines:
            if start <= offset:
                line, column = number, at + offset - start
        return line, column


# Kept as the name of an item: a Division whose heading is of the source's item numbering.
SourceItem = Division


@dataclass(frozen=True)
class Nearest:
    """The passage (one to four consecutive clauses of a division) most like a quote, and where it stands."""

    division: Division
    text: str

    @property
    def item(self) -> int | None:
        return self.division.number if self.division.item else None


@dataclass(frozen=True)
class SourceText:
    """A normalised source document, its numbered divisions, and which of them are the items (条目)."""

    text: str
    divisions: tuple[Division, ...]
    item_kind: Kind | None = None
    original: str = ""  # the text as received (line breaks as \n, NFC), for columns in the file itself

    @classmethod
    def parse(cls, raw: str, numbering: str = "auto") -> SourceText:
        """Normalise and divide a source; `numbering` is rulebook.yaml's `source.numbering` (see locator.NUMBERINGS)."""
        original = _composed(raw)
        text = str(_converter().convert(strip_pinyin(original)))
        divisions, kind = parse_divisions(text, numbering)
        return cls(text, divisions, kind, original)

    @cached_property
    def items(self) -> tuple[Division, ...]:
        return tuple(d for d in self.divisions if d.item)

    @cached_property
    def kinds(self) -> tuple[Kind, ...]:
        """The kinds of heading the source uses, outermost first."""
        return tuple(sorted({d.path[-1].kind for d in self.divisions}, key=lambda k: k.rank))

    def item(self, number: int) -> Division | None:
        return next((i for i in self.items if i.number == number), None)

    def resolve(self, item: int | None = None, at: str | None = None) -> tuple[Division, ...]:
        """The divisions a citation names: the items numbered `item`, or the divisions the locator `at` matches.

        More than one means the citation is ambiguous (items numbered anew in each section; (二) in two parts).
        Raises ValueError for a locator that cannot be read.
        """
        if at is not None:
            steps = parse_locator(at)
            return tuple(d for d in self.divisions if matches(steps, d.path))
        return tuple(i for i in self.items if i.number == item)

    @cached_property
    def folded(self) -> str:
        return comparable(self.text)

    def contains(self, quote: str) -> bool:
        return comparable(quote) in self.folded

    def containing(self, quote: str) -> tuple[Division, ...]:
        """The divisions whose own text holds the quote."""
        folded = comparable(quote)
        return tuple(d for d in self.divisions if folded in d.folded)

    def items_containing(self, quote: str) -> tuple[int, ...]:
        return tuple(d.number for d in self.containing(quote) if d.item)

    @cached_property
    def _lines(self) -> tuple[list[str], list[int], list[tuple[int, int]]]:
        """The normalised lines, where each line starts in the original, and the pinyin stripped from it."""
        starts = [0]
        for line in self.original.split("\n"):
            starts.append(starts[-1] + len(line) + 1)
        return self.text.split("\n"), starts, pinyin_annotations(self.original)

    def position(self, division: Division, offset: int) -> tuple[int, int | None]:
        """Line and 1-based column, in the file as received (pinyin and all), of an offset in a division's body.

        The column is None when it cannot be mapped back exactly (OpenCC changed the line's length).
        """
        line, column = division.locate(offset)
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

    def nearest(self, quote: str) -> Nearest | None:
        """The passage (one to four consecutive clauses of a division) most like the quote (difflib ratio)."""
        target = comparable(quote)
        best: tuple[float, Nearest] | None = None
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(target)
        for division in self.divisions:
            spans = division.clause_spans
            for first in range(len(spans)):
                for last in range(first, min(first + 4, len(spans))):
                    passage = division.body[spans[first][0] : spans[last][1]]
                    matcher.set_seq1(comparable(passage))
                    if best is not None and matcher.real_quick_ratio() <= best[0]:
                        continue
                    if best is not None and matcher.quick_ratio() <= best[0]:
                        continue
                    ratio = matcher.ratio()
                    if best is None or ratio > best[0]:
                        best = (ratio, Nearest(division, passage.strip()))
        return best[1] if best else None


@dataclass
class _Open:
    path: tuple[Marker, ...]
    line: int
    text: str
    lines: list[tuple[int, int, int]]


def parse_divisions(text: str, numbering: str = "auto") -> tuple[tuple[Division, ...], Kind | None]:
    """The numbered divisions of a normalised text, and the kind of heading its items use.

    A line that opens with a numbered heading starts a division inside the nearest open one of higher rank;
    any other line continues the innermost open division (a wrapped line), or is preamble before the first.
    """
    found: list[_Open] = []
    stack: list[_Open] = []
    for index, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        opened = heading(stripped)
        if opened is not None:
            marker, rest = opened
            while stack and stack[-1].path[-1].kind.rank >= marker.kind.rank:
                stack.pop()
            path = (*stack[-1].path, marker) if stack else (marker,)
            division = _Open(path, index, rest, [(0, index, indent + len(stripped) - len(rest))])
            found.append(division)
            stack.append(division)
        elif stack:  # a wrapped line continues the innermost division
            current = stack[-1]
            current.lines.append((len(current.text), index, indent))
            current.text += stripped
    present = {d.path[-1].kind for d in found}
    declared = NUMBERINGS[numbering]
    kind = declared if declared is not None else next((k for k in AUTO_ORDER if k in present), None)
    divisions: list[Division] = []
    for index, part in enumerate(found):
        is_item = part.path[-1].kind is kind
        units = _UNITS.search(part.text) if is_item else None
        body, who = (part.text[: units.start()], units.group(1)) if units else (part.text, "")
        depth = len(part.path)
        end = next((j for j in range(index + 1, len(found)) if len(found[j].path) <= depth), len(found))
        divisions.append(Division(part.path, part.line, body, who, tuple(part.lines), is_item, index, end))
    return tuple(_with_locators(divisions)), kind


def _with_locators(divisions: list[Division]) -> list[Division]:
    """Each division with the shortest locator (its own heading, then enclosing ones) that names it alone."""
    # Only divisions whose own heading is the same can compete: grouping them keeps a long source linear.
    alike: dict[tuple[Kind, int], list[Division]] = {}
    for division in divisions:
        alike.setdefault((division.path[-1].kind, division.number), []).append(division)
    named = []
    for division in divisions:
        path = division.path
        rivals = alike[(path[-1].kind, division.number)]
        chosen = label(path)
        for size in range(1, len(path) + 1):
            steps = path[-size:]
            if sum(1 for other in rivals if matches(steps, other.path)) == 1:
                chosen = label(steps)
                break
        named.append(replace(division, locator=chosen))
    return named


def parse_items(text: str, numbering: str = "auto") -> tuple[Division, ...]:
    """The items of a normalised text (the divisions a rule cites by `item: N`)."""
    return tuple(d for d in parse_divisions(text, numbering)[0] if d.item)
