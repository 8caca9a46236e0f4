"""Choosing the records a measure reads: a filter on their fields, the assessment-year window, a
de-duplication key and the label that names a record in outputs. Type-checked when the rulebook loads."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from compliance.facts.declare import Fact, FieldType, Key, RecordField
from compliance.facts.report import FactAccess
from compliance.measures.interface import Context, Invalid
from compliance.model import Strict
from compliance.suggest import did_you_mean

Period = Literal["month", "quarter", "half"]
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
_ORDERED = (FieldType.DATE, FieldType.INTEGER, FieldType.DECIMAL)


class Selection(Strict):
    """Which records of a record-list fact a measure reads."""

    fact: Key
    date: Key | None = None
    where: dict[Key, Any] = Field(default_factory=dict)
    distinct: tuple[Key, ...] = ()
    label: tuple[Key, ...] = ()


def record_field(fact: Fact, field_id: str, *where: str | int, types: tuple[FieldType, ...] = ()) -> RecordField:
    found = fact.field(field_id)
    if found is None:
        hint = did_you_mean(field_id, [f.id for f in fact.fields])
        raise Invalid(
            "E222",
            f"事实 '{fact.id}' 的记录没有字段 '{field_id}'（the records of '{fact.id}' have no field '{field_id}')"
            + (f"（did you mean '{hint}'?）" if hint else ""),
            *where,
        )
    if types and found.type not in types:
        wanted = " / ".join(t.value for t in types)
        raise Invalid(
            "E223",
            f"字段 '{field_id}' 的类型是 {found.type.value}，此处需要 {wanted}"
            f"（field '{field_id}' is {found.type.value}; this needs {wanted})",
            *where,
        )
    return found


def _literal(field: RecordField, value: Any, *where: str | int) -> Any:
    """A filter value checked against its field's type: a date is never compared with a number."""
    kind = field.type
    ok = True
    if kind is FieldType.DATE:
        try:
            value = dt.date.fromisoformat(value) if isinstance(value, str) else value
        except ValueError:
            ok = False
        ok = ok and type(value) is dt.date
    elif kind in (FieldType.INTEGER, FieldType.DECIMAL):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind is FieldType.FLAG:
        ok = isinstance(value, bool)
    elif kind is FieldType.CHOICE:
        ok = value in field.values
    else:
        ok = isinstance(value, str)
    if not ok:
        expected = {
            FieldType.DATE: "a date YYYY-MM-DD",
            FieldType.INTEGER: "a number",
            FieldType.DECIMAL: "a number",
            FieldType.FLAG: "true or false",
            FieldType.CHOICE: "one of " + "、".join(field.values),
            FieldType.TEXT: "text",
        }[kind]
        raise Invalid(
            "E224",
            f"'{field.id}' 是 {kind.value} 字段，不能与 {value!r} 比较（a {kind.value} field compared with "
            f"{type(value).__name__} {value!r}; expected {expected})",
            *where,
        )
    return value


def _condition(field: RecordField, spec: Any, *where: str | int) -> Callable[[Any], bool]:
    if not isinstance(spec, Mapping):
        target = _literal(field, spec, *where)
        return lambda value: value == target
    if len(spec) != 1:
        raise Invalid("E225", "一个条件只写一个比较（one comparison per condition, e.g. {'>=': 1})", *where)
    ((op, raw),) = spec.items()
    if op == "present":
        if not isinstance(raw, bool):
            raise Invalid("E225", "'present' 取 true 或 false（'present' takes true or false）", *where, op)
        return lambda value: (value is not None) == raw
    if op in ("in", "not_in"):
        if not isinstance(raw, list | tuple) or not raw:
            raise Invalid("E225", f"'{op}' 需要一个非空列表（'{op}' takes a non-empty list）", *where, op)
        options = frozenset(_literal(field, v, *where, op) for v in raw)
        return (lambda value: value in options) if op == "in" else (lambda value: value not in options)
    compare = _OPS.get(op)
    if compare is None:
        hint = did_you_mean(str(op), [*_OPS, "in", "not_in", "present"])
        raise Invalid(
            "E225",
            f"未知的比较 '{op}'（unknown comparison; use == != >= > <= < in not_in present)"
            + (f"（did you mean '{hint}'?）" if hint else ""),
            *where,
        )
    if op not in ("==", "!=") and field.type not in _ORDERED:
        raise Invalid("E224", f"'{field.id}' 是 {field.type.value} 字段，不能比较大小（not ordered）", *where, op)
    target = _literal(field, raw, *where, op)
    return lambda value: compare(value, target)


