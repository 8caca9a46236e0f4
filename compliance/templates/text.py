"""Words both templates use: how a column is filled in, a rule with its target, a value written as YAML."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from yaml import safe_load

from compliance.loading.excel import KIND_ZH, NO, YES, Column, Kind, bounds_text
from compliance.model import Rule
from compliance.templates.needs import FactNeed, target_text

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FLOW_UNSAFE = re.compile(r"[#:,\[\]{}&*!|>'\"%@`]|^[-?\s]|\s$")


def how_to_fill(column: Column, *, yaml: bool = False) -> str:
    """`日期 YYYY-MM-DD，必填`: the type, the choices or bounds, and whether it is required (yes/no is written
    true/false in YAML, 是/否 in a workbook)."""
    if column.kind is Kind.DATE:
        text = "日期 YYYY-MM-DD"
    elif column.kind is Kind.CHOICE:
        text = "选填其一：" + " / ".join(column.choices)
    elif column.kind is Kind.FLAG:
        text = f"true（{YES}）或 false（{NO}）" if yaml else f"{YES}或{NO}"
    else:
        text = KIND_ZH[column.kind] + bounds_text(column)
    return text + ("，必填" if column.required else "")


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def rule_line(rule: Rule) -> str:
    """`NT18-32.2 市政府部门领导班子开展2次以上集体学法活动（>= 2 次）`"""
    target = target_text(rule)
    return f"{rule.id} {rule.title.zh}" + (f"（{target}）" if target else "")


def units_text(need: FactNeed) -> str:
    return "、".join(need.units)


def yaml_value(value: Any) -> str:
    """A value in YAML flow style that reads back as the same value (dates stay text, as reports write them)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(value) if isinstance(value, float) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {yaml_value(item)}" for key, item in value.items()) + "}"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "[" + ", ".join(yaml_value(item) for item in value) + "]"
    text = str(value)
    if _DATE.match(text):
        return text
    if text and not _FLOW_UNSAFE.search(text) and safe_load(f"k: {text}") == {"k": text}:
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
