"""Pydantic's validation errors for the people who make them: Chinese first, English after, keyed on the error type.

A clerk meets these first, so each says what is wrong in the clerk's terms and how to write it instead
(「2018/3/15」 → 2018-03-15, 「100%」 → 100). Fields are named by their Chinese label when a lookup gives one
(the rulebook's declared facts do), else by the last part of their path.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

FieldPath = tuple[str | int, ...]
LabelLookup = Callable[[FieldPath], str | None]

SLUG_PATTERNS = frozenset({"^[a-z][a-z0-9_-]*$"})
LIST_HINT = "应为列表：每条记录另起一行，以「- 」开头（没有则填 []）"
DATE_FORMAT = "日期请写作 YYYY-MM-DD，如 2018-03-15"

# What pydantic's date parser says (ctx["error"]) in the clerk's words.
DATE_REASONS = {
    "input is too short": "位数不够（月、日都写两位，如 03）",
    "input is too long": "多了内容",
    "invalid date separator, expected `-`": "年月日之间要用“-”分隔",
    "day value is outside expected range": "该月没有这一天",
    "month value is outside expected range of 1-12": "月份应在 1 到 12 之间",
    "invalid character in year": "年份中有不是数字的字符",
    "invalid character in month": "月份中有不是数字的字符",
    "invalid character in day": "日中有不是数字的字符",
}

# One Chinese sentence per pydantic error type. {field} is the field's label or name in 「」, {value} the value
# written, also in 「」 (empty when it is not a short scalar); the rest come from the error's ctx.
TEMPLATES: dict[str, str] = {
    "missing": "缺少必填项{field}",
    "extra_forbidden": "没有{field}这一项（可能写错了名字）",
    "int_type": "{field}应填整数",
    "int_parsing": "{field}应填整数，{value}不是整数",
    "int_from_float": "{field}应填整数，{value}带有小数",
    "float_type": "{field}应填数字",
    "float_parsing": "{field}应填数字，{value}不是数字",
    "finite_number": "{field}应填有限的数字",
    "greater_than_equal": "{field}不能小于 {ge}",
    "greater_than": "{field}应大于 {gt}",
    "less_than_equal": "{field}不能大于 {le}",
    "less_than": "{field}应小于 {lt}",
    "multiple_of": "{field}应为 {multiple_of} 的倍数",
    "bool_type": "{field}应填 true（是）或 false（否）",
    "bool_parsing": "{field}应填 true（是）或 false（否）",
    "string_type": "{field}应填文字",
    "string_too_short": "{field}至少要有 {min_length} 个字",
    "string_too_long": "{field}最多 {max_length} 个字",
    "string_pattern_mismatch": "{field}填的{value}格式不对",
    "date_type": "{field}应填日期",
    "date_format": "{field}填的{value}不是有效日期",  # the report model's own date check (YYYY-MM-DD only)
    "date_parsing": "{field}填的{value}不是有效日期",
    "date_from_datetime_parsing": "{field}填的{value}不是有效日期",
    "date_from_datetime_inexact": "{field}填的{value}不是日期：只填年月日，不带时间",
    "date_past": "{field}应为过去的日期",
    "date_future": "{field}应为将来的日期",
    "datetime_type": "{field}应填日期和时间，如 2018-03-15T09:00:00",
    "datetime_parsing": "{field}填的{value}不是有效的日期和时间，如 2018-03-15T09:00:00",
    "datetime_from_date_parsing": "{field}填的{value}不是有效的日期和时间，如 2018-03-15T09:00:00",
    "time_type": "{field}应填时间，如 09:00",
    "time_parsing": "{field}填的{value}不是有效时间，如 09:00",
    "list_type": "{field}" + LIST_HINT,
    "tuple_type": "{field}" + LIST_HINT,
    "set_type": "{field}" + LIST_HINT,
    "too_short": "{field}至少要有 {min_length} 项",
    "too_long": "{field}最多 {max_length} 项",
    "dict_type": "{field}应为一组「名称: 值」，每项另起一行并缩进",
    "model_type": "{field}应为一组「名称: 值」，每项另起一行并缩进",
    "model_attributes_type": "{field}应为一组「名称: 值」，每项另起一行并缩进",
    "literal_error": "{field}只能填 {expected}",
    "enum": "{field}只能填 {expected}",
    "union_tag_invalid": "{field}的 {discriminator} 只能填 {expected_tags}",
    "union_tag_not_found": "{field}缺少 {discriminator}",
    "value_error": "{field}的数据不合理",
    "assertion_error": "{field}的数据不合理",
    "none_required": "{field}应留空",
    "json_invalid": "JSON 格式错误",
    "json_type": "{field}应为 JSON 文本",
    "decimal_type": "{field}应填数字",
    "decimal_parsing": "{field}应填数字，{value}不是数字",
    "frozen_field": "{field}不能修改",
    "frozen_instance": "不能修改",
    "is_instance_of": "{field}的类型不对",
}
FALLBACK = "{field}的数据有误"
CUSTOM_TYPES = frozenset({"date_format"})  # error types the report model raises itself, not pydantic's

_DATE_LIKE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_HINT = re.compile(r"did you mean '([^']*)'")
_CJK = re.compile("[\u4e00-\u9fff]")
_ENGLISH_TAIL = re.compile(r"（([^（）]*[A-Za-z][^（）]*)）$")
_WITH_TIME = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}[ T]\d")
YES = frozenset({"是", "有", "对", "Y", "y", "yes"})
NO = frozenset({"否", "无", "没有", "N", "n", "no"})
SHOWN = 30  # characters of a written value quoted in a message


def chinese_first(
    error: Mapping[str, Any], english: str, where: Sequence[str | int] | None = None, label: LabelLookup | None = None
) -> str:
    """`中文说明（English message）` for one pydantic error (an item of `ValidationError.errors()`).

    `english` is what would be printed otherwise (pydantic's message, or the caller's own, such as
    "unknown field 'x' (did you mean 'y'?)"); `where` is the field's path as the user wrote it (union member
    names left out), default the error's own `loc`; `label` names a field in Chinese, given its path.
    """
    path: FieldPath = tuple(error.get("loc", ()) if where is None else where)
    kind = str(error.get("type", ""))
    value = error.get("input")
    ctx = {k: _ctx_text(v) for k, v in (error.get("ctx") or {}).items()}
    if kind in ("value_error", "assertion_error") and _CJK.search(ctx.get("error", "")):
        return f"{_field(path, label)}：{ctx['error']}"  # a validator's own message, already Chinese first
    english = _english_of(english)
    template = TEMPLATES.get(kind, FALLBACK)
    if kind == "date_format" and value is None:
        template = TEMPLATES["date_type"]
    if kind == "string_too_short" and ctx.get("min_length") == "1":
        template = "{field}不能为空"
    if kind.startswith("date") and isinstance(value, int | float) and not isinstance(value, bool):
        template = TEMPLATES["date_parsing"]  # pydantic reads a number as a timestamp: not what was meant
    parts = {"field": _field(path, label), "value": _shown(value), **ctx}
    try:
        zh = template.format_map(_Blank(parts))
    except (ValueError, IndexError):  # a template that cannot take this error's context: say the least
        zh = FALLBACK.format_map(_Blank(parts))
    zh += _advice(kind, value, ctx, english)
    return f"{zh}（{english}）"


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "…"


def _ctx_text(value: object) -> str:
    return _CONTROL.sub("\ufffd", str(value))


def _field(path: FieldPath, label: LabelLookup | None) -> str:
    if label is not None:
        found = label(path)
        if found:
            return f"「{found}」"
    name = next((p for p in reversed(path) if isinstance(p, str)), None)
    return f"「{_ctx_text(name)}」" if name else ""


def _shown(value: object) -> str:
    """A short scalar the user wrote, quoted and made safe to print; nothing for a list, mapping or null."""
    if isinstance(value, bool):
        return "「true」" if value else "「false」"
    if isinstance(value, int | float | str):
        text = _CONTROL.sub("\ufffd", str(value))
        return f"「{text[:SHOWN]}{'…' if len(text) > SHOWN else ''}」"
    return ""


def _advice(kind: str, value: object, ctx: Mapping[str, str], english: str) -> str:
    """What to write instead, where the mistake is a common one."""
    if kind == "extra_forbidden":
        hint = _HINT.search(english)
        return f"，您是否指「{hint[1]}」？" if hint else ""
    if kind.startswith("date"):
        return _date_advice(kind, value, ctx)
    if kind in ("int_type", "float_type", "int_parsing", "float_parsing", "decimal_type", "decimal_parsing"):
        if isinstance(value, bool):
            return "，不能填 true/false"
        if isinstance(value, str):
            if value.strip().endswith(("%", "％")):
                number = value.strip().rstrip("%％").strip()
                return f"，不带百分号（写 {number}）" if _is_number(number) else "，不带百分号"
            return f"，不加引号（写 {value.strip()}）" if _is_number(value.strip()) else ""
        if isinstance(value, float) and kind == "int_type":
            return "，不能有小数"
        return ""
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") in SLUG_PATTERNS:
            return "：代码只能用小写英文字母、数字、- 和 _，以字母开头"
        return f"，应符合 {ctx.get('pattern', '…')}"
    if kind in ("bool_parsing", "bool_type"):
        written = value.strip() if isinstance(value, str) else ""
        if written in YES or written in NO:
            return f"，「{written}」请写作 {'true' if written in YES else 'false'}"
        return f"，不能填{_shown(value)}" if _shown(value) else ""
    return ""


def _date_advice(kind: str, value: object, ctx: Mapping[str, str]) -> str:
    written = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    match = _DATE_LIKE.match(written) or (re.fullmatch(r"(\d{4})(\d{2})(\d{2})", written) if written else None)
    reason = DATE_REASONS.get(ctx.get("error", ""))
    if match:
        try:
            meant = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            reason = "该月没有这一天" if 1 <= int(match[2]) <= 12 else "月份应在 1 到 12 之间"
        else:
            return f"，应写作 {meant.isoformat()}"
    elif isinstance(value, int | float) and not isinstance(value, bool):
        reason = "日期要写成文本，不能写成数字"
    elif kind == "date_from_datetime_inexact":
        reason = None  # the template says it: a time where only a date belongs
    elif _WITH_TIME.match(written):
        reason = "只填年月日，不带时间"
    return (f"（{reason}）" if reason else "") + "。" + DATE_FORMAT


def _english_of(message: str) -> str:
    """The English of a message: a message already Chinese first ('中文（English）') gives its English part."""
    if not _CJK.search(message):
        return message
    tail = _ENGLISH_TAIL.search(message)
    return tail[1] if tail else message


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