@dataclass(frozen=True)
class Selector:
    """A compiled `Selection`: getters and predicates worked out once per rulebook."""

    access: FactAccess
    date: Callable[[Any], dt.date | None] | None
    date_field: RecordField | None
    matches: Callable[[Any], bool] | None
    key: Callable[[Any], tuple[Any, ...]] | None
    labels: tuple[Callable[[Any], Any], ...]

    @property
    def fact(self) -> Fact:
        return self.access.fact

    def records(self, report: Any) -> tuple[Any, ...] | None:
        found: tuple[Any, ...] | None = self.access.get(report)
        return found

    def pick(self, records: tuple[Any, ...], year: int) -> tuple[list[tuple[Any, str, dt.date | None]], list[str]]:
        """The records that count: matching the filter, dated in the year, each distinct key once; plus notes
        on every record left out (never silently)."""
        picked: list[tuple[Any, str, dt.date | None]] = []
        notes: list[str] = []
        seen: set[tuple[Any, ...]] = set()
        date, matches, key = self.date, self.matches, self.key
        for record in records:
            if matches is not None and not matches(record):
                continue
            label = self.label(record)
            day = None
            if date is not None:
                day = date(record)
                if day is None:
                    notes.append(f"{label}：未填写日期，不计入（no date, not counted）")
                    continue
                shown = f"{day.isoformat()} {label}"
                if day.year != year:
                    notes.append(f"{shown}：不在{year}年度内，不计入（outside {year}, not counted）")
                    continue
            else:
                shown = label
            if key is not None:
                identity = key(record)
                if identity in seen:
                    notes.append(f"{shown}：重复记录，只计一次（duplicate, counted once）")
                    continue
                seen.add(identity)
            picked.append((record, shown, day))
        return picked, notes

    def label(self, record: Any) -> str:
        for get in self.labels:
            value = get(record)
            if value is not None and value != "":
                return str(value)
        return ""


def compile_selection(selection: Selection, ctx: Context, *, needs_date: bool = False) -> Selector:
    access = ctx.fact(selection.fact, "fact", types=("records",))
    fact = access.fact
    date_field = None
    date = None
    if selection.date is not None:
        date_field = record_field(fact, selection.date, "date", types=(FieldType.DATE,))
        date = access.field(date_field.id)
    elif needs_date:
        raise Invalid(
            "E226",
            f"按期间统计需要日期字段：写 date: <{fact.id} 的日期字段>（a period count needs the records' date field"
            + ("" if any(f.type is FieldType.DATE for f in fact.fields) else f"; the records of '{fact.id}' have none")
            + ")",
            "fact",
        )
    tests: list[Callable[[Any], bool]] = []
    for name, spec in selection.where.items():
        field = record_field(fact, name, "where", name)
        check = _condition(field, spec, "where", name)
        get = access.field(field.id)
        presence = isinstance(spec, Mapping) and "present" in spec
        tests.append(_on_value(get, check) if presence else _present_and(get, check))
    matches: Callable[[Any], bool] | None = None
    if len(tests) == 1:
        matches = tests[0]
    elif tests:
        matches = _all_of(tests)
    key: Callable[[Any], tuple[Any, ...]] | None = None
    if selection.distinct:
        for i, name in enumerate(selection.distinct):
            record_field(fact, name, "distinct", i)
        key = _key_of(selection.distinct)
    label_ids = (
        selection.label
        or tuple(f.id for f in fact.fields if f.type in (FieldType.TEXT, FieldType.CHOICE) and f.required)[:1]
    )
    for i, name in enumerate(selection.label):
        record_field(fact, name, "label", i)
    labels = tuple(access.field(name) for name in label_ids)
    return Selector(access, date, date_field, matches, key, labels)


def _present_and(get: Callable[[Any], Any], check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda record: (value := get(record)) is not None and check(value)


def _on_value(get: Callable[[Any], Any], check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda record: check(get(record))


def _all_of(tests: list[Callable[[Any], bool]]) -> Callable[[Any], bool]:
    return lambda record: all(test(record) for test in tests)


def _key_of(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A record's identity for `distinct`: its values of those fields (None where one is not given)."""
    if len(names) == 1:
        (name,) = names
        return lambda record: (record.get(name),)
    return lambda record: tuple(map(record.get, names))


def period_of(day: dt.date, period: Period) -> int:
    if period == "month":
        return day.month
    if period == "quarter":
        return (day.month - 1) // 3 + 1
    return 1 if day.month <= 6 else 2


def period_names(year: int, period: Period) -> tuple[str, ...]:
    if period == "month":
        return tuple(f"{year}年{m}月" for m in range(1, 13))
    if period == "quarter":
        return tuple(f"{year}年第{q}季度" for q in range(1, 5))
    return (f"{year}年上半年", f"{year}年下半年")
