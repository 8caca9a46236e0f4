"""The language of output labels (`--lang zh|en`): Chinese, English, or both (中文 English), from the locale."""

from __future__ import annotations

import locale
import re
import sys
from collections.abc import Mapping
from enum import StrEnum

_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
# Chinese up to its last Chinese character, then English (a letter first, nothing Chinese after).
_BILINGUAL = re.compile(f"^(?P<zh>.*?[{_CJK}])\\s*(?P<en>[A-Za-z][^{_CJK}]*)$")


class Lang(StrEnum):
    ZH = "zh"
    EN = "en"
    BOTH = "both"  # 中文 English: what a machine with no Chinese or English locale (C, POSIX, CI) gets

    def pick(self, bilingual: str) -> str:
        """One language of a '中文 English' label ('排名 rank' -> '排名' or 'rank'); a label not in that shape
        ('实得/应得', '(3)') is the same in every language."""
        found = _BILINGUAL.match(bilingual)
        if self is Lang.BOTH or found is None:
            return bilingual
        return found["zh"] if self is Lang.ZH else found["en"]

    def label(self, zh: str, en: str) -> str:
        """A heading or label in this language: '单位', 'unit' or '单位 unit'."""
        if self is Lang.ZH:
            return zh
        if self is Lang.EN:
            return en
        return f"{zh} {en}"


def lang_of(name: str | None) -> Lang | None:
    """The language a locale name asks for (zh_CN.UTF-8, zh-Hans, Chinese (Simplified)_China → zh), else None."""
    if not name:
        return None
    lowered = name.lower()
    if lowered.startswith(("zh", "chinese")):
        return Lang.ZH
    if lowered.startswith(("en", "english")):
        return Lang.EN
    return None


def default_lang(environ: Mapping[str, str]) -> Lang:
    """POSIX order (LC_ALL, then LC_MESSAGES, then LANG: the first one set decides); on Windows, where these are
    rarely set, the user's locale; else both languages."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable)
        if value:
            return lang_of(value) or Lang.BOTH
    if sys.platform == "win32":
        return lang_of(locale.getlocale()[0]) or Lang.BOTH
    return Lang.BOTH
