"""The report format of one rulebook, generated from its declared facts when the rulebook loads.

A report (年度报告) is a header (unit, year) plus one key per fact or group of facts. Each declaration becomes a
strict pydantic model: unknown keys refused, numbers strict, dates written YYYY-MM-DD. Python attributes are
`f_<key>` (a fact named `copy` or `json` must not shadow a pydantic method); reports use the plain keys.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NotRequired, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetPydanticSchema,
    StringConstraints,
    WithJsonSchema,
    create_model,
)
from pydantic_core import PydanticCustomError, core_schema
from typing_extensions import TypedDict

from compliance.facts.declare import Fact, FactsFile, FactType, FieldType, RecordField
from compliance.loading.documents import FLOAT_LIMIT
from compliance.model import SLUG, Strict, Text

_DATE_MESSAGE = "日期应写作 YYYY-MM-DD 的有效日期，如 2018-03-15（a valid date written YYYY-MM-DD）"


def _date_schema(source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
    # pydantic alone would read 1519689600 (or "1519689600") as a Unix time: a date is written, never computed.
    # A pattern on the text, then pydantic-core's own date parser: both in Rust, no Python call per date.
    written = core_schema.chain_schema(
        [core_schema.str_schema(pattern=r"^\d{4}-\d{2}-\d{2}$"), core_schema.date_schema()]
    )
    python = core_schema.union_schema([core_schema.is_instance_schema(dt.date), written], mode="left_to_right")
    json_schema, python_schema = (
        core_schema.custom_error_schema(schema, custom_error_type="date_format", custom_error_message=_DATE_MESSAGE)
        for schema in (written, python)
    )
    return core_schema.json_or_python_schema(json_schema=json_schema, python_schema=python_schema)


ReportDate = Annotated[dt.date, GetPydanticSchema(_date_schema), WithJsonSchema({"type": "string", "format": "date"})]
INT64 = 2**63 - 1  # beyond it JSON parsers disagree (orjson reads a float) and the engine cannot compare
Count = Annotated[int, Field(strict=True, ge=0, le=INT64)]
# Every number of a report is bounded by what the engine compares exactly, so a report the model accepts needs
# no walk of its values for out-of-range numbers (the JSON Lines fast path relies on it).
Decimal_ = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=-FLOAT_LIMIT, lt=FLOAT_LIMIT)]
Flag = Annotated[bool, Field(strict=True)]
Slug = Annotated[str, StringConstraints(pattern=SLUG)]


class ReportHeader(Strict):
    """What every report starts with, whatever the plan: whose report it is and for which year."""

    unit_id: Annotated[Text, StringConstraints(max_length=100)] = Field(
        title="单位", description="考评对象的单位代码、名称或别名（见 compliance units），如 jiaoyu 或 市教育局"
    )
    year: Annotated[int, Field(strict=True, ge=1990, le=2100)] = Field(title="考评年度")
    unit_name: Text | None = Field(None, title="单位名称")
    unit_type: Slug | None = Field(None, title="单位类型", description="未登记的单位须填写")
    submitted: ReportDate | None = Field(None, title="报送日期")
    contact: Text | None = Field(None, title="联系人")


HEADER_KEYS = tuple(ReportHeader.model_fields)


_PLAIN_CONFIG = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _dates_in_order(date_order: tuple[tuple[str, str, str], ...]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A record's dates must not go backwards (`not_before`): (later, earlier, message) pairs."""

    def check(record: dict[str, Any]) -> dict[str, Any]:
        for later, earlier, message in date_order:
            end, start = record.get(later), record.get(earlier)
            if end is not None and start is not None and end < start:
                raise PydanticCustomError("date_order", message, {"end": str(end), "start": str(start)})
        return record

    return check


def _parts_together(parts: dict[str, Any]) -> dict[str, Any]:
    if (parts.get("numerator") is None) != (parts.get("denominator") is None):
        raise PydanticCustomError(
            "rate_parts", "分子和分母应同时填写，或都不填（give both numerator and denominator, or neither）"
        )
    return parts


def _plain(
    name: str, definitions: dict[str, Any], after: Callable[[Any], Any] | None = None, doc: str | None = None
) -> Any:
    """A plain dict keyed as the report writes it, optional keys absent when not given: a report holds thousands
    of these, and a dict of scalars costs a fraction of a model instance and nothing to the garbage collector."""
    shape = TypedDict(name, definitions)  # type: ignore[misc]
    shape.__pydantic_config__ = _PLAIN_CONFIG  # type: ignore[attr-defined]
    shape.__doc__ = doc
    return Annotated[shape, AfterValidator(after)] if after else shape


def _optional(kind: Any, title: str, description: str | None = None) -> Any:
    return NotRequired[Annotated[kind | None, Field(**_described(title, description))]]


def _required(kind: Any, title: str, description: str | None = None) -> Any:
    return Annotated[kind, Field(**_described(title, description))]


def _described(title: str, description: str | None) -> dict[str, Any]:
    return {"title": title, "description": description} if description else {"title": title}


