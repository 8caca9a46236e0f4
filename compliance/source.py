"""Source-document normalisation: strip inserted pinyin, convert to simplified Chinese, compare quotes."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# A pinyin annotation: one Latin syllable carrying a tone mark, in ASCII parentheses,
# right after a CJK character (e.g. 發(fā)). `縣(市、區)` has no Latin syllable and survives.
PINYIN_ANNOTATION = re.compile(
    rf"(?<=[\u3400-\u9fff\uf900-\ufaff])\((?=[a-zü]*[{_TONED}])[a-zü{_TONED}]{{1,7}}\)"
)


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
