"""The language of output labels (`--lang zh|en`): Chinese, English, or both (中文 English), from the locale."""

from __future__ import annotations

import locale
import sys
from collections.abc import Mapping
from enum import StrEnum


class Lang(StrEnum):
    ZH = "zh"
    EN = "en"
    BOTH = "both"  # 中文 English: what a machine with no Chinese or English locale (C, POSIX, CI) gets

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