# A milestone: a thing ordered done, completed on a date, evidenced by a document number (文号).
Milestone = _plain(
    "Milestone",
    {
        "completed": _required(ReportDate, "完成日期", "完成（印发）日期 YYYY-MM-DD"),
        "document_no": _required(Text, "文号", "印发文件的文号"),
    },
    doc="A thing ordered done: completed on a date, evidenced by a document number (文号).",
)


def _field_type(field: RecordField) -> Any:
    if field.type is FieldType.DATE:
        return ReportDate
    if field.type is FieldType.TEXT:
        return Text
    if field.type is FieldType.FLAG:
        return Flag
    if field.type is FieldType.CHOICE:
        return Literal[field.values]
    integer = field.type is FieldType.INTEGER
    bounds: dict[str, float] = {"ge": -INT64, "le": INT64} if integer else {"gt": -FLOAT_LIMIT, "lt": FLOAT_LIMIT}
    if field.minimum is not None:
        bounds["ge"] = field.minimum
    if field.maximum is not None:
        bounds["le"] = field.maximum
    base = int if integer else float
    return Annotated[base, Field(strict=True, **bounds)]  # type: ignore[call-overload]


def _record_model(fact: Fact) -> Any:
    """A record of a declared record list, keyed by field id."""
    definitions = {
        field.id: (_required if field.required else _optional)(_field_type(field), field.label.zh, field.description)
        for field in fact.fields
    }
    date_order = tuple(
        (
            field.id,
            field.not_before,
            f"{field.label.zh} {{end}} 早于 {_label_of(fact, field.not_before)} {{start}}"
            f"（{field.id} is before {field.not_before}）",
        )
        for field in fact.fields
        if field.not_before
    )
    return _plain(f"Record_{fact.id}", definitions, _dates_in_order(date_order) if date_order else None)


def _label_of(fact: Fact, field_id: str) -> str:
    found = fact.field(field_id)
    return found.label.zh if found else field_id


def _rate_model(fact: Fact) -> Any:
    """A rate given as its parts (numerator, denominator) or, where parts are not kept, as a percent."""
    assert fact.numerator is not None and fact.denominator is not None
    definitions: dict[str, Any] = {
        "numerator": _optional(Count, fact.numerator.zh, "分子（整数）"),
        "denominator": _optional(Count, fact.denominator.zh, "分母（整数）"),
        "percent": _optional(
            Annotated[float, Field(strict=True, ge=0, lt=FLOAT_LIMIT, allow_inf_nan=False)],
            "比率（%）",
            "无法提供分子分母时填写的百分比，如 98.5",
        ),
    }
    if fact.previous_year:
        definitions["previous_year_percent"] = _optional(
            Annotated[float, Field(strict=True, ge=0, le=100, allow_inf_nan=False)],
            "上年度比率（%）",
            "上一年度的百分比",
        )
    return _plain(f"Rate_{fact.id}", definitions, _parts_together)


def _value_type(fact: Fact) -> Any:
    if fact.type is FactType.RECORDS:
        return tuple[_record_model(fact), ...]  # type: ignore[misc]
    if fact.type is FactType.RATE:
        return _rate_model(fact)
    if fact.type is FactType.MILESTONE:
        return Milestone
    if fact.type is FactType.COUNT:
        return Count
    if fact.type is FactType.NUMBER:
        return Decimal_
    return Flag


@dataclass(frozen=True)
class FactAccess:
    """How to read one declared fact from a validated report, worked out once per rulebook."""

    fact: Fact
    get: Callable[[ReportHeader], Any]

    def field(self, field_id: str) -> Callable[[Any], Any]:
        """A getter for one field of this fact's records (the field must exist: checked at load); None where an
        optional field is not given."""
        return operator.methodcaller("get", field_id)


@dataclass(frozen=True)
class ReportFormat:
    """The validated report model of one rulebook and how to read each of its facts."""

    model: type[ReportHeader]
    facts: dict[str, FactAccess]


def build_report_format(declared: FactsFile, title: str = "UnitReport") -> ReportFormat:
    """The report model for these facts: header fields, then facts, groups as nested mappings."""
    groups = {group.id: group for group in declared.groups}
    grouped: dict[str, dict[str, Any]] = {group.id: {} for group in declared.groups}
    top: dict[str, Any] = {}
    access: dict[str, FactAccess] = {}
    for fact in declared.facts:
        info = Field(None, alias=fact.report_key, **_described(fact.label.zh, fact.description))
        definition = (_value_type(fact) | None, info)
        attribute = f"f_{fact.report_key}"
        if fact.group is None:
            top[attribute] = definition
            getter = operator.attrgetter(attribute)
        else:
            grouped.setdefault(fact.group, {})[attribute] = definition
            getter = operator.attrgetter(f"f_{fact.group}.{attribute}")
        access[fact.id] = FactAccess(fact, getter)
    for group_id, members in grouped.items():
        group = groups.get(group_id)
        nested = create_model(f"Group_{group_id}", __base__=cast(type[BaseModel], Strict), **members)
        extra = _described(group.label.zh, group.description) if group else {}
        top[f"f_{group_id}"] = (nested, Field(default_factory=nested, alias=group_id, **extra))
    report = cast(type[ReportHeader], create_model(title, __base__=cast(type[BaseModel], ReportHeader), **top))
    return ReportFormat(report, access)
